/*
 * fuzz_decode: a Content-Encoding value and a body, decoded as fetch.c
 * decodes a response, in pieces whose sizes the input sets.
 *
 * Input: one byte of piece size (1 to 256), a header value up to the first
 * newline, then the body.  The sink refuses past 1 MiB, as max_page_bytes
 * would.  Whatever the body, decode_feed() must stop at the sink's word,
 * never hand over more than it was given leave to, and leave nothing behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sink(void *arg, const void *p, size_t n)
{
    size_t *total = arg;
    if (n > DECODE_CHUNK)
        abort();
    (void)p;
    if (*total + n > (1u << 20))
        return -1;
    *total += n;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    const uint8_t *nl = memchr(data + 1, '\n', size - 1);
    size_t hlen = nl ? (size_t)(nl - data - 1) : size - 1;
    const uint8_t *body = nl ? nl + 1 : data + size;
    size_t blen = (size_t)(data + size - body);
    int deflate = 0;
    enum decode_coding c = decode_coding_of((const char *)data + 1, hlen, &deflate);
    if (c != DECODE_ZLIB)
        return 0;
    struct decoder d;
    size_t total = 0;
    decode_init(&d, deflate);
    for (size_t i = 0; i < blen; i += step) {
        size_t n = blen - i < step ? blen - i : step;
        /* Each piece is its own allocation, so ASan sees a read past it. */
        uint8_t *piece = malloc(n);
        memcpy(piece, body + i, n);
        int rc = decode_feed(&d, piece, n, sink, &total);
        free(piece);
        if (rc != 0)
            break;
    }
    if (d.ended && d.failed)
        abort();
    decode_free(&d);
    return 0;
}
