/*
 * page: from the bytes of a fetched or saved page to the normalized text the
 * extractor reads.  Fetching and replaying both hand over a struct page;
 * both get back a struct doc.
 *
 *   bytes --charset--> UTF-8 --html_text (if HTML)--> text --normalize--> doc.text
 */
#ifndef FACTD_PAGE_H
#define FACTD_PAGE_H

#include <stddef.h>

#include "buf.h"
#include "charset.h"
#include "err.h"
#include "html_text.h"

struct page {
    const char *uri;          /* Name for messages: a path or URL.  Not owned. */
    const char *body;         /* Raw bytes as received.  Not owned. */
    size_t len;               /* Bytes in body. */
    const char *content_type; /* HTTP Content-Type, or NULL.  Not owned. */
    const char *charset;      /* Operator's charset override, or NULL.  Not owned. */
    int html;                 /* 1 HTML, 0 plain text, -1 look at the bytes. */
};

struct doc {
    struct text text;         /* Normalized UTF-8; owned, freed by doc_free(). */
    struct charset_result cs; /* How the bytes were decoded. */
    struct html_info info;    /* Title and date, when the page is HTML. */
    int html;                 /* 1 if the page was read as HTML. */
    int year;                 /* Year of publication if the page says, else 0. */
};

/*
 * Decode, strip markup and normalize.  No intermediate or final text may pass
 * max_text bytes.  Returns 0, or -1 with err set (file name included).
 */
int page_to_doc(const struct page *pg, size_t max_text, struct doc *d, struct err *err);

/* The content hash of the page's bytes (hash_hex128()), into out[33]: what
 * the store and the frontier know a page's content by. */
void page_hash(const struct page *pg, char out[33]);

/* Free the text of d; d may be reused.  doc_free(NULL) does nothing. */
void doc_free(struct doc *d);

#endif
