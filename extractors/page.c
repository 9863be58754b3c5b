/*
 * page: the normalization pipeline.  Each stage owns its output until it
 * hands it to the next, so at most two copies of a page are alive at once.
 */
#include "page.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"
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

int
page_to_doc(const struct page *pg, size_t max_text, struct doc *d, struct err *err)
{
    struct text utf8 = {0}, plain = {0};
    const char *declared = pg->charset ? pg->charset : pg->content_type;
    int html = pg->html;
    int rc = -1;

    memset(d, 0, sizeof *d);
    err_clear(err);
    err_file(err, pg->uri);
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
        text_free(&utf8);
    } else {
        plain = utf8;
        utf8.data = NULL;
    }
    if (normalize_text(plain.data, plain.len, max_text, &d->text, err) != 0)
        goto out;
    if (d->info.published[0] != '\0')
        d->year = (int)strtol(d->info.published, NULL, 10);
    rc = 0;
out:
    text_free(&utf8);
    text_free(&plain);
    if (rc != 0)
        text_free(&d->text);
    return rc;
}

void
doc_free(struct doc *d)
{
    if (d != NULL)
        text_free(&d->text);
}

void
page_hash(const struct page *pg, char out[33])
{
    hash_hex128(pg->body != NULL ? pg->body : "", pg->len, out);
}
