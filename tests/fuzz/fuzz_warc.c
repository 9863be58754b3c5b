/*
 * fuzz_warc: any bytes as a web archive, plain or gzip (as their first
 * bytes say), and the same bytes once more as a gzip archive by its name,
 * so that resynchronising past damage is explored from any input.  Reading
 * must end with records handed over or an error with a message; each
 * response handed over must lie within the ceiling; each damaged stretch
 * told must name the archive and an offset inside it, and be counted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warc_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
    const uint8_t *p;
    size_t len;
    size_t told; /* damaged stretches told */
};

static long
mem_read(void *src, void *buf, size_t n, long long off)
{
    struct mem *m = src;
    if (off < 0)
        abort();
    if ((unsigned long long)off >= m->len)
        return 0;
    /* Short reads, as a pipe or a network file system gives them. */
    size_t take = m->len - (size_t)off < n ? m->len - (size_t)off : n;
    if (take > 7)
        take = take / 2 + 1;
    memcpy(buf, m->p + off, take);
    return (long)take;
}

static int
page(void *arg, const struct warc_response *r)
{
    struct mem *m = arg;
    if (r->len > (1u << 20) || r->uri == NULL || r->status < 200 || r->status > 299 ||
        r->offset < 0 || (unsigned long long)r->offset >= m->len)
        abort();
    return 0;
}

static void
damage(void *arg, const struct err *e, int cut)
{
    struct mem *m = arg;
    if (e->msg[0] == '\0' || strncmp(e->file, "fuzz.warc", 9) != 0 || e->offset < 0 ||
        (unsigned long long)e->offset > m->len || (cut != 0 && cut != 1))
        abort();
    m->told++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"fuzz.warc", "fuzz.warc.gz"};
    struct warc_stats st;
    struct err err;

    for (int i = 0; i < 2; i++) {
        struct mem m = {data, size, 0};
        int rc = warc_read(mem_read, &m, names[i], 1u << 20, page, damage, &m, &st, &err);
        if ((rc != 0 && err.msg[0] == '\0') || st.damaged != m.told || st.whole > (long long)size ||
            st.whole < 0 || (st.cut && st.damaged == 0))
            abort();
    }
    return 0;
}
