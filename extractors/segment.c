/*
 * segment: sentence and clause boundaries.  Only ASCII bytes and three
 * three-byte sequences end anything, so the scan looks at bytes, never at
 * decoded characters, and cannot split a UTF-8 sequence.
 */
#include "segment.h"

#include <string.h>

/* Length of the sentence terminator at p, 0 if none: 。 ！ ？ ! ? */
static size_t
sentence_end_at(const char *p, const char *end)
{
    unsigned char c = (unsigned char)*p;

    if (c == '!' || c == '?')
        return 1;
    if (c == 0xE3 && end - p >= 3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x82)
        return 3; /* 。 */
    if (c == 0xEF && end - p >= 3 && (unsigned char)p[1] == 0xBC &&
        ((unsigned char)p[2] == 0x81 || (unsigned char)p[2] == 0x9F))
        return 3; /* ！ ？ */
    return 0;
}

/* Bytes that may end a sentence: LF, ! and ?, and the lead bytes of 。 ！ ？ */
static const unsigned char may_end[256] = {
    ['\n'] = 1, ['!'] = 1, ['?'] = 1, [0xE3] = 1, [0xEF] = 1};

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

int
segment_next_sentence(const char *text, size_t len, size_t from, struct span *sentence,
                      size_t *next)
{
    const char *end = text + len;
    const char *p = text + from;

    for (;;) {
        while (p < end && (is_blank(*p) || *p == '\n'))
            p++;
        if (p >= end)
            return 0;
        const char *start = p, *stop = NULL;
        while (p < end) {
            /* Most bytes end nothing: skip them without a closer look. */
            while (p < end && !may_end[(unsigned char)*p])
                p++;
            if (p >= end)
                break;
            if (*p == '\n') {
                stop = p;
                p++;
                break;
            }
            size_t t = sentence_end_at(p, end);
            if (t > 0) {
                p += t;
                stop = p;
                break;
            }
            p++;
        }
        if (stop == NULL)
            stop = end;
        while (stop > start && is_blank(stop[-1]))
            stop--;
        if (stop > start) {
            sentence->off = (size_t)(start - text);
            sentence->len = (size_t)(stop - start);
            *next = (size_t)(p - text);
            return 1;
        }
    }
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Does the byte at i end a clause?  Returns the delimiter's length or 0. */
static size_t
clause_end_at(const char *t, size_t i, size_t lo, size_t hi)
{
    unsigned char c = (unsigned char)t[i];

    if (c == ',') {
        /* 1,200: a thousands separator, not a clause break. */
        if (i > lo && is_digit(t[i - 1]) && i + 3 < hi && is_digit(t[i + 1]) &&
            is_digit(t[i + 2]) && is_digit(t[i + 3]) && (i + 4 >= hi || !is_digit(t[i + 4])))
            return 0;
        return 1;
    }
    if (c == ':')
        return (i > lo && i + 1 < hi && is_digit(t[i - 1]) && is_digit(t[i + 1])) ? 0 : 1;
    if (c == ';')
        return 1;
    if (c == 0xEF && i + 2 < hi && (unsigned char)t[i + 1] == 0xBC &&
        ((unsigned char)t[i + 2] == 0x8C || (unsigned char)t[i + 2] == 0x9B ||
         (unsigned char)t[i + 2] == 0x9A))
        return 3; /* ， ； ： */
    return 0;
}

struct span
segment_clause(const char *text, struct span s, size_t off)
{
    size_t lo = s.off, hi = s.off + s.len;
    size_t start = lo, stop = hi;

    for (size_t i = lo; i < hi; i++) {
        size_t d = clause_end_at(text, i, lo, hi);
        if (d == 0)
            continue;
        if (i < off) {
            start = i + d;
        } else {
            stop = i;
            break;
        }
    }
    /* The sentence's own ending punctuation is not part of its last clause. */
    if (stop == hi && stop > start) {
        if (stop - start >= 3 && sentence_end_at(text + stop - 3, text + stop) == 3)
            stop -= 3;
        else if (sentence_end_at(text + stop - 1, text + stop) == 1)
            stop -= 1;
    }
    while (start < stop && is_blank(text[start]))
        start++;
    while (stop > start && is_blank(text[stop - 1]))
        stop--;
    struct span c = {start, stop - start};
    return c;
}
