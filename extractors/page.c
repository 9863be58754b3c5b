/*
 * page: the pipeline.  Each stage owns its output until it hands it to the
 * next, so at most two copies of a page are alive at once (three when the
 * markup is kept for links).
 */
#include "page.h"

#include <assert.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>

#include "docinfo.h"
#include "hash.h"
#include "heading.h"
#include "normalize.h"

static int
content_type_says_html(const char *ct)
{
    if (ct == NULL)
        return -1;
    return (strcasestr(ct, "html") != NULL) ? 1 : 0;
}

/* C0 controls but tab, line feed, form feed and carriage return; DEL. */
static const unsigned char control[256] = {
    [0x00 ... 0x08] = 1,
    [0x0b] = 1,
    [0x0e ... 0x1f] = 1,
    [0x7f] = 1,
};

/*
 * Text has no control characters but tab, line ends and form feed; binary
 * data (an image, an archive, junk served as text/html) has one byte in
 * eight or so, whatever charset it is decoded with.  Stray ones occur in real
 * pages, so it takes more than one in a hundred bytes.  Looked for in
 * the UTF-8, where a control character is one byte whatever the page's
 * charset was.
 */
static int
binary(const struct text *utf8, const struct charset_result *cs, struct err *err)
{
    size_t controls = 0;
    long long first = -1;

    /* Every page passes here: a table lookup and an add per byte, no branch. */
    const unsigned char *p = (const unsigned char *)utf8->data;
    for (size_t i = 0; i < utf8->len; i++)
        controls += control[p[i]];
    for (size_t i = 0; controls > 0 && i < utf8->len && first < 0; i++)
        if (control[p[i]])
            first = (long long)i;
    /* Random bytes decoded as UTF-16 give few controls but many unpaired
     * surrogates, which the decoder counts as invalid. */
    size_t bad = controls + cs->invalid;
    if (bad <= 8 || bad * 100 <= utf8->len)
        return 0;
    /* first counts in the UTF-8, which is the input only when that was UTF-8. */
    if (strcmp(cs->name, "UTF-8") != 0)
        first = -1;
    err->offset = first >= 0 && (cs->first_invalid < 0 || first < cs->first_invalid)
                      ? first
                      : cs->first_invalid;
    err_set(err,
            "binary data, not a page: %zu control characters and %zu invalid %s sequences "
            "in %zu bytes",
            controls, cs->invalid, cs->name, utf8->len);
    return -1;
}

/* A name ending as a web page's does is read as HTML whatever its first
 * bytes or its Content-Type say: saved pages are often served or stored
 * as text/plain, and a page's first bytes may be a comment or junk. */
static int
name_says_html(const char *uri)
{
    static const char *const exts[] = {".html", ".htm", ".shtml", ".xhtml"};
    size_t n = strlen(uri);

    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcasecmp(uri + n - e, exts[i]) == 0)
            return 1;
    }
    return -1;
}

static void warn(struct doc *d, long long offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn(struct doc *d, long long offset, const char *fmt, ...)
{
    va_list ap;

    assert(d->nwarnings < PAGE_MAX_WARNINGS);
    struct page_warning *w = &d->warnings[d->nwarnings++];
    w->offset = offset;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
}

/* Bytes to normalized text in d. */
static int
decode(const struct page *pg, size_t max_text, int keep_html, struct doc *d, struct err *err)
{
    struct text utf8 = {0}, plain = {0};
    const char *declared = pg->charset ? pg->charset : pg->content_type;
    int html = pg->html;
    int rc = -1;

    if (html < 0)
        html = name_says_html(pg->uri);
    if (html < 0)
        html = content_type_says_html(pg->content_type);
    if (html < 0)
        html = html_sniff(pg->body, pg->len);
    if (charset_decode(pg->body, pg->len, declared, html, max_text, &utf8, &d->cs, err) != 0)
        goto out;
    if (binary(&utf8, &d->cs, err) != 0)
        goto out;
    /* A UTF-16 page shows its tags only once decoded. */
    if (html == 0 && pg->html < 0 && d->cs.source == CHARSET_BOM)
        html = html_sniff(utf8.data, utf8.len);
    d->html = html;
    if (html) {
        if (html_text(utf8.data, utf8.len, max_text, &plain, &d->info, err) != 0)
            goto out;
        if (keep_html) {
            d->html_utf8 = utf8;
            utf8.data = NULL;
        }
        text_free(&utf8);
    } else {
        plain = utf8;
        utf8.data = NULL;
    }
    if (normalize_text_map(plain.data, plain.len, max_text, &d->text, &d->map, err) != 0)
        goto out;
    /* Kept for citations: the sentence as the page has it (FACTS.md's
     * offsets are of the normalized text, an analyst's of the page's). */
    d->original = plain;
    plain.data = NULL;
    if (d->info.published[0] != '\0')
        d->year = (int)strtol(d->info.published, NULL, 10);
    rc = 0;
out:
    text_free(&utf8);
    text_free(&plain);
    return rc;
}

/* Where span s of the normalized text stands in the original. */
static struct span
original_span(const struct doc *d, struct span s)
{
    size_t a = norm_map_original(&d->map, s.off), b = norm_map_original(&d->map, s.off + s.len);
    const unsigned char *o = (const unsigned char *)d->original.data;
    assert(a <= b && b <= d->original.len);
    /* Inside a stretch NFKC made longer (¼ -> 1⁄4) an offset may fall within
     * a character: widen to whole characters. */
    while (a > 0 && (o[a] & 0xC0) == 0x80)
        a--;
    while (b < d->original.len && (o[b] & 0xC0) == 0x80)
        b++;
    return (struct span){a, b - a};
}

int
page_read(const struct page *pg, const struct page_opts *o, struct doc *d, struct err *err)
{
    memset(d, 0, sizeof *d);
    fact_list_init(&d->facts);
    err_clear(err);
    err_file(err, pg->uri);
    /* Decoding and normalizing may grow the text (GBK to UTF-8 is 1.5 times). */
    if (decode(pg, o->max_bytes * 4 + 4096, o->keep_html, d, err) != 0)
        return -1;
    if (d->cs.warning[0] != '\0')
        warn(d, -1, "%s", d->cs.warning);
    if (d->cs.invalid > 0)
        warn(d, d->cs.first_invalid, "%zu invalid %s sequence%s replaced with U+FFFD",
             d->cs.invalid, d->cs.name, d->cs.invalid == 1 ? "" : "s");
    /* The document's title, date and year (FACTS.md, The document). */
    struct headings hs = {0};
    struct docinfo di;
    if (heading_find(d->text.data, d->text.len, &hs, err) != 0) {
        headings_free(&hs);
        return -2;
    }
    docinfo_read(d->text.data, d->text.len, pg->uri, d->html ? &d->info : NULL, &hs, o->year, &di);
    snprintf(d->info.title, sizeof d->info.title, "%s", di.title);
    snprintf(d->info.published, sizeof d->info.published, "%s", di.published);
    d->doc_year = di.doc_year;
    d->year_from = di.year_from;
    d->published_from = di.published_from;
    if (o->ps == NULL) {
        headings_free(&hs);
        return 0;
    }
    /* The same headings govern the sentences: found once. */
    int rc = extract_run_headings(o->ps, d->text.data, d->text.len, d->doc_year, &hs, &d->facts,
                                  &d->st, o->stop, o->stop_arg, err);
    headings_free(&hs);
    for (size_t i = 0; i < d->facts.n; i++) {
        struct fact *f = &d->facts.v[i];
        f->original = original_span(d, f->text);
        f->original_sentence = original_span(d, f->sentence);
    }
    if (d->st.limit_hits > 0)
        warn(d, (long long)d->st.limit_offset,
             "pattern %s gave up at its match limit (%zu time%s); the other patterns still ran",
             d->st.limit_pattern, d->st.limit_hits, d->st.limit_hits == 1 ? "" : "s");
    if (rc != 0) {
        err_file(err, pg->uri);
        return -2;
    }
    return 0;
}

void
page_warning_format(const struct page *pg, const struct page_warning *w, char *buf, size_t size)
{
    if (w->offset >= 0)
        snprintf(buf, size, "%s: byte %lld: %s", pg->uri, w->offset, w->msg);
    else
        snprintf(buf, size, "%s: %s", pg->uri, w->msg);
}

void
doc_free(struct doc *d)
{
    if (d == NULL)
        return;
    text_free(&d->text);
    text_free(&d->original);
    norm_map_free(&d->map);
    text_free(&d->html_utf8);
    fact_list_free(&d->facts);
}

void
page_hash(const struct page *pg, char out[33])
{
    hash_hex128(pg->body != NULL ? pg->body : "", pg->len, out);
}

void
page_sha256(const struct page *pg, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];

    sha256_init(&c);
    /* nettle takes a size_t length: any page fits in one update. */
    sha256_update(&c, pg->len, (const uint8_t *)(pg->body != NULL ? pg->body : ""));
    sha256_digest(&c, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}
