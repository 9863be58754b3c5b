/*
 * err: where a problem is and what it is, filled in by the module that finds
 * it and printed by the caller.  Library error types (UErrorCode, PCRE2
 * codes, sqlite3 messages) never leave their module: they become an err.
 *
 * The printed form reads like compiler output, so editors can jump to it:
 *   patterns/area.pat:12:7: missing closing parenthesis
 *   page.html: byte 1024: invalid GBK sequence
 */
#ifndef FACTD_ERR_H
#define FACTD_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct err {
    char file[256];   /* Input name (path or URL), "" when unknown. */
    unsigned line;    /* 1-based line, 0 when it does not apply. */
    unsigned col;     /* 1-based column in characters, 0 when it does not apply. */
    long long offset; /* Byte offset into the input, -1 when it does not apply. */
    char msg[512];    /* The message, without location. */
};

/* Clear e: no file, no position, empty message. */
void err_clear(struct err *e);

/* Set the message (printf-style); location fields are left as they are. */
void err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err_set() for a caller's own printf-style function: the message from fmt
 * and ap, location fields left as they are.  ap is used up (va_end() is the
 * caller's). */
void err_vset(struct err *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Set the file name (truncated to fit). */
void err_file(struct err *e, const char *file);

/* Write "file:line:col: msg" (parts that do not apply left out) into out. */
void err_format(const struct err *e, char *out, size_t outlen);

/* Print "factd: " and the formatted error on a line of f. */
void err_print(FILE *f, const struct err *e);

#endif
