/*
 * subject: the subject and direction of a fact (docs/FACTS.md, "Context"
 * and "Rulings on context"), read from the words around its number.
 *
 * Nothing here parses Chinese.  The clause is read as short lists of words
 * that FACTS.md names or implies: the verbs that tie a subject to its
 * number (达到, 增长, 新增, 控制在), the verbs that open an object (完成,
 * 规划, 推动), the words that stand beside a subject without being part of
 * it (actors such as 全区, time words, stance words such as 力争, adverbs
 * such as 年均 and 同比), the comparisons whose base is never a subject
 * (比上年, 高于全省), and the predicates that end a noun (完工, 加快).  A
 * subject is looked for in this order:
 *   1. after the unit (3000亩土地资源, 40余个重大项目), where a noun follows
 *      the number, past a list of numbers that share it (12个、55万平方米项目)
 *      and a modifier ending in 的 (宝贵的土地资源);
 *   2. before the number (垃圾分类小区覆盖率达到100%, 完成老旧小区改造35万平方米):
 *      from the number leftwards past the tying words to the nearest word
 *      that a subject cannot cross (a verb that opens an object, an actor, a
 *      time or stance word, 等, another number with its unit);
 *   3. after a 的 that follows the unit (占地1200亩的产业园), when nothing
 *      before the number is left.
 * The direction is the word right before the number, past 了 and a list
 * the number ends: a change word (增长, 下降, 增幅) gives up or down; X到,
 * X至 and 达到 make a level, 新增 an amount, a comparison (高于全省) a gap:
 * none.  A change verb whose object stands right before a percent counts
 * too (压减燃煤10%).
 * The lists are the rules: a word added to one changes what is found, which
 * tests/unit/test_subject.c measures against the gold facts.  Matching them
 * is the cost of a call, a few microseconds on a report's clause.
 *
 * The caller owns the text and every span.  A subject is a span of the text
 * inside the clause; it never holds , ; : or their full-width forms, even
 * where the clause (from another segmenter) does.  The text is UTF-8; a
 * byte that is not is read as one character, so nothing is read outside the
 * clause whatever the input.  No I/O, no allocation; the explanation of the
 * last call is kept per thread, since extract runs on several.
 */
#include "subject.h"

#include <stdint.h>
#include <string.h>

#include "direction.h"
#include "quantity.h"
#include "utf8.h"
#include "words.h"

/* How far from the number a subject is looked for, in bytes each way: a
 * subject is a noun phrase, not a paragraph, and the bound keeps a long
 * clause full of numbers from costing its length squared. */
#define SUBJECT_WINDOW 240
/* The longest noun after a unit, in characters: the project pattern lets its
 * noun stand up to 24 characters after the measure word. */
#define POST_CHARS     30

static _Thread_local const char *last_why = "";

static const char WHY_BAD[] = "none: the number is not inside the clause";
static const char WHY_NONE[] = "none: the clause names nothing the number measures";
static const char WHY_COMPARED[] = "none: only the base of a comparison stands before the number";
static const char WHY_AFTER_UNIT[] = "noun after the unit";
static const char WHY_AFTER_DE[] = "noun after the unit, past a modifier ending in 的";
static const char WHY_COUNTED[] = "the counted noun after the measure word";
static const char WHY_LIST_AFTER[] = "noun after a list of numbers that share it";
static const char WHY_LIST_BEFORE[] = "noun before a list of numbers that share it";
static const char WHY_OBJECT[] = "object of the verb before the number";
static const char WHY_BEFORE_VERB[] = "noun phrase before the verb that ties it to the number";
static const char WHY_BEFORE[] = "noun phrase right before the number";
static const char WHY_BEFORE_COMPARED[] = "noun phrase before the comparison, without its base";
static const char WHY_EXAMPLES[] = "noun after the examples before 等";
static const char WHY_DE_ONLY[] = "noun after 的, nothing before the number";

/* ---- before the number ---- */

/* Would the verb at [s, e) be a noun's first half: 增加值, 完成率,
 * 增长点, 控制性, 建成区, 投入强度, 研发经费投入占…比重? */
static int
noun_follows(const struct rd *r, size_t s, size_t e)
{
    static const struct word heads[] = {W("强度"), W("比重"), W("水平"), W("效率"),
                                        W("效益"), W("总额"), W("总量"), W("能力"),
                                        W("指数"), W("规模"), W("面积"), {NULL, 0}};
    if (ch_in(r, e, "率值量额性点链占") || at_any(r, e, heads))
        return 1;
    return e - s == 6 && memcmp(r->t + s, "建成", 6) == 0 && at(r, e, "区");
}

/* Verbs that open an object, so a subject before the number starts after
 * them (完成老旧小区改造, 规划教育用地, 实现每百户…面积); verbs that
 * usually head a noun (建设, 改造, 服务, 开发, 签约, 组织) are not here. */
static const struct word verbs_open[] = {
    W("推动"), W("推进"),   W("促进"),   W("实现"), W("完成"), W("规划"), W("投入"), W("新增"),
    W("净增"), W("新建"),   W("实施"),   W("加快"), W("启动"), W("开展"), W("打造"), W("盘活"),
    W("利用"), W("统筹"),   W("释放"),   W("引进"), W("引导"), W("支持"), W("带动"), W("落实"),
    W("推广"), W("培育"),   W("创建"),   W("争创"), W("建立"), W("形成"), W("提供"), W("改善"),
    W("达到"), W("提高"),   W("提升"),   W("增加"), W("降低"), W("减少"), W("压减"), W("扩大"),
    W("控制"), W("保持"),   W("稳定"),   W("建成"), W("腾退"), W("收储"), W("出让"), W("供应"),
    W("拆除"), W("拆迁"),   W("征收"),   W("清理"), W("种植"), W("栽植"), W("新植"), W("加大"),
    W("加强"), W("深化"),   W("推行"),   W("引入"), W("吸引"), W("惠及"), W("解决"), W("进行"),
    W("结合"), W("筹集"),   W("完善"),   W("整理"), W("复垦"), W("储备"), W("收回"), W("腾出"),
    W("扩建"), W("改扩建"), W("新改建"), W("优化"), W("通过"), W("围绕"), W("按照"), W("依托"),
    W("借助"), W("对于"),   W("关于"),   W("让"),   W("把"),   {NULL, 0}};

/* A verb of verbs_open ending at p that is not a noun's first half, nor
 * inside one (新增 of 高新增加值). */
static size_t
verb_ending(const struct rd *r, size_t p)
{
    size_t best = 0;
    if (p >= r->lo + 3 && (at(r, p - 3, "增加值") || at(r, p - 3, "增长率")))
        return 0;
    for (const struct word *v = verbs_open; v->s != NULL; v++)
        if (v->n > best && ends_n(r, p, v->s, v->n) && !noun_follows(r, p - v->n, p))
            best = v->n;
    /* 使 as in 使覆盖率达到, not 使用 or 大使. */
    if (best == 0 && ends(r, p, "使") && !ch_in(r, p, "用命者馆节") &&
        !prev_in(r, p - 3, "大天促即假致行公出"))
        best = 3;
    return best;
}

/* Stance words (FACTS.md), with the words they hide in: 将近, 主要, 需要,
 * 要求, 模拟. */
static size_t
stance_ending(const struct rd *r, size_t p)
{
    static const struct word words[] = {W("力争"), W("确保"), W("已经"), W("预计"),
                                        W("争取"), W("力求"), {NULL, 0}};
    size_t k = end_any(r, p, words);
    if (k != 0)
        return k;
    if (ends(r, p, "将") && !ch_in(r, p, "近军领") && !prev_in(r, p - 3, "即必终"))
        return 3;
    if (ends(r, p, "要") && !ch_in(r, p, "求素点闻件") && !prev_in(r, p - 3, "主重需只必纪摘概"))
        return 3;
    if (ends(r, p, "已") && !prev_in(r, p - 3, "而不"))
        return 3;
    if (ends(r, p, "拟") && !prev_in(r, p - 3, "模虚草比"))
        return 3;
    return 0;
}

/* A time word or phrase that ends at p (今年, 到2025年, 2019年底, 今年以来,
 * 一季度): its length, 0 if none. */
static size_t
time_ending(const struct rd *r, size_t p)
{
    static const struct word words[] = {
        W("今年以来"), W("今年"),     W("明年"),   W("去年"),   W("上年"),   W("当年"),
        W("全年"),     W("年内"),     W("年底"),   W("年末"),   W("年初"),   W("同期"),
        W("近年来"),   W("近年"),     W("届时"),   W("期间"),   W("以来"),   W("上半年"),
        W("下半年"),   W("前三季度"), W("一季度"), W("二季度"), W("三季度"), W("四季度"),
        W("十四五"),   W("十三五"),   W("十五五"), {NULL, 0}};
    static const struct word after[] = {W("底"),   W("末"),   W("初"),   W("以来"),
                                        W("前"),   W("后"),   W("度"),   W("份"),
                                        W("中旬"), W("上旬"), W("下旬"), {NULL, 0}};
    static const struct word before[] = {W("截至"), W("截止"), W("到"),  W("至"),
                                         W("在"),   W("于"),   {NULL, 0}};
    size_t k = end_any(r, p, words), q = p, d;

    /* A date: a year of two to four digits and 年, a month of one or two
     * and 月 (1-9月), a day and 日, with 底 末 初 以来…; longer than the
     * words (2019年底, not 年底). */
    q -= end_any(r, q, after);
    if (ends(r, q, "日")) {
        for (q -= 3, d = 0; q > r->lo && is_digit(r->t[q - 1]); d++)
            q--;
        if (d < 1 || d > 2 || !ends(r, q, "月"))
            return k;
    }
    if (ends(r, q, "月")) {
        for (q -= 3, d = 0; q > r->lo && is_digit(r->t[q - 1]); d++)
            q--;
        if (d < 1 || d > 2)
            return k;
        if (q > r->lo + 1 && r->t[q - 1] == '-' && is_digit(r->t[q - 2]))
            for (q--; q > r->lo && is_digit(r->t[q - 1]);)
                q--;
        if (!ends(r, q, "年")) {
            q -= end_any(r, q, before);
            return p - q > k ? p - q : k;
        }
    }
    if (!ends(r, q, "年"))
        return k;
    q -= 3;
    for (d = 0; q > r->lo && is_digit(r->t[q - 1]); d++)
        q--;
    if (d < 2 || d > 4 || (q > r->lo && (r->t[q - 1] == '.' || r->t[q - 1] == '-')))
        return k;
    q -= end_any(r, q, before);
    return p - q > k ? p - q : k;
}

/* The same, starting at p. */
static size_t
time_starting(const struct rd *r, size_t p, size_t hi)
{
    /* Try every end up to the next eight characters: the phrases are short. */
    size_t best = 0, e = p;
    for (int i = 0; i < 8 && e < hi; i++) {
        e += ch_len(r, e);
        size_t k = time_ending(r, e);
        if (e - k == p && k > best)
            best = k;
    }
    return best;
}

/* 等 that closes a list of examples (…等海绵城市建设项目), not 等级, 高等,
 * 平等, 一等奖. */
static size_t
deng_ending(const struct rd *r, size_t p)
{
    if (!ends(r, p, "等"))
        return 0;
    if (ch_in(r, p, "级次于同待候值奖效量") ||
        prev_in(r, p - 3, "高平同均对相上中初一二三四何优头特超劣"))
        return 0;
    return ends(r, p - 3, "等") ? 6 : 3;
}

/* Kinds of left edges, for the explanation. */
enum edge { EDGE_NONE, EDGE_VERB, EDGE_DENG, EDGE_OTHER };

/* Does a word that a subject before the number cannot cross end at p? */
static enum edge
edge_ending(const struct rd *r, size_t p)
{
    if (quantity_ending(r, p) != SIZE_MAX)
        return EDGE_OTHER;
    if (verb_ending(r, p) != 0)
        return EDGE_VERB;
    if (deng_ending(r, p) != 0)
        return EDGE_DENG;
    if (stance_ending(r, p) != 0 || time_ending(r, p) != 0)
        return EDGE_OTHER;
    return EDGE_NONE;
}

/*
 * Words between a subject and its number that belong to neither, taken off
 * the end of what stands before the number: the verb that ties them (达到,
 * 增长, 控制在, 新增, 完成) and 由, which makes the number the level a change
 * starts from.  Guards on the one-character words follow in tie_ending().
 */
static const struct word ties[] = {
    W("达到"),   W("达"),     W("有"),     W("共有"),   W("增长"),   W("增加"), W("提高"),
    W("提升"),   W("扩大"),   W("上升"),   W("上涨"),   W("攀升"),   W("增幅"), W("涨幅"),
    W("增速"),   W("增"),     W("涨"),     W("升"),     W("下降"),   W("降低"), W("减少"),
    W("压减"),   W("压缩"),   W("削减"),   W("缩减"),   W("缩小"),   W("回落"), W("下滑"),
    W("下跌"),   W("降幅"),   W("减幅"),   W("降"),     W("减"),     W("新增"), W("净增"),
    W("完成"),   W("实施"),   W("实现"),   W("新建"),   W("建成"),   W("打造"), W("投入"),
    W("盘活"),   W("利用"),   W("释放"),   W("开工"),   W("新开工"), W("竣工"), W("完工"),
    W("投产"),   W("占地"),   W("占"),     W("控制"),   W("保持"),   W("稳定"), W("维持"),
    W("控制在"), W("保持在"), W("稳定在"), W("维持在"), W("由"),     W("从"),   W("增产"),
    W("增收"),   W("减产"),   W("减收"),   W("收窄"),   W("放缓"),   {NULL, 0}};

/* Adverbs and stance words there too (年均, 同比, 分别, 累计, 力争); they
 * also stand between a subject and a comparison (产值均占…, 增速分别高于…). */
static const struct word adverbs[] = {
    W("年均"), W("平均"), W("同比"), W("环比"), W("可比"), W("分别"), W("已"),   W("已经"),
    W("将"),   W("要"),   W("力争"), W("确保"), W("争取"), W("力求"), W("预计"), W("再"),
    W("又"),   W("先后"), W("也"),   W("还"),   W("仍"),   W("仍然"), W("依然"), W("始终"),
    W("持续"), W("继续"), W("稳步"), W("逐步"), W("累计"), W("共"),   W("共计"), W("合计"),
    W("总计"), W("总共"), W("一共"), W("超额"), W("都"),   W("了"),   W("的"),   {NULL, 0}};

/* Length of the adverb that ends at p, with its guards; 0 if none. */
static size_t
adverb_ending(const struct rd *r, size_t p)
{
    size_t k = end_any(r, p, adverbs);

    /* 均 of 人均 and 户均 says what is measured: it stays. */
    if (ends(r, p, "均") && !ends(r, p, "年均") && !ends(r, p, "平均") &&
        !prev_in(r, p - 3, "人户亩地日月"))
        k = k > 3 ? k : 3;
    /* 共 of 项目共5个, not 公共; 都 not of 首都. */
    if (k == 3 && (ends(r, p, "共") || ends(r, p, "都")) && prev_in(r, p - 3, "公首成"))
        k = 0;
    return k;
}

/* Length of the tying word that ends at p, with its guards; 0 if none.
 * 增速 and 增幅 are change words only right before the number (增速7%);
 * further off they are the subject (增速放缓0.5个百分点). */
static size_t
tie_ending(const struct rd *r, size_t p, int first)
{
    size_t k = end_any(r, p, ties);

    if (!first && k == 6 && (ends(r, p, "幅") || ends(r, p, "增速")))
        return 0;
    /* 为 as the copula, not 行为, 作为, 成为. */
    if (k == 0 && ends(r, p, "为") && !prev_in(r, p - 3, "行作认成因以称"))
        k = 3;
    if (k == 0 && ends(r, p, "是") && !prev_in(r, p - 3, "但还就或于也总正只更凡"))
        k = 3;
    /* 到 of 提高到, not 得到 or 受到. */
    if (k == 0 && ends(r, p, "到") && !prev_in(r, p - 3, "得受感见遇想做找拿收报"))
        k = 3;
    if (k == 0 && ends(r, p, "至") && !prev_in(r, p - 3, "甚乃以直"))
        k = 3;
    /* 有 of 项目有6个, not 国有 or 所有. */
    if (k == 3 && ends(r, p, "有") && prev_in(r, p - 3, "国公私所特固专拥具没"))
        k = 0;
    return k;
}

static int
holds(const struct rd *r, size_t s, size_t e, const char *w)
{
    size_t n = strlen(w);
    for (size_t p = s; p + n <= e; p++)
        if (memcmp(r->t + p, w, n) == 0)
            return 1;
    return 0;
}

/*
 * A comparison before the number, whose base is never the subject
 * (比上年, 较2015年, 高于全省, 超计划, 占全区面积的, 与上年相比): where
 * it starts in [lo, R), or R when there is none.  A verb after the
 * comparison starts a new phrase (比上年增加绿地100亩: the subject is 绿地).
 */
static size_t
comparison_start(const struct rd *r, size_t R)
{
    static const struct word words[] = {W("高于"), W("低于"), W("快于"), W("慢于"), W("多于"),
                                        W("少于"), W("大于"), W("小于"), W("好于"), W("优于"),
                                        W("高出"), W("低出"), W("超过"), W("超出"), W("超计划"),
                                        W("超额"), W("相比"), W("相较"), {NULL, 0}};
    size_t cut = R;

    for (size_t p = r->lo; p < R; p += ch_len(r, p)) {
        size_t k = at_any(r, p, words);
        if (k == 0 && at(r, p, "比") && !ch_in(r, p + 3, "例重率赛较拼选对值分照如邻肩翼") &&
            !prev_in(r, p, "占对相类评攀无好正反配同环排"))
            k = 3;
        if (k == 0 && at(r, p, "较") &&
            !ch_in(r, p + 3, "大小高低快慢好多少强弱为差早晚长短重轻优佳") &&
            !prev_in(r, p, "比相计"))
            k = 3;
        /* 绿地占全区面积的30%, but 税收占财政收入比重 is the share itself. */
        if (k == 0 && at(r, p, "占") && !ch_in(r, p + 3, "比地用有据领主位优") &&
            !prev_in(r, p, "抢侵霸独") && !holds(r, p, R, "比重") && !holds(r, p, R, "比例"))
            k = 3;
        if (k != 0 && p + k <= R) {
            cut = p;
            if (at(r, p, "相比") || at(r, p, "相较"))
                for (size_t b = p; b > r->lo;) {
                    b = ch_prev(r, b);
                    if (ch_in(r, b, "与同跟和")) {
                        cut = b;
                        break;
                    }
                }
            p += k - ch_len(r, p);
        } else if (cut != R && verb_ending(r, p + ch_len(r, p)) != 0) {
            cut = R;
        }
    }
    return cut;
}

/* 由15%, 由2020年的32.7% ending at R: the level a change starts from, which
 * is neither subject nor part of it.  Where its 由 starts, or SIZE_MAX. */
static size_t
from_level(const struct rd *r, size_t R)
{
    size_t s = quantity_ending(r, R);
    if (s == SIZE_MAX)
        return SIZE_MAX;
    s = skip_blank_back(r, s);
    if (ends(r, s, "的"))
        s = skip_blank_back(r, s - 3);
    s -= time_ending(r, s);
    s = skip_blank_back(r, s);
    return ends(r, s, "由") || ends(r, s, "从") ? s - 3 : SIZE_MAX;
}

/* A remark in brackets that ends at p, (下同) or (预计数): its length. */
static size_t
aside_ending(const struct rd *r, size_t p)
{
    if (!ends(r, p, ")"))
        return 0;
    for (size_t q = p - 1; q > r->lo && p - q <= 24;) {
        q--;
        if (r->t[q] == '(')
            return p - q;
        if (r->t[q] == ')')
            return 0;
    }
    return 0;
}

/* Take the tying words, adverbs, time words, remarks and a 由 level off
 * the end at R; only adverbs, time words and remarks when what is left
 * stood before a comparison (in 增速高于全省, 增速 is the subject, not a
 * change word). */
static size_t
strip_ties(const struct rd *r, size_t R, int compared, int *tied)
{
    int verbs = 0;
    for (;;) {
        size_t k, s;
        R = skip_blank_back(r, R);
        if (R <= r->lo)
            return r->lo;
        if ((k = time_ending(r, R)) != 0 || (k = adverb_ending(r, R)) != 0) {
            R -= k;
        } else if ((k = aside_ending(r, R)) != 0) {
            R -= k; /* 同比(下同)增长 */
        } else if (compared) {
            return R;
        } else if ((k = tie_ending(r, R, verbs == 0)) != 0) {
            /* 增幅为3%: the copula leaves 增幅 right before the number. */
            if (!(k == 3 && (ends(r, R, "为") || ends(r, R, "是") || ends(r, R, "达"))) &&
                !(k == 6 && ends(r, R, "达到")))
                verbs++;
            R -= k;
            *tied = 1;
        } else if ((s = from_level(r, R)) != SIZE_MAX) {
            R = s;
        } else {
            return R;
        }
    }
}

/* A list marker at p (1. 3、 (五) ■ ◆): its length, 0 if none. */
static size_t
marker_starting(const struct rd *r, size_t p)
{
    static const char symbols[] = "■□◆◇●○★☆▲△※•";
    size_t e = p;

    if (ch_in(r, p, symbols))
        return 3;
    if (p < r->hi && r->t[p] == '(') {
        for (e = p + 1; e < r->hi && (is_digit(r->t[e]) || ch_in(r, e, quantity_cn_lead));)
            e += ch_len(r, e);
        return e > p + 1 && e < r->hi && r->t[e] == ')' ? e + 1 - p : 0;
    }
    while (e < r->hi && (is_digit(r->t[e]) || ch_in(r, e, quantity_cn_lead)))
        e += ch_len(r, e);
    if (e == p || e - p > 6)
        return 0;
    if (e < r->hi && (r->t[e] == '.' || r->t[e] == ')') &&
        !(e + 1 < r->hi && is_digit(r->t[e + 1])))
        return e + 1 - p;
    return at(r, e, "、") ? e + 3 - p : 0;
}

/* Words a subject does not start with: joiners, actors, time and stance
 * words, adverbs, and a verb that heads a noun when it governs the rest
 * (建设绿地, 改造老旧小区; 建设项目 and 建设用地 are nouns). */
static size_t
lead_starting(const struct rd *r, size_t p, size_t R)
{
    static const struct word words[] = {
        W("、"),     W("及"),   W("与"),   W("以及"), W("并"),     W("同时"),   W("此外"),
        W("另外"),   W("其中"), W("全区"), W("我区"), W("全市"),   W("我市"),   W("全县"),
        W("我县"),   W("全镇"), W("我镇"), W("本区"), W("本市"),   W("区政府"), W("市政府"),
        W("县政府"), W("目前"), W("当前"), W("已"),   W("已经"),   W("力争"),   W("确保"),
        W("预计"),   W("争取"), W("力求"), W("继续"), W("进一步"), W("全面"),   W("大力"),
        W("积极"),   W("努力"), W("着力"), W("持续"), W("切实"),   W("精心"),   W("先后"),
        W("共计"),   W("总计"), W("合计"), W("也"),   W("全力"),   W("把"),     W("让"),
        W("将"),     W("共有"), W("现有"), W("拥有"), W("原先"),   W("原有"),   {NULL, 0}};
    static const struct word heads[] = {W("建设"), W("改造"), W("开发"), W("整治"),
                                        W("治理"), W("修复"), {NULL, 0}};
    static const struct word head_nouns[] = {W("项目"), W("工程"), W("用地"), W("规模"),
                                             W("面积"), W("任务"), W("进度"), W("力度"),
                                             W("资金"), W("单位"), {NULL, 0}};
    size_t k = at_any(r, p, words);

    if (k == 0)
        k = marker_starting(r, p);
    /* 累计 of 累计清拆, not of 累计达标率. */
    if (k == 0 && at(r, p, "累计") && !ch_in(r, ch_prev(r, R), "率量额数"))
        k = 6;
    if (k == 0 && at(r, p, "和") && !ch_in(r, p + 3, "谐平美"))
        k = 3;
    if (k == 0 && at(r, p, "要") && !ch_in(r, p + 3, "求素点闻件"))
        k = 3;
    if (k == 0 && at(r, p, "使") && !ch_in(r, p + 3, "用命者馆节"))
        k = 3;
    if (k == 0)
        k = time_starting(r, p, R);
    if (k == 0 && (k = at_any(r, p, heads)) != 0 && p + k < R && at_any(r, p + k, head_nouns))
        k = 0;
    return p + k <= R ? k : 0;
}

/* Paired marks: one without its partner inside the subject is dropped. */
static const struct word opens[] = {W("“"),  W("‘"),  W("《"), W("("),   W("「"),
                                    W("『"), W("【"), W("["),  {NULL, 0}};
static const struct word closes[] = {W("”"),  W("’"),  W("》"), W(")"),   W("」"),
                                     W("』"), W("】"), W("]"),  {NULL, 0}};

/* Trim [*s, *e): blanks, unpaired marks, and joiners or 的 at the end. */
static void
trim(const struct rd *r, size_t *s, size_t *e)
{
    static const struct word tail[] = {W("的"), W("、"), W("和"),  W("及"),
                                       W("与"), W("等"), {NULL, 0}};
    for (int changed = 1; changed && *s < *e;) {
        changed = 0;
        size_t k;
        while (*s < *e && is_blank(r->t[*s]))
            (*s)++, changed = 1;
        while (*e > *s && is_blank(r->t[*e - 1]))
            (*e)--, changed = 1;
        for (size_t i = 0; opens[i].s != NULL && *s < *e; i++) {
            size_t n = opens[i].n;
            if (*s + n <= *e && at(r, *s, opens[i].s) && !holds(r, *s + n, *e, closes[i].s)) {
                *s += n;
                changed = 1;
            }
            n = closes[i].n;
            if (*e >= *s + n && ends(r, *e, closes[i].s) && !holds(r, *s, *e - n, opens[i].s)) {
                *e -= n;
                changed = 1;
            }
        }
        if (*e > *s && (k = end_any(r, *e, tail)) != 0 && *e - k >= *s) {
            *e -= k;
            changed = 1;
        }
    }
}

/* How the subject before the number was found. */
struct before {
    size_t edge;    /* where the word before the subject ends */
    enum edge kind; /* what that word is */
    int tied;       /* a tying word stood between subject and number */
};

/* The subject before the number, whose surface starts at R0. */
static int
subject_before(const struct rd *r, size_t R0, struct span *out, const char **why, struct before *b)
{
    int listed = 0;
    size_t R = strip_ties(r, quantity_list_start(r, R0, &listed), 0, &b->tied);
    size_t c = comparison_start(r, R);
    int compared = c != R;

    b->kind = EDGE_NONE;
    if (compared)
        R = strip_ties(r, c, 1, &b->tied);
    /* A verb right before the number is the activity the number measures
     * (完成征地拆迁360亩, as 完成老旧小区改造35万平方米): no edge there. */
    size_t s = R;
    if (s > r->lo && verb_ending(r, s) != 0)
        s -= verb_ending(r, s);
    while (s > r->lo && (b->kind = edge_ending(r, s)) == EDGE_NONE)
        s = ch_prev(r, s);
    b->edge = s;
    for (size_t k; s < R && (k = lead_starting(r, s, R)) != 0;)
        s += k;
    size_t e = R;
    /* An edge inside quotes (“三类500强”项目) does not cut them. */
    for (size_t i = 0; closes[i].s != NULL; i++)
        if (holds(r, s, e, closes[i].s) && !holds(r, s, e, opens[i].s))
            for (size_t q = s; q > r->lo;) {
                q = ch_prev(r, q);
                if (at(r, q, opens[i].s)) {
                    s = q;
                    break;
                }
            }
    trim(r, &s, &e);
    /* A verb alone (推动 before a number) names nothing. */
    if (s < e && verb_ending(r, e) == e - s)
        s = e;
    if (s >= e) {
        *why = compared ? WHY_COMPARED : WHY_NONE;
        return 0;
    }
    out->off = s;
    out->len = e - s;
    *why = listed                 ? WHY_LIST_BEFORE
           : b->kind == EDGE_DENG ? WHY_EXAMPLES
           : compared             ? WHY_BEFORE_COMPARED
           : b->tied              ? WHY_BEFORE_VERB
           : b->kind == EDGE_VERB ? WHY_OBJECT
                                  : WHY_BEFORE;
    return 1;
}

/* ---- after the number ---- */

/* Words that end a noun after the unit (项目完工, 项目加快建设) or show that
 * none follows it (增长7.3%高于全省). */
static const struct word predicates[] = {
    W("完工"), W("竣工"),     W("开工"),   W("投产"), W("投用"), W("开业"), W("落地"), W("入选"),
    W("加快"), W("建成"),     W("完成"),   W("实现"), W("达到"), W("提高"), W("提升"), W("增长"),
    W("下降"), W("降低"),     W("减少"),   W("启动"), W("推进"), W("纳入"), W("列入"), W("获批"),
    W("正式"), W("顺利"),     W("全部"),   W("分别"), W("同比"), W("环比"), W("高于"), W("低于"),
    W("已"),   W("将"),       W("均"),     W("为"),   W("是"),   W("占"),   W("入市"), W("上市"),
    W("交付"), W("供地"),     W("被"),     W("正在"), W("计划"), W("预计"), W("得到"), W("获得"),
    W("实施"), W("覆盖"),     W("全覆盖"), W("达标"), W("到位"), W("入库"), W("挂牌"), W("开园"),
    W("运营"), W("投入使用"), {NULL, 0}};

/* Does the noun after the unit end at p? */
static int
noun_stops(const struct rd *r, size_t p)
{
    size_t k = at_any(r, p, predicates);
    if (k != 0 && !noun_follows(r, p, p + k))
        return 1;
    if (at(r, p, "要") && !prev_in(r, p, "主重需只必纪摘概") && !ch_in(r, p + 3, "求素点闻件"))
        return 1;
    if (at(r, p, "增加") && !at(r, p + 6, "值"))
        return 1;
    if (at(r, p, "等") && deng_ending(r, p + 3) != 0)
        return 1;
    return quantity_starting(r, p);
}

/* An amount that describes the noun after the unit (75个千万元以上重点项目):
 * its end, or p. */
static size_t
amount_end(const struct rd *r, size_t p)
{
    size_t e = p;
    while (e < r->hi && (is_digit(r->t[e]) || r->t[e] == '.' || ch_in(r, e, quantity_cn_more)))
        e += ch_len(r, e);
    if (e == p || !(at(r, e, "元") || at(r, e, "万元") || at(r, e, "亿元")))
        return p;
    e += at(r, e, "元") ? 3 : 6;
    size_t k = at_any(r, e, quantity_quals_after);
    return e + k;
}

/* Is [s, d) a modifier that 的 ends (宝贵的, 总投资69.5亿元的), rather than
 * the noun itself (土地资源的开发)?  Short, or an amount. */
static int
modifier(const struct rd *r, size_t s, size_t d)
{
    size_t chars = 0;
    for (size_t p = s; p < d; p += ch_len(r, p)) {
        if (is_digit(r->t[p]))
            return 1;
        chars++;
    }
    return chars <= 2 || ends(r, d, "元");
}

/*
 * The noun after the unit, starting at p.  fixed is the end of a project's
 * counted noun, which the pattern found (0 when not a count).  *de gets
 * where the noun after a 的 right after the unit starts, for the last
 * resort (占地1200亩的产业园).
 */
static int
subject_after(const struct rd *r, size_t p, size_t fixed, struct span *out, const char **why,
              size_t *de)
{
    static const struct word joiners[] = {W("、"), W("和"), W("及"), W("与"), {NULL, 0}};
    size_t end = fixed ? fixed : r->hi, chars = 0;
    int listed = 0;

    *de = 0;
    /* 12个、55万平方米项目: the noun after the list is this number's too. */
    for (;;) {
        size_t s = skip_blank(r, p), j = at_any(r, s, joiners), e;
        if (j == 0 || s + j >= end)
            break;
        s = skip_blank(r, s + j);
        s += at_any(r, s, quantity_quals_before);
        if (!quantity_may_start(r, s) || (e = quantity_end(r, s, NULL)) == 0 || e > end)
            break;
        p = e;
        listed = 1;
    }
    p = skip_blank(r, p);
    if (p >= end || delim_at(r->t, p, r->hi))
        return 0;
    if (at(r, p, "的")) {
        *de = p + 3;
        return 0;
    }
    if (!fixed &&
        (noun_stops(r, p) || at_any(r, p, joiners) || at_any(r, p, quantity_quals_after) ||
         r->t[p] == '(' || is_digit(r->t[p]) || at(r, p, "比") || at(r, p, "较") || at(r, p, "等")))
        return 0;
    size_t s = amount_end(r, p), e = s;
    int past_de = 0;
    while (e < end && chars < POST_CHARS) {
        if (delim_at(r->t, e, r->hi))
            break;
        if (at(r, e, "的")) {
            /* A counted noun always ends in 项目 or 工程: a 的 before it
             * ends a modifier. */
            if (e + 3 < end && (fixed || modifier(r, s, e))) {
                s = e = amount_end(r, e + 3);
                past_de = 1;
                continue;
            }
            break;
        }
        if (!fixed && e > s &&
            (noun_stops(r, e) ||
             (at_any(r, e, joiners) && quantity_starting(r, skip_blank(r, e + 3)))))
            break;
        e += ch_len(r, e);
        chars++;
    }
    trim(r, &s, &e);
    if (s >= e)
        return 0;
    out->off = s;
    out->len = e - s;
    *why = listed ? WHY_LIST_AFTER : fixed ? WHY_COUNTED : past_de ? WHY_AFTER_DE : WHY_AFTER_UNIT;
    return 1;
}

/* ---- the call ---- */

const char *
subject_direction_name(enum fact_direction d)
{
    switch (d) {
    case DIRECTION_UP:
        return "up";
    case DIRECTION_DOWN:
        return "down";
    default:
        return NULL;
    }
}

const char *
subject_why(void)
{
    return last_why;
}

/* Does [s, s+n) hold a clause delimiter?  Never, by construction; checked
 * all the same, since the promise is the caller's guarantee. */
static int
crosses(const char *t, size_t s, size_t n)
{
    for (size_t p = s; p < s + n; p++)
        if (delim_at(t, p, s + n))
            return 1;
    return 0;
}

void
subject_find(const char *text, struct span clause, struct span f_text, struct span num,
             const struct span *others, size_t nothers, struct span *subject,
             enum fact_direction *dir)
{
    struct rd r = {.t = text, .lo = clause.off, .hi = clause.off + clause.len};
    size_t k, unit_end = 0;

    subject->off = subject->len = 0;
    *dir = DIRECTION_NONE;
    if (text == NULL || num.off < r.lo || num.off >= r.hi ||
        ((unsigned char)text[num.off] & 0xC0) == 0x80) {
        last_why = WHY_BAD;
        return;
    }
    /* Whole characters only, whatever spans come in. */
    while (r.lo < num.off && ((unsigned char)text[r.lo] & 0xC0) == 0x80)
        r.lo++;
    for (size_t q = r.hi; q > num.off && r.hi - q < 4;) {
        q--;
        if (((unsigned char)text[q] & 0xC0) != 0x80) {
            if (utf8_seq((const unsigned char *)text + q, r.hi - q) != r.hi - q)
                r.hi = q; /* the clause's end cuts its last character */
            break;
        }
    }

    /* The surface: qualifier words, 百分之 and a sign before the number. */
    size_t s0 = num.off;
    for (;;) {
        size_t b = skip_blank_back(&r, s0);
        if ((k = quantity_qual_before(&r, b)) != 0 || (k = ends(&r, b, "百分之") ? 9 : 0) != 0 ||
            (k = ends(&r, b, "负") ? 3 : 0) != 0 ||
            (k = ends(&r, b, "-") && !(b >= r.lo + 2 && is_digit(text[b - 2])) ? 1 : 0) != 0)
            s0 = b - k;
        else
            break;
    }
    size_t e0 = quantity_number_end(&r, num.off);
    if (e0 == num.off)
        e0 = num.off + (num.len && num.len <= r.hi - num.off ? num.len : ch_len(&r, num.off));

    /* Only so far from the number, and only the part between the
     * delimiters around it. */
    size_t lo = r.lo, hi = r.hi;
    if (s0 > lo + SUBJECT_WINDOW) {
        lo = s0 - SUBJECT_WINDOW;
        while (lo < s0 && ((unsigned char)text[lo] & 0xC0) == 0x80)
            lo++;
    }
    if (hi > e0 + SUBJECT_WINDOW) {
        hi = e0 + SUBJECT_WINDOW;
        while (hi > e0 && ((unsigned char)text[hi] & 0xC0) == 0x80)
            hi--;
    }
    for (size_t p = lo; p < s0; p++)
        if ((k = delim_at(text, p, s0)) != 0)
            lo = p + k;
    for (size_t p = e0; p < hi; p++)
        if (delim_at(text, p, hi)) {
            hi = p;
            break;
        }
    r.lo = lo;
    r.hi = hi;

    /* The end of the surface, and of a project's counted noun. */
    size_t q_end = quantity_end(&r, num.off, &unit_end), s_end = q_end ? q_end : e0;
    size_t f_end = f_text.off + f_text.len, fixed = 0;
    if (f_text.len == 0 || f_text.off > num.off || f_end < e0 ||
        (f_end < hi && ((unsigned char)text[f_end] & 0xC0) == 0x80))
        f_end = 0;
    if (f_end > hi)
        f_end = hi;
    if (q_end != 0 && f_end > q_end &&
        (ends(&r, f_end, "项目") || ends(&r, f_end, "工程") || ends(&r, f_end, "項目")))
        fixed = f_end;
    else if (f_end > s_end)
        s_end = f_end;
    if ((k = at_any(&r, skip_blank(&r, s_end), quantity_quals_after)) != 0)
        s_end = skip_blank(&r, s_end) + k;

    struct span own = {s0, (fixed ? fixed : s_end) - s0};
    int relative = holds(&r, s0, s_end, "%") || holds(&r, s0, s_end, "百分");
    quantity_find(&r, others, nothers, own);

    int listed = 0;
    size_t before_list = quantity_list_start(&r, s0, &listed);
    *dir = direction_before(&r, before_list);

    const char *why = WHY_NONE;
    size_t de = 0;
    struct span got = {0, 0};
    struct before b = {0, EDGE_NONE, 0};
    if (subject_after(&r, s_end, fixed, &got, &why, &de)) {
        /* found after the unit */
    } else if (subject_before(&r, s0, &got, &why, &b)) {
        /* 压减燃煤10%: a change verb and its object right before a percent
         * make it the size of the change, as 下降10% does.  An amount after
         * them stays an amount, as after 新增 (增加绿地100亩). */
        size_t n;
        enum fact_direction d = direction_change_ending(&r, b.edge, &n);
        if (*dir == DIRECTION_NONE && relative && !b.tied && b.kind == EDGE_VERB && n != 0 &&
            !ends(&r, skip_blank_back(&r, before_list), "到") &&
            !ends(&r, skip_blank_back(&r, before_list), "至"))
            *dir = d;
    } else if (de != 0 && subject_after(&r, de, 0, &got, &why, &k)) {
        why = WHY_DE_ONLY;
    }
    if (got.len != 0 && !crosses(text, got.off, got.len))
        *subject = got;
    else if (got.len != 0)
        why = WHY_NONE;
    last_why = why;
}
