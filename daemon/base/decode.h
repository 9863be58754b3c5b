/*
 * decode: undo an HTTP content coding (gzip, x-gzip, deflate) a piece at a
 * time, as a body arrives, and tell whether the coded stream ended.
 *
 * fetch.c decodes here rather than through libcurl: curl 7.88 takes a gzip
 * stream cut short for a whole body, and decodes a bomb in one call on the
 * loop.  One decode_feed() makes at most what one piece of input can become,
 * handed to the caller's sink in chunks of DECODE_CHUNK bytes, and the sink
 * can stop it (a body over its ceiling).
 *
 * No I/O, no allocation but zlib's state.
 */
#ifndef FACTD_DECODE_H
#define FACTD_DECODE_H

#include <stddef.h>
#include <zlib.h>

#define DECODE_CHUNK (64u << 10)

/* The Content-Encoding of a response, as far as we ask for codings. */
enum decode_coding {
    DECODE_NONE, /* identity, or none said */
    DECODE_ZLIB, /* gzip, x-gzip or deflate: zlib tells them apart by the header */
    DECODE_BAD,  /* one we did not ask for, or more than one */
};

/* The coding a Content-Encoding header value (len bytes, not NUL-ended)
 * names; *deflate is set when it says deflate, which some servers send
 * without its zlib header. */
enum decode_coding decode_coding_of(const char *value, size_t len, int *deflate);

struct decoder {
    z_stream z;
    int deflate; /* "deflate": a bare deflate stream is taken too */
    int live;    /* z is initialized */
    int ended;   /* the coded stream ended; later bytes are ignored */
    int failed;  /* the stream does not decode */
    size_t in;   /* coded bytes taken */
};

/* Where decoded bytes go; non-zero stops decode_feed(). */
typedef int (*decode_sink)(void *arg, const void *p, size_t n);

/* Ready d for a new stream.  Call decode_free() on a used one first. */
void decode_init(struct decoder *d, int deflate);

/* Decode n more bytes of the stream into sink.  Returns 0; -1 when the
 * stream does not decode (d->failed), or the sink said stop. */
int decode_feed(struct decoder *d, const void *p, size_t n, decode_sink sink, void *arg);

/* Was the stream cut short: bytes came, and it did not end? */
int decode_short(const struct decoder *d);

/* Free zlib's state; d may be reused after decode_init(). */
void decode_free(struct decoder *d);

#endif
