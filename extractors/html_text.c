/*
 * html_text: UTF-8 HTML in, the text a reader sees out, with libxml2's HTML
 * parser reading through a callback and reporting by SAX callbacks, so no
 * tree is ever built and memory stays at the output plus a window of input,
 * whatever the page size.
 *
 * Line breaks follow the browser's innerText: a block element asks for one
 * line break before and after it, <p> and headings for two (one empty line),
 * <br> is one; requests that meet collapse to the largest, so there is never
 * more than one empty line, and none at the start or end.  Table cells are
 * joined by tabs and a row is one line.  Outside <pre>, runs of ASCII white
 * space fold to one space, dropped at line starts and ends.
 *
 * libxml2's SAX events are not always balanced: a page cut inside a tag, or
 * "<p>abc<" at the very end, leaves elements that never see an end event,
 * and an end tag may close several elements.  So the module keeps its own
 * stack of open elements and pops to the matching name, ignoring ends it never
 * saw open.  Hidden content is counted, not nested, for the same reason.
 *
 * The input must be UTF-8; libxml2 2.9.14 switches to Latin-1 for the rest of
 * the page at the first invalid byte, so such bytes are replaced by U+FFFD
 * (and NUL bytes dropped) on the way into the parser.  It does not detect
 * charsets or normalize.
 */
#include "html_text.h"
#include "utf8.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlIO.h>

/* Deepest element nesting tracked; deeper elements count as inline. */
#define HTML_MAX_DEPTH 4096

/* What an element does to the text. */
enum html_kind {
    HTML_INLINE = 0, /* nothing */
    HTML_HIDE,       /* content dropped: script, style... */
    HTML_BLOCK,      /* one line break before and after */
    HTML_PARA,       /* one empty line before and after */
    HTML_PRE,        /* a block whose white space is kept */
    HTML_BR,         /* a line break */
    HTML_ROW,        /* a table row: one line */
    HTML_CELL,       /* a table cell: a tab before all but the first */
    HTML_TITLE,      /* the page title: to info, not to the text */
    HTML_META,       /* may carry the publication date */
};

struct html_tag {
    const char *name;
    enum html_kind kind;
};

/* Sorted by name for bsearch(); libxml2 gives element names in lower case. */
static const struct html_tag html_tags[] = {
    {"address", HTML_BLOCK},    {"article", HTML_BLOCK},    {"aside", HTML_BLOCK},
    {"blockquote", HTML_BLOCK}, {"body", HTML_BLOCK},       {"br", HTML_BR},
    {"caption", HTML_BLOCK},    {"center", HTML_BLOCK},     {"dd", HTML_BLOCK},
    {"details", HTML_BLOCK},    {"dialog", HTML_BLOCK},     {"dir", HTML_BLOCK},
    {"div", HTML_BLOCK},        {"dl", HTML_BLOCK},         {"dt", HTML_BLOCK},
    {"fieldset", HTML_BLOCK},   {"figcaption", HTML_BLOCK}, {"figure", HTML_BLOCK},
    {"footer", HTML_BLOCK},     {"form", HTML_BLOCK},       {"h1", HTML_PARA},
    {"h2", HTML_PARA},          {"h3", HTML_PARA},          {"h4", HTML_PARA},
    {"h5", HTML_PARA},          {"h6", HTML_PARA},          {"header", HTML_BLOCK},
    {"hgroup", HTML_BLOCK},     {"hr", HTML_BLOCK},         {"html", HTML_BLOCK},
    {"iframe", HTML_HIDE},      {"legend", HTML_BLOCK},     {"li", HTML_BLOCK},
    {"listing", HTML_PRE},      {"main", HTML_BLOCK},       {"menu", HTML_BLOCK},
    {"meta", HTML_META},        {"nav", HTML_BLOCK},        {"noscript", HTML_HIDE},
    {"ol", HTML_BLOCK},         {"p", HTML_PARA},           {"plaintext", HTML_PRE},
    {"pre", HTML_PRE},          {"script", HTML_HIDE},      {"section", HTML_BLOCK},
    {"style", HTML_HIDE},       {"summary", HTML_BLOCK},    {"table", HTML_BLOCK},
    {"td", HTML_CELL},          {"template", HTML_HIDE},    {"th", HTML_CELL},
    {"title", HTML_TITLE},      {"tr", HTML_ROW},           {"ul", HTML_BLOCK},
    {"xmp", HTML_PRE},
};

/*
 * <meta name|property|itemprop> values that carry a publication date, lower
 * case.  gov.cn sites use firstpublishedtime and PubDate; the rest are the
 * Open Graph, Dublin Core and schema.org names.
 */
static const char *const html_date_names[] = {
    "pubdate",
    "publishdate",
    "publish_date",
    "publish-date",
    "publishtime",
    "publish_time",
    "pubtime",
    "article:published_time",
    "og:release_date",
    "og:published_time",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "date",
    "articledate",
    "article_date",
    "articlepubdate",
    "firstpublishedtime",
    "datepublished",
    "publication_date",
    "citation_publication_date",
    "citation_date",
    "release_date",
    "sailthru.date",
    "parsely-pub-date",
    "weibo:article:create_at",
};

/* Flags of an open element. */
#define HTML_F_HIDES   0x01 /* it started hiding its content */
#define HTML_F_VISIBLE 0x02 /* it was opened outside hidden content */
#define HTML_F_PRE     0x04 /* it keeps white space */
#define HTML_F_TITLE   0x08 /* it is the <title> being captured */

struct html_elem {
    const xmlChar *name; /* From libxml2's dictionary, valid while the parser lives. */
    enum html_kind kind;
    unsigned flags;
    unsigned saved_cells; /* For rows: the enclosing row's cell count. */
};

/* The state of one html_text() call, given to every SAX callback. */
struct html_state {
    htmlParserCtxtPtr parser;
    struct buf out;
    struct err *err;
    int failed; /* set when out refused an append; the parser is stopped */

    struct html_elem *stack; /* From malloc(): HTML_MAX_DEPTH entries. */
    size_t depth;            /* Entries in use. */
    size_t lost;             /* Open elements deeper than HTML_MAX_DEPTH. */

    unsigned hidden;      /* open elements hiding their content */
    unsigned pre;         /* open elements keeping white space */
    unsigned pending_nl;  /* line breaks asked for, 0..2 */
    int pending_space;    /* white space seen since the last output */
    unsigned trailing_nl; /* newlines at the end of out */
    unsigned cells;       /* cells so far in the current row */
    int cell_fresh;       /* in a cell with no text yet: blocks ask no breaks */
    int last_cr;          /* in <pre>, the last byte was CR */

    struct html_info *info; /* May be NULL. */
    unsigned in_title;
    int title_done;
    int title_space;
    size_t title_len;
};

static pthread_once_t html_once = PTHREAD_ONCE_INIT;

/* libxml2 wants its globals set up once before the first parser. */
static void
html_init(void)
{
    xmlInitParser();
}

static int
html_tag_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct html_tag *)elem)->name);
}

static enum html_kind
html_kind_of(const xmlChar *name)
{
    const struct html_tag *t;

    t = bsearch(name, html_tags, sizeof html_tags / sizeof html_tags[0], sizeof html_tags[0],
                html_tag_cmp);
    return t ? t->kind : HTML_INLINE;
}

static int
html_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Append to the text; on failure remember why and stop the parser. */
static void
html_put(struct html_state *s, const void *p, size_t n)
{
    int rc;

    if (s->failed || n == 0)
        return;
    rc = buf_append(&s->out, p, n);
    if (rc == BUF_OK)
        return;
    if (rc == BUF_TOOBIG)
        err_set(s->err, "page text larger than %zu bytes", s->out.max_len);
    else
        err_set(s->err, "out of memory extracting page text");
    s->failed = 1;
    xmlStopParser(s->parser);
}

static int
html_at_line_start(const struct html_state *s)
{
    char c;

    if (s->out.len == 0)
        return 1;
    c = s->out.data[s->out.len - 1];
    return c == '\n' || c == '\t';
}

/* Write the line breaks asked for, if any text comes before them. */
static void
html_flush_breaks(struct html_state *s)
{
    if (s->out.len > 0) {
        while (s->trailing_nl < s->pending_nl) {
            html_put(s, "\n", 1);
            s->trailing_nl++;
        }
    }
    s->pending_nl = 0;
    s->pending_space = 0;
}

/* Ask for n line breaks (1 or 2) before the next text. */
static void
html_want_breaks(struct html_state *s, unsigned n)
{
    if (s->cell_fresh)
        return;
    if (s->pending_nl < n)
        s->pending_nl = n;
}

/* Text p[0..n) with no white space in it is about to be written. */
static void
html_put_word(struct html_state *s, const char *p, size_t n)
{
    if (s->pending_nl > 0 && s->out.len > 0 && s->pending_nl > s->trailing_nl)
        html_flush_breaks(s);
    else if (s->pending_space && !html_at_line_start(s))
        html_put(s, " ", 1);
    s->pending_nl = 0;
    s->pending_space = 0;
    s->cell_fresh = 0;
    html_put(s, p, n);
    s->trailing_nl = 0;
}

/* A forced line break (<br>, a newline in <pre>): at most one empty line in a row. */
static void
html_newline(struct html_state *s)
{
    if (s->out.len == 0) {
        s->pending_nl = 0;
        s->pending_space = 0;
        return;
    }
    html_flush_breaks(s);
    if (s->trailing_nl < 2) {
        html_put(s, "\n", 1);
        s->trailing_nl++;
    }
}

/* Fold white space in p[0..n) into the title, up to its size. */
static void
html_title_add(struct html_state *s, const char *p, size_t n)
{
    char *t = s->info->title;
    size_t cap = sizeof s->info->title - 1, i;

    for (i = 0; i < n && s->title_len < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        if (html_is_space(c)) {
            s->title_space = 1;
            continue;
        }
        if (s->title_space && s->title_len > 0 && s->title_len < cap)
            t[s->title_len++] = ' ';
        s->title_space = 0;
        if (s->title_len < cap)
            t[s->title_len++] = (char)c;
    }
    /* Never leave half a UTF-8 character at a cut. */
    if (s->title_len == cap) {
        size_t k = s->title_len;
        while (k > 0 && ((unsigned char)t[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && (unsigned char)t[k - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)t[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (s->title_len - (k - 1) < need)
                s->title_len = k - 1;
        }
    }
    t[s->title_len] = '\0';
}

/* Exactly n digits at *pp into *out; -1 if they are not there. */
static int
date_digits(const unsigned char **pp, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++, (*pp)++) {
        if (**pp < '0' || **pp > '9')
            return -1;
        v = v * 10 + (**pp - '0');
    }
    *out = v;
    return 0;
}

/* A separator (- / . or the Chinese word, 年 or 月) and one or two digits. */
static int
date_part(const unsigned char **pp, const char *word, int *out)
{
    const unsigned char *p = *pp;
    int k, v = 0;

    if (*p == '-' || *p == '/' || *p == '.')
        p++;
    else if (strncmp((const char *)p, word, strlen(word)) == 0)
        p += strlen(word);
    else
        return -1;
    for (k = 0; k < 2 && *p >= '0' && *p <= '9'; k++, p++)
        v = v * 10 + (*p - '0');
    if (k == 0)
        return -1;
    *out = v;
    *pp = p;
    return 0;
}

/*
 * Parse a date at the start of s: 2020-01-15, 2020-01-15 10:00,
 * 2020-01-15T10:00:00+08:00, 2020/1/5, 2020.1.5, 2020年1月5日, 20200115.
 * Writes YYYY-MM-DD into out (size >= 11).  Returns 0, or -1.
 */
static int
html_parse_date(const char *s, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    int y, m, d;

    while (html_is_space(*p))
        p++;
    if (date_digits(&p, 4, &y) != 0)
        return -1;
    if (*p >= '0' && *p <= '9') {
        /* 20200115 */
        if (date_digits(&p, 2, &m) != 0 || date_digits(&p, 2, &d) != 0)
            return -1;
    } else if (date_part(&p, "\xE5\xB9\xB4", &m) != 0 || /* 年 */
               date_part(&p, "\xE6\x9C\x88", &d) != 0) { /* 月 */
        return -1;
    }
    if (*p >= '0' && *p <= '9')
        return -1;
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    snprintf(out, outlen, "%04d-%02d-%02d", y, m, d);
    return 0;
}

/* A <meta>: take its content as the publication date if its name says so. */
static void
html_meta(struct html_state *s, const xmlChar **atts)
{
    const char *key = NULL, *content = NULL;
    size_t i;

    if (s->info == NULL || s->info->published[0] != '\0' || atts == NULL)
        return;
    for (i = 0; atts[i] != NULL; i += 2) {
        const char *a = (const char *)atts[i], *v = (const char *)atts[i + 1];
        if (v == NULL)
            continue;
        if (strcasecmp(a, "content") == 0)
            content = v;
        else if (key == NULL && (strcasecmp(a, "name") == 0 || strcasecmp(a, "property") == 0 ||
                                 strcasecmp(a, "itemprop") == 0))
            key = v;
    }
    if (key == NULL || content == NULL)
        return;
    for (i = 0; i < sizeof html_date_names / sizeof html_date_names[0]; i++) {
        if (strcasecmp(key, html_date_names[i]) == 0) {
            html_parse_date(content, s->info->published, sizeof s->info->published);
            return;
        }
    }
}

/*
 * Does an inline style hide the element?  White space and case are ignored,
 * and the property must start a declaration, so "mso-display:none" does not
 * count.
 */
static int
html_style_hides(const char *style)
{
    char squeezed[256];
    size_t n = 0;
    const char *p;

    for (p = style; *p != '\0' && n < sizeof squeezed - 1; p++) {
        unsigned char c = (unsigned char)*p;
        if (html_is_space(c))
            continue;
        squeezed[n++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    squeezed[n] = '\0';
    for (p = squeezed; *p != '\0'; p++) {
        if (p != squeezed && p[-1] != ';' && p[-1] != '{' && p[-1] != '"')
            continue;
        if (strncmp(p, "display:none", 12) == 0 && (p[12] == '\0' || p[12] == ';' || p[12] == '!'))
            return 1;
        if (strncmp(p, "visibility:hidden", 17) == 0 &&
            (p[17] == '\0' || p[17] == ';' || p[17] == '!'))
            return 1;
    }
    return 0;
}

/* Do the attributes hide the element (hidden, aria-hidden="true", a style)? */
static int
html_attrs_hide(const xmlChar **atts)
{
    size_t i;

    if (atts == NULL)
        return 0;
    for (i = 0; atts[i] != NULL; i += 2) {
        const char *a = (const char *)atts[i], *v = (const char *)atts[i + 1];
        if (strcasecmp(a, "hidden") == 0)
            return 1;
        if (v == NULL)
            continue;
        if (strcasecmp(a, "aria-hidden") == 0) {
            while (html_is_space((unsigned char)*v))
                v++;
            if (strncasecmp(v, "true", 4) == 0)
                return 1;
        } else if (strcasecmp(a, "style") == 0 && html_style_hides(v)) {
            return 1;
        }
    }
    return 0;
}

static void
html_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    struct html_state *s = ctx;
    enum html_kind kind = html_kind_of(name);
    struct html_elem *e;

    if (s->failed)
        return;
    if (kind == HTML_META)
        html_meta(s, atts);
    if (s->depth >= HTML_MAX_DEPTH) {
        s->lost++;
        return;
    }
    e = &s->stack[s->depth++];
    e->name = name;
    e->kind = kind;
    e->flags = 0;
    e->saved_cells = 0;
    if (s->hidden == 0)
        e->flags |= HTML_F_VISIBLE;
    if (kind == HTML_TITLE && !s->title_done && s->in_title == 0 && s->info != NULL) {
        e->flags |= HTML_F_TITLE;
        s->in_title++;
    }
    /* A title is never part of the text, wherever it is. */
    if (kind == HTML_HIDE || kind == HTML_TITLE || html_attrs_hide(atts)) {
        e->flags |= HTML_F_HIDES;
        s->hidden++;
    }
    if (kind == HTML_PRE) {
        e->flags |= HTML_F_PRE;
        s->pre++;
    }
    if (s->hidden > 0)
        return;
    switch (kind) {
    case HTML_BLOCK:
    case HTML_PRE:
        html_want_breaks(s, 1);
        break;
    case HTML_PARA:
        html_want_breaks(s, 2);
        break;
    case HTML_BR:
        html_newline(s);
        break;
    case HTML_ROW:
        /* Start the row's line now, so that an empty first cell still begins it. */
        s->cell_fresh = 0;
        html_want_breaks(s, 1);
        html_flush_breaks(s);
        e->saved_cells = s->cells;
        s->cells = 0;
        break;
    case HTML_CELL:
        if (s->cells > 0) {
            /* Breaks asked for inside the last cell do not cross into this one. */
            s->pending_nl = 0;
            s->pending_space = 0;
            html_put(s, "\t", 1);
            s->trailing_nl = 0;
        }
        s->cells++;
        s->cell_fresh = 1;
        break;
    default:
        break;
    }
}

/* Undo what html_start() did for e, which is being closed. */
static void
html_close(struct html_state *s, const struct html_elem *e)
{
    if (e->flags & HTML_F_HIDES)
        s->hidden--;
    if (e->flags & HTML_F_PRE)
        s->pre--;
    if (e->flags & HTML_F_TITLE) {
        s->in_title--;
        s->title_done = 1;
    }
    if (!(e->flags & HTML_F_VISIBLE))
        return;
    switch (e->kind) {
    case HTML_BLOCK:
    case HTML_PRE:
        html_want_breaks(s, 1);
        break;
    case HTML_PARA:
        html_want_breaks(s, 2);
        break;
    case HTML_ROW:
        /* A row is one line, whatever blocks its cells held. */
        s->cells = e->saved_cells;
        s->cell_fresh = 0;
        s->pending_nl = 1;
        break;
    case HTML_CELL:
        s->cell_fresh = 0;
        break;
    default:
        break;
    }
}

static void
html_end(void *ctx, const xmlChar *name)
{
    struct html_state *s = ctx;
    size_t i;

    if (s->failed)
        return;
    if (s->lost > 0) {
        s->lost--;
        return;
    }
    /* Close up to the nearest open element of that name; ignore an end never opened. */
    for (i = s->depth; i > 0; i--) {
        if (strcmp((const char *)s->stack[i - 1].name, (const char *)name) == 0)
            break;
    }
    if (i == 0)
        return;
    while (s->depth >= i) {
        s->depth--;
        html_close(s, &s->stack[s->depth]);
    }
}

/* Text inside <pre>: kept as it is, CR LF and CR made LF. */
static void
html_text_pre(struct html_state *s, const char *p, size_t n)
{
    size_t i = 0;

    while (i < n && !s->failed) {
        size_t j = i;
        while (j < n && p[j] != '\n' && p[j] != '\r')
            j++;
        if (j > i) {
            html_flush_breaks(s);
            html_put(s, p + i, j - i);
            s->trailing_nl = 0;
            s->cell_fresh = 0;
            s->last_cr = 0;
        }
        if (j >= n)
            break;
        if (!(p[j] == '\n' && s->last_cr))
            html_newline(s);
        s->last_cr = p[j] == '\r';
        i = j + 1;
    }
}

static void
html_chars(void *ctx, const xmlChar *ch, int len)
{
    struct html_state *s = ctx;
    const char *p = (const char *)ch;
    size_t n = len > 0 ? (size_t)len : 0, i = 0;

    if (s->failed)
        return;
    if (s->in_title > 0)
        html_title_add(s, p, n);
    if (s->hidden > 0)
        return;
    if (s->pre > 0) {
        html_text_pre(s, p, n);
        return;
    }
    while (i < n && !s->failed) {
        size_t j = i;
        while (j < n && !html_is_space((unsigned char)p[j]))
            j++;
        if (j > i)
            html_put_word(s, p + i, j - i);
        i = j;
        while (i < n && html_is_space((unsigned char)p[i])) {
            s->pending_space = 1;
            i++;
        }
    }
}

/* libxml2's errors are the page's problem, not ours: recover and say nothing. */
static void
html_quiet(void *ctx, xmlErrorPtr error)
{
}

/*
 * Length of the prefix of p[0..n) that is valid UTF-8 without NUL bytes,
 * stopping at a character boundary once limit bytes are passed.
 */
static size_t
html_utf8_prefix(const unsigned char *p, size_t n, size_t limit)
{
    size_t i = 0, k;

    while (i < n && i < limit && p[i] != 0 && (k = utf8_seq(p + i, n - i)) > 0)
        i += k;
    return i;
}

/* The page as html_read() hands it to libxml2. */
struct html_src {
    const unsigned char *p;
    size_t len;
    size_t pos;
};

/*
 * libxml2's read callback: copy whole characters of the page into buffer,
 * U+FFFD for each invalid byte, nothing for NUL (libxml2 would take "\0\0\0<"
 * at the start for UCS-4).  Returns the bytes written, 0 at the end.
 */
static int
html_read(void *ctx, char *buffer, int len)
{
    struct html_src *src = ctx;
    size_t n = 0, cap = len > 0 ? (size_t)len : 0;

    while (src->pos < src->len && n + 4 <= cap) {
        size_t limit = cap - n - 3;
        size_t v = html_utf8_prefix(src->p + src->pos, src->len - src->pos, limit);

        memcpy(buffer + n, src->p + src->pos, v);
        n += v;
        src->pos += v;
        if (src->pos < src->len && v < limit) {
            if (src->p[src->pos] != 0) {
                memcpy(buffer + n, "\xEF\xBF\xBD", 3);
                n += 3;
            }
            src->pos++;
        }
    }
    return (int)n;
}

int
html_parse(const char *html, size_t len, const htmlSAXHandler *sax, void *user,
           htmlParserCtxtPtr *parser)
{
    struct html_src src = {(const unsigned char *)html, html != NULL ? len : 0, 0};
    xmlParserInputBufferPtr ibuf;
    xmlParserInputPtr in;
    htmlParserCtxtPtr ctxt;

    pthread_once(&html_once, html_init);
    /*
     * The pull parser reading through a callback, not the push parser: in
     * 2.9.14 the push parser keeps every byte it was given until the end,
     * while the pull parser shrinks its buffer as it goes.
     */
    ctxt = htmlNewParserCtxt();
    if (ctxt == NULL || ctxt->sax == NULL) {
        if (ctxt != NULL)
            htmlFreeParserCtxt(ctxt);
        return -1;
    }
    memcpy(ctxt->sax, sax, sizeof *sax);
    ctxt->sax->serror = html_quiet;
    ctxt->userData = user;
    htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | HTML_PARSE_COMPACT);
    ibuf = xmlParserInputBufferCreateIO(html_read, NULL, &src, XML_CHAR_ENCODING_NONE);
    in = ibuf != NULL ? xmlNewIOInputStream(ctxt, ibuf, XML_CHAR_ENCODING_NONE) : NULL;
    if (in == NULL || inputPush(ctxt, in) < 0) {
        if (in != NULL)
            xmlFreeInputStream(in); /* frees ibuf too */
        else if (ibuf != NULL)
            xmlFreeParserInputBuffer(ibuf);
        htmlFreeParserCtxt(ctxt);
        return -1;
    }
    /* A context from htmlNewParserCtxt() has no charset at all, and would guess Latin-1. */
    xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
    if (parser != NULL)
        *parser = ctxt;
    htmlParseDocument(ctxt);
    if (parser != NULL)
        *parser = NULL;
    if (ctxt->myDoc != NULL)
        xmlFreeDoc(ctxt->myDoc);
    htmlFreeParserCtxt(ctxt);
    return 0;
}

int
html_text(const char *html, size_t len, size_t max_out, struct text *out, struct html_info *info,
          struct err *err)
{
    struct html_state s;
    htmlSAXHandler sax;
    int rc = 0;

    out->data = NULL;
    out->len = 0;
    if (info != NULL) {
        info->title[0] = '\0';
        info->published[0] = '\0';
    }
    if (html == NULL)
        len = 0;

    memset(&s, 0, sizeof s);
    buf_init(&s.out, max_out);
    /* The text is shorter than the markup: one allocation for all of it. */
    (void)buf_reserve(&s.out, len < max_out ? len : max_out);
    s.err = err;
    s.info = info;
    s.stack = malloc(HTML_MAX_DEPTH * sizeof *s.stack);
    if (s.stack == NULL) {
        err_set(err, "out of memory extracting page text");
        return -1;
    }

    memset(&sax, 0, sizeof sax);
    sax.startElement = html_start;
    sax.endElement = html_end;
    sax.characters = html_chars;
    sax.ignorableWhitespace = html_chars;
    sax.cdataBlock = html_chars;
    sax.initialized = XML_SAX2_MAGIC;
    if (html_parse(html, len, &sax, &s, &s.parser) != 0) {
        free(s.stack);
        buf_free(&s.out);
        err_set(err, "out of memory creating the HTML parser");
        return -1;
    }
    free(s.stack);

    if (s.failed) {
        rc = -1;
    } else {
        /* No line breaks or tabs at the end. */
        while (s.out.len > 0 &&
               (s.out.data[s.out.len - 1] == '\n' || s.out.data[s.out.len - 1] == '\t'))
            s.out.data[--s.out.len] = '\0';
        if (buf_to_text(&s.out, out) != BUF_OK) {
            err_set(err, "out of memory extracting page text");
            rc = -1;
        }
    }
    if (rc != 0)
        buf_free(&s.out);
    return rc;
}

/* Does the tag start w ("<div") stand at p[0..n), followed by a delimiter? */
static int
html_tag_at(const char *p, size_t n, const char *w)
{
    size_t wl = strlen(w), k;

    if (wl > n)
        return 0;
    for (k = 1; k < wl; k++) {
        char c = p[k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + ('a' - 'A'));
        if (c != w[k])
            return 0;
    }
    return wl == n || html_is_space((unsigned char)p[wl]) || p[wl] == '>' || p[wl] == '/';
}

int
html_sniff(const char *buf, size_t len)
{
    static const char *const tags[] = {"<html",  "<head", "<body", "<meta",
                                       "<title", "<div",  "<p",    "<table"};
    char head[1024] = "";
    const unsigned char *p = (const unsigned char *)buf;
    size_t n = 0, i = 0, k;
    int utf16 = 0;

    if (buf == NULL)
        return 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        i = 3;
    } else if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
        /* UTF-16: look at the ASCII bytes only. */
        i = 2;
        utf16 = 1;
    }
    for (; i < len && n < sizeof head; i++) {
        if (utf16 && p[i] == 0)
            continue;
        if (n == 0 && html_is_space(p[i]))
            continue;
        head[n++] = (char)p[i];
    }
    /* Every text file is sniffed: look at each '<' once, not once per tag. */
    for (const char *lt = memchr(head, '<', n); lt != NULL;
         lt = memchr(lt + 1, '<', n - (size_t)(lt + 1 - head))) {
        size_t at = (size_t)(lt - head), rest = n - at;
        if (rest > 9 && strncasecmp(lt, "<!doctype", 9) == 0) {
            size_t j = at + 9;
            while (j < n && html_is_space((unsigned char)head[j]))
                j++;
            if (j + 4 <= n && strncasecmp(head + j, "html", 4) == 0)
                return 1;
        }
        for (k = 0; k < sizeof tags / sizeof tags[0]; k++)
            if (html_tag_at(lt, rest, tags[k]))
                return 1;
        if (lt + 1 >= head + n)
            break;
    }
    return 0;
}
