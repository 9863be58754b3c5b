/*
 * buf: growable byte buffers with a ceiling.  Growth doubles the capacity so
 * appending n bytes one at a time costs O(n); the ceiling is checked before
 * any allocation, never after.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t max_len)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max_len = max_len;
}

int
buf_reserve(struct buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > b->max_len - b->len)
        return BUF_TOOBIG;
    need = b->len + extra + 1; /* room for a terminating NUL */
    if (need <= b->cap)
        return BUF_OK;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return BUF_NOMEM;
    b->data = p;
    b->cap = cap;
    return BUF_OK;
}

void *
buf_grow_array(void *v, size_t *cap, size_t size, size_t first)
{
    size_t n = *cap ? *cap : first;

    if (*cap != 0) {
        if (n > ((size_t)-1) / 2 / size)
            return NULL;
        n *= 2;
    }
    v = realloc(v, n * size);
    if (v != NULL)
        *cap = n;
    return v;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
    int rc;

    if (n == 0)
        return BUF_OK;
    if ((rc = buf_reserve(b, n)) != BUF_OK)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return BUF_OK;
}

int
buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

void
buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int
buf_to_text(struct buf *b, struct text *t)
{
    /* Reserved but never appended to, or never touched: still a string. */
    int rc = buf_reserve(b, 0);
    if (rc != BUF_OK)
        return rc;
    b->data[b->len] = '\0';
    t->data = b->data;
    t->len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return BUF_OK;
}

void
text_free(struct text *t)
{
    if (t == NULL)
        return;
    free(t->data);
    t->data = NULL;
    t->len = 0;
}

int
buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
    va_list again;
    int n, rc;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        rc = BUF_NOMEM;
    else if ((rc = buf_reserve(b, (size_t)n)) == BUF_OK) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int
buf_appendf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *
text_dup(const char *s, int *nomem)
{
    char *d = s != NULL ? strdup(s) : NULL;
    if (s != NULL && d == NULL && nomem != NULL)
        *nomem = 1;
    return d;
}
