/*
 * subject: the subject and direction of a fact (FACTS.md, "Context" and
 * "Rulings on context"), one group of cases per rule, then the gold facts
 * of tests/data/corpus/gold (every .jsonl): each fact's clause alone is the text,
 * and the test fails when direction accuracy falls below 0.95 or the mean
 * character F1 of the subjects below 0.85 (the thresholds).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "segment.h"
#include "subject.h"

#define DIR_ACC_MIN 0.95
#define SUBJ_F1_MIN 0.85

/* ---- one clause ---- */

static char got_subject[512];
static const char *got_dir;

/* Offset of the n-th occurrence (from 0) of t in c not overlapping
 * [avoid, avoid+alen), or -1. */
static long
find_nth(const char *c, const char *t, int n, size_t avoid, size_t alen)
{
    size_t tl = strlen(t);
    for (const char *p = strstr(c, t); p != NULL; p = strstr(p + 1, t)) {
        size_t off = (size_t)(p - c);
        if (alen != 0 && off < avoid + alen && off + tl > avoid)
            continue;
        if (n-- == 0)
            return (long)off;
    }
    return -1;
}

static int
numeral_at(const char *s)
{
    static const char *const cn[] = {"零", "〇", "一", "二", "两", "三", "四",
                                     "五", "六", "七", "八", "九", "十", NULL};
    if (*s >= '0' && *s <= '9')
        return 1;
    for (int i = 0; cn[i] != NULL; i++)
        if (strncmp(s, cn[i], strlen(cn[i])) == 0)
            return 1;
    return 0;
}

/*
 * Run subject_find with clause c as the whole text, for the fact whose text
 * is the n-th occurrence of t, its number the first digit or numeral of t;
 * others (NULL-ended, may be NULL) are the texts of the clause's other facts,
 * each at its first occurrence outside t.  Returns 0, or -1 when t is not in c.
 */
static int
run_n(const char *c, const char *t, int n, const char *const *others)
{
    struct span clause = {0, strlen(c)}, subject, num, f, other[16];
    enum fact_direction d;
    size_t no = 0;
    long off = find_nth(c, t, n, 0, 0);

    got_subject[0] = '\0';
    got_dir = "(none)";
    if (off < 0)
        return -1;
    f.off = (size_t)off;
    f.len = strlen(t);
    num.off = f.off;
    while (num.off < f.off + f.len && !numeral_at(c + num.off))
        num.off++;
    num.len = 0;
    for (; others != NULL && others[no] != NULL && no < 16; no++) {
        long o = find_nth(c, others[no], 0, f.off, f.len);
        other[no].off = o < 0 ? 0 : (size_t)o;
        other[no].len = o < 0 ? 0 : strlen(others[no]);
    }
    subject_find(c, clause, f, num, other, no, &subject, &d);
    if (subject.len == 0)
        snprintf(got_subject, sizeof got_subject, "(none)");
    else
        snprintf(got_subject, sizeof got_subject, "%.*s", (int)subject.len, c + subject.off);
    got_dir = subject_direction_name(d) ? subject_direction_name(d) : "(none)";
    return 0;
}

/* A case: clause, the fact's text, the subject and direction wanted (NULL
 * for none). */
#define SUBJ_N(c_, t_, n_, others_, subj_, dir_)                                                   \
    do {                                                                                           \
        const char *ws_ = (subj_), *wd_ = (dir_);                                                  \
        CHECK(run_n((c_), (t_), (n_), (others_)) == 0);                                            \
        CHECK_STR(got_subject, ws_ ? ws_ : "(none)");                                              \
        CHECK_STR(got_dir, wd_ ? wd_ : "(none)");                                                  \
    } while (0)
#define SUBJ(c_, t_, subj_, dir_) SUBJ_N(c_, t_, 0, NULL, subj_, dir_)

/* ---- the rules ---- */

static void
test_number_after_subject(void)
{
    /* The noun phrase before the verb, past actors, time and stance words. */
    SUBJ("确保垃圾分类小区覆盖率达到100%", "100%", "垃圾分类小区覆盖率", NULL);
    SUBJ("规上工业增加值年均增长6.5%", "6.5%", "规上工业增加值", "up");
    SUBJ("建成区绿化覆盖率达到40%", "40%", "建成区绿化覆盖率", NULL);
    SUBJ("全区地区生产总值同比增长7.3%", "7.3%", "地区生产总值", "up");
    SUBJ("我区绿化覆盖率达到39.47%", "39.47%", "绿化覆盖率", NULL);
    SUBJ("全市森林覆盖率达到30%", "30%", "森林覆盖率", NULL);
    SUBJ("区政府债务率控制在60%以内", "60%以内", "债务率", NULL);
    SUBJ("目前城市绿化覆盖率为38%", "38%", "城市绿化覆盖率", NULL);
    SUBJ("今年以来全区接报110警情同比下降1.3%", "1.3%", "接报110警情", "down");
    SUBJ("力争研发投入强度达到3%", "3%", "研发投入强度", NULL);
    SUBJ("今年绿化覆盖率将达到40%", "40%", "绿化覆盖率", NULL);
    SUBJ("绿化覆盖率到2025年达到40%", "40%", "绿化覆盖率", NULL);
    SUBJ("2023年城市绿化覆盖率达到40%", "40%", "城市绿化覆盖率", NULL);
    SUBJ("家庭医生签约服务重点人群签约率达80%", "80%", "家庭医生签约服务重点人群签约率", NULL);
    SUBJ("思政课教师中党员占比达到93.3%", "93.3%", "思政课教师中党员占比", NULL);
    SUBJ("推动全区104个社区党群服务中心实现每百户综合服务设施面积平均41平方米", "41平方米",
         "每百户综合服务设施面积", NULL);
    /* Named places and level words stay. */
    SUBJ("红桥区地区生产总值增长7%", "7%", "红桥区地区生产总值", "up");
    SUBJ("全社会研发投入强度达到3%", "3%", "全社会研发投入强度", NULL);
    SUBJ("省级示范项目5个", "项目5个", "省级示范项目", NULL);
    /* A count whose noun comes first (项目71个, 项目有6个, 项目开工1116个). */
    SUBJ("重点项目共5个", "项目共5个", "重点项目", NULL);
    SUBJ("新开工项目达到1000个以上", "项目达到1000个以上", "新开工项目", NULL);
    SUBJ("项目开工1116个", "项目开工1116个", "项目", NULL);
    SUBJ("项目有6个", "项目有6个", "项目", NULL);
    /* 由15% is the level a change starts from; 将 the object marker. */
    SUBJ("将津贴由15%提高到30%", "15%", "津贴", NULL);
    SUBJ("将津贴由15%提高到30%", "30%", "津贴", NULL);
    SUBJ("研发投入强度由2020年的2.1%提高至2.5%", "2.1%", "研发投入强度", NULL);
    SUBJ("研发投入强度由2020年的2.1%提高至2.5%", "2.5%", "研发投入强度", NULL);
    /* X占Y比重 is the share itself: all of it is the subject. */
    SUBJ("税收收入占一般公共预算收入比重达到80%", "80%", "税收收入占一般公共预算收入比重", NULL);
    SUBJ("研发经费投入占生产总值比重达到2.5%", "2.5%", "研发经费投入占生产总值比重", NULL);
    SUBJ("完成年度计划的105%", "105%", "年度计划", NULL);
    SUBJ("全区共有在建项目120个", "项目120个", "在建项目", NULL);
    SUBJ("净利润同比增长-3.9%", "-3.9%", "净利润", "up");
    /* Adverbs, remarks, list markers, dates and quotes around a subject. */
    SUBJ("规模以上工业增加值可比增长39.1%", "39.1%", "规模以上工业增加值", "up");
    SUBJ("断面水质优良率持续保持100%", "100%", "断面水质优良率", NULL);
    SUBJ("全年地区生产总值同比(下同)增长4.5%", "4.5%", "地区生产总值", "up");
    SUBJ("1.国内生产总值增长5.5%左右", "5.5%左右", "国内生产总值", "up");
    SUBJ("(五)高标准农田建设考核指标23.1万亩", "23.1万亩", "高标准农田建设考核指标", NULL);
    SUBJ("◆留白增绿978.5公顷", "978.5公顷", "留白增绿", NULL);
    SUBJ("截至10月底已完成350万亩", "350万亩", NULL, NULL);
    SUBJ("2024年度中央财政高标准农田建设项目22.99万亩", "22.99万亩", "中央财政高标准农田建设项目",
         NULL);
    SUBJ("引进“三类500强”项目87个", "项目87个", "“三类500强”项目", NULL);
    SUBJ("全年小麦种植面积18.8万亩", "18.8万亩", "小麦种植面积", NULL);
    SUBJ("高新增加值增速超12%", "超12%", "高新增加值", "up");
    SUBJ("累计清拆河涌沿岸违建超21万平方米", "超21万平方米", "清拆河涌沿岸违建", NULL);
    SUBJ("累计达标率达到95%", "95%", "累计达标率", NULL);
    SUBJ("南安段项目已完成民房签约100%", "100%", "民房签约", NULL);
}

static void
test_verb_and_object(void)
{
    SUBJ("完成老旧小区改造35万平方米", "35万平方米", "老旧小区改造", NULL);
    SUBJ("规划教育用地新增384.75亩", "384.75亩", "教育用地", NULL);
    SUBJ("新增绿地100亩", "100亩", "绿地", NULL);
    SUBJ("今年,我区将新增绿地100亩", "100亩", "绿地", NULL);
    SUBJ("今年先后投入各类公建载体2000平方米", "2000平方米", "各类公建载体", NULL);
    SUBJ("继续新增绿化面积5000平方米", "5000平方米", "绿化面积", NULL);
    SUBJ("累计新增绿地100亩", "100亩", "绿地", NULL);
    SUBJ("已完成老旧小区改造35万平方米", "35万平方米", "老旧小区改造", NULL);
    /* 建设 that governs the number goes; as a noun's head it stays. */
    SUBJ("建设公园绿地100亩", "100亩", "公园绿地", NULL);
    SUBJ("新增建设用地控制在300亩以内", "300亩以内", "建设用地", NULL);
    /* A verb right before the number is the activity it measures. */
    SUBJ("完成征地拆迁360亩", "360亩", "征地拆迁", NULL);
    SUBJ("土地整理3000亩", "3000亩", "土地整理", NULL);
    SUBJ("整理土地3000亩", "3000亩", "土地", NULL);
    SUBJ("使全区绿化覆盖率达到40%", "40%", "绿化覆盖率", NULL);
    SUBJ("推动20%", "20%", NULL, NULL);
}

static void
test_number_before_noun(void)
{
    SUBJ("统筹利用棚改‘三年清零’释放的3000亩土地资源", "3000亩", "土地资源", NULL);
    SUBJ("推动捷强动力、贝思达医疗器械等40余个重大项目加快建设", "40余个重大项目", "重大项目",
         NULL);
    SUBJ("红桥区将全面启动宝能现代科技广场、泰盈科技大厦等15.7万平方米优质载体招商工作",
         "15.7万平方米", "优质载体招商工作", NULL);
    SUBJ("建设27个总投资69.5亿元的重点项目", "27个总投资69.5亿元的重点项目", "重点项目", NULL);
    SUBJ("加大5.9平方公里核心区开发建设力度", "5.9平方公里", "核心区开发建设力度", NULL);
    SUBJ("精心组织实施20项民心工程", "20项民心工程", "民心工程", NULL);
    SUBJ("实施11个“揭榜挂帅”项目", "11个“揭榜挂帅”项目", "“揭榜挂帅”项目", NULL);
    SUBJ("推进75个千万元以上重点项目", "75个千万元以上重点项目", "重点项目", NULL);
    SUBJ("每年实施1-3个示范项目", "1-3个示范项目", "示范项目", NULL);
    /* A modifier ending in 的 after the unit is skipped; a predicate or
     * another count ends the noun. */
    SUBJ("统筹利用3000余亩宝贵的土地资源", "3000余亩", "土地资源", NULL);
    SUBJ("推动55万平方米项目完工", "55万平方米", "项目", NULL);
    SUBJ("完成27个规划保留村饮水提质增效工程和3000家企事业单位水源转换",
         "27个规划保留村饮水提质增效工程", "规划保留村饮水提质增效工程", NULL);
    SUBJ("盘活3000亩土地资源的开发利用", "3000亩", "土地资源", NULL);
    SUBJ("推动存量土地1500亩入市", "1500亩", "存量土地", NULL);
    SUBJ("实现100%全覆盖", "100%", NULL, NULL);
    SUBJ("500亩农田被征收", "500亩", "农田", NULL);
    SUBJ("推进10个市级以上重点项目", "10个市级以上重点项目", "市级以上重点项目", NULL);
    SUBJ("建成15万平方米厂房和3个仓库", "15万平方米", "厂房", NULL);
    /* With nothing before the number, the noun after a 的 after the unit. */
    SUBJ("占地1200亩的产业园", "1200亩", "产业园", NULL);
    SUBJ("5至10万平方米的厂房", "5至10万平方米", "厂房", NULL);
    /* Per-person and average areas: 人均 says what is measured, 平均 how. */
    SUBJ("人均6.89平方米", "6.89平方米", "人均", NULL);
    SUBJ("公园绿地面积人均6.89平方米", "6.89平方米", "公园绿地面积人均", NULL);
    SUBJ("平均41平方米", "41平方米", NULL, NULL);
}

static void
test_lists_and_examples(void)
{
    static const char *const list1[] = {"55万平方米", NULL};
    static const char *const list2[] = {"12个", NULL};
    static const char *const both[] = {"100%", NULL};
    static const char *const pair[] = {"35%", NULL};
    static const char *const pair2[] = {"40%", NULL};
    static const char *const sites[] = {"216万平方米", NULL};
    static const char *const sites2[] = {"项目71个", NULL};

    /* Examples before 等 are dropped. */
    SUBJ("全年实施万科翡翠公园等海绵城市建设项目71个", "项目71个", "海绵城市建设项目", NULL);
    SUBJ("中煤科工天津研发基地等3个项目入选全市盘活存量典型案例", "3个项目", "项目", NULL);
    SUBJ("加快盘活银泰大厦、大成广场等7万平方米载体", "7万平方米", "载体", NULL);
    /* A shared head noun, after the list or before it. */
    SUBJ_N("推动人民医院三期等12个、55万平方米项目完工", "12个", 0, list1, "项目", NULL);
    SUBJ_N("推动人民医院三期等12个、55万平方米项目完工", "55万平方米", 0, list2, "项目", NULL);
    SUBJ_N("全年实施建设项目71个、216万平方米", "项目71个", 0, sites, "建设项目", NULL);
    SUBJ_N("全年实施建设项目71个、216万平方米", "216万平方米", 0, sites2, "建设项目", NULL);
    /* 覆盖率100%、达标率100%: each its own. */
    SUBJ_N("生活垃圾覆盖率100%、达标率100%", "100%", 0, both, "生活垃圾覆盖率", NULL);
    SUBJ_N("生活垃圾覆盖率100%、达标率100%", "100%", 1, both, "达标率", NULL);
    /* 分别: every number takes the whole coordinated noun phrase. */
    SUBJ_N("绿化覆盖率和绿地率分别达到40%和35%", "40%", 0, pair, "绿化覆盖率和绿地率", NULL);
    SUBJ_N("绿化覆盖率和绿地率分别达到40%和35%", "35%", 0, pair2, "绿化覆盖率和绿地率", NULL);
    SUBJ_N("出口和进口分别增长7%和5%", "5%", 0, NULL, "出口和进口", "up");
    /* Two quantities side by side share the noun too. */
    SUBJ("完成房屋征收1049户18.08万平方米", "18.08万平方米", "房屋征收", NULL);
}

static void
test_comparisons(void)
{
    /* A comparison's base is never the subject, and a gap has no direction. */
    SUBJ("高于全省0.7个百分点", "0.7个百分点", NULL, NULL);
    SUBJ("超计划23个百分点", "23个百分点", NULL, NULL);
    SUBJ("增速高于全省0.7个百分点", "0.7个百分点", "增速", NULL);
    SUBJ("地区生产总值比上年增长7.3%", "7.3%", "地区生产总值", "up");
    SUBJ("单位生产总值能耗较2015年下降15%", "15%", "单位生产总值能耗", "down");
    SUBJ("居民人均可支配收入比全市平均水平高2个百分点", "2个百分点", "居民人均可支配收入", NULL);
    SUBJ("超过全国平均水平0.3个百分点", "0.3个百分点", NULL, NULL);
    SUBJ("绿地占全区面积的30%", "30%", "绿地", NULL);
    SUBJ("增速分别高于全国、全省1.2和0.6个百分点", "0.6个百分点", "增速", NULL);
    SUBJ("产值均占区属规上工业总产值10%以上", "10%以上", "产值", NULL);
    SUBJ("第一产业增加值占全区生产总值比重为5.1%", "5.1%", "第一产业增加值占全区生产总值比重",
         NULL);
    SUBJ("比上年增加绿地100亩", "100亩", "绿地", NULL);
    SUBJ("比2015年提高5.2个百分点", "5.2个百分点", NULL, "up");
    SUBJ("较上年提高2个百分点", "2个百分点", NULL, "up");
    SUBJ("与上年相比下降3个百分点", "3个百分点", NULL, "down");
    SUBJ("提高城镇化率到60%", "60%", "城镇化率", NULL);
}

static void
test_none(void)
{
    SUBJ("同比下降1.3%", "1.3%", NULL, "down");
    SUBJ("增长7.3%", "7.3%", NULL, "up");
    SUBJ("年均增长6.5%左右", "6.5%左右", NULL, "up");
    /* Never across , ; : even when the clause given holds them. */
    SUBJ("全区生产总值,增长7.3%", "7.3%", NULL, "up");
    SUBJ("全区生产总值;增长7.3%", "7.3%", NULL, "up");
    SUBJ("全区生产总值:增长7.3%", "7.3%", NULL, "up");
    SUBJ("全区生产总值，增长7.3%", "7.3%", NULL, "up");
    SUBJ("3000亩,土地资源", "3000亩", NULL, NULL);
    SUBJ("到2025年,建成区绿化覆盖率达到40%", "40%", "建成区绿化覆盖率", NULL);
    SUBJ("增长7.3%,高于全省0.7个百分点", "0.7个百分点", NULL, NULL);
    SUBJ("增长7.3%,高于全省0.7个百分点", "7.3%", NULL, "up");
}

static void
test_direction(void)
{
    /* The size of a change. */
    SUBJ("税收提高5个百分点", "5个百分点", "税收", "up");
    SUBJ("投资扩大10%", "10%", "投资", "up");
    SUBJ("收入增加8%", "8%", "收入", "up");
    SUBJ("指数上升2%", "2%", "指数", "up");
    SUBJ("粮食产量提升3%", "3%", "粮食产量", "up");
    SUBJ("推动河道汛期污染强度下降20%以上", "20%以上", "河道汛期污染强度", "down");
    SUBJ("能耗降低15%", "15%", "能耗", "down");
    SUBJ("煤炭消费量减少8%", "8%", "煤炭消费量", "down");
    SUBJ("压减燃煤10%", "10%", "燃煤", "down");
    SUBJ("房价回落2%", "2%", "房价", "down");
    SUBJ("涨幅较上年同期收窄3.7个百分点", "3.7个百分点", "涨幅", "down");
    SUBJ("比上年增产1.58%", "1.58%", NULL, "up");
    SUBJ("增速放缓0.5个百分点", "0.5个百分点", "增速", "down");
    /* 改造提升 names an activity: no change. */
    SUBJ("完成老旧小区综合改造提升15万平方米", "15万平方米", "老旧小区综合改造", NULL);
    SUBJ("增长了7.3%", "7.3%", NULL, "up");
    SUBJ("增长约7%", "约7%", NULL, "up");
    SUBJ("下降百分之三十", "百分之三十", NULL, "down");
    /* 涨幅 增幅 增速 before the number act as the change word. */
    SUBJ("居民消费价格涨幅3%", "3%", "居民消费价格", "up");
    SUBJ("工业投资增幅12%", "12%", "工业投资", "up");
    SUBJ("规上工业增加值增速7%", "7%", "规上工业增加值", "up");
    SUBJ("工业投资增幅达12%", "12%", "工业投资", "up");
    SUBJ("工业投资降幅为3%", "3%", "工业投资", "down");
    /* A level or an amount. */
    SUBJ("绿化覆盖率提高到30%", "30%", "绿化覆盖率", NULL);
    SUBJ("失业率降至5%", "5%", "失业率", NULL);
    SUBJ("失业率控制在3%以内", "3%以内", "失业率", NULL);
    SUBJ("城镇化率增长到60%", "60%", "城镇化率", NULL);
    SUBJ("新增绿地100亩", "100亩", "绿地", NULL);
    SUBJ("净增绿地50亩", "50亩", "绿地", NULL);
    SUBJ("覆盖率达到40%", "40%", "覆盖率", NULL);
    SUBJ("15.7万平方米", "15.7万平方米", NULL, NULL);
}

static void
test_api(void)
{
    struct span s = {7, 7};
    enum fact_direction d = DIRECTION_UP;
    const char *c = "增长7.3%";
    struct span all = {0, strlen(c)}, f = {6, 4}, outside = {20, 1};

    CHECK_STR(subject_direction_name(DIRECTION_UP), "up");
    CHECK_STR(subject_direction_name(DIRECTION_DOWN), "down");
    CHECK(subject_direction_name(DIRECTION_NONE) == NULL);
    /* A number outside its clause: nothing, and a reason. */
    subject_find(c, all, f, outside, NULL, 0, &s, &d);
    CHECK(s.off == 0 && s.len == 0 && d == DIRECTION_NONE);
    CHECK(strncmp(subject_why(), "none", 4) == 0);
    /* Every choice says why. */
    CHECK(run_n("新增绿地100亩", "100亩", 0, NULL) == 0);
    CHECK_STR(subject_why(), "object of the verb before the number");
    CHECK(run_n("3000亩土地资源", "3000亩", 0, NULL) == 0);
    CHECK_STR(subject_why(), "noun after the unit");
    CHECK(run_n("覆盖率达到40%", "40%", 0, NULL) == 0);
    CHECK_STR(subject_why(), "noun phrase before the verb that ties it to the number");
    CHECK(run_n("增长7.3%", "7.3%", 0, NULL) == 0);
    CHECK_STR(subject_why(), "none: the clause names nothing the number measures");
    /* A clause inside a longer text: the subject is an offset in the text. */
    const char *t = "今年,确保覆盖率达到100%。";
    struct span cl = {strlen("今年,"), strlen("确保覆盖率达到100%")};
    struct span ft = {strlen("今年,确保覆盖率达到"), 4}, num = ft;
    subject_find(t, cl, ft, num, NULL, 0, &s, &d);
    CHECK(s.off == strlen("今年,确保") && s.len == strlen("覆盖率"));
}

/* ---- the gold facts ---- */

/* Append the UTF-8 form of code point cp to out (at *n, within cap). */
static void
put_utf8(char *out, size_t cap, size_t *n, unsigned long cp)
{
    unsigned char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    if (*n + k < cap) {
        memcpy(out + *n, b, k);
        *n += k;
    }
}

/*
 * The string field key of a one-line JSON object, unescaped into out.
 * Returns 1 for a string, 0 for null or a missing key.  Enough for the gold
 * files (flat objects of strings, numbers and null), not a JSON reader.
 */
static int
json_str(const char *line, const char *key, char *out, size_t cap)
{
    char pat[64];
    size_t n = 0;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    out[0] = '\0';
    if (p == NULL)
        return 0;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != '"')
        return 0;
    for (p++; *p != '\0' && *p != '"'; p++) {
        if (*p != '\\') {
            if (n + 1 < cap)
                out[n++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'n':
            out[n < cap - 1 ? n++ : n] = '\n';
            break;
        case 't':
            out[n < cap - 1 ? n++ : n] = '\t';
            break;
        case 'u': {
            unsigned long cp = strtoul((char[5]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                unsigned long lo = strtoul((char[5]){p[3], p[4], p[5], p[6], 0}, NULL, 16);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            put_utf8(out, cap, &n, cp);
            break;
        }
        case '\0':
            p--;
            break;
        default: /* \" \\ \/ */
            if (n + 1 < cap)
                out[n++] = *p;
        }
    }
    out[n] = '\0';
    return 1;
}

/* Code points of s, into cps (at most cap); returns how many. */
static size_t
code_points(const char *s, unsigned long *cps, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && n < cap;) {
        unsigned long c = *p;
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        for (size_t i = 1; i < k && p[i] != '\0'; i++)
            c = (c << 8) | p[i];
        cps[n++] = c;
        p += k;
        while (*p != '\0' && (*p & 0xC0) == 0x80)
            p++;
    }
    return n;
}

/* Character F1 of got against want, as multisets; "" is none: both none
 * is 1, one none 0. */
static double
char_f1(const char *got, const char *want)
{
    unsigned long g[256], w[256];
    int used[256] = {0};
    size_t ng = code_points(got, g, 256), nw = code_points(want, w, 256), common = 0;

    if (ng == 0 || nw == 0)
        return ng == nw ? 1.0 : 0.0;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = 0; j < nw; j++)
            if (!used[j] && g[i] == w[j]) {
                used[j] = 1;
                common++;
                break;
            }
    if (common == 0)
        return 0.0;
    double p = (double)common / (double)ng, r = (double)common / (double)nw;
    return 2 * p * r / (p + r);
}

#define GOLD_DIR  "tests/data/corpus/gold"
#define MAX_GOLD  1024
#define FIELD_MAX 2048

struct gold {
    char doc[128], clause[FIELD_MAX], text[256], subject[512], dir[16];
};

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Read every fact (a line with a clause) of the gold files into g. */
static size_t
gold_read(struct gold *g, size_t cap)
{
    DIR *d = opendir(GOLD_DIR);
    struct dirent *e;
    char *names[256], line[16384];
    size_t nn = 0, n = 0;

    if (d == NULL) {
        fprintf(stderr, "test_subject: cannot open %s\n", GOLD_DIR);
        return 0;
    }
    while ((e = readdir(d)) != NULL && nn < 256) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".jsonl") == 0)
            names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof names[0], by_name);
    for (size_t i = 0; i < nn; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", GOLD_DIR, names[i]);
        FILE *f = fopen(path, "r");
        while (f != NULL && n < cap && fgets(line, sizeof line, f) != NULL) {
            struct gold *x = &g[n];
            if (!json_str(line, "clause", x->clause, sizeof x->clause) ||
                !json_str(line, "text", x->text, sizeof x->text))
                continue; /* docs.jsonl: documents, not facts */
            json_str(line, "doc", x->doc, sizeof x->doc);
            json_str(line, "subject", x->subject, sizeof x->subject);
            json_str(line, "direction", x->dir, sizeof x->dir);
            n++;
        }
        if (f != NULL)
            fclose(f);
        free(names[i]);
    }
    return n;
}

/* Which occurrence of its text in its clause fact i is: one more for every
 * earlier fact of the same document, clause and text. */
static int
occurrence(const struct gold *g, size_t i)
{
    int k = 0;
    for (size_t j = 0; j < i; j++)
        k += strcmp(g[j].doc, g[i].doc) == 0 && strcmp(g[j].clause, g[i].clause) == 0 &&
             strcmp(g[j].text, g[i].text) == 0;
    return k;
}

static void
test_gold(void)
{
    static struct gold g[MAX_GOLD];
    size_t n = gold_read(g, MAX_GOLD), dir_ok = 0;
    double f1_sum = 0;

    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        const char *others[17];
        size_t no = 0;
        for (size_t j = 0; j < n && no < 16; j++)
            if (j != i && strcmp(g[j].doc, g[i].doc) == 0 && strcmp(g[j].clause, g[i].clause) == 0)
                others[no++] = g[j].text;
        others[no] = NULL;
        int found = run_n(g[i].clause, g[i].text, occurrence(g, i), others) == 0;
        CHECK(found);
        const char *got = strcmp(got_subject, "(none)") == 0 ? "" : got_subject;
        const char *dir = strcmp(got_dir, "(none)") == 0 ? "" : got_dir;
        double f1 = char_f1(got, g[i].subject);
        int same_dir = strcmp(dir, g[i].dir) == 0;
        f1_sum += f1;
        dir_ok += same_dir;
        if (!found || f1 < 1 || !same_dir)
            printf("gold %s: %s | %s: subject \"%s\" (want \"%s\", F1 %.2f), direction %s "
                   "(want %s)\n",
                   g[i].doc, g[i].clause, g[i].text, got, g[i].subject, f1, dir[0] ? dir : "null",
                   g[i].dir[0] ? g[i].dir : "null");
    }
    if (n == 0)
        return;
    double acc = (double)dir_ok / (double)n, f1 = f1_sum / (double)n;
    printf("gold: %zu facts, direction accuracy %.3f (min %.2f), subject F1 %.3f (min %.2f)\n", n,
           acc, DIR_ACC_MIN, f1, SUBJ_F1_MIN);
    CHECK(acc >= DIR_ACC_MIN);
    CHECK(f1 >= SUBJ_F1_MIN);
}

/* ---- direction in the real sentences of tests/data/context ---- */

#define CONTEXT_FILE "tests/data/context/sentences.jsonl"

/* The next object of a JSON array at *p (string-aware), copied into out;
 * *p moves past it.  Returns 0 at the array's end. */
static int
next_object(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    int depth = 0, str = 0;

    while (*s != '\0' && *s != '{' && *s != ']')
        s++;
    if (*s != '{')
        return 0;
    const char *start = s;
    for (; *s != '\0'; s++) {
        if (str) {
            if (*s == '\\' && s[1] != '\0')
                s++;
            else if (*s == '"')
                str = 0;
        } else if (*s == '"') {
            str = 1;
        } else if (*s == '{') {
            depth++;
        } else if (*s == '}' && --depth == 0) {
            break;
        }
    }
    if (*s == '\0')
        return 0;
    size_t n = (size_t)(s + 1 - start) < cap ? (size_t)(s + 1 - start) : cap - 1;
    memcpy(out, start, n);
    out[n] = '\0';
    *p = s + 1;
    return 1;
}

/* Byte offset of code point k of s. */
static size_t
byte_offset(const char *s, long k)
{
    size_t b = 0;
    for (; k > 0 && s[b] != '\0'; k--)
        for (b++; (s[b] & 0xC0) == 0x80; b++)
            ;
    return b;
}

/* Every labelled fact: its clause as segment.c finds it in the sentence,
 * the other facts of that clause, and the direction against the label.
 * The test set labels no subjects; its directions must agree as the
 * gold's do (0.95). */
static void
test_context_direction(void)
{
    static char line[65536], sentence[16384], obj[4096], text[256], dir[16];
    FILE *f = fopen(CONTEXT_FILE, "r");
    size_t n = 0, ok = 0;

    CHECK(f != NULL);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        struct span facts[64], s;
        char dirs[64][16];
        size_t nf = 0;
        const char *p = strstr(line, "\"facts\":");
        if (!json_str(line, "sentence", sentence, sizeof sentence) || p == NULL)
            continue;
        for (; nf < 64 && next_object(&p, obj, sizeof obj); nf++) {
            const char *at = strstr(obj, "\"at\":");
            json_str(obj, "text", text, sizeof text);
            json_str(obj, "direction", dirs[nf], sizeof dirs[nf]);
            facts[nf].off = byte_offset(sentence, at ? strtol(at + 5, NULL, 10) : 0);
            facts[nf].len = strlen(text);
        }
        struct span all = {0, strlen(sentence)};
        for (size_t i = 0; i < nf; i++) {
            struct span c = segment_clause(sentence, all, facts[i].off), o[64], num = facts[i];
            size_t no = 0;
            enum fact_direction d;
            for (size_t j = 0; j < nf; j++)
                if (j != i && facts[j].off >= c.off && facts[j].off < c.off + c.len)
                    o[no++] = facts[j];
            while (num.off < facts[i].off + facts[i].len && !numeral_at(sentence + num.off))
                num.off++;
            num.len = 0;
            subject_find(sentence, c, facts[i], num, o, no, &s, &d);
            snprintf(dir, sizeof dir, "%s",
                     subject_direction_name(d) ? subject_direction_name(d) : "");
            n++;
            if (strcmp(dir, dirs[i]) == 0)
                ok++;
            else
                printf("context: %.*s | %.*s: direction %s (want %s)\n", (int)c.len,
                       sentence + c.off, (int)facts[i].len, sentence + facts[i].off,
                       dir[0] ? dir : "null", dirs[i][0] ? dirs[i] : "null");
        }
    }
    if (f != NULL)
        fclose(f);
    CHECK(n > 0);
    if (n > 0) {
        printf("context: %zu facts, direction accuracy %.3f (min %.2f)\n", n,
               (double)ok / (double)n, DIR_ACC_MIN);
        CHECK((double)ok / (double)n >= DIR_ACC_MIN);
    }
}

int
main(void)
{
    test_number_after_subject();
    test_verb_and_object();
    test_number_before_noun();
    test_lists_and_examples();
    test_comparisons();
    test_none();
    test_direction();
    test_api();
    test_gold();
    test_context_direction();
    return check_done("test_subject");
}
