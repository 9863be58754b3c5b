/*
 * fuzz_warc: any bytes as an (uncompressed) web archive.  Reading must end
 * with records handed over or an error with a message; each response handed
 * over must lie within the ceiling.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
    const uint8_t *p;
    size_t len, pos;
};

static long
mem_read(void *src, void *buf, size_t n)
{
    struct mem *m = src;
    /* Short reads, as a pipe or a gzip stream gives them. */
    size_t take = m->len - m->pos < n ? m->len - m->pos : n;
    if (take > 7)
        take = take / 2 + 1;
    memcpy(buf, m->p + m->pos, take);
    m->pos += take;
    return (long)take;
}

static int
page(void *arg, const struct warc_response *r)
{
    (void)arg;
    if (r->len > (1u << 20) || r->uri == NULL || r->status < 200 || r->status > 299)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem m = {data, size, 0};
    struct err err;
    size_t skipped;

    if (warc_read(mem_read, &m, "fuzz.warc", 1u << 20, page, NULL, &skipped, &err) != 0 &&
        err.msg[0] == '\0')
        abort();
    return 0;
}
