/*
 * fuzz_subject: subject_find() on any valid UTF-8 text (what normalize
 * promises it; anything else is refused, as normalize refuses it).
 *
 * The text is split into clauses at , ; : and their full-width forms, and
 * subject_find() runs for the digits and numerals of every clause (the
 * first 256 of the input, to keep a run short) with assorted surfaces: none,
 * one character, the rest of the clause, the whole clause, one that does not
 * hold the number, and a length from the input; with no other facts, and
 * with the clause's other numbers as the others.  Once more per number, the
 * whole input is given as the clause.  The bytes are copied into a buffer of
 * exactly their size so ASan sees an overrun.
 *
 * Checks: the subject is {0, 0} or lies inside the clause given, holds no
 * , ; : (nor ，；：), starts and ends on whole characters (it is valid
 * UTF-8), and never holds the number's first byte; the direction is one of
 * the three; subject_why() is a string that is not empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "subject.h"
#include "utf8.h"

#define MAX_NUMBERS 256
#define MAX_OTHERS  8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the clause delimiter at t[i], 0 if none. */
static size_t
delim(const char *t, size_t i, size_t n)
{
    unsigned char c = (unsigned char)t[i];
    if (c == ',' || c == ';' || c == ':')
        return 1;
    if (c == 0xEF && i + 2 < n && (unsigned char)t[i + 1] == 0xBC &&
        ((unsigned char)t[i + 2] == 0x8C || (unsigned char)t[i + 2] == 0x9B ||
         (unsigned char)t[i + 2] == 0x9A))
        return 3;
    return 0;
}

/* Does a number start at t[i]: an ASCII digit, or 一 二 三 十 两? */
static int
numeral(const char *t, size_t i, size_t n)
{
    static const char *const cn[] = {"一", "二", "三", "十", "两", NULL};
    if (t[i] >= '0' && t[i] <= '9')
        return 1;
    for (int k = 0; cn[k] != NULL; k++)
        if (i + 3 <= n && memcmp(t + i, cn[k], 3) == 0)
            return 1;
    return 0;
}

static void
check(const char *t, size_t n, struct span clause, struct span num, struct span subject,
      enum fact_direction dir)
{
    const char *why = subject_why();

    if (why == NULL || why[0] == '\0')
        abort();
    if (dir != DIRECTION_NONE && dir != DIRECTION_UP && dir != DIRECTION_DOWN)
        abort();
    if (subject.len == 0) {
        if (subject.off != 0)
            abort();
        return;
    }
    if (subject.off < clause.off || subject.off + subject.len > clause.off + clause.len ||
        subject.off + subject.len > n)
        abort();
    for (size_t i = subject.off; i < subject.off + subject.len; i++)
        if (delim(t, i, n) != 0)
            abort();
    if (utf8_valid((const unsigned char *)t + subject.off, subject.len) != subject.len)
        abort();
    if (num.off >= subject.off && num.off < subject.off + subject.len)
        abort();
}

/* Run subject_find for the number at p, in clause c, with surface f. */
static void
one(const char *t, size_t n, struct span c, size_t p, struct span f, const struct span *o,
    size_t no, size_t num_len)
{
    struct span num = {p, num_len}, s = {12345, 678};
    enum fact_direction d = (enum fact_direction)7;

    subject_find(t, c, f, num, o, no, &s, &d);
    check(t, n, c, num, s, d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t;
    size_t runs = 0;

    if (utf8_valid(data, size) != size)
        return 0;
    if ((t = malloc(size ? size : 1)) == NULL)
        return 0;
    if (size > 0)
        memcpy(t, data, size);

    struct span all = {0, size};
    for (size_t cs = 0; cs <= size && runs < MAX_NUMBERS;) {
        size_t ce = cs, d = 0;
        while (ce < size && (d = delim(t, ce, size)) == 0)
            ce++;
        struct span c = {cs, ce - cs}, o[MAX_OTHERS];
        size_t no = 0;

        /* The clause's numbers, as the other facts of each. */
        for (size_t i = cs; i < ce && no < MAX_OTHERS; i++)
            if (numeral(t, i, ce) && (i == cs || !numeral(t, i - 1, ce))) {
                o[no].off = i;
                o[no].len = (ce - i) < 4 ? ce - i : 4;
                no++;
            }
        for (size_t p = cs; p < ce && runs < MAX_NUMBERS; p++) {
            if (!numeral(t, p, ce))
                continue;
            size_t seq = utf8_seq((const unsigned char *)t + p, ce - p);
            size_t pick = ce - p > 0 ? (unsigned char)t[p] % (ce - p + 1) : 0;
            struct span none = {0, 0}, ch = {p, seq}, rest = {p, ce - p}, whole = c;
            struct span later = {p + seq, ce - p - seq}, sized = {p, pick};

            runs++;
            one(t, size, c, p, none, NULL, 0, 0);
            one(t, size, c, p, ch, o, no, seq);
            one(t, size, c, p, rest, o, no, 0);
            one(t, size, c, p, whole, o, no, ce - p);
            one(t, size, c, p, later, NULL, 0, 0);
            one(t, size, c, p, sized, o, no, pick);
            /* A clause from another segmenter: across the delimiters. */
            one(t, size, all, p, rest, NULL, 0, 0);
        }
        if (ce >= size)
            break;
        cs = ce + d;
    }
    free(t);
    return 0;
}
