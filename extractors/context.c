/*
 * context: year and stance, by the rules of docs/FACTS.md.
 *
 * A year is read from the sentence first (2025年, 今年, 到2025年; never the
 * base of a comparison or the start of a span), then from the paragraph and
 * the heading.  A stance is read from cue words (patterns/common.pat's
 * stance cues, found with PCRE2 since pattern developers add to them), then
 * from the heading's kind, the year against the document's, and whether the
 * sentence opens with a verb of action.  Both are rules about a few words
 * next to the facts, cheap beside the pattern scan; every sentence without
 * facts is still read for its year, so that cost is per sentence.
 */
#include "context.h"

#include <string.h>

#include "words.h"

#define MAX_YEARS       32
#define MAX_CUES        64
/* 全年 and 年内 are the year of the heading or paragraph they stand in,
 * else the document's (FACTS.md, year, rule 2): resolved by the caller. */
#define YEAR_OF_CONTEXT 10000
/* 年末 and 年底: the passage's year, but not the document's when the
 * passage names none (a page of October speaks of last year's end). */
#define YEAR_OF_PASSAGE 10001
/* 十四五期间, 未来五年: a period, no year; and a year carried from earlier
 * sentences does not reach past it (FACTS.md, rulings on context). */
#define YEAR_SPAN       10002
/* What a YEAR_SPAN mention becomes once resolved: not a year, a fence. */
#define YEAR_BARRIER    (-1)

struct year_mention {
    size_t off, end;
    int year;
    int target; /* 到2025年 */
};

/* Is the year word at [off, end) the base of a comparison (比2020年, 较上年,
 * 高于去年同期)?  A base governs nothing. */
static int
is_base(const char *text, struct span s, size_t off, size_t end)
{
    /* 于 alone is "in" (计划于2025年): only as the end of a comparative. */
    static const char *const before[] = {"比",   "较",   "与",   "同",   "高于", "低于", "多于",
                                         "少于", "大于", "小于", "快于", "慢于", NULL};
    for (size_t k = 0; before[k] != NULL; k++)
        if (word_before(text, s.off, off, before[k]))
            return 1;
    return word_at(text, end, s.off + s.len, "同期");
}

/* A plan period's end (“十四五”末, 十三五期末): its year in *year, the end of
 * the words returned; the period itself (十四五期间, 时期): YEAR_SPAN; 0
 * when none stands at i. */
static size_t
plan_end(const char *text, size_t i, size_t hi, int *year)
{
    static const struct {
        const char *word;
        int year;
    } plans[] = {
        {"十一五", 2010}, {"十二五", 2015}, {"十三五", 2020}, {"十四五", 2025}, {"十五五", 2030}};
    for (size_t k = 0; k < sizeof plans / sizeof plans[0]; k++) {
        if (!word_at(text, i, hi, plans[k].word))
            continue;
        size_t e = i + strlen(plans[k].word);
        if (word_at(text, e, hi, "”"))
            e += strlen("”");
        else if (word_at(text, e, hi, "\""))
            e++;
        *year = plans[k].year;
        if (word_at(text, e, hi, "期末"))
            return e + strlen("期末");
        if (word_at(text, e, hi, "末"))
            return e + strlen("末");
        *year = YEAR_SPAN;
        if (word_at(text, e, hi, "期间"))
            return e + strlen("期间");
        if (word_at(text, e, hi, "时期"))
            return e + strlen("时期");
        return 0;
    }
    return 0;
}

/* A date without a year (9月28日, 至9月底, 5月份): the end of it, else 0.
 * Not a month of a written year (2020年9月), whose year is read already. */
static size_t
month_date(const char *text, struct span s, size_t i)
{
    size_t hi = s.off + s.len, e = i;
    if (i > s.off && (is_ascii_digit((unsigned char)text[i - 1]) ||
                      word_before(text, s.off, i, "年") || text[i - 1] == '-'))
        return 0;
    while (e < hi && e < i + 2 && is_ascii_digit((unsigned char)text[e]))
        e++;
    if (e == i || (e < hi && is_ascii_digit((unsigned char)text[e])) || !word_at(text, e, hi, "月"))
        return 0;
    e += strlen("月");
    static const char *const ends[] = {"底", "末", "份", "上旬", "中旬", "下旬", NULL};
    for (size_t k = 0; ends[k] != NULL; k++)
        if (word_at(text, e, hi, ends[k]))
            return e + strlen(ends[k]);
    size_t d = e;
    while (d < hi && d < e + 2 && is_ascii_digit((unsigned char)text[d]))
        d++;
    return d > e && word_at(text, d, hi, "日") ? d + strlen("日") : 0;
}

/* May a year word (the relative words of find_years(), a plan period) start
 * with code point c?  Their first characters: 今 本 去 上 一 过 明 全 年 当
 * 这 下 前 目 未 十. */
static int
year_word_lead(unsigned c)
{
    switch (c) {
    case 0x4ECA:
    case 0x672C:
    case 0x53BB:
    case 0x4E0A:
    case 0x4E00:
    case 0x8FC7:
    case 0x660E:
    case 0x5168:
    case 0x5E74:
    case 0x5F53:
    case 0x8FD9:
    case 0x4E0B:
    case 0x524D:
    case 0x76EE:
    case 0x672A:
    case 0x5341:
        return 1;
    default:
        return 0;
    }
}

static size_t
find_years(const char *text, struct span s, int doc_year, struct year_mention *out)
{
    size_t n = 0, hi = s.off + s.len;
    /* FACTS.md's relative words, and those the rulings on context add:
     * 目前 and 当前 are the document's time; 当年, 本年度 and 这一年, like
     * 全年, the year of the passage. */
#define REL(w, d)                                                                                  \
    {                                                                                              \
        w, sizeof w - 1, d                                                                         \
    }
    static const struct {
        const char *word;
        size_t len;
        int delta;
    } rel[] = {REL("今年", 0),
               REL("本年度", YEAR_OF_CONTEXT),
               REL("本年", 0),
               REL("去年", -1),
               REL("上年", -1),
               REL("一年来", -1),
               REL("过去一年", -1),
               REL("过去的一年", -1),
               REL("明年", 1),
               REL("全年", YEAR_OF_CONTEXT),
               REL("年内", YEAR_OF_CONTEXT),
               REL("年末", YEAR_OF_PASSAGE),
               REL("年底", YEAR_OF_PASSAGE),
               REL("未来五年", YEAR_SPAN),
               REL("今后五年", YEAR_SPAN),
               REL("过去五年", YEAR_SPAN),
               REL("当年", YEAR_OF_CONTEXT),
               REL("这一年", YEAR_OF_CONTEXT),
               REL("上半年", YEAR_OF_CONTEXT),
               REL("下半年", YEAR_OF_CONTEXT),
               REL("前三季度", YEAR_OF_CONTEXT),
               REL("目前", 0),
               REL("当前", 0)};
#undef REL

    for (size_t i = s.off; i < hi && n < MAX_YEARS; i++) {
        size_t e;
        int y;
        if (is_ascii_digit((unsigned char)text[i]) &&
            (i == s.off || !is_ascii_digit((unsigned char)text[i - 1])) && i + 4 < hi &&
            is_ascii_digit((unsigned char)text[i + 1]) &&
            is_ascii_digit((unsigned char)text[i + 2]) &&
            is_ascii_digit((unsigned char)text[i + 3]) && word_at(text, i + 4, hi, "年")) {
            y = (text[i] - '0') * 1000 + (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 +
                (text[i + 3] - '0');
            e = i + 4 + strlen("年");
            /* 比2020年增长30%: the base of a comparison governs nothing.
             * 2018年以来, 自2012年起: nor does the start of a span (FACTS.md,
             * year, rule 3), nor a price base (2010年不变价). */
            int base = is_base(text, s, i, e) || word_at(text, e, hi, "以来") ||
                       word_before(text, s.off, i, "自") || word_before(text, s.off, i, "从") ||
                       word_at(text, e, hi, "不变价");
            if (y >= 1900 && y <= 2100 && !base) {
                out[n].off = i;
                out[n].end = e;
                out[n].year = y;
                out[n].target =
                    word_before(text, s.off, i, "到") || word_before(text, s.off, i, "至");
                n++;
            }
            /* Past 年, so that 2020年末 and 2025年内 are one mention. */
            i = e - 1;
            continue;
        }
        if (is_ascii_digit((unsigned char)text[i])) {
            if ((e = month_date(text, s, i)) != 0) {
                out[n].off = i;
                out[n].end = e;
                out[n].year = YEAR_OF_CONTEXT;
                out[n].target = 0;
                n++;
                i = e - 1;
            }
            continue;
        }
        /* Every word below begins with a character from U+4E00 to U+8FFF,
         * and with one of few: this loop runs on every character of every
         * sentence, so most are passed over after one comparison. */
        unsigned char lead = (unsigned char)text[i];
        if (lead < 0xE4 || lead > 0xE8 || i + 3 > hi)
            continue;
        if (!year_word_lead(((lead & 0x0Fu) << 12) | (((unsigned char)text[i + 1] & 0x3Fu) << 6) |
                            ((unsigned char)text[i + 2] & 0x3Fu))) {
            i += 2;
            continue;
        }
        if ((e = plan_end(text, i, hi, &y)) != 0) {
            out[n].off = i;
            out[n].end = e;
            out[n].year = y;
            out[n].target = word_before(text, s.off, i, "到") ||
                            word_before(text, s.off, i, "到“") ||
                            word_before(text, s.off, i, "至") || word_before(text, s.off, i, "至“");
            n++;
            i = e - 1;
            continue;
        }
        for (size_t r = 0; r < sizeof rel / sizeof rel[0]; r++)
            if (rel[r].word[2] == text[i + 2] && rel[r].word[1] == text[i + 1] &&
                i + rel[r].len <= hi && memcmp(text + i, rel[r].word, rel[r].len) == 0) {
                e = i + rel[r].len;
                i = e - 1;
                /* 比上年增长: the base of a comparison (FACTS.md, rulings). */
                if (is_base(text, s, e - rel[r].len, e))
                    break;
                out[n].off = e - rel[r].len;
                out[n].end = e;
                /* Unknown without the document's year: dropped later. */
                out[n].year = rel[r].delta >= YEAR_OF_CONTEXT ? rel[r].delta
                              : doc_year > 0                  ? doc_year + rel[r].delta
                                                              : 0;
                out[n].target = 0;
                n++;
                break;
            }
    }
    return n;
}

/*
 * The year of fact i among the facts f[first..last) of one sentence: the
 * nearest year before it with no other fact between (由2020年的32.7%); else
 * the sentence's target year (到2025年); else the nearest year before it;
 * else the first after it in its ；-part (占比77%,…,今年以来…: a year
 * governs its ；-part).  The base year of a comparison (比2020年) is not
 * among the candidates.
 */
static int
year_of(const char *text, const struct fact *f, size_t first, size_t i,
        const struct year_mention *y, size_t ny)
{
    /* A period (十四五期间) stands between a fact and the years on its
     * other side: only those between the periods around it count. */
    size_t lo = 0, hi = ny;
    for (size_t k = 0; k < ny; k++)
        if (y[k].year == YEAR_BARRIER) {
            if (y[k].end <= f[i].text.off)
                lo = k + 1;
            else if (hi == ny)
                hi = k;
        }
    y += lo;
    ny = hi - lo;
    const struct year_mention *near = NULL;
    for (size_t k = 0; k < ny; k++)
        if (y[k].end <= f[i].text.off)
            near = &y[k];
    if (near != NULL && (i == first || f[i - 1].text.off < near->end))
        return near->year;
    for (size_t k = 0; k < ny; k++)
        if (y[k].target)
            return y[k].year;
    if (near != NULL)
        return near->year;
    for (size_t k = 0; k < ny; k++)
        if (y[k].off >= f[i].text.off &&
            memchr(text + f[i].text.off, ';', y[k].off - f[i].text.off) == NULL)
            return y[k].year;
    return 0;
}

struct cue {
    size_t off;
    enum fact_stance stance;
    int weak; /* 完成, 实现: a result only in a passage that reports results */
};

static size_t
find_cues(const struct patternset *ps, const char *text, struct span s, pcre2_match_data *md,
          struct cue *out)
{
    size_t n = 0;
    for (int st = STANCE_TARGET; st < STANCE_N; st++) {
        const pcre2_code *code = patternset_stance(ps, (enum fact_stance)st);
        size_t pos = s.off;
        while (code != NULL && n < MAX_CUES && pos < s.off + s.len) {
            int rc = pcre2_match(code, (PCRE2_SPTR)text, s.off + s.len, pos, PCRE2_NO_UTF_CHECK, md,
                                 patternset_match_context(ps));
            if (rc < 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            out[n].off = ov[0];
            out[n].stance = (enum fact_stance)st;
            /* 完成了, 实现了 say the result was reached, in any passage. */
            out[n].weak =
                (word_at(text, ov[0], ov[1], "完成") || word_at(text, ov[0], ov[1], "实现")) &&
                !word_at(text, ov[1], s.off + s.len, "了");
            n++;
            pos = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
            while (pos < s.off + s.len && ((unsigned char)text[pos] & 0xC0) == 0x80)
                pos++;
        }
    }
    return n;
}

/* The ；-part of sentence s that holds f. */
static struct span
semicolon_part(const char *text, struct span s, const struct fact *f)
{
    size_t lo = s.off, hi = s.off + s.len;
    for (size_t i = s.off; i < f->text.off; i++)
        if (text[i] == ';')
            lo = i + 1;
    for (size_t i = f->text.off; i < hi; i++)
        if (text[i] == ';') {
            hi = i;
            break;
        }
    return (struct span){lo, hi - lo};
}

/*
 * The stance of a fact.  Within its clause, before it: a target cue wins
 * over a result verb, since a commitment is written with the verb of its
 * result (力争完成30个项目, 确保实现100%).  Else the nearest cue before it in
 * the sentence; else the first after it in its ；-part (FACTS.md: a cue
 * governs its ；-part; 工业用地提质增效一万亩,…,确保…).
 */
static enum fact_stance
stance_of(const char *text, struct span s, const struct fact *f, const struct cue *c, size_t nc)
{
    /* nc counts only the cues that count here (see usable_cues()). */
    const struct cue *best = NULL;
    int in_clause = 0;

    for (size_t k = 0; k < nc; k++)
        if (c[k].off >= f->clause.off && c[k].off < f->text.off) {
            in_clause = 1;
            if (c[k].stance == STANCE_TARGET)
                return STANCE_TARGET;
        }
    for (size_t k = 0; k < nc; k++)
        if (c[k].off < f->text.off && (best == NULL || c[k].off > best->off))
            best = &c[k];
    if (best != NULL && (in_clause || best->off < f->clause.off))
        return best->stance;
    struct span part = semicolon_part(text, s, f);
    for (size_t k = 0; k < nc; k++)
        if (c[k].off >= f->text.off && c[k].off < part.off + part.len &&
            (best == NULL || c[k].off < best->off))
            best = &c[k];
    return best ? best->stance : STANCE_NONE;
}

/*
 * The cues that count for f: 完成 and 实现 are the verbs of a plan's tasks
 * as much as of a report's results, so they say `reported` only under a
 * heading that reviews, or for a year before the document's (FACTS.md,
 * rulings on context).  Copied into out, which has room for nc.
 */
static size_t
usable_cues(const struct fact *f, const struct cue *c, size_t nc, const struct context *cx,
            struct cue *out)
{
    int past = f->year > 0 && cx->doc_year > 0 && f->year < cx->doc_year;
    size_t n = 0;
    for (size_t k = 0; k < nc; k++)
        if (!c[k].weak || cx->heading_kind == HEADING_REVIEW || past)
            out[n++] = c[k];
    return n;
}

static int
any_word(const char *text, size_t pos, size_t hi, const char *const *words)
{
    for (size_t i = 0; words[i] != NULL; i++)
        if (word_at(text, pos, hi, words[i]))
            return (int)strlen(words[i]);
    return 0;
}

/*
 * Does the part of the sentence around f (the sentence, or its ;-part) open
 * with a verb of action, with no past marker in it?  Then it is a plan's
 * instruction (继续实施20项民心工程).  Adverbs (继续, 精心, 大力), a leading
 * time phrase ending in , and an opening quotation mark may come first; a
 * subject noun, a preposition (通过, 根据) or a verb of state (占地, 位于, 为,
 * 有) does not open with a verb of action (FACTS.md, rulings on context).
 */
static int
opens_with_action(const char *text, struct span s, const struct fact *f)
{
    static const char *const past[] = {"了", "已", "累计", "截至", "截止", "以来", "同比", NULL};
    static const char *const adverbs[] = {
        "继续", "持续", "精心", "大力", "全面", "积极", "进一步", "着力", "重点", "切实", "扎实",
        "深入", "努力", "加紧", "不断", "稳步", "全力", "同时",   "还",   "再",   "并",   NULL};
    static const char *const verbs[] = {
        "推进",   "推动", "实施",     "建设", "新建",   "新增", "改造", "完成", "实现", "建成",
        "加快",   "启动", "打造",     "开展", "提升",   "提高", "加大", "深化", "强化", "落实",
        "培育",   "引进", "创建",     "扩大", "组织",   "谋划", "增加", "加强", "完善", "推广",
        "打赢",   "巩固", "构建",     "促进", "保障",   "整治", "治理", "修建", "铺设", "栽植",
        "种植",   "造林", "争创",     "引导", "支持",   "鼓励", "开工", "竣工", "盘活", "统筹",
        "改扩建", "扩建", "规划建设", "规划", "筹建",   "发展", "建立", "健全", "抓好", "做好",
        "办好",   "实行", "开发",     "投入", "安排",   "计划", "确保", "力争", "争取", "压减",
        "降低",   "减少", "控制",     "保持", "新开工", "续建", "加速", "拓展", "优化", "聚焦",
        "围绕",   "坚持", NULL};
    struct span part = semicolon_part(text, s, f);
    size_t lo = part.off, hi = part.off + part.len;

    for (size_t i = lo; i < hi; i++)
        if (any_word(text, i, hi, past))
            return 0;
    size_t p = lo;
    while (p < hi && (text[p] == ' ' || word_at(text, p, hi, "“") || word_at(text, p, hi, "\"")))
        p += text[p] == ' ' || text[p] == '"' ? 1 : strlen("“");
    /* A leading time phrase: 2021年, 今年, 到2025年, up to its comma. */
    for (size_t i = p; i < hi && i < p + 24; i++)
        if (text[i] == ',') {
            int timeish = memmem(text + p, i - p, "年", strlen("年")) != NULL;
            if (timeish)
                p = i + 1;
            break;
        }
    for (int k, again = 1; again;) {
        again = 0;
        if ((k = any_word(text, p, hi, adverbs)) > 0) {
            p += (size_t)k;
            again = 1;
        }
    }
    int k = any_word(text, p, hi, verbs);
    /* 建成区 (built-up area), 完成率: nouns that begin with a verb. */
    return k > 0 && !word_at(text, p + (size_t)k, hi, "区") &&
           !word_at(text, p + (size_t)k, hi, "率");
}

/* 全年 and 年内 become the paragraph's or heading's year, else the
 * document's; dropped when none is known.  Returns the mentions kept. */
static size_t
resolve_years(struct year_mention *y, size_t n, struct context *cx)
{
    size_t k = 0;
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        /* 报告对2021年…作出总结,全年…: the year named last in the
         * sentence, else the paragraph's, the heading's, the document's. */
        int passage = last ? last : cx->para_year ? cx->para_year : cx->heading_year;
        if (y[i].year == YEAR_SPAN) {
            /* Kept as a barrier; what was carried stops here. */
            cx->para_year = 0;
            y[i].year = YEAR_BARRIER;
            y[k++] = y[i];
            last = 0;
            continue;
        }
        if (y[i].year == YEAR_OF_PASSAGE)
            y[i].year = passage;
        else if (y[i].year == YEAR_OF_CONTEXT)
            y[i].year = passage ? passage : cx->doc_year;
        if (y[i].year > 0 && y[i].year < YEAR_OF_CONTEXT)
            y[k++] = y[i];
        last = k > 0 && y[k - 1].year > 0 ? y[k - 1].year : last;
    }
    return k;
}

/* The year the next sentences of the paragraph are for: the last named,
 * none after a period. */
static int
carried_year(const struct year_mention *y, size_t ny, int had)
{
    if (ny == 0)
        return had;
    return y[ny - 1].year == YEAR_BARRIER ? 0 : y[ny - 1].year;
}

/* A sentence without facts still names the year the next ones are for. */
static void
remember_year(const char *text, struct span s, struct context *cx)
{
    struct year_mention years[MAX_YEARS];
    size_t ny = resolve_years(years, find_years(text, s, cx->doc_year, years), cx);
    cx->para_year = carried_year(years, ny, cx->para_year);
}

void
context_start(struct context *cx, int doc_year, enum heading_kind doc_kind)
{
    cx->doc_year = doc_year;
    cx->doc_kind = (int)doc_kind;
    cx->para_year = 0;
    cx->heading_year = 0;
    cx->heading_kind = HEADING_NEUTRAL;
}

void
context_paragraph(struct context *cx)
{
    cx->para_year = 0;
}

void
context_heading(struct context *cx, int year, enum heading_kind kind)
{
    cx->heading_year = heading_year_resolve(year, cx->doc_year);
    /* A report on a past period reviews where no heading decides. */
    cx->heading_kind = kind != HEADING_NEUTRAL ? (int)kind : cx->doc_kind;
}

void
context_skip(struct context *cx, const char *text, struct span s)
{
    remember_year(text, s, cx);
}

void
context_facts(struct context *cx, const struct patternset *ps, pcre2_match_data *md,
              const char *text, struct span s, struct fact *f, size_t n)
{
    int doc_year = cx->doc_year;
    struct year_mention years[MAX_YEARS];
    struct cue cues[MAX_CUES], usable[MAX_CUES];
    size_t ny = resolve_years(years, find_years(text, s, doc_year, years), cx);
    size_t nc = find_cues(ps, text, s, md, cues);

    for (size_t i = 0; i < n; i++) {
        f[i].year = year_of(text, f, 0, i, years, ny);
        /* Else the year named last in the paragraph, else the heading's. */
        if (f[i].year == 0)
            f[i].year = cx->para_year ? cx->para_year : cx->heading_year;
        /* In a report on a past period, the period the report is of. */
        if (f[i].year == 0 && cx->doc_kind == HEADING_REVIEW)
            f[i].year = doc_year;
        f[i].stance = stance_of(text, s, &f[i], usable, usable_cues(&f[i], cues, nc, cx, usable));
        /* No cue: a year after the document's is planned, one before it
         * reported (FACTS.md, rulings on context). */
        if (f[i].stance == STANCE_NONE && f[i].year > 0 && doc_year > 0 && f[i].year > doc_year)
            f[i].stance = STANCE_TARGET;
        else if (f[i].stance == STANCE_NONE && f[i].year > 0 && f[i].year < doc_year)
            f[i].stance = STANCE_REPORTED;
        /* No cue: the heading decides; else a plan's instruction. */
        if (f[i].stance == STANCE_NONE && cx->heading_kind == HEADING_REVIEW)
            f[i].stance = STANCE_REPORTED;
        else if (f[i].stance == STANCE_NONE && cx->heading_kind == HEADING_PLAN)
            f[i].stance = STANCE_TARGET;
        else if (f[i].stance == STANCE_NONE && opens_with_action(text, s, &f[i]))
            f[i].stance = STANCE_TARGET;
    }
    cx->para_year = carried_year(years, ny, cx->para_year);
}
