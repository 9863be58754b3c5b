/*
 * docinfo: the title, the published date and doc_year, in the orders
 * FACTS.md "The document" gives, from what page_read() already has (the
 * normalized text, html_text()'s title and <meta> date, the URI) and from
 * heading_find()'s headings and title block.  The rules it settles where
 * FACTS.md is silent are written next to the code that applies them.
 */
#include "docinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* The date line is looked for in the lines that start in the first 2 KB,
 * and no further than the 30th line with content. */
#define DATE_WINDOW_BYTES 2048
#define DATE_WINDOW_LINES 30

/* A date line without a label (2019年12月3日 星期二) is short. */
#define DATE_LINE_MAX 64

/* A labelled one (来源: 津云 作者:… 编辑:… 2020-01-18 15:24:00) may run on. */
#define LABEL_LINE_MAX 200

#define TITLE_YEARS_MAX 8

/* A line with a date and at most this many other characters (星期二, a
 * time, a source's name) is a date line, not a headline. */
#define DATE_LINE_REST 12

/* Labels of the date line and of the other lines about the page (source,
 * author, editor), which are never its headline. */
static const char *const date_labels[] = {"发布日期", "发布时间", "发文日期", "成文日期", "日期",
                                          "时间",     "来源",     "发表",     "更新"};
static const char *const byline_labels[] = {
    "来源", "作者", "编辑",   "记者",   "日期", "时间", "发布", "浏览", "点击",     "字号",
    "稿源", "摄影", "通讯员", "索引号", "文号", "分类", "阅读", "访问", "发文机关",
};

static int
at(const char *s, size_t n, size_t i, const char *w)
{
    size_t k = strlen(w);
    return i <= n && n - i >= k && memcmp(s + i, w, k) == 0;
}

static int
before(const char *s, size_t i, const char *w)
{
    size_t k = strlen(w);
    return i >= k && memcmp(s + i - k, w, k) == 0;
}

static int
contains(const char *s, size_t n, const char *w)
{
    return memmem(s, n, w, strlen(w)) != NULL;
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ---- dates ---- */

static int
valid_date(int y, int m, int d)
{
    static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/* Exactly k digits, no more and no fewer, at s[*i..n): their value, or -1. */
static int
digits(const char *s, size_t n, size_t *i, size_t kmin, size_t kmax)
{
    size_t k = 0;
    int v = 0;

    while (*i + k < n && is_digit(s[*i + k]) && k <= kmax)
        v = v * 10 + (s[*i + k++] - '0');
    if (k < kmin || k > kmax)
        return -1;
    *i += k;
    return v;
}

static void
skip_spaces(const char *s, size_t n, size_t *i)
{
    while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
}

/* A Chinese digit (〇 零 一..九) at s[i]: its value, else -1. */
static int
cn_digit(const char *s, size_t n, size_t i)
{
    static const char *const d[] = {"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"};

    if (at(s, n, i, "零"))
        return 0;
    for (int k = 0; k < 10; k++)
        if (at(s, n, i, d[k]))
            return k;
    return -1;
}

/* A month or day in Chinese numerals (三, 十二, 二十, 三十一) at s[*i..n):
 * its value, with *i past it, or -1. */
static int
cn_small(const char *s, size_t n, size_t *i)
{
    int tens = 0, unit = 0, seen = 0;
    size_t j = *i;
    int d = cn_digit(s, n, j);

    if (d > 0 && at(s, n, j + 3, "十")) {
        tens = d;
        j += 6;
        seen = 1;
    } else if (at(s, n, j, "十")) {
        tens = 1;
        j += 3;
        seen = 1;
    }
    if ((d = cn_digit(s, n, j)) > 0) {
        unit = d;
        j += 3;
        seen = 1;
    }
    if (!seen)
        return -1;
    *i = j;
    return tens * 10 + unit;
}

/* A date starting at s[i]: Y-M-D, Y/M/D, Y.M.D, Y年M月D日 (日 or 号), or the
 * same in Chinese numerals.  Sets *y, *m, *d (unchecked) and *end; 0, or
 * -1. */
static int
date_at(const char *s, size_t n, size_t i, int *y, int *m, int *d, size_t *end)
{
    size_t j = i;

    if (is_digit(s[i])) {
        if (i > 0 && is_digit(s[i - 1]))
            return -1;
        if ((*y = digits(s, n, &j, 4, 4)) < 0 || j >= n)
            return -1;
        char sep = s[j];
        if (sep == '-' || sep == '/' || sep == '.') {
            j++;
            if ((*m = digits(s, n, &j, 1, 2)) < 0 || j >= n || s[j] != sep)
                return -1;
            j++;
            if ((*d = digits(s, n, &j, 1, 2)) < 0)
                return -1;
            *end = j;
            return 0;
        }
        skip_spaces(s, n, &j);
        if (!at(s, n, j, "年"))
            return -1;
        j += strlen("年");
        skip_spaces(s, n, &j);
        if ((*m = digits(s, n, &j, 1, 2)) < 0)
            return -1;
        skip_spaces(s, n, &j);
        if (!at(s, n, j, "月"))
            return -1;
        j += strlen("月");
        skip_spaces(s, n, &j);
        if ((*d = digits(s, n, &j, 1, 2)) < 0)
            return -1;
        skip_spaces(s, n, &j);
        *end = j + strlen("日");
        return at(s, n, j, "日") || at(s, n, j, "号") ? 0 : -1;
    }
    /* 二〇一九年十二月三日 */
    *y = 0;
    for (int k = 0; k < 4; k++, j += 3) {
        int v = cn_digit(s, n, j);
        if (v < 0)
            return -1;
        *y = *y * 10 + v;
    }
    if (!at(s, n, j, "年") || (i >= 3 && cn_digit(s, n, i - 3) >= 0))
        return -1;
    j += strlen("年");
    if ((*m = cn_small(s, n, &j)) < 0 || !at(s, n, j, "月"))
        return -1;
    j += strlen("月");
    if ((*d = cn_small(s, n, &j)) < 0 || !(at(s, n, j, "日") || at(s, n, j, "号")))
        return -1;
    *end = j + strlen("日");
    return 0;
}

/* The first valid date in s[0..n): 0 with out set and s[*pos..*end) the
 * date as written. */
static int
find_date(const char *s, size_t n, char out[11], size_t *pos, size_t *end)
{
    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i)) {
        int y, m, d;
        if (date_at(s, n, i, &y, &m, &d, end) == 0 && valid_date(y, m, d)) {
            /* valid_date() holds them to 4, 2 and 2 digits; the modulos say
             * so to the compiler's format check. */
            snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                     (unsigned)d % 100u);
            *pos = i;
            return 0;
        }
    }
    return -1;
}

int
docinfo_date(const char *s, size_t n, char out[11])
{
    size_t pos, end;

    return find_date(s, n, out, &pos, &end);
}

/* ---- dated URLs ---- */

/* A path segment: s[off..off+len). */
struct seg {
    size_t off, len;
};

/* Is the segment all digits, k of them? */
static int
seg_digits(const char *u, struct seg g, size_t kmin, size_t kmax)
{
    if (g.len < kmin || g.len > kmax)
        return 0;
    for (size_t i = 0; i < g.len; i++)
        if (!is_digit(u[g.off + i]))
            return 0;
    return 1;
}

static int
num(const char *u, size_t off, size_t k)
{
    int v = 0;

    for (size_t i = 0; i < k; i++)
        v = v * 10 + (u[off + i] - '0');
    return v;
}

/* The date segments g[k..ng) start with: 2 for a whole date, 1 for a month
 * only, 0 for none; *y, *m, *d set. */
static int
url_date_at(const char *u, const struct seg *g, size_t k, size_t ng, int *y, int *m, int *d)
{
    const char *s = u + g[k].off;
    size_t n = g[k].len, j = 0;

    /* t20200116_6526.html, 20210118, 20221109 */
    if (n > 0 && s[0] == 't')
        j = 1;
    if (n >= j + 8 && (n == j + 8 || !is_digit(s[j + 8])) &&
        seg_digits(u, (struct seg){g[k].off + j, 8}, 8, 8)) {
        *y = num(s, j, 4);
        *m = num(s, j + 4, 2);
        *d = num(s, j + 6, 2);
        return 2;
    }
    /* 2023-10-25, 2022-01 (/05/) */
    j = 0;
    if (n >= 7 && s[4] == '-' && seg_digits(u, (struct seg){g[k].off, 4}, 4, 4)) {
        int yy = num(s, 0, 4), mm, dd;
        j = 5;
        if ((mm = digits(s, n, &j, 1, 2)) < 0)
            return 0;
        if (j < n && s[j] == '-') {
            j++;
            if ((dd = digits(s, n, &j, 1, 2)) < 0)
                return 0;
            *y = yy;
            *m = mm;
            *d = dd;
            return 2;
        }
        if (j != n)
            return 0;
        *y = yy;
        *m = mm;
        *d = 1;
        if (k + 1 < ng && seg_digits(u, g[k + 1], 1, 2)) {
            *d = num(u, g[k + 1].off, g[k + 1].len);
            return 2;
        }
        return 1;
    }
    /* 2016/03/31, 2021/7/7, 2022/0419 */
    if (seg_digits(u, g[k], 4, 4) && k + 1 < ng) {
        *y = num(s, 0, 4);
        if (seg_digits(u, g[k + 1], 4, 4)) {
            *m = num(u, g[k + 1].off, 2);
            *d = num(u, g[k + 1].off + 2, 2);
            return 2;
        }
        if (seg_digits(u, g[k + 1], 1, 2) && k + 2 < ng) {
            const char *t = u + g[k + 2].off;
            size_t tl = g[k + 2].len, e = 0;
            *m = num(u, g[k + 1].off, g[k + 1].len);
            if ((*d = digits(t, tl, &e, 1, 2)) >= 0 && (e == tl || !is_digit(t[e])))
                return 2;
            *d = 1; /* /2020/01/index.html: a month's folder */
            return 1;
        }
        return 0;
    }
    /* 202102/23, 202001 */
    if (seg_digits(u, g[k], 6, 6)) {
        *y = num(s, 0, 4);
        *m = num(s, 4, 2);
        *d = 1;
        if (k + 1 < ng && seg_digits(u, g[k + 1], 1, 2)) {
            *d = num(u, g[k + 1].off, g[k + 1].len);
            return 2;
        }
        return 1;
    }
    return 0;
}

int
docinfo_url_date(const char *uri, char out[11])
{
    struct seg g[64];
    size_t ng = 0, n, i = 0;
    int found = 0, fy = 0, fm = 0, fd = 0;

    if (uri == NULL)
        return -1;
    n = strcspn(uri, "?#");
    /* The path only: a host's digits are no date. */
    const char *scheme = memmem(uri, n, "://", 3);
    if (scheme != NULL) {
        i = (size_t)(scheme - uri) + 3;
        while (i < n && uri[i] != '/')
            i++;
    }
    while (i < n && ng < sizeof g / sizeof g[0]) {
        size_t e = i;
        while (e < n && uri[e] != '/' && uri[e] != '\\')
            e++;
        if (e > i)
            g[ng++] = (struct seg){i, e - i};
        i = e + 1;
    }
    /* The last whole date wins (the file's own, under dated folders), else
     * the last month. */
    for (size_t k = 0; k < ng; k++) {
        int y, m, d, kind = url_date_at(uri, g, k, ng, &y, &m, &d);
        if (kind > 0 && valid_date(y, m, d) && kind >= found) {
            found = kind;
            fy = y;
            fm = m;
            fd = d;
        }
    }
    if (found == 0)
        return -1;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)fy % 10000u, (unsigned)fm % 100u,
             (unsigned)fd % 100u);
    return 0;
}

/* ---- lines of the text ---- */

struct line {
    size_t off, len; /* Content without the white space around it. */
};

/* The line at *pos (< len), trimmed of ASCII blanks; *pos moves past it. */
static void
next_line(const char *t, size_t len, size_t *pos, struct line *l)
{
    const char *nl = memchr(t + *pos, '\n', len - *pos);
    size_t end = nl ? (size_t)(nl - t) : len, off = *pos;

    *pos = nl ? end + 1 : len;
    while (off < end && (t[off] == ' ' || t[off] == '\t' || t[off] == '\r'))
        off++;
    while (end > off && (t[end - 1] == ' ' || t[end - 1] == '\t' || t[end - 1] == '\r'))
        end--;
    l->off = off;
    l->len = end - off;
}

/* Sentence punctuation, in a date line's way: it has none. */
static int
has_sentence_marks(const char *s, size_t n, int commas)
{
    static const char *const marks[] = {"。", "!", "?", ";", "！", "？", "；"};

    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i)) {
        for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
            if (at(s, n, i, marks[k]))
                return 1;
        if (commas && (s[i] == ',' || at(s, n, i, "，")))
            return 1;
    }
    return 0;
}

/* A line about the page: a label and a colon (来源:, 作者:, 责任编辑:). */
static int
byline(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i += utf8_char_len(s, n, i)) {
        if (s[i] != ':' && !at(s, n, i, "："))
            continue;
        for (size_t k = 0; k < sizeof byline_labels / sizeof byline_labels[0]; k++)
            if (before(s, i, byline_labels[k]))
                return 1;
    }
    return 0;
}

/* Breadcrumbs: 首页> 资讯中心> 天津> 正文. */
static int
breadcrumbs(const char *s, size_t n)
{
    return memchr(s, '>', n) != NULL || contains(s, n, "»") || contains(s, n, "›") ||
           contains(s, n, "→");
}

/*
 * The date line: in the first lines, a line with a label (发布日期, 时间, 来源
 * ...) and a date, or else a short line with a date and no sentence marks
 * or commas (2019年12月3日 星期二; ——2020年1月8日在区第十七届人民代表大会第五次
 * 会议上, the day the report was given).  Labelled lines go first: a site's
 * header may show today's date, and a line saying 今天 or 今日 never counts.
 * A date after 截至, 截止, 到, 至 is the end of a period, not the page's.
 */
static int
date_line(const char *text, size_t len, char out[11])
{
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = 0, nlines = 0;
        struct line l;

        while (pos < len && pos < DATE_WINDOW_BYTES && nlines < DATE_WINDOW_LINES) {
            const char *s;
            size_t at_date, date_end, c;
            int labelled = 0;

            next_line(text, len, &pos, &l);
            if (l.len == 0)
                continue;
            nlines++;
            s = text + l.off;
            /* Long lines first: a page may be one line of megabytes. */
            if ((c = utf8_count(s, l.len, LABEL_LINE_MAX)) > LABEL_LINE_MAX)
                continue;
            for (size_t k = 0; k < sizeof date_labels / sizeof date_labels[0] && !labelled; k++)
                labelled = contains(s, l.len, date_labels[k]);
            if (pass == 0 && (!labelled || has_sentence_marks(s, l.len, 0)))
                continue;
            if (pass == 1 && (c > DATE_LINE_MAX || has_sentence_marks(s, l.len, 1) ||
                              contains(s, l.len, "今天") || contains(s, l.len, "今日")))
                continue;
            if (find_date(s, l.len, out, &at_date, &date_end) != 0)
                continue;
            if (pass == 1 && (before(s, at_date, "截至") || before(s, at_date, "截止") ||
                              before(s, at_date, "到") || before(s, at_date, "至")))
                continue;
            return 0;
        }
    }
    return -1;
}

/* ---- title ---- */

/* Copy s[0..n) into out[size], cut at a character boundary. */
static void
copy_text(char *out, size_t size, const char *s, size_t n)
{
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    /* A cut can still leave a broken sequence when s was not UTF-8. */
    n = utf8_valid((const unsigned char *)out, n);
    out[n] = '\0';
}

/* Could the title-block line s[0..n) be the headline?  Not breadcrumbs, a
 * byline, a kicker opening with a dash (——在区人代会上), or a date line: a
 * date with little else (2019年12月3日 星期二).  A headline may carry a
 * date: 寿宁县人民政府工作报告(2023年12月27日). */
static int
headline_candidate(const char *s, size_t n)
{
    char d[11];
    size_t pos, end;

    if (n == 0 || breadcrumbs(s, n) || byline(s, n) || at(s, n, 0, "—") || s[0] == '-')
        return 0;
    return find_date(s, n, d, &pos, &end) != 0 ||
           utf8_count(s, n, 512) - utf8_count(s + pos, end - pos, 512) > DATE_LINE_REST;
}

/*
 * The headline of the title block text[0..end): its longest line that could
 * be one (a site's name, 天津在线, is shorter than a headline).  *after is
 * where the lines after it (kickers) start.  Returns 0, or -1 for none.
 */
static int
headline(const char *text, size_t end, struct line *best, size_t *after)
{
    size_t pos = 0, bestc = 0;
    struct line l;

    while (pos < end) {
        next_line(text, end, &pos, &l);
        size_t c = utf8_count(text + l.off, l.len, 512);
        if (headline_candidate(text + l.off, l.len) && c > bestc) {
            bestc = c;
            *best = l;
            *after = pos;
        }
    }
    return bestc > 0 ? 0 : -1;
}

/* ---- doc_year ---- */

/*
 * The report's year a title names: the years it names, less dates (a
 * report given 2023年12月27日 speaks from the next year), ends of spans
 * (2016-2020年), starts of periods (2018年以来), targets (到2025年) and
 * horizons (2035年远景目标).  One year: that one.  Two, one year apart (关于
 * 2019年…计划执行情况与2020年计划草案的报告): the later one, the year it
 * plans, which is the year it speaks from.  Others: none.
 */
static int
title_year(const char *s, size_t n)
{
    struct heading_year y[TITLE_YEARS_MAX];
    size_t k = heading_years(s, n, y, TITLE_YEARS_MAX);
    int lo = 0, hi = 0, distinct = 0;

    for (size_t i = 0; i < k; i++) {
        if (y[i].flags & (HEADING_Y_DATE | HEADING_Y_SPAN | HEADING_Y_SINCE | HEADING_Y_TARGET |
                          HEADING_Y_HORIZON))
            continue;
        if (distinct == 0) {
            lo = hi = y[i].year;
            distinct = 1;
        } else if (y[i].year < lo || y[i].year > hi) {
            lo = y[i].year < lo ? y[i].year : lo;
            hi = y[i].year > hi ? y[i].year : hi;
            distinct++;
        }
    }
    if (distinct == 1)
        return lo;
    return distinct == 2 && hi - lo == 1 ? hi : 0;
}

/* The year of the title block: the title, then the text's headline, then
 * the kicker lines under it (2020天津两会). */
static int
block_year(const char *text, size_t len, size_t title_end, const char *title)
{
    struct line h;
    size_t after = 0, pos;
    int y = title_year(title, strlen(title));

    if (y > 0)
        return y;
    if (title_end > len || headline(text, title_end, &h, &after) != 0)
        return 0;
    if ((y = title_year(text + h.off, h.len)) > 0)
        return y;
    for (pos = after; pos < title_end;) {
        struct line l;
        next_line(text, title_end, &pos, &l);
        if (l.len == 0 || !headline_candidate(text + l.off, l.len))
            continue;
        if ((y = title_year(text + l.off, l.len)) > 0)
            return y;
    }
    return 0;
}

/* The first heading that names a year and stands in a review or a plan (its
 * own words or a heading above it): a review of year Y speaks from Y + 1,
 * but a review of part of Y (2023年上半年) from Y itself; a plan of Y from Y. */
static int
first_heading_year(const struct headings *hs, enum docinfo_source *from)
{
    for (size_t i = 0; hs != NULL && i < hs->n; i++) {
        const struct heading *h = &hs->v[i];
        if (h->year == 0 || h->year >= HEADING_YEAR_REL - 1 || h->ctx_kind == HEADING_NEUTRAL)
            continue;
        if (h->ctx_kind == HEADING_PLAN) {
            *from = DOCINFO_PLAN_HEADING;
            return h->year;
        }
        *from = DOCINFO_REVIEW_HEADING;
        return h->year_part ? h->year : h->year + 1;
    }
    return 0;
}

void
docinfo_read(const char *text, size_t len, const char *uri, const struct html_info *info,
             const struct headings *hs, int fallback_year, struct docinfo *out)
{
    size_t title_end = hs != NULL ? hs->title_end : heading_title_end(text, len);
    struct line h;
    size_t after;

    memset(out, 0, sizeof *out);
    if (title_end > len)
        title_end = len;

    /* published: <meta>, a date line, a dated URL. */
    if (info != NULL &&
        docinfo_date(info->published, strnlen(info->published, sizeof info->published),
                     out->published) == 0)
        out->published_from = "meta";
    else if (date_line(text, len, out->published) == 0)
        out->published_from = "date line";
    else if (docinfo_url_date(uri, out->published) == 0)
        out->published_from = "url";
    else
        out->published[0] = '\0';

    /* title: <title>, else the text's headline. */
    if (info != NULL) {
        const char *t = info->title;
        size_t n = strnlen(t, sizeof info->title);
        while (n > 0 && (*t == ' ' || *t == '\t'))
            t++, n--;
        while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
            n--;
        copy_text(out->title, sizeof out->title, t, n);
    }
    if (out->title[0] == '\0' && headline(text, title_end, &h, &after) == 0)
        copy_text(out->title, sizeof out->title, text + h.off, h.len);

    /* doc_year */
    /* doc_year: the title block, the first deciding heading, published, the
     * caller's year. */
    out->year_from = DOCINFO_NONE;
    if ((out->doc_year = block_year(text, len, title_end, out->title)) > 0) {
        out->year_from = DOCINFO_TITLE;
    } else if ((out->doc_year = first_heading_year(hs, &out->year_from)) > 0) {
        /* year_from set */
    } else if (out->published[0] != '\0') {
        out->doc_year = (int)strtol(out->published, NULL, 10);
        out->year_from = DOCINFO_PUBLISHED;
    } else if (fallback_year > 0) {
        out->doc_year = fallback_year;
        out->year_from = DOCINFO_FALLBACK;
    }
}

const char *
docinfo_source_name(enum docinfo_source s)
{
    switch (s) {
    case DOCINFO_TITLE:
        return "title";
    case DOCINFO_REVIEW_HEADING:
        return "review_heading";
    case DOCINFO_PLAN_HEADING:
        return "plan_heading";
    case DOCINFO_PUBLISHED:
        return "published";
    case DOCINFO_FALLBACK:
        return "fallback";
    case DOCINFO_NONE:
    default:
        return "none";
    }
}
