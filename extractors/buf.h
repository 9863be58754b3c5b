/*
 * buf: a growable byte buffer with a ceiling, and the UTF-8 text it becomes.
 *
 * Every buffer that holds outside input has a maximum size, fixed when it is
 * made (curl's dynbuf does the same), so a hostile page cannot make the
 * process grow without bound.  A buffer that would pass its ceiling refuses
 * the append and stays as it was.
 */
#ifndef FACTD_BUF_H
#define FACTD_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* UTF-8 text, NUL-terminated.  The holder of the struct owns data. */
struct text {
    char *data; /* From malloc(); freed by text_free(). */
    size_t len; /* Bytes, without the terminating NUL. */
};

struct buf {
    char *data;     /* From malloc(); NULL until the first append. */
    size_t len;     /* Bytes in use. */
    size_t cap;     /* Bytes allocated. */
    size_t max_len; /* Ceiling on len. */
};

enum buf_status {
    BUF_OK = 0,
    BUF_NOMEM = -1,  /* malloc failed */
    BUF_TOOBIG = -2, /* the append would pass max_len */
};

/* Making and growing. */
void buf_init(struct buf *b, size_t max_len);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_putc(struct buf *b, char c);
int buf_reserve(struct buf *b, size_t extra);
/* printf onto the end; BUF_OK, or as buf_append() when it does not fit. */
int buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vappendf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_free(struct buf *b);

/*
 * The arrays of the other modules grow by doubling too: v (from malloc, or
 * NULL) grown to twice *cap elements of size bytes, or to first elements
 * when *cap is 0, and *cap updated.  NULL when out of memory or when the
 * size would overflow; v and *cap are then as they were, and v is still the
 * caller's to free.
 */
void *buf_grow_array(void *v, size_t *cap, size_t size, size_t first);

/* Hand the bytes over as text: b is left empty, t owns the memory. */
int buf_to_text(struct buf *b, struct text *t);

/* text_free(NULL) and freeing an empty text do nothing. */
void text_free(struct text *t);

/* A copy of s from malloc(), or NULL for NULL.  When memory runs out it is
 * NULL too, and *nomem (when nomem is not NULL) is set to 1. */
char *text_dup(const char *s, int *nomem);

#endif
