/*
 * words: does a given word stand at, or end at, a byte offset of UTF-8 text?
 *
 * The extractor's rules are lists of words looked for next to a number or a
 * cue, asked at nearly every byte of a sentence; these are inline so that
 * asking costs a byte comparison where the first byte differs.  Bounds are
 * byte offsets into the caller's text; nothing is read outside [lo, hi).
 */
#ifndef FACTD_WORDS_H
#define FACTD_WORDS_H

#include <stddef.h>
#include <string.h>

#include "fact.h"
#include "utf8.h"

/* Does w stand at pos, ending at or before hi? */
static inline int
word_at(const char *text, size_t pos, size_t hi, const char *w)
{
    if (pos >= hi || text[pos] != w[0])
        return 0;
    size_t n = strlen(w);
    return pos + n <= hi && memcmp(text + pos, w, n) == 0;
}

/* Does w end at pos, starting at or after lo? */
static inline int
word_before(const char *text, size_t lo, size_t pos, const char *w)
{
    size_t n = strlen(w);
    return pos >= lo + n && memcmp(text + pos - n, w, n) == 0;
}

static inline int
is_ascii_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

/*
 * A clause being read (subject.c, quantity.c, direction.c): the text, the
 * window [lo, hi) looked at, and the quantities found in it (quantity_find),
 * by start.  Every reader below stays inside [lo, hi); a byte that is not
 * UTF-8 is read as one character.
 */
#define MAX_QUANT 48 /* quantities and other facts remembered per clause */

/* The part of the clause looked at, and the quantities in it. */
struct rd {
    const char *t;
    size_t lo, hi;            /* no , ; : between them but inside the number */
    struct span q[MAX_QUANT]; /* quantities and other facts, by start */
    size_t nq;
};

static inline size_t
ch_len(const struct rd *r, size_t p)
{
    size_t n = p < r->hi ? utf8_seq((const unsigned char *)r->t + p, r->hi - p) : 0;
    return n ? n : 1;
}

/* Start of the character before p, never before lo. */
static inline size_t
ch_prev(const struct rd *r, size_t p)
{
    if (p <= r->lo)
        return r->lo;
    p--;
    while (p > r->lo && ((unsigned char)r->t[p] & 0xC0) == 0x80)
        p--;
    return p;
}

static inline int
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static inline int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Words come in lists with their lengths, since matching them at every
 * position of a clause is most of the cost of a call. */
struct word {
    const char *s;
    size_t n;
};
#define W(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof lit - 1                                                                        \
    }

/* Does [w, w+n) stand at p / end at p?  The first (last) byte is compared
 * before the rest: most positions differ there. */
static inline int
at_n(const struct rd *r, size_t p, const char *w, size_t n)
{
    return p >= r->lo && p + n <= r->hi && r->t[p] == w[0] && memcmp(r->t + p, w, n) == 0;
}

static inline int
ends_n(const struct rd *r, size_t p, const char *w, size_t n)
{
    return p <= r->hi && p >= r->lo + n && r->t[p - 1] == w[n - 1] &&
           memcmp(r->t + p - n, w, n) == 0;
}

static inline int
at(const struct rd *r, size_t p, const char *w)
{
    return at_n(r, p, w, strlen(w));
}

static inline int
ends(const struct rd *r, size_t p, const char *w)
{
    return ends_n(r, p, w, strlen(w));
}

/* Length of the longest word of list ({NULL, 0}-ended) at p, 0 if none. */
static inline size_t
at_any(const struct rd *r, size_t p, const struct word *list)
{
    size_t best = 0;
    for (; list->s != NULL; list++)
        if (list->n > best && at_n(r, p, list->s, list->n))
            best = list->n;
    return best;
}

/* Length of the longest word of list that ends at p, 0 if none. */
static inline size_t
end_any(const struct rd *r, size_t p, const struct word *list)
{
    size_t best = 0;
    for (; list->s != NULL; list++)
        if (list->n > best && ends_n(r, p, list->s, list->n))
            best = list->n;
    return best;
}

/* Is the character at p one of set, a string of three-byte characters (all
 * the sets here are of Chinese characters)? */
static inline int
ch_in(const struct rd *r, size_t p, const char *set)
{
    if (p < r->lo || p + 3 > r->hi || ((unsigned char)r->t[p] & 0xF0) != 0xE0)
        return 0;
    for (const char *s = set; s[0] != '\0' && s[1] != '\0' && s[2] != '\0'; s += 3)
        if (s[2] == r->t[p + 2] && s[1] == r->t[p + 1] && s[0] == r->t[p])
            return 1;
    return 0;
}

/* Is the character before p one of set? */
static inline int
prev_in(const struct rd *r, size_t p, const char *set)
{
    return p > r->lo && ch_in(r, ch_prev(r, p), set);
}

static inline size_t
skip_blank(const struct rd *r, size_t p)
{
    while (p < r->hi && is_blank(r->t[p]))
        p++;
    return p;
}

static inline size_t
skip_blank_back(const struct rd *r, size_t p)
{
    while (p > r->lo && is_blank(r->t[p - 1]))
        p--;
    return p;
}

/* Does a clause end at p: , ; : (what NFKC makes of ，；：), their full-width
 * forms should any be left, or a sentence's end.  Returns its length. */
static inline size_t
delim_at(const char *t, size_t p, size_t hi)
{
    unsigned char c = (unsigned char)t[p];
    if (c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\n')
        return 1;
    if (p + 3 <= hi && c == 0xEF && (unsigned char)t[p + 1] == 0xBC) {
        unsigned char d = (unsigned char)t[p + 2];
        if (d == 0x8C || d == 0x9B || d == 0x9A || d == 0x81 || d == 0x9F)
            return 3; /* ， ； ： ！ ？ */
    }
    if (p + 3 <= hi && c == 0xE3 && (unsigned char)t[p + 1] == 0x80 &&
        (unsigned char)t[p + 2] == 0x82)
        return 3; /* 。 */
    return 0;
}

#endif
