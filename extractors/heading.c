/*
 * heading: one pass over the lines of a normalized text.  The title block
 * is measured first (heading_title_end()); every later line is tried as a
 * numbered heading, then as a line standing alone; a heading's year and kind
 * come from its words; last, the levels of unnumbered headings are settled
 * and each heading gets its parent and what it passes on (ctx_year,
 * ctx_kind), so that heading_context() is a binary search and two loads.
 *
 * Everything here reads bytes with bounds: the text need not be
 * NUL-terminated, and bytes that are not UTF-8 count as one character each
 * (the text is normalized, so that does not happen in the pipeline).
 */
#include "heading.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

/* A heading is short: a numbered one up to 40 characters with its
 * numbering (一、2023年上半年国民经济和社会发展计划执行情况 has 27), one
 * standing alone up to 30. */
#define HEADING_NUMBERED_MAX 40
#define HEADING_PLAIN_MAX    30

/* A line longer than this without sentence punctuation is still a
 * paragraph, not part of the title block.  A date line with source, author
 * and editor runs to about 45 characters, a long headline to about 45. */
#define TITLE_LINE_MAX 64

/* The title block never goes past this many lines. */
#define TITLE_MAX_LINES 30

/* The most years one line is looked at for. */
#define LINE_YEARS_MAX 8

/* One line of the text: where it starts, and its content without the white
 * space around it. */
struct line {
    size_t start; /* First byte of the line. */
    size_t off;   /* First byte of its content. */
    size_t len;   /* Bytes of content; 0 for a blank line. */
};

/* Is the word w at s[i..n)? */
static int
at(const char *s, size_t n, size_t i, const char *w)
{
    size_t k = strlen(w);
    return i <= n && n - i >= k && memcmp(s + i, w, k) == 0;
}

/* Does the word w end right before s[i], with lo as the start of the text? */
static int
before(const char *s, size_t lo, size_t i, const char *w)
{
    size_t k = strlen(w);
    return i >= lo && i - lo >= k && memcmp(s + i - k, w, k) == 0;
}

/* White space NFKC leaves or makes: ASCII blanks; U+3000 and U+00A0 in text
 * that was not normalized.  Returns its length at s[i], or 0. */
static size_t
space_at(const char *s, size_t n, size_t i)
{
    unsigned char c = (unsigned char)s[i];

    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
        return 1;
    if (at(s, n, i, "\xE3\x80\x80") || at(s, n, i, "\xC2\xA0"))
        return c == 0xE3 ? 3 : 2;
    return 0;
}

/* The start of the character before s[i], no earlier than lo. */
static size_t
prev_char(const char *s, size_t lo, size_t i)
{
    size_t j = i;

    while (j > lo && i - j < 4) {
        j--;
        if (((unsigned char)s[j] & 0xC0) != 0x80)
            break;
    }
    return j;
}

/* The code point at s[i], or -1 for a byte that starts no valid sequence. */
static long
code_point(const char *s, size_t n, size_t i)
{
    const unsigned char *p = (const unsigned char *)s + i;
    size_t k = utf8_seq(p, n - i);

    switch (k) {
    case 1:
        return p[0];
    case 2:
        return (long)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    case 3:
        return (long)(p[0] & 0x0F) << 12 | (long)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    case 4:
        return (long)(p[0] & 0x07) << 18 | (long)(p[1] & 0x3F) << 12 | (long)(p[2] & 0x3F) << 6 |
               (p[3] & 0x3F);
    default:
        return -1;
    }
}

static int
is_ideograph(long c)
{
    return c >= 0x4E00 && c <= 0x9FFF;
}

/* The line starting at *pos (which must be < len), trimmed; *pos moves past
 * its line break. */
static void
line_at(const char *t, size_t len, size_t *pos, struct line *l)
{
    const char *nl = memchr(t + *pos, '\n', len - *pos);
    size_t end = nl ? (size_t)(nl - t) : len, k;

    l->start = *pos;
    l->off = *pos;
    *pos = nl ? end + 1 : len;
    while (l->off < end && (k = space_at(t, end, l->off)) > 0)
        l->off += k;
    /* Trailing blanks are ASCII, or U+3000 / U+00A0, whose last byte is
     * 0x80 or 0xA0 after a lead byte: step back whole characters. */
    while (end > l->off) {
        size_t p = prev_char(t, l->off, end);
        if (space_at(t, end, p) != end - p)
            break;
        end = p;
    }
    l->len = end - l->off;
}

/* ---- numbers in headings ---- */

/* The digit at s[i]: 0..9, with *adv its bytes and *script 1 for ASCII and
 * full-width digits, 2 for Chinese ones (〇 零 一..九); else -1. */
static int
digit_at(const char *s, size_t n, size_t i, size_t *adv, int *script)
{
    static const char *const cn[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    unsigned char c = (unsigned char)s[i];

    if (c >= '0' && c <= '9') {
        *adv = 1;
        *script = 1;
        return c - '0';
    }
    /* U+FF10..U+FF19: EF BC 90..99 */
    if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBC &&
        (unsigned char)s[i + 2] >= 0x90 && (unsigned char)s[i + 2] <= 0x99) {
        *adv = 3;
        *script = 1;
        return (unsigned char)s[i + 2] - 0x90;
    }
    *adv = 3;
    *script = 2;
    if (at(s, n, i, "零"))
        return 0;
    for (int d = 0; d < 10; d++)
        if (at(s, n, i, cn[d]))
            return d;
    return -1;
}

/* A Chinese numeral from 1 to 99 as list numberings and months write it
 * (三, 十, 十二, 二十, 二十三) at s[i..n): its bytes, 0 when none; *val its
 * value.  A longer run of numeral characters (十四五) is none. */
static size_t
cn_number(const char *s, size_t n, size_t i, int *val)
{
    int d[4], k = 0;
    size_t j = i, adv;
    int script;

    while (j < n && k < 4) {
        int v = digit_at(s, n, j, &adv, &script);
        if (v > 0 && script == 2) {
            d[k++] = v;
        } else if (at(s, n, j, "十")) {
            d[k++] = 10;
            adv = 3;
        } else {
            break;
        }
        j += adv;
    }
    if (k == 1 && d[0] <= 10)
        *val = d[0];
    else if (k == 2 && d[0] == 10 && d[1] < 10)
        *val = 10 + d[1];
    else if (k == 2 && d[0] < 10 && d[1] == 10)
        *val = d[0] * 10;
    else if (k == 3 && d[0] < 10 && d[1] == 10 && d[2] < 10)
        *val = d[0] * 10 + d[2];
    else
        return 0;
    return j - i;
}

/* ASCII digits at s[i..n) and *val their value, reading no more than max + 1
 * of them: how many (max + 1 says "more than max"). */
static size_t
ascii_digits(const char *s, size_t n, size_t i, size_t max, int *val)
{
    size_t k = 0;

    *val = 0;
    while (i + k < n && k <= max && s[i + k] >= '0' && s[i + k] <= '9')
        *val = *val * 10 + (s[i + k++] - '0');
    return k;
}

/* Units, measure words and multipliers: a number before one counts
 * something (2000亩, 2020个), it is not a year. */
static const char *const not_after_year[] = {
    "个", "项", "所", "家", "座", "套", "户", "亩", "平", "米", "万", "亿", "千", "百", "元",
    "人", "名", "次", "条", "件", "台", "辆", "吨", "公", "余", "多", "月", "日", "号", "届",
    "期", "周", "分", "秒", "点", "倍", "位", "岁", "里", "斤", "栋", "间", "张", "只", "块",
    "处", "宗", "株", "棵", "字", "页", "份", "篇", "部", "类", "种", "批", "年",
};

/* Is one of the words at s[i..n)? */
static int
any_at(const char *s, size_t n, size_t i, const char *const *w, size_t nw)
{
    for (size_t k = 0; k < nw; k++)
        if (at(s, n, i, w[k]))
            return 1;
    return 0;
}

/* A mark that joins the two ends of a span: 2016-2020, 2016年至2020年. */
static size_t
span_mark_at(const char *s, size_t n, size_t i)
{
    static const char *const marks[] = {"-", "~", "—", "–", "至", "到"};

    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
        if (at(s, n, i, marks[k]))
            return strlen(marks[k]);
    return 0;
}

/* Flags for the year whose digits are s[i..e) and whose 年, if any, ends at
 * after (== e when it has none). */
static unsigned
year_flags(const char *s, size_t n, size_t i, size_t e, size_t after)
{
    static const char *const parts[] = {"上半年", "前三季度", "一季度", "第一季度", "前两个季度",
                                        "前半年", "1-",       "1至",    "1~"};
    unsigned f = after == e ? HEADING_Y_BARE : 0;
    size_t j = after, k, adv;
    int v, script;

    if (!(f & HEADING_Y_BARE)) {
        while (j < n && (k = space_at(s, n, j)) > 0)
            j += k;
        if ((k = ascii_digits(s, n, j, 2, &v)) > 0 && k <= 2 && at(s, n, j + k, "月"))
            f |= HEADING_Y_DATE;
        else if ((k = cn_number(s, n, j, &v)) > 0 && v <= 12 && at(s, n, j + k, "月"))
            f |= HEADING_Y_DATE;
        if (any_at(s, n, j, parts, sizeof parts / sizeof parts[0]))
            f |= HEADING_Y_PART;
        if (at(s, n, j, "以来") || at(s, n, j, "起") || at(s, n, j, "至今"))
            f |= HEADING_Y_SINCE;
        if (at(s, n, j, "远景"))
            f |= HEADING_Y_HORIZON;
    }
    /* The start of a span: a mark and another number follow. */
    j = after;
    while (j < n && (k = space_at(s, n, j)) > 0)
        j += k;
    if ((k = span_mark_at(s, n, j)) > 0 && j + k < n && digit_at(s, n, j + k, &adv, &script) >= 0)
        f |= HEADING_Y_SPAN;
    /* The end of a span, or a target (到2025年). */
    if (i > 0) {
        size_t p = prev_char(s, 0, i);
        if (span_mark_at(s, n, p) == i - p) {
            size_t q = p > 0 ? prev_char(s, 0, p) : p;
            if (p > 0 && (digit_at(s, n, q, &adv, &script) >= 0 || at(s, n, q, "年")))
                f |= HEADING_Y_SPAN;
            else if (at(s, n, p, "到") || at(s, n, p, "至"))
                f |= HEADING_Y_TARGET;
        }
        if (before(s, 0, i, "自") || before(s, 0, i, "从"))
            f |= HEADING_Y_SINCE;
    }
    return f;
}

size_t
heading_years(const char *s, size_t n, struct heading_year *out, size_t max)
{
    size_t found = 0, i = 0;

    while (i < n && found < max) {
        size_t adv, e, k;
        int script, s2, y = 0;
        int d = digit_at(s, n, i, &adv, &script);

        if (d < 0) {
            i += utf8_char_len(s, n, i);
            continue;
        }
        /* Not the tail of a longer number, nor a version (v2020), nor 第2020. */
        if (i > 0) {
            size_t p = prev_char(s, 0, i);
            unsigned char pc = (unsigned char)s[p];
            int pd = digit_at(s, n, p, &k, &s2);
            if ((pd >= 0 && s2 == script) || at(s, n, p, "十") || pc == '.' ||
                (pc < 0x80 && ((pc | 0x20) >= 'a' && (pc | 0x20) <= 'z'))) {
                i += adv;
                continue;
            }
        }
        e = i;
        int nd = 0;
        while (e < n && nd < 5) {
            int v = digit_at(s, n, e, &k, &s2);
            if (v < 0 || s2 != script)
                break;
            y = y * 10 + v;
            e += k;
            nd++;
        }
        if (nd != 4 || y < 1900 || y > 2099) {
            i = e > i ? e : i + adv;
            continue;
        }
        size_t after = e;
        if (at(s, n, e, "年")) {
            after = e + strlen("年");
        } else {
            /* Without 年: Arabic digits right before a Chinese word that
             * does not count something, and not after 第. */
            long c = e < n ? code_point(s, n, e) : -1;
            if (script != 1 || !is_ideograph(c) ||
                any_at(s, n, e, not_after_year, sizeof not_after_year / sizeof not_after_year[0]) ||
                before(s, 0, i, "第")) {
                i = e;
                continue;
            }
        }
        out[found].off = i;
        out[found].year = y;
        out[found].flags = year_flags(s, n, i, e, after);
        found++;
        i = after;
    }
    return found;
}

/* A year named against the document's, HEADING_YEAR_REL + its offset, or
 * 0: 今年, 本年 and 全年 (FACTS.md, rulings on context), 去年 and 上年 but
 * not as the base of a comparison (比上年), 明年. */
static int
heading_relative_year(const char *s, size_t n)
{
    static const struct {
        const char *word;
        int delta;
    } rel[] = {{"今年", 0}, {"本年", 0}, {"全年", 0}, {"去年", -1}, {"上年", -1}, {"明年", 1}};
    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i))
        for (size_t r = 0; r < sizeof rel / sizeof rel[0]; r++)
            if (at(s, n, i, rel[r].word) && !before(s, 0, i, "比") && !before(s, 0, i, "较") &&
                !at(s, n, i + strlen(rel[r].word), "同期"))
                return HEADING_YEAR_REL + rel[r].delta;
    return 0;
}

/* The one year a heading's words name, or 0 (none, or two different ones);
 * *part: it is a part of that year. */
static int
heading_year_of(const char *s, size_t n, int *part)
{
    struct heading_year y[LINE_YEARS_MAX];
    size_t k = heading_years(s, n, y, LINE_YEARS_MAX);
    int year = 0;

    *part = 0;
    for (size_t i = 0; i < k; i++) {
        /* Spans and period starts are not years (FACTS.md, rulings). */
        if (y[i].flags & (HEADING_Y_BARE | HEADING_Y_SPAN | HEADING_Y_SINCE))
            continue;
        if (year != 0 && year != y[i].year)
            return *part = 0;
        year = y[i].year;
        *part |= (y[i].flags & HEADING_Y_PART) != 0;
    }
    return year != 0 || k > 0 ? year : heading_relative_year(s, n);
}

/* ---- kinds ---- */

/* Status words: a heading with one reports how things stand, whatever plan
 * words it has (主要预期目标完成情况, 计划执行情况). */
static const char *const status_words[] = {"完成情况", "执行情况", "进展情况", "发展情况"};

/* Review words, specific enough to count wherever they stand. */
static const char *const review_words[] = {
    "回顾",     "工作总结",   "年度总结",   "主要成绩",   "取得的成绩", "工作成绩",
    "主要成效", "工作成效",   "取得的成效", "主要成就",   "发展成就",   "成绩单",
    "过去五年", "过去的五年", "过去一年",   "过去的一年", "五年来",     "一年来",
};

/* Plan words; those with head set count only as the head of the heading's
 * noun phrase: at its end, or before 和 与 及 、 or another such word
 * (2020年工作安排, 规划目标; not 合理安排全区空间, 提升规划建设管理水平). */
static const struct {
    const char *word;
    int head;
} plan_words[] = {
    {"总体要求", 0}, {"指导思想", 0}, {"重点工作", 0}, {"主要任务", 0}, {"重点任务", 0},
    {"目标任务", 0}, {"工作任务", 0}, {"工作思路", 0}, {"总体思路", 0}, {"工作打算", 0},
    {"计划草案", 0}, {"预算草案", 0}, {"展望", 0},     {"安排", 1},     {"目标", 1},
    {"规划", 1},     {"计划", 1},     {"打算", 1},     {"举措", 1},
};

/* 规划 after these is the planning of a city, not a plan (城乡规划). */
static const char *const urban[] = {"城市", "城乡", "空间",   "国土",
                                    "土地", "详细", "控制性", "村庄"};

/* Verbs that open an imperative task heading (推进经济高质量发展——): such a
 * heading is neutral whatever plan words it has (加强规划和建设管理). */
static const char *const imperative[] = {
    "推进", "推动", "加快", "加强", "加大", "提升", "提高", "坚持", "聚焦", "打造", "实施",
    "深化", "强化", "着力", "全面", "大力", "持续", "扎实", "促进", "优化", "完善", "构建",
    "做好", "抓好", "落实", "健全", "增强", "统筹", "巩固", "激发", "培育", "坚决", "积极",
    "切实", "努力", "奋力", "全力", "围绕", "突出", "狠抓", "筑牢", "守牢", "扩大", "补齐",
};

/* Joins two nouns: what comes before it is a head of its own. */
static const char *const coordinators[] = {"和", "与", "及", "、", "并", "以及", ","};

static int
cue_at(const char *s, size_t n, size_t i)
{
    if (any_at(s, n, i, status_words, sizeof status_words / sizeof status_words[0]) ||
        any_at(s, n, i, review_words, sizeof review_words / sizeof review_words[0]))
        return 1;
    for (size_t k = 0; k < sizeof plan_words / sizeof plan_words[0]; k++)
        if (at(s, n, i, plan_words[k].word))
            return 1;
    return 0;
}

/* Is s[i..end) (end: the end of the heading's last word) empty, or does it
 * start with a coordinator or another cue word? */
static int
heads(const char *s, size_t end, size_t i)
{
    size_t k;

    while (i < end && (k = space_at(s, end, i)) > 0)
        i += k;
    return i >= end ||
           any_at(s, end, i, coordinators, sizeof coordinators / sizeof coordinators[0]) ||
           cue_at(s, end, i);
}

/* The length of the word of w[0..nw) at s[i..n), or 0. */
static size_t
word_len(const char *s, size_t n, size_t i, const char *const *w, size_t nw)
{
    for (size_t k = 0; k < nw; k++)
        if (at(s, n, i, w[k]))
            return strlen(w[k]);
    return 0;
}

/* Does a word of w[0..nw) end right before s[i]? */
static int
any_before(const char *s, size_t i, const char *const *w, size_t nw)
{
    for (size_t k = 0; k < nw; k++)
        if (before(s, 0, i, w[k]))
            return 1;
    return 0;
}

/* Is the plan word at s[i..i+wl) one that counts? */
static int
plan_counts(const char *s, size_t end, size_t i, size_t w)
{
    size_t wl = strlen(plan_words[w].word);

    if (plan_words[w].head && !heads(s, end, i + wl))
        return 0;
    return strcmp(plan_words[w].word, "规划") != 0 ||
           !any_before(s, i, urban, sizeof urban / sizeof urban[0]);
}

/* Does the heading say how things stand (a status word)?  Then, naming no
 * year, it speaks of the document's (二、分行业进展情况). */
static int
has_status(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i))
        if (any_at(s, n, i, status_words, sizeof status_words / sizeof status_words[0]))
            return 1;
    return 0;
}

enum heading_kind
heading_kind_of(const char *s, size_t n)
{
    size_t end = n, lead = 0, k;
    int review = 0, plan = 0, imper;

    if (has_status(s, n))
        return HEADING_REVIEW;
    /* The end of the last word: trailing ——, :, quotes and marks (◢) are not
     * words. */
    while (end > 0) {
        size_t p = prev_char(s, 0, end);
        long c = code_point(s, n, p);
        if (is_ideograph(c) || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            break;
        end = p;
    }
    /* The opening word, after quotes, brackets and white space. */
    while (lead < n) {
        long c = code_point(s, n, lead);
        if (is_ideograph(c) || (c >= '0' && c <= '9'))
            break;
        lead += utf8_char_len(s, n, lead);
    }
    imper = any_at(s, n, lead, imperative, sizeof imperative / sizeof imperative[0]);
    for (size_t i = 0; i < end; i += k) {
        k = word_len(s, end, i, review_words, sizeof review_words / sizeof review_words[0]);
        if (k > 0) {
            review = 1;
            continue;
        }
        k = utf8_char_len(s, n, i);
        for (size_t w = 0; w < sizeof plan_words / sizeof plan_words[0]; w++)
            if (at(s, end, i, plan_words[w].word)) {
                plan |= !imper && plan_counts(s, end, i, w);
                k = strlen(plan_words[w].word);
                break;
            }
    }
    /* A heading that reviews and plans (过去五年工作回顾和今后五年目标任务,
     * 回顾与展望) leaves the sentences to their own cues. */
    if (review && plan)
        return HEADING_NEUTRAL;
    if (review)
        return HEADING_REVIEW;
    return plan ? HEADING_PLAN : HEADING_NEUTRAL;
}

/* ---- lines ---- */

/* Is there a full stop or 、 at s[k] that ends a numbering (1. but not 1.5)?
 * Its bytes, or 0. */
static size_t
numbering_mark(const char *s, size_t n, size_t k)
{
    if (at(s, n, k, "、"))
        return strlen("、");
    if (at(s, n, k, ".") && !(k + 1 < n && s[k + 1] >= '0' && s[k + 1] <= '9'))
        return 1;
    return 0;
}

/* 第一部分, 第二章, 第3节 at s[0..n): the level, *i past it; else 0. */
static int
numbering_ordinal(const char *s, size_t n, size_t *i)
{
    static const struct {
        const char *word;
        int level;
    } units[] = {
        {"部分", HEADING_LEVEL_PART},  {"篇", HEADING_LEVEL_PART},    {"编", HEADING_LEVEL_PART},
        {"章", HEADING_LEVEL_CHAPTER}, {"节", HEADING_LEVEL_SECTION},
    };
    size_t j = strlen("第"), k;
    int v;

    if (!at(s, n, 0, "第"))
        return 0;
    if ((k = cn_number(s, n, j, &v)) == 0 && ((k = ascii_digits(s, n, j, 3, &v)) == 0 || k > 3))
        return 0;
    j += k;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        if (at(s, n, j, units[u].word)) {
            j += strlen(units[u].word);
            *i = j + numbering_mark(s, n, j);
            return units[u].level;
        }
    return 0;
}

/* The numbering s[0..n) starts with: its level, and *skip the bytes up to
 * the heading's words (n when nothing follows it: 一、 alone); 0 when it
 * has none. */
static int
numbering(const char *s, size_t n, size_t *skip)
{
    size_t i = 0, k, m;
    int level, v;
    long c = n > 0 ? code_point(s, n, 0) : -1;

    if ((level = numbering_ordinal(s, n, &i)) > 0) {
        /* 第一部分 */
    } else if ((k = cn_number(s, n, 0, &v)) > 0 && (m = numbering_mark(s, n, k)) > 0) {
        level = HEADING_LEVEL_CN; /* 一、 */
        i = k + m;
    } else if (c == '(' && (k = cn_number(s, n, 1, &v)) > 0 && at(s, n, 1 + k, ")")) {
        level = HEADING_LEVEL_CN_PAREN; /* (一) */
        i = 2 + k;
    } else if (c == '(' && (k = ascii_digits(s, n, 1, 2, &v)) > 0 && k <= 2 &&
               at(s, n, 1 + k, ")")) {
        level = HEADING_LEVEL_NUM_PAREN; /* (1) */
        i = 2 + k;
    } else if ((k = ascii_digits(s, n, 0, 2, &v)) > 0 && k <= 2) {
        if ((m = numbering_mark(s, n, k)) > 0) {
            level = HEADING_LEVEL_NUM; /* 1. 1、 */
        } else if (at(s, n, k, ")")) {
            level = HEADING_LEVEL_NUM_PAREN; /* 1) */
            m = 1;
        } else {
            return 0;
        }
        i = k + m;
    } else if ((c >= 0x2460 && c <= 0x2473) || (c >= 0x2776 && c <= 0x2793)) {
        level = HEADING_LEVEL_CIRCLED; /* ① ❶ ➀, which normalize leaves alone */
        i = utf8_char_len(s, n, 0);
    } else if (c >= 0x2474 && c <= 0x2487) {
        level = HEADING_LEVEL_NUM_PAREN; /* ⑴ */
        i = utf8_char_len(s, n, 0);
    } else {
        return 0;
    }
    while (i < n && (k = space_at(s, n, i)) > 0)
        i += k;
    *skip = i;
    return level;
}

/* Sentence punctuation: a heading has none of it (a numbered one may end in
 * one 。 or !: (一)再燃创新主引擎,跑满产业“加速度”。), no colon (来源:,
 * 目标: are labels and lead-ins), and one standing alone at most one comma
 * (聚焦协调联动,争当协同发展排头兵). */
static int
punctuation_ok(const char *s, size_t n, int numbered)
{
    static const char *const enders[] = {"。", "!", "?", "！", "？"};
    size_t commas = 0;

    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i)) {
        if (any_at(s, n, i, enders, sizeof enders / sizeof enders[0])) {
            if (!numbered || i + utf8_char_len(s, n, i) != n)
                return 0;
        } else if (s[i] == ';' || at(s, n, i, "；")) {
            return 0;
        } else if (s[i] == ':' || at(s, n, i, "：")) {
            if (!(i > 0 && i + 1 < n && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i + 1] >= '0' &&
                  s[i + 1] <= '9'))
                return 0;
        } else if (s[i] == ',' || at(s, n, i, "，")) {
            commas++;
        }
    }
    return numbered || commas <= 1;
}

/* A line standing alone names no number but a year: 2020年长沙 may be a
 * heading, 全市地区生产总值增长4.1% is a sentence without its full stop. */
static int
digits_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int v;
        size_t k;
        if (s[i] == '%')
            return 0;
        if (s[i] < '0' || s[i] > '9')
            continue;
        k = ascii_digits(s, n, i, 5, &v);
        if (k != 4 || !at(s, n, i + k, "年"))
            return 0;
        i += k - 1;
    }
    return 1;
}

/* Could s[0..n) stand alone as a heading, by its shape?  Asides in
 * parentheses and lines opening with a dash (——访区长) are not. */
static int
plain_shape(const char *s, size_t n)
{
    size_t c = utf8_count(s, n, HEADING_PLAIN_MAX);

    if (c < 2 || c > HEADING_PLAIN_MAX)
        return 0;
    if (s[0] == '(' || at(s, n, 0, "（") || at(s, n, 0, "—") || s[0] == '-')
        return 0;
    return punctuation_ok(s, n, 0) && digits_ok(s, n);
}

/* A paragraph, for the title block: sentence punctuation, two commas, or
 * longer than a headline. */
static int
paragraph(const char *s, size_t n)
{
    static const char *const marks[] = {"。", "!", "?", ";", "！", "？", "；"};
    size_t commas = 0;

    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i)) {
        if (any_at(s, n, i, marks, sizeof marks / sizeof marks[0]))
            return 1;
        if ((s[i] == ',' || at(s, n, i, "，")) && ++commas >= 2)
            return 1;
    }
    return utf8_count(s, n, TITLE_LINE_MAX) > TITLE_LINE_MAX;
}

/* Words of a headline, not of a section title: a line after the first that
 * names a year without one (2020年长沙) is a section title; with one
 * (2021年政府工作报告, under a kicker) part of the title block. */
static const char *const document_words[] = {"报告", "公报", "规划", "纲要", "方案", "通知",
                                             "意见", "决定", "办法", "草案", "政府", "会议",
                                             "两会", "发布", "新闻", "时间", "日期", "来源"};

static int
section_title(const char *s, size_t n)
{
    int part, year = plain_shape(s, n) ? heading_year_of(s, n, &part) : 0;
    if (year <= 0 || year >= HEADING_YEAR_REL - 1)
        return 0;
    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i))
        if (any_at(s, n, i, document_words, sizeof document_words / sizeof document_words[0]))
            return 0;
    return 1;
}

size_t
heading_title_end(const char *text, size_t len)
{
    size_t pos = 0, nlines = 0, nblock = 0, skip = 0, first_section = 0;
    struct line l, last = {0, 0, 0};

    while (pos < len) {
        line_at(text, len, &pos, &l);
        if (l.len == 0)
            continue;
        if (paragraph(text + l.off, l.len) || numbering(text + l.off, l.len, &skip) > 0) {
            /* 政府工作报告 / 2019年工作回顾 / 过去一年...: the last line is the
             * first heading. */
            if (nblock > 1 && plain_shape(text + last.off, last.len) &&
                heading_kind_of(text + last.off, last.len) != HEADING_NEUTRAL)
                return last.start;
            /* 极简版政府工作报告来了 / 2020年长沙 / 经济恢复增长 / ...: a section
             * title that names a year ends the block too. */
            if (nblock > 1 && first_section > 0)
                return first_section;
            return nblock > 0 ? l.start : 0;
        }
        if (++nlines > TITLE_MAX_LINES)
            break;
        if (nblock > 0 && first_section == 0 && section_title(text + l.off, l.len))
            first_section = l.start;
        nblock++;
        last = l;
    }
    /* No paragraph in the first lines, or none at all (a table, a list of
     * links): only the first line is the title block. */
    pos = 0;
    while (pos < len) {
        line_at(text, len, &pos, &l);
        if (l.len > 0)
            return pos;
    }
    return 0;
}

/* The next line with content after *pos, or 0 when there is none. */
static int
next_content(const char *text, size_t len, size_t pos, struct line *l)
{
    while (pos < len) {
        line_at(text, len, &pos, l);
        if (l->len > 0)
            return 1;
    }
    return 0;
}

static int
push(struct headings *out, const struct heading *h, struct err *err)
{
    if (out->n == out->cap) {
        struct heading *v = buf_grow_array(out->v, &out->cap, sizeof *v, 16);
        if (v == NULL) {
            err_set(err, "out of memory for %zu headings", out->n + 1);
            return -1;
        }
        out->v = v;
    }
    out->v[out->n++] = *h;
    return 0;
}

/* Unnumbered headings' levels, then every heading's parent and context. */
static void
settle(struct headings *h)
{
    size_t first_numbered = h->n, first_deciding = h->n;
    size_t stack[HEADING_LEVEL_PLAIN + 1], depth = 0;

    for (size_t i = 0; i < h->n; i++) {
        const struct heading *x = &h->v[i];
        if (x->level != HEADING_LEVEL_PLAIN && first_numbered == h->n)
            first_numbered = i;
        if (x->level == HEADING_LEVEL_PLAIN && (x->year || x->kind != HEADING_NEUTRAL) &&
            first_deciding == h->n)
            first_deciding = i;
    }
    if (first_deciding < first_numbered)
        for (size_t i = 0; i < h->n; i++) {
            struct heading *x = &h->v[i];
            if (x->level == HEADING_LEVEL_PLAIN && (x->year || x->kind != HEADING_NEUTRAL))
                x->level = HEADING_LEVEL_TOP;
        }
    /* Levels on the stack rise strictly, so it holds one heading a level. */
    for (size_t i = 0; i < h->n; i++) {
        struct heading *x = &h->v[i];
        while (depth > 0 && h->v[stack[depth - 1]].level >= x->level)
            depth--;
        x->parent = depth > 0 ? stack[depth - 1] : HEADING_NO_PARENT;
        x->ctx_year = x->year;
        x->ctx_kind = x->kind;
        if (x->parent != HEADING_NO_PARENT) {
            const struct heading *p = &h->v[x->parent];
            if (x->ctx_year == 0)
                x->ctx_year = p->ctx_year;
            if (x->ctx_kind == HEADING_NEUTRAL)
                x->ctx_kind = p->ctx_kind;
        }
        /* A status heading under no year speaks of the document's
         * (二、分行业进展情况); under one (一、2020年工作回顾), of that. */
        if (x->ctx_year == 0 && x->status)
            x->ctx_year = HEADING_YEAR_REL;
        stack[depth++] = i;
    }
}

/* Words of a title that make the whole document a review (FACTS.md,
 * rulings on context: a statistical bulletin, a report on how the year's
 * tasks stand). */
static const char *const review_titles[] = {"统计公报", "完成情况", "执行情况", "进展情况",
                                            "工作总结"};

/* ...unless it plans too: 关于2020年计划执行情况与2021年计划草案的报告. */
static const char *const plan_titles[] = {"草案", "安排", "打算"};

static enum heading_kind
title_kind_of(const char *text, size_t end)
{
    int review = 0;
    for (size_t i = 0; i < end; i += utf8_char_len(text, end, i)) {
        if (any_at(text, end, i, plan_titles, sizeof plan_titles / sizeof plan_titles[0]))
            return HEADING_NEUTRAL;
        review |=
            any_at(text, end, i, review_titles, sizeof review_titles / sizeof review_titles[0]);
    }
    return review ? HEADING_REVIEW : HEADING_NEUTRAL;
}

int
heading_find(const char *text, size_t len, struct headings *out, struct err *err)
{
    size_t pos;
    struct line l, next;

    memset(out, 0, sizeof *out);
    out->title_end = pos = heading_title_end(text, len);
    out->title_kind = title_kind_of(text, out->title_end);
    while (pos < len) {
        struct heading h = {
            .parent = HEADING_NO_PARENT, .kind = HEADING_NEUTRAL, .ctx_kind = HEADING_NEUTRAL};
        size_t skip = 0;
        const char *s;

        line_at(text, len, &pos, &l);
        if (l.len == 0)
            continue;
        s = text + l.off;
        h.level = numbering(s, l.len, &skip);
        if (h.level > 0) {
            /* A numbering alone (一、) is a line broken after it: no heading. */
            if (skip >= l.len ||
                utf8_count(s, l.len, HEADING_NUMBERED_MAX) > HEADING_NUMBERED_MAX ||
                !punctuation_ok(s, l.len, 1))
                continue;
        } else {
            if (!plain_shape(s, l.len) || !next_content(text, len, pos, &next))
                continue;
            h.level = HEADING_LEVEL_PLAIN;
        }
        h.line.off = l.off;
        h.line.len = l.len;
        h.year = heading_year_of(s + skip, l.len - skip, &h.year_part);
        h.kind = heading_kind_of(s + skip, l.len - skip);
        h.status = h.year == 0 && has_status(s + skip, l.len - skip);
        /* Standing alone: before a longer line, the paragraph it heads; a
         * heading that names a year or reviews or plans may stand over a
         * shorter one (2020年长沙 / 交答卷!). */
        if (h.level == HEADING_LEVEL_PLAIN && h.year == 0 && h.kind == HEADING_NEUTRAL &&
            utf8_count(text + next.off, next.len, HEADING_PLAIN_MAX) <=
                utf8_count(s, l.len, HEADING_PLAIN_MAX))
            continue;
        if (push(out, &h, err) != 0)
            return -1;
    }
    settle(out);
    return 0;
}

void
headings_free(struct headings *h)
{
    if (h == NULL)
        return;
    free(h->v);
    memset(h, 0, sizeof *h);
}

/* The last heading whose line starts at or before off, or NULL. */
static const struct heading *
last_before(const struct headings *h, size_t off)
{
    size_t lo = 0, hi;

    if (h == NULL || h->n == 0)
        return NULL;
    hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->v[mid].line.off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 ? &h->v[lo - 1] : NULL;
}

const struct heading *
heading_at(const struct headings *h, size_t off)
{
    const struct heading *x = last_before(h, off);

    return x != NULL && off < x->line.off + x->line.len ? x : NULL;
}

void
heading_context(const struct headings *h, size_t off, int *year, enum heading_kind *kind)
{
    const struct heading *x = last_before(h, off);

    if (x != NULL && off < x->line.off + x->line.len)
        x = x->parent != HEADING_NO_PARENT ? &h->v[x->parent] : NULL;
    *year = x != NULL ? x->ctx_year : 0;
    *kind = x != NULL ? x->ctx_kind : HEADING_NEUTRAL;
}
