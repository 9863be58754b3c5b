/*
 * decode: zlib's inflate, fed as the body arrives.  inflateInit2 with
 * 15 + 32 reads either a gzip or a zlib header, which covers gzip, x-gzip
 * and deflate as RFC 9110 means it; a "deflate" body that fails at its first
 * bytes is tried again as a bare deflate stream, as browsers and curl do.
 */
#include "decode.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum decode_coding
decode_coding_of(const char *v, size_t len, int *deflate)
{
    enum decode_coding c = DECODE_NONE;
    while (len > 0) {
        size_t n = 0;
        while (n < len && v[n] != ',')
            n++;
        const char *w = v;
        size_t wn = n;
        v += n < len ? n + 1 : n;
        len -= n < len ? n + 1 : n;
        while (wn > 0 && is_space(*w))
            w++, wn--;
        while (wn > 0 && is_space(w[wn - 1]))
            wn--;
        if (wn == 0 || (wn == 8 && strncasecmp(w, "identity", 8) == 0))
            continue;
        int z = (wn == 4 && strncasecmp(w, "gzip", 4) == 0) ||
                (wn == 6 && strncasecmp(w, "x-gzip", 6) == 0);
        int d = wn == 7 && strncasecmp(w, "deflate", 7) == 0;
        if ((!z && !d) || c != DECODE_NONE)
            return DECODE_BAD;
        c = DECODE_ZLIB;
        *deflate = d;
    }
    return c;
}

void
decode_init(struct decoder *d, int deflate)
{
    memset(d, 0, sizeof *d);
    d->deflate = deflate;
}

void
decode_free(struct decoder *d)
{
    if (d->live)
        inflateEnd(&d->z);
    d->live = 0;
}

int
decode_short(const struct decoder *d)
{
    return d->in > 0 && !d->ended;
}

static int
start(struct decoder *d, int window_bits)
{
    memset(&d->z, 0, sizeof d->z);
    if (inflateInit2(&d->z, window_bits) != Z_OK) {
        d->failed = 1;
        return -1;
    }
    d->live = 1;
    return 0;
}

int
decode_feed(struct decoder *d, const void *p, size_t n, decode_sink sink, void *arg)
{
    unsigned char out[DECODE_CHUNK];
    int first = d->in == 0;

    if (d->failed)
        return -1;
    if (d->ended || n == 0)
        return 0;
    if (!d->live && start(d, 15 + 32) != 0)
        return -1;
    assert(n <= (uInt)-1);
    d->z.next_in = (unsigned char *)(uintptr_t)p;
    d->z.avail_in = (uInt)n;
    d->in += n;
    for (;;) {
        d->z.next_out = out;
        d->z.avail_out = sizeof out;
        int rc = inflate(&d->z, Z_NO_FLUSH);
        if (rc == Z_DATA_ERROR && first && d->deflate && d->z.total_out == 0) {
            /* "deflate" as a bare deflate stream: start again without the header. */
            inflateEnd(&d->z);
            d->live = 0;
            if (start(d, -15) != 0)
                return -1;
            d->z.next_in = (unsigned char *)(uintptr_t)p;
            d->z.avail_in = (uInt)n;
            first = 0;
            continue;
        }
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            d->failed = 1;
            return -1;
        }
        size_t made = sizeof out - d->z.avail_out;
        if (made > 0 && sink(arg, out, made) != 0)
            return -1;
        if (rc == Z_STREAM_END) {
            d->ended = 1; /* what follows the end is ignored, as curl does */
            return 0;
        }
        if ((d->z.avail_in == 0 && d->z.avail_out > 0) || made == 0)
            return 0;
    }
}
