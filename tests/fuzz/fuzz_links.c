/*
 * fuzz_links: links_extract on a page.  An input starting with '@' and a
 * line of at most 300 bytes gives the page's URL on that line and the page
 * after it; any other input is a page fetched from a fixed URL.
 *
 * The page is copied into a buffer of exactly its size so ASan sees an
 * overrun.  Every URL given must be http or https, short enough, free of
 * fragments, white space and control bytes, and given once; a failure must
 * say why and leave nothing behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_url(const char *u)
{
    size_t len = strlen(u), i;

    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
        abort();
    if (len > 8192)
        abort();
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c <= 0x20 || c == 0x7F || c == '#' || c == '"' || c == '<' || c == '>')
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl =
        size > 0 && data[0] == '@' ? memchr(data, '\n', size < 302 ? size : 302) : NULL;
    char page_url[302] = "http://www.stats.gov.cn/sj/zxfb/index.html?p=1";
    struct links l;
    struct err e;
    char *in, **sorted;
    size_t i;

    if (nl != NULL) {
        size_t n = (size_t)(nl - data) - 1;
        memcpy(page_url, data + 1, n);
        page_url[n] = '\0';
        size -= n + 2;
        data = nl + 1;
    }
    in = malloc(size ? size : 1);
    if (in == NULL)
        return 0;
    if (size > 0)
        memcpy(in, data, size);

    err_clear(&e);
    if (links_extract(in, size, page_url, &l, &e) != 0) {
        if (e.msg[0] == '\0' || l.urls != NULL || l.n != 0)
            abort();
        free(in);
        return 0;
    }
    if (l.n > 100000 || l.n > l.cap || (l.n > 0 && l.urls == NULL))
        abort();
    for (i = 0; i < l.n; i++)
        check_url(l.urls[i]);
    sorted = malloc((l.n ? l.n : 1) * sizeof *sorted);
    if (sorted != NULL) {
        if (l.n > 0)
            memcpy(sorted, l.urls, l.n * sizeof *sorted);
        qsort(sorted, l.n, sizeof *sorted, cmp_str);
        for (i = 1; i < l.n; i++)
            if (strcmp(sorted[i - 1], sorted[i]) == 0)
                abort();
        free(sorted);
    }
    links_free(&l);
    if (l.urls != NULL || l.n != 0)
        abort();
    free(in);
    return 0;
}
