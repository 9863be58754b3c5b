/*
 * links: the hrefs of <a>, <area> and the first <base> of a page, found by
 * libxml2's HTML parser through SAX callbacks (no tree), then resolved with
 * libcurl's URL API.
 *
 * Resolution waits until the whole page is parsed, because a <base href>
 * applies to the links before it as well; meanwhile the hrefs are held in one
 * buffer, each NUL-terminated, rather than one allocation each.
 *
 * An href is tidied as a browser does before curl sees it: ASCII tabs and
 * line breaks inside it are dropped, backslashes in the path are slashes, and
 * bytes a URL may not hold (UTF-8 file names, spaces, quotes) are
 * percent-encoded with upper-case hex.  curl 7.88 would otherwise refuse a
 * line break, turn a space in a query into '+', encode UTF-8 in lower case
 * (so the same file written raw and encoded would count as two URLs) and
 * resolve "#top" to the directory, not the page.  The scheme and host are
 * left as written: curl checks them, and takes a UTF-8 host name, which the
 * fetcher converts.
 *
 * The resolved URL is what curl prints, fragment removed and default port
 * dropped, with the host in lower case and escapes in upper-case hex, so that
 * equal URLs are equal strings and are given once.
 *
 * Hrefs that are only a fragment ("#", "#top") are passed over: they point
 * into the page itself, and "#" is the usual placeholder of a link that
 * works by script.
 *
 * The input must be UTF-8.  The page is parsed by html_parse(), so invalid
 * bytes become U+FFFD and NUL bytes are dropped on the way into the parser,
 * as in html_text: libxml2 2.9.14 reads the rest of the page as Latin-1
 * after an invalid byte, which would garble every Chinese file name after it.
 */
#include "links.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "buf.h"
#include "hash.h"
#include "html_text.h"

/*
 * Longest href (after trimming) and longest resolved URL kept.  Common
 * servers refuse request lines much over 8 KB anyway.
 */
#define LINKS_MAX_HREF 8192

/*
 * Most URLs given for one page, and most bytes of hrefs held and of URLs
 * given, so that a hostile page cannot make one call eat memory.
 */
#define LINKS_MAX_URLS  100000
#define LINKS_MAX_BYTES (32u << 20)

/* The state of one parse, given to the SAX callback. */
struct links_parse {
    htmlParserCtxtPtr parser;
    struct buf hrefs; /* Tidied hrefs in page order, each followed by a NUL. */
    struct buf raw;   /* Scratch for links_tidy(). */
    struct buf tidy;  /* What links_tidy() made of the last href. */
    char *base;       /* First <base href>, tidied, from malloc(); NULL if none or unusable. */
    int base_seen;    /* A <base href> was met, usable or not: later ones do not count. */
    int nomem;        /* malloc failed; the parser is stopped */
};

/* The URLs given so far, for finding repeats: a hash set of indexes into out->urls. */
struct links_seen {
    uint32_t *slot; /* From malloc(); index + 1, 0 for an empty slot. */
    size_t size;    /* Slots, a power of two. */
};

static int
links_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int
links_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
links_is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Length of the scheme at the start of s[0..n), without its colon, or 0 if
 * s has none and so is relative.
 */
static size_t
links_scheme_len(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || !links_is_alpha((unsigned char)s[0]))
        return 0;
    for (i = 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ':')
            return i;
        if (!links_is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
            return 0;
    }
    return 0;
}

/* May c stand as it is in a URL path (0), or must it be percent-encoded (1)? */
static int
links_escape_in_path(unsigned char c)
{
    return c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' ||
           c == '}';
}

/* The same for a query, with the set browsers use for http and https. */
static int
links_escape_in_query(unsigned char c)
{
    return c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\'';
}

/*
 * Tidy the href s[0..n) (already trimmed) into out, which is emptied first:
 * see the top of the file.  raw is scratch.  Returns a buf status; out->len
 * is 0 if nothing is left (an empty or fragment-only href).
 */
static int
links_tidy(const char *s, size_t n, struct buf *raw, struct buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, start = 0, host, auth_end, scheme;
    int in_query = 0, rc;
    char *t;

    raw->len = 0;
    out->len = 0;
    if ((rc = buf_reserve(raw, n)) != BUF_OK)
        return rc;
    for (i = 0; i < n && s[i] != '#'; i++) {
        char c = s[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '?')
            in_query = 1;
        else if (c == '\\' && !in_query)
            c = '/';
        raw->data[raw->len++] = c;
    }
    raw->data[raw->len] = '\0';
    t = raw->data;
    if (raw->len == 0)
        return BUF_OK;

    /*
     * The scheme and host are copied as they are (curl checks them); the
     * user name and password, path and query are encoded.
     */
    scheme = links_scheme_len(t, raw->len);
    if (scheme > 0 && raw->len - scheme >= 3 && memcmp(t + scheme, "://", 3) == 0)
        start = scheme + 3;
    else if (scheme == 0 && raw->len >= 2 && memcmp(t, "//", 2) == 0)
        start = 2;
    host = start;
    for (auth_end = start; start > 0 && auth_end < raw->len; auth_end++) {
        if (t[auth_end] == '/' || t[auth_end] == '?')
            break;
        if (t[auth_end] == '@')
            host = auth_end + 1;
    }
    if ((rc = buf_reserve(out, raw->len * 3)) != BUF_OK)
        return rc;
    in_query = 0;
    for (i = 0; i < raw->len; i++) {
        unsigned char c = (unsigned char)t[i];
        int esc;

        if (i < start || (i >= host && i < auth_end)) {
            esc = 0;
        } else if (i < host) {
            esc = links_escape_in_path(c) || (c == '@' && i + 1 < host);
        } else {
            if (c == '?')
                in_query = 1;
            esc = in_query ? links_escape_in_query(c) : links_escape_in_path(c);
        }
        if (esc) {
            out->data[out->len++] = '%';
            out->data[out->len++] = hex[c >> 4];
            out->data[out->len++] = hex[c & 15];
        } else {
            out->data[out->len++] = (char)c;
        }
    }
    out->data[out->len] = '\0';
    return BUF_OK;
}

/* Does an href (tidied) name a scheme other than http and https? */
static int
links_other_scheme(const char *s, size_t n)
{
    size_t k = links_scheme_len(s, n);

    if (k == 0)
        return 0;
    return !((k == 4 && strncasecmp(s, "http", 4) == 0) ||
             (k == 5 && strncasecmp(s, "https", 5) == 0));
}

/* The value of attribute name in atts, or NULL. */
static const char *
links_attr(const xmlChar **atts, const char *name)
{
    size_t i;

    if (atts == NULL)
        return NULL;
    for (i = 0; atts[i] != NULL; i += 2) {
        if (strcasecmp((const char *)atts[i], name) == 0)
            return (const char *)atts[i + 1];
    }
    return NULL;
}

/* Trim ASCII white space off v; its length is returned in *n. */
static const char *
links_trim(const char *v, size_t *n)
{
    size_t len;

    while (links_is_space((unsigned char)*v))
        v++;
    len = strlen(v);
    while (len > 0 && links_is_space((unsigned char)v[len - 1]))
        len--;
    *n = len;
    return v;
}

static void
links_nomem(struct links_parse *p)
{
    p->nomem = 1;
    xmlStopParser(p->parser);
}

/* Tidy the href of a link and hold it for resolving, unless it is one to pass over. */
static void
links_add_href(struct links_parse *p, const char *href)
{
    size_t n;
    int rc;

    href = links_trim(href, &n);
    if (n == 0 || n > LINKS_MAX_HREF)
        return;
    rc = links_tidy(href, n, &p->raw, &p->tidy);
    if (rc == BUF_OK && p->tidy.len > 0 && !links_other_scheme(p->tidy.data, p->tidy.len)) {
        rc = buf_append(&p->hrefs, p->tidy.data, p->tidy.len + 1);
        if (rc == BUF_TOOBIG)
            xmlStopParser(p->parser); /* enough for one page: resolve those held */
    }
    if (rc == BUF_NOMEM)
        links_nomem(p);
}

/* The first <base href>: hold it, tidied, unless it is empty or too long. */
static void
links_set_base(struct links_parse *p, const char *href)
{
    size_t n;

    p->base_seen = 1;
    href = links_trim(href, &n);
    if (n == 0 || n > LINKS_MAX_HREF)
        return;
    if (links_tidy(href, n, &p->raw, &p->tidy) != BUF_OK) {
        links_nomem(p);
        return;
    }
    if (p->tidy.len == 0)
        return;
    if ((p->base = malloc(p->tidy.len + 1)) == NULL) {
        links_nomem(p);
        return;
    }
    memcpy(p->base, p->tidy.data, p->tidy.len + 1);
}

static void
links_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    struct links_parse *p = ctx;
    const char *n = (const char *)name, *href;

    if (p->nomem || (href = links_attr(atts, "href")) == NULL)
        return;
    if (strcasecmp(n, "a") == 0 || strcasecmp(n, "area") == 0)
        links_add_href(p, href);
    else if (strcasecmp(n, "base") == 0 && !p->base_seen)
        links_set_base(p, href);
}

/*
 * Parse html[0..len) and hold its tidied hrefs and base in p.  Returns 0, or
 * -1 when memory ran out (p's buffers are still to be freed by the caller).
 */
static int
links_parse_page(const char *html, size_t len, struct links_parse *p)
{
    htmlSAXHandler sax;

    memset(&sax, 0, sizeof sax);
    sax.startElement = links_start;
    sax.initialized = XML_SAX2_MAGIC;
    if (html_parse(html, len, &sax, p, &p->parser) != 0)
        return -1;
    return p->nomem ? -1 : 0;
}

/* The slot for url: the one holding it, or the empty one where it would go. */
static uint32_t *
links_slot(const struct links_seen *seen, const struct links *out, const char *url)
{
    size_t i = (size_t)hash_fnv1a_str(url) & (seen->size - 1);

    while (seen->slot[i] != 0 && strcmp(out->urls[seen->slot[i] - 1], url) != 0)
        i = (i + 1) & (seen->size - 1);
    return &seen->slot[i];
}

/* Make room for one more URL, in the set and in out.  Returns 0, or -1 for no memory. */
static int
links_grow(struct links_seen *seen, struct links *out)
{
    if ((out->n + 1) * 2 > seen->size) {
        struct links_seen bigger;
        size_t i;

        bigger.size = seen->size ? seen->size * 2 : 256;
        bigger.slot = calloc(bigger.size, sizeof *bigger.slot);
        if (bigger.slot == NULL)
            return -1;
        for (i = 0; i < out->n; i++)
            *links_slot(&bigger, out, out->urls[i]) = (uint32_t)(i + 1);
        free(seen->slot);
        *seen = bigger;
    }
    if (out->n == out->cap) {
        char **urls = buf_grow_array(out->urls, &out->cap, sizeof *urls, 64);
        if (urls == NULL)
            return -1;
        out->urls = urls;
    }
    return 0;
}

/* May c stand in a host name, IPv6 address or port as curl prints them? */
static int
links_host_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == ':' || c == '[' || c == ']' || c >= 0x80;
}

/*
 * A copy of the URL curl gave, from malloc(), with the host in lower case
 * and percent escapes in upper case; NULL if it is not an http or https URL,
 * is too long, or has a host that no fetch could use: curl 7.88 decodes
 * "%7F" in a host to a DEL and lets it through (*nomem tells which NULL is a
 * failed malloc).
 */
static char *
links_canonical(const char *url, int *nomem)
{
    size_t len = strlen(url), i, host, end;
    char *c;

    if (strncmp(url, "http://", 7) == 0)
        host = 7;
    else if (strncmp(url, "https://", 8) == 0)
        host = 8;
    else
        return NULL;
    if (len > LINKS_MAX_HREF)
        return NULL;
    for (end = host; end < len && url[end] != '/' && url[end] != '?'; end++) {
        if (url[end] == '@')
            host = end + 1; /* user and password keep their case */
    }
    for (i = host; i < end; i++) {
        if (!links_host_byte((unsigned char)url[i]))
            return NULL;
    }
    if ((c = malloc(len + 1)) == NULL) {
        *nomem = 1;
        return NULL;
    }
    memcpy(c, url, len + 1);
    for (i = host; i < end; i++) {
        if (c[i] >= 'A' && c[i] <= 'Z')
            c[i] = (char)(c[i] + ('a' - 'A'));
    }
    for (i = end; i + 2 < len; i++) {
        if (c[i] == '%' && links_is_hex((unsigned char)c[i + 1]) &&
            links_is_hex((unsigned char)c[i + 2])) {
            if (c[i + 1] >= 'a')
                c[i + 1] = (char)(c[i + 1] - ('a' - 'A'));
            if (c[i + 2] >= 'a')
                c[i + 2] = (char)(c[i + 2] - ('a' - 'A'));
            i += 2;
        }
    }
    return c;
}

/*
 * Resolve href against base and add it to out unless it is passed over or
 * given already.  Returns 0, or -1 for no memory.
 */
static int
links_resolve(CURLU *base, const char *href, struct links *out, struct links_seen *seen,
              size_t *bytes)
{
    CURLU *h = curl_url_dup(base);
    CURLUcode rc;
    char *url = NULL, *c;
    uint32_t *slot;
    int nomem = 0;
    size_t len;

    if (h == NULL)
        return -1;
    rc = curl_url_set(h, CURLUPART_URL, href, 0);
    if (rc == CURLUE_OK)
        rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
    if (rc == CURLUE_OK)
        rc = curl_url_get(h, CURLUPART_URL, &url, CURLU_NO_DEFAULT_PORT);
    curl_url_cleanup(h);
    if (rc != CURLUE_OK)
        return rc == CURLUE_OUT_OF_MEMORY ? -1 : 0;
    c = links_canonical(url, &nomem);
    curl_free(url);
    if (c == NULL)
        return nomem ? -1 : 0;
    len = strlen(c) + 1;
    if (len > LINKS_MAX_BYTES - *bytes) {
        *bytes = LINKS_MAX_BYTES; /* full: the rest of the page is passed over */
        free(c);
        return 0;
    }
    if (links_grow(seen, out) != 0) {
        free(c);
        return -1;
    }
    slot = links_slot(seen, out, c);
    if (*slot != 0) {
        free(c);
        return 0;
    }
    out->urls[out->n++] = c;
    *slot = (uint32_t)out->n;
    *bytes += len;
    return 0;
}

/* The handle of the page's URL: usable, or NULL with err set. */
static CURLU *
links_page_handle(const char *page_url, struct err *err)
{
    struct buf raw, tidy;
    CURLU *h = NULL;
    CURLUcode rc = CURLUE_MALFORMED_INPUT;
    size_t n;
    const char *s;

    buf_init(&raw, (size_t)-1);
    buf_init(&tidy, (size_t)-1);
    if (page_url != NULL) {
        s = links_trim(page_url, &n);
        if (links_tidy(s, n, &raw, &tidy) != BUF_OK || (h = curl_url()) == NULL) {
            rc = CURLUE_OUT_OF_MEMORY;
        } else if (tidy.len > 0) {
            rc = curl_url_set(h, CURLUPART_URL, tidy.data, 0);
        }
    }
    buf_free(&raw);
    buf_free(&tidy);
    if (rc == CURLUE_OK)
        return h;
    curl_url_cleanup(h);
    if (rc == CURLUE_OUT_OF_MEMORY) {
        err_set(err, "out of memory finding links");
    } else {
        err_set(err, "page URL not usable: %s", curl_url_strerror(rc));
        err_file(err, page_url);
    }
    return NULL;
}

/*
 * The handle to resolve against: the <base href> resolved against the page,
 * if that gives an http or https URL, or else the page's.  *own says whether
 * the handle returned is a new one for the caller to free.  Returns NULL for
 * no memory.
 */
static CURLU *
links_base_handle(CURLU *page, const char *base, int *own)
{
    CURLU *h;
    char *scheme = NULL;
    int ok;

    *own = 0;
    if (base == NULL || links_other_scheme(base, strlen(base)))
        return page;
    if ((h = curl_url_dup(page)) == NULL)
        return NULL;
    ok = curl_url_set(h, CURLUPART_URL, base, 0) == CURLUE_OK &&
         curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
         (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(scheme);
    if (!ok) {
        curl_url_cleanup(h);
        return page;
    }
    *own = 1;
    return h;
}

int
links_extract(const char *html, size_t len, const char *page_url, struct links *out,
              struct err *err)
{
    struct links_parse p;
    struct links_seen seen = {NULL, 0};
    CURLU *page, *base = NULL;
    size_t at, bytes = 0;
    int own = 0, rc = 0;

    out->urls = NULL;
    out->n = out->cap = 0;
    if ((page = links_page_handle(page_url, err)) == NULL)
        return -1;

    memset(&p, 0, sizeof p);
    buf_init(&p.hrefs, LINKS_MAX_BYTES);
    buf_init(&p.raw, LINKS_MAX_HREF);
    buf_init(&p.tidy, 3 * LINKS_MAX_HREF);
    if (links_parse_page(html, len, &p) != 0 ||
        (base = links_base_handle(page, p.base, &own)) == NULL)
        rc = -1;
    for (at = 0; rc == 0 && at < p.hrefs.len && out->n < LINKS_MAX_URLS && bytes < LINKS_MAX_BYTES;
         at += strlen(p.hrefs.data + at) + 1)
        rc = links_resolve(base, p.hrefs.data + at, out, &seen, &bytes);

    if (own)
        curl_url_cleanup(base);
    curl_url_cleanup(page);
    free(p.base);
    buf_free(&p.hrefs);
    buf_free(&p.raw);
    buf_free(&p.tidy);
    free(seen.slot);
    if (rc != 0) {
        links_free(out);
        err_set(err, "out of memory finding links");
    }
    return rc;
}

void
links_free(struct links *l)
{
    size_t i;

    if (l == NULL)
        return;
    for (i = 0; i < l->n; i++)
        free(l->urls[i]);
    free(l->urls);
    l->urls = NULL;
    l->n = l->cap = 0;
}
