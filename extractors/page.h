/*
 * page: the one way a page becomes a document.  A page fetched by the
 * crawler, read from a file or from a WARC record is a struct page; page_read()
 * turns it into a struct doc holding its text, its facts and its warnings, as
 * data: the caller decides where they are printed or logged.
 *
 *   bytes --charset--> UTF-8 --html_text (if HTML)--> text --normalize--> text
 *         --extract (if a pattern set is given)--> facts
 *
 * No I/O: the page's bytes are in memory, and nothing here knows the store.
 */
#ifndef FACTD_PAGE_H
#define FACTD_PAGE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "charset.h"
#include "err.h"
#include "extract.h"
#include "fact.h"
#include "html_text.h"
#include "normalize.h"

/* Where a page came from and what came with it.  Nothing is owned: the
 * producer (crawler, replay, a file reader) keeps it all alive. */
struct page {
    const char *uri;  /* URL or path, for messages and the store. */
    const char *body; /* Raw bytes as received (after content coding). */
    size_t len;       /* Bytes in body. */
    const char *head; /* HTTP status line and headers; NULL: none (a file). */
    size_t head_len;
    const char *content_type; /* The head's Content-Type, or NULL. */
    time_t when;              /* When it was fetched; 0 when unknown. */
    const char *source;       /* The configured source it belongs to, or NULL. */
    const char *charset;      /* Operator's charset override, or NULL. */
    int html;                 /* 1 HTML, 0 plain text, -1 look (name, type, bytes). */
};

/* What page_read() is asked to do. */
struct page_opts {
    size_t max_bytes;            /* The largest page; decoding may grow it four times. */
    const struct patternset *ps; /* Facts are extracted when not NULL. */
    int year;                    /* The year when the page does not say its own; 0: none. */
    extract_stop_fn stop;        /* Asked between sentences (extract_run_until()); may be NULL. */
    void *stop_arg;
    int keep_html; /* Keep the decoded markup in doc.html_utf8 (list pages' links). */
};

/* Something about a page that is not an error: an unknown charset label
 * passed over, bytes replaced with U+FFFD, a pattern at its match limit. */
struct page_warning {
    long long offset; /* Byte offset it is about, or -1. */
    char msg[224];
};

#define PAGE_MAX_WARNINGS 4

struct doc {
    struct text text;           /* Normalized UTF-8; owned. */
    struct text original;       /* The same before NFKC (for HTML, the markup's text); owned. */
    struct norm_map map;        /* From text's offsets to original's; owned. */
    struct text html_utf8;      /* The decoded page before markup was stripped, with keep_html. */
    struct charset_result cs;   /* How the bytes were decoded. */
    struct html_info info;      /* Title and date, when the page is HTML. */
    int html;                   /* 1 if the page was read as HTML. */
    int year;                   /* Year of publication if the page says, else 0. */
    int doc_year;               /* The year it speaks from (今年), docinfo_read()'s; 0: none. */
    int year_from;              /* enum docinfo_source: where doc_year came from. */
    const char *published_from; /* "meta", "date line", "url" or NULL; static. */
    struct fact_list facts;     /* With a pattern set; owned. */
    struct extract_stats st;    /* Of the extraction, when there was one. */
    struct page_warning warnings[PAGE_MAX_WARNINGS];
    size_t nwarnings;
};

/*
 * Decode, strip markup, normalize and, with o->ps, extract.  d is always
 * set up, and always freed with doc_free(), so that the warnings of a page
 * that failed can be shown before its error.  Returns 0; -1 when the bytes
 * are not a page (charset, binary data, too big); -2 when extraction failed
 * (out of memory).  err names the page's uri.  A run that o->stop ended
 * early returns 0 with the facts found before, and d->st says where.
 */
int page_read(const struct page *pg, const struct page_opts *o, struct doc *d, struct err *err);

/* "URI: msg", or "URI: byte N: msg", into buf (truncated to size). */
void page_warning_format(const struct page *pg, const struct page_warning *w, char *buf,
                         size_t size);

/* The content hash of the page's bytes (hash_hex128()), into out[33]: what
 * the store and the frontier know a page's content by. */
void page_hash(const struct page *pg, char out[33]);

/* The SHA-256 of the page's bytes as fetched or read, 64 lower-case hex
 * digits, into out[65]: what a citation gives, so that anyone can check a
 * copy with sha256sum (the content hash above is factd's own). */
void page_sha256(const struct page *pg, char out[65]);

/* Free what d holds; d may be reused.  doc_free(NULL) does nothing. */
void doc_free(struct doc *d);

#endif
