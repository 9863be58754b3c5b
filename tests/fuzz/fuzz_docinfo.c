/*
 * fuzz_docinfo: any bytes as a page for heading_find(), heading_context(),
 * heading_at() and docinfo_read().
 *
 * Input: a flags byte (bit 0: the page is HTML, with a <title> and a <meta>
 * date; the other bits: the fallback year, 0 or 1990 + them), then the
 * URI up to the first line break, then, for HTML, the <title> and the <meta>
 * date one line each, then the text.  The text is normalized first, as
 * page_read() does, so the modules get what they are promised (valid UTF-8,
 * NFKC); the <title> is cut to its valid UTF-8 prefix, as html_text()'s is
 * valid UTF-8.
 *
 * Checks: headings lie in the text, in order, one a line, with levels in
 * range and parents before them of a lower level; heading_context() agrees
 * with a walk over the headings at every heading's edges and a few other
 * offsets, and heading_at() with the lines; the title is a terminated, valid
 * UTF-8 string; published is "" or a valid date; doc_year is 0 exactly when
 * it comes from nowhere, and otherwise a year.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docinfo.h"
#include "heading.h"
#include "normalize.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of data[*pos..size), into out[cap] as a string. */
static void
take_line(const uint8_t *data, size_t size, size_t *pos, char *out, size_t cap)
{
    size_t n = 0;

    while (*pos < size && data[*pos] != '\n') {
        if (n + 1 < cap && data[*pos] != '\0')
            out[n++] = (char)data[*pos];
        (*pos)++;
    }
    if (*pos < size)
        (*pos)++;
    out[n] = '\0';
}

/* What governs off, by walking the headings with a list of open ones. */
static void
walk(const struct headings *h, size_t off, int *year, enum heading_kind *kind)
{
    size_t open[HEADING_LEVEL_PLAIN + 1], depth = 0;

    for (size_t i = 0; i < h->n && h->v[i].line.off <= off; i++) {
        while (depth > 0 && h->v[open[depth - 1]].level >= h->v[i].level)
            depth--;
        if (off < h->v[i].line.off + h->v[i].line.len)
            break;
        open[depth++] = i;
    }
    *year = 0;
    *kind = HEADING_NEUTRAL;
    for (size_t j = depth; j-- > 0;)
        if (h->v[open[j]].year != 0) {
            *year = h->v[open[j]].year;
            break;
        }
    /* Under no year, a status heading speaks of the document's. */
    for (size_t j = 0; j < depth && *year == 0; j++)
        if (h->v[open[j]].status)
            *year = HEADING_YEAR_REL;
    for (size_t j = depth; j-- > 0;)
        if (h->v[open[j]].kind != HEADING_NEUTRAL) {
            *kind = h->v[open[j]].kind;
            break;
        }
}

static void
check_context(const struct headings *h, size_t off)
{
    int y, wy;
    enum heading_kind k, wk;
    const struct heading *at = heading_at(h, off);

    heading_context(h, off, &y, &k);
    walk(h, off, &wy, &wk);
    if (y != wy || k != wk)
        abort();
    if (y != 0 && (y < 1900 || y > 2099) && (y < HEADING_YEAR_REL - 1 || y > HEADING_YEAR_REL + 1))
        abort();
    if (at != NULL && !(at->line.off <= off && off < at->line.off + at->line.len))
        abort();
}

static int
valid_published(const char *p)
{
    if (p[0] == '\0')
        return 1;
    if (strlen(p) != 10 || p[4] != '-' || p[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (p[i] < '0' || p[i] > '9'))
            return 0;
    long y = strtol(p, NULL, 10), m = strtol(p + 5, NULL, 10), d = strtol(p + 8, NULL, 10);
    return y >= 1990 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char uri[512];
    struct html_info info;
    struct text t = {0};
    struct headings h;
    struct docinfo d;
    struct err err;
    size_t pos = 1;
    int html, fallback;

    if (size == 0)
        return 0;
    html = data[0] & 1;
    fallback = (data[0] >> 1) ? 1990 + (data[0] >> 1) : 0;
    memset(&info, 0, sizeof info);
    take_line(data, size, &pos, uri, sizeof uri);
    if (html) {
        take_line(data, size, &pos, info.title, sizeof info.title);
        info.title[utf8_valid((const unsigned char *)info.title, strlen(info.title))] = '\0';
        take_line(data, size, &pos, info.published, sizeof info.published);
    }
    err_clear(&err);
    if (normalize_text((const char *)data + pos, size - pos, 1 << 22, &t, &err) != 0)
        return 0;
    if (heading_find(t.data, t.len, &h, &err) != 0) {
        headings_free(&h);
        text_free(&t);
        return 0;
    }

    if (h.title_end > t.len || heading_title_end(t.data, t.len) != h.title_end)
        abort();
    for (size_t i = 0; i < h.n; i++) {
        const struct heading *x = &h.v[i];
        if (x->line.len == 0 || x->line.off < h.title_end || x->line.off + x->line.len > t.len)
            abort();
        if (memchr(t.data + x->line.off, '\n', x->line.len) != NULL)
            abort();
        if (i > 0 && x->line.off < h.v[i - 1].line.off + h.v[i - 1].line.len)
            abort();
        if (x->level < HEADING_LEVEL_TOP || x->level > HEADING_LEVEL_PLAIN)
            abort();
        if (x->year != 0 && (x->year < 1900 || x->year > 2099) &&
            (x->year < HEADING_YEAR_REL - 1 || x->year > HEADING_YEAR_REL + 1))
            abort();
        if (x->status && x->year != 0)
            abort();
        if (x->parent != HEADING_NO_PARENT && (x->parent >= i || h.v[x->parent].level >= x->level))
            abort();
        if (heading_at(&h, x->line.off) != x || heading_at(&h, x->line.off + x->line.len) == x)
            abort();
        check_context(&h, x->line.off);
        check_context(&h, x->line.off + x->line.len);
        if (x->line.off > 0)
            check_context(&h, x->line.off - 1);
    }
    for (size_t k = 0; k < 4; k++)
        check_context(&h, t.len * k / 3);
    check_context(&h, t.len + 1);

    docinfo_read(t.data, t.len, uri, html ? &info : NULL, &h, fallback, &d);
    if (memchr(d.title, '\0', sizeof d.title) == NULL ||
        utf8_valid((const unsigned char *)d.title, strlen(d.title)) != strlen(d.title))
        abort();
    if (memchr(d.published, '\0', sizeof d.published) == NULL || !valid_published(d.published))
        abort();
    if ((d.published[0] != '\0') != (d.published_from != NULL))
        abort();
    if ((d.doc_year == 0) != (d.year_from == DOCINFO_NONE))
        abort();
    if (d.doc_year != 0 && (d.doc_year < 1900 || d.doc_year > 2117))
        abort();
    if (d.year_from == DOCINFO_FALLBACK && d.doc_year != fallback)
        abort();
    /* Without the headings, the same page reads as well. */
    docinfo_read(t.data, t.len, uri, html ? &info : NULL, NULL, 0, &d);
    if (d.year_from == DOCINFO_REVIEW_HEADING || d.year_from == DOCINFO_PLAN_HEADING)
        abort();

    headings_free(&h);
    text_free(&t);
    return 0;
}
