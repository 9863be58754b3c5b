/*
 * warc: read web archives (WARC 1.0 and 1.1, plain or gzip, one member per
 * record or one for the whole file) and hand over each HTTP response in them
 * as a page: its URI, status, Content-Type and body, the body freed of chunked
 * transfer coding and of gzip or deflate content coding.
 *
 * It reads what factd writes and what `wget --warc-file` writes.  It does not
 * write archives.
 */
#ifndef FACTD_WARC_H
#define FACTD_WARC_H

#include <stddef.h>

#include "err.h"

/* One HTTP response of an archive.  Everything is valid during the callback only. */
struct warc_response {
    const char *uri;          /* WARC-Target-URI, without angle brackets. */
    const char *date;         /* WARC-Date, or "" */
    int status;               /* HTTP status code */
    const char *content_type; /* The HTTP Content-Type, or NULL. */
    const char *body;         /* Decoded body. */
    size_t len;               /* Bytes in body. */
    long long offset;         /* Where the record starts in the (uncompressed) archive. */
};

/* Called for each response; returns 0 to go on, -1 to stop. */
typedef int (*warc_fn)(void *arg, const struct warc_response *r);

/* Reads up to n bytes into buf; returns the number read, 0 at the end, -1 on error. */
typedef long (*warc_read_fn)(void *src, void *buf, size_t n);

/*
 * Read the records from rd(src) and call fn for each HTTP response with a
 * 2xx status.  name names the archive in messages; no record or decoded body
 * may pass max_record bytes.  *skipped, if not NULL, counts the responses
 * passed over (other statuses, content codings that cannot be decoded).
 * Returns 0, or -1 with err set (the records before the bad one were handed
 * over already).
 */
int warc_read(warc_read_fn rd, void *src, const char *name, size_t max_record, warc_fn fn,
              void *arg, size_t *skipped, struct err *err);

/* The same for a file, gzip-compressed or not. */
int warc_read_file(const char *path, size_t max_record, warc_fn fn, void *arg, size_t *skipped,
                   struct err *err);

/* Does the name end in .warc or .warc.gz? */
int warc_is_archive(const char *path);

#endif
