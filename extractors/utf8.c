/*
 * utf8: utf8_valid(), the validator every page passes through (charset
 * detection, extract's check before PCRE2's NO_UTF_CHECK).
 */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t
utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            uint64_t w;
            while (i + 8 <= n) {
                memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ULL)
                    break;
                i += 8;
            }
            while (i < n && p[i] < 0x80)
                i++;
            continue;
        }
        /* U+1000..U+CFFF and U+E000..U+FFFF, where Chinese text lives: the
         * second byte needs no range check beyond being a continuation. */
        if (c > 0xE0 && c < 0xF0 && c != 0xED && n - i >= 3 && (p[i + 1] & 0xC0) == 0x80 &&
            (p[i + 2] & 0xC0) == 0x80) {
            i += 3;
            continue;
        }
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}

size_t
utf8_count(const char *s, size_t n, size_t cap)
{
    size_t c = 0;

    for (size_t i = 0; i < n && c <= cap; i += utf8_char_len(s, n, i))
        c++;
    return c;
}
