/*
 * json: escaping.  Only the characters JSON requires are escaped; Chinese
 * text stays readable in the output.
 */
#include "json.h"
#include "utf8.h"

#include <math.h>

void
json_string(FILE *f, const char *s, size_t len)
{
    size_t run = 0; /* bytes before i that need no escape, not yet written */

    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* Text is UTF-8 by construction; a file name may not be. */
            size_t n = utf8_seq((const unsigned char *)s + i, len - i);
            if (n > 0) {
                run += n;
                i += n - 1;
                continue;
            }
            fwrite(s + i - run, 1, run, f);
            run = 0;
            fputs("\\ufffd", f);
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
            run++;
            continue;
        }
        fwrite(s + i - run, 1, run, f);
        run = 0;
        switch (c) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            fprintf(f, "\\u%04x", c);
        }
    }
    fwrite(s + len - run, 1, run, f);
    putc('"', f);
}

void
json_cstring(FILE *f, const char *s)
{
    size_t n = 0;
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    while (s[n] != '\0')
        n++;
    json_string(f, s, n);
}

void
json_number(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    if (v == 0)
        v = 0; /* no "-0" */
    fprintf(f, "%.15g", v);
}
