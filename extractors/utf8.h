/*
 * utf8: the one reading of UTF-8 the project has.  Strict, as RFC 3629 and
 * the Unicode standard (table 3-7) say: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing past U+10FFFF.  PCRE2 runs with NO_UTF_CHECK on
 * text that passed utf8_valid(), and libxml2 is handed only what passed it,
 * so every reader must agree on what is valid.
 */
#ifndef FACTD_UTF8_H
#define FACTD_UTF8_H

#include <stddef.h>

/* Length of the valid sequence at p[0..n): 1 for ASCII (NUL too), 2 to 4,
 * or 0 when the bytes there are not one (or n cuts it off). */
static inline size_t
utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;

    if (n == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Bytes of the character at s[i] (i < n): its UTF-8 length, or 1 for a byte
 * that does not start a valid sequence, so a scan always moves on. */
static inline size_t
utf8_char_len(const char *s, size_t n, size_t i)
{
    size_t k = utf8_seq((const unsigned char *)s + i, n - i);
    return k ? k : 1;
}

/* Characters in s[0..n), counting no further than cap + 1: enough to tell
 * whether a line is longer than cap characters without counting it all. */
size_t utf8_count(const char *s, size_t n, size_t cap);

/* Length of the valid prefix of p[0..n): n when all of it is valid.  Eight
 * ASCII bytes are checked at a time, and the three-byte sequences of
 * Chinese text first: on most pages this is the whole cost of validation. */
size_t utf8_valid(const unsigned char *p, size_t n);

#endif
