/*
 * err: formatting of error locations.  Nothing here allocates, so an err can
 * be filled in on any failure path, out-of-memory included.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
err_clear(struct err *e)
{
    e->file[0] = '\0';
    e->line = 0;
    e->col = 0;
    e->offset = -1;
    e->msg[0] = '\0';
}

void
err_set(struct err *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(e, fmt, ap);
    va_end(ap);
}

void
err_vset(struct err *e, const char *fmt, va_list ap)
{
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

void
err_file(struct err *e, const char *file)
{
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
}

void
err_format(const struct err *e, char *out, size_t outlen)
{
    size_t n = 0;
    int w;

#define PUT(...)                                                                                   \
    do {                                                                                           \
        w = snprintf(out + n, outlen > n ? outlen - n : 0, __VA_ARGS__);                           \
        if (w > 0)                                                                                 \
            n += (size_t)w;                                                                        \
    } while (0)

    if (outlen == 0)
        return;
    out[0] = '\0';
    if (e->file[0] != '\0') {
        PUT("%s:", e->file);
        if (e->line > 0) {
            PUT("%u:", e->line);
            if (e->col > 0)
                PUT("%u:", e->col);
        } else if (e->offset >= 0) {
            PUT(" byte %lld:", e->offset);
        }
        PUT(" ");
    } else if (e->offset >= 0) {
        PUT("byte %lld: ", e->offset);
    }
    PUT("%s", e->msg[0] ? e->msg : "unknown error");
#undef PUT
}

void
err_print(FILE *f, const struct err *e)
{
    char msg[1200];
    err_format(e, msg, sizeof msg);
    fprintf(f, "factd: %s\n", msg);
}
