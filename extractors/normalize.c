/*
 * normalize: NFKC with two departures (see normalize.h), done with ICU's
 * unorm2 on a filtered NFKC instance that leaves the enclosed list markers
 * alone.
 *
 * Speed comes from not calling ICU for text that is already normalized,
 * which is nearly all Chinese text.  The work is done on the UTF-8 input
 * directly.  Once, a table gives each BMP code point a class: does it have
 * a normalization boundary before it (unorm2_hasBoundaryBefore), is it
 * unchanged when it stands alone (quick check YES), and if not, what does it
 * become alone.  A character with a boundary before it and before the next
 * character is a segment of its own, so it is either copied (most of the
 * text, in long runs), or replaced from the table (full-width digits and
 * punctuation).  Only where a character does not have a boundary before it
 * (combining marks, kana voicing marks...) is the segment from the previous
 * boundary to the next one converted to UTF-16 and given to
 * unorm2_normalize.  Because segments are cut only at boundaries ICU itself
 * reports, the result equals normalizing the whole text at once, except that
 * a pathological segment longer than NORM_SEG_MAX code units (thousands of
 * combining marks in a row) is cut there.
 *
 * Zero-width characters are dropped before normalization, so they do not
 * keep a letter and its combining mark apart; CR LF and CR become LF.
 */
#include "normalize.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/uset.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

/* Longest segment handed to ICU at once, in UTF-16 code units. */
#define NORM_SEG_MAX 1024

/* NFKC turns one code point into at most 18 (U+FDFA). */
#define NORM_EXPAND 18

/* Longest single-character mapping kept in the table, in UTF-8 bytes. */
#define NORM_MAP_MAX 63

/*
 * Character classes.  All but NORM_CONT have a boundary before them.
 */
enum norm_class {
    NORM_CONT = 0, /* no boundary before: belongs to the previous segment */
    NORM_SAME,     /* unchanged when it stands alone */
    NORM_MAPPED,   /* becomes norm_map[c] when it stands alone */
    NORM_SLOW,     /* changes, and the result is too long for the table */
    NORM_DROP,     /* zero-width: removed */
    NORM_CR,       /* carriage return: becomes LF, eats a following LF */
};

/*
 * Built once by norm_init() and read-only afterwards, so calls may run in
 * parallel.  Never freed: it lives as long as the process.
 */
static struct {
    const UNormalizer2 *n2; /* Filtered NFKC; owned by us, from unorm2_openFiltered. */
    USet *keep;             /* The filter set; must outlive n2. */
    unsigned char cls[0x10000];
    uint32_t *map; /* From malloc(): 0x10000 entries, offset << 6 | length into pool. */
    char *pool;    /* From malloc(): the UTF-8 of every NORM_MAPPED character. */
    UErrorCode status;
} norm;

static pthread_once_t norm_once = PTHREAD_ONCE_INIT;

/* Per call: the UTF-16 segment, its normalized form and that form in UTF-8. */
struct norm_work {
    UChar seg[NORM_SEG_MAX + 2];
    UChar dst[(NORM_SEG_MAX + 2) * NORM_EXPAND];
    char utf8[(NORM_SEG_MAX + 2) * NORM_EXPAND * 3];
};

/*
 * Everything but the enclosed list markers goes through NFKC.  The markers
 * would otherwise become a digit glued to the following word (①增长 →
 * 1增长), which reads as a number that nobody wrote.
 */
static const char norm_filter[] = "[^\\u2460-\\u24FF\\u2776-\\u2793\\u3251-\\u325F"
                                  "\\u32B1-\\u32BF\\U0001F100-\\U0001F10C]";

static void
norm_init(void)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *nfkc;
    UChar pat[sizeof norm_filter];
    struct {
        char *data;
        size_t len, cap;
    } pool = {NULL, 0, 0};
    int32_t c;

    nfkc = unorm2_getNFKCInstance(&st);
    u_charsToUChars(norm_filter, pat, (int32_t)sizeof norm_filter);
    norm.keep = uset_openPattern(pat, -1, &st);
    if (U_SUCCESS(st))
        norm.n2 = unorm2_openFiltered(nfkc, norm.keep, &st);
    norm.map = calloc(0x10000, sizeof *norm.map);
    if (U_SUCCESS(st) && norm.map == NULL)
        st = U_MEMORY_ALLOCATION_ERROR;
    for (c = 0; c < 0x10000 && U_SUCCESS(st); c++) {
        UChar s = (UChar)c, d[NORM_EXPAND + 2];
        char u8[NORM_MAP_MAX + 1];
        int32_t dlen, u8len = 0;
        UErrorCode s2 = U_ZERO_ERROR;

        if (U16_IS_SURROGATE(c) || !unorm2_hasBoundaryBefore(norm.n2, c)) {
            norm.cls[c] = NORM_CONT;
            continue;
        }
        if (unorm2_quickCheck(norm.n2, &s, 1, &s2) == UNORM_YES && U_SUCCESS(s2)) {
            norm.cls[c] = NORM_SAME;
            continue;
        }
        s2 = U_ZERO_ERROR;
        dlen = unorm2_normalize(norm.n2, &s, 1, d, NORM_EXPAND + 2, &s2);
        if (U_SUCCESS(s2))
            u_strToUTF8(u8, (int32_t)sizeof u8, &u8len, d, dlen, &s2);
        if (U_FAILURE(s2) || s2 == U_STRING_NOT_TERMINATED_WARNING || u8len > NORM_MAP_MAX) {
            norm.cls[c] = NORM_SLOW;
            continue;
        }
        if (pool.len + (size_t)u8len > pool.cap) {
            size_t cap = pool.cap ? pool.cap * 2 : 65536;
            char *p = realloc(pool.data, cap);
            if (p == NULL) {
                st = U_MEMORY_ALLOCATION_ERROR;
                break;
            }
            pool.data = p;
            pool.cap = cap;
        }
        memcpy(pool.data + pool.len, u8, (size_t)u8len);
        norm.map[c] = (uint32_t)(pool.len << 6 | (size_t)u8len);
        pool.len += (size_t)u8len;
        norm.cls[c] = NORM_MAPPED;
    }
    norm.pool = pool.data;
    norm.cls['\r'] = NORM_CR;
    norm.cls[0x200B] = norm.cls[0x200C] = norm.cls[0x200D] = NORM_DROP;
    norm.cls[0x2060] = norm.cls[0xFEFF] = NORM_DROP;
    norm.status = st;
}

/*
 * Decode the code point at p[i] (i < n).  Returns it and sets *adv, or
 * returns -1 for an invalid sequence with *adv the length of its maximal
 * valid prefix (at least 1), which becomes one U+FFFD as in ICU.
 */
static int32_t
norm_decode(const unsigned char *p, size_t n, size_t i, size_t *adv)
{
    unsigned c = p[i], need, k;
    unsigned lo = 0x80, hi = 0xBF;
    int32_t cp;

    if (c < 0x80) {
        *adv = 1;
        return (int32_t)c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = (int32_t)(c & 0x1F);
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = (int32_t)(c & 0x0F);
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = (int32_t)(c & 0x07);
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *adv = 1;
        return -1;
    }
    for (k = 1; k <= need; k++) {
        unsigned b;
        if (i + k >= n) {
            *adv = k;
            return -1;
        }
        b = p[i + k];
        if (b < lo || b > hi) {
            *adv = k;
            return -1;
        }
        lo = 0x80;
        hi = 0xBF;
        cp = cp << 6 | (int32_t)(b & 0x3F);
    }
    *adv = need + 1;
    return cp;
}

/* The class of any code point; supplementary ones are asked of ICU each time. */
static enum norm_class
norm_class_of(int32_t c)
{
    UChar s[2];
    UErrorCode st = U_ZERO_ERROR;

    if (c < 0x10000)
        return (enum norm_class)norm.cls[c];
    if (!unorm2_hasBoundaryBefore(norm.n2, c))
        return NORM_CONT;
    s[0] = U16_LEAD(c);
    s[1] = U16_TRAIL(c);
    if (unorm2_quickCheck(norm.n2, s, 2, &st) == UNORM_YES && U_SUCCESS(st))
        return NORM_SAME;
    return NORM_SLOW;
}

/*
 * Is there a boundary before the character at p[i]?  Zero-width characters
 * are looked through, since they are dropped before normalization.  The end
 * of input, ASCII, CR and invalid bytes (U+FFFD) all have one.
 */
static int
norm_boundary_at(const unsigned char *p, size_t n, size_t i)
{
    while (i < n && p[i] >= 0x80) {
        size_t adv;
        int32_t c = norm_decode(p, n, i, &adv);
        enum norm_class k;

        if (c < 0)
            return 1;
        k = norm_class_of(c);
        if (k != NORM_DROP)
            return k != NORM_CONT;
        i += adv;
    }
    return 1;
}

static int
norm_put(struct buf *out, const void *p, size_t n, struct err *err)
{
    int rc = buf_append(out, p, n);

    if (rc == BUF_TOOBIG) {
        err_set(err, "normalized text larger than %zu bytes", out->max_len);
        return -1;
    }
    if (rc != BUF_OK) {
        err_set(err, "out of memory normalizing text");
        return -1;
    }
    return 0;
}

/*
 * Normalize the segment that starts at p[i]: that character and every one
 * after it up to the next boundary.  Appends the result, returns the index
 * after the segment, or 0 on error (a segment is never empty).
 */
static size_t
norm_segment(const unsigned char *p, size_t n, size_t i, struct norm_work *w, struct buf *out,
             struct err *err)
{
    int32_t len = 0, dlen, u8len = 0;
    UErrorCode st = U_ZERO_ERROR;
    int first = 1;

    while (i < n && len <= NORM_SEG_MAX - 2) {
        size_t adv;
        int32_t c = norm_decode(p, n, i, &adv);
        enum norm_class k;

        if (c < 0)
            break; /* invalid: a boundary; first is never invalid */
        k = norm_class_of(c);
        if (!first && k != NORM_CONT && k != NORM_DROP)
            break;
        first = 0;
        i += adv;
        if (k == NORM_DROP)
            continue;
        U16_APPEND_UNSAFE(w->seg, len, c);
    }
    dlen = unorm2_normalize(norm.n2, w->seg, len, w->dst, (int32_t)(sizeof w->dst / sizeof(UChar)),
                            &st);
    if (U_SUCCESS(st))
        u_strToUTF8WithSub(w->utf8, (int32_t)sizeof w->utf8, &u8len, w->dst, dlen, 0xFFFD, NULL,
                           &st);
    if (U_FAILURE(st)) {
        err_set(err, "normalization failed: %s", u_errorName(st));
        return 0;
    }
    if (norm_put(out, w->utf8, (size_t)u8len, err) != 0)
        return 0;
    return i;
}

/* Note that output byte out_off stands for input byte in_off: where an
 * identity run begins or ends.  Consecutive equal anchors are one. */
static int
anchor(struct norm_map *m, size_t in_off, size_t out_off)
{
    if (m == NULL)
        return 0;
    if (m->n > 0 && m->in[m->n - 1] == in_off && m->out[m->n - 1] == out_off)
        return 0;
    assert(m->n == 0 || (m->in[m->n - 1] <= in_off && m->out[m->n - 1] <= out_off));
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        size_t *a = realloc(m->in, cap * sizeof *a);
        if (a == NULL)
            return -1;
        m->in = a;
        if ((a = realloc(m->out, cap * sizeof *a)) == NULL)
            return -1;
        m->out = a;
        m->cap = cap;
    }
    m->in[m->n] = in_off;
    m->out[m->n++] = out_off;
    return 0;
}

size_t
norm_map_original(const struct norm_map *m, size_t out_off)
{
    size_t lo = 0, hi = m->n;
    /* The last anchor at or before out_off; the bytes after it up to the
     * next are copied as they are. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->out[mid] <= out_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return out_off;
    size_t k = lo - 1, in = m->in[k] + (out_off - m->out[k]);
    /* Inside a replaced stretch (，→ ,): its start, never past the next. */
    if (k + 1 < m->n && in > m->in[k + 1])
        in = m->in[k + 1];
    return in;
}

void
norm_map_free(struct norm_map *m)
{
    if (m == NULL)
        return;
    free(m->in);
    free(m->out);
    memset(m, 0, sizeof *m);
}

int
normalize_text(const char *in, size_t len, size_t max_out, struct text *out, struct err *err)
{
    return normalize_text_map(in, len, max_out, out, NULL, err);
}

int
normalize_text_map(const char *in, size_t len, size_t max_out, struct text *out,
                   struct norm_map *map, struct err *err)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)in;
    struct norm_work *w = NULL;
    struct buf b;
    size_t i = 0, copy = 0, next_adv = 0;
    int32_t next_c = 0;
    enum norm_class next_k = NORM_CONT;
    int have_next = 0;

    out->data = NULL;
    out->len = 0;
    if (map != NULL)
        map->n = 0;
    pthread_once(&norm_once, norm_init);
    if (U_FAILURE(norm.status)) {
        err_set(err, "cannot load ICU normalization data: %s", u_errorName(norm.status));
        return -1;
    }
    if (in == NULL)
        len = 0;
    buf_init(&b, max_out);
    /* Most text needs about its own size. */
    if (buf_reserve(&b, len < max_out ? len : max_out) == BUF_NOMEM) {
        err_set(err, "out of memory normalizing text");
        return -1;
    }
    /* buf_reserve() does not terminate; an input with no output must still read as "". */
    if (b.data != NULL)
        b.data[0] = '\0';

/* Append the pending unchanged bytes p[copy..i): what comes next is
 * changed, and starts at i. */
#define NORM_FLUSH()                                                                               \
    do {                                                                                           \
        if (i > copy && norm_put(&b, p + copy, i - copy, err) != 0)                                \
            goto fail;                                                                             \
        if (anchor(map, i, b.len) != 0)                                                            \
            goto nomem;                                                                            \
    } while (0)
/* The changed stretch ended at i: unchanged bytes start again. */
#define NORM_RESUME()                                                                              \
    do {                                                                                           \
        copy = i;                                                                                  \
        if (anchor(map, i, b.len) != 0)                                                            \
            goto nomem;                                                                            \
    } while (0)

    while (i < len) {
        size_t adv;
        int32_t c;
        enum norm_class k;

        if (p[i] < 0x80 && p[i] != '\r') {
            /* ASCII has a boundary before it and stays; only the last one may join a segment. */
            size_t j = i + 1;
            while (j < len && p[j] < 0x80 && p[j] != '\r')
                j++;
            if (j < len && p[j] >= 0x80 && !norm_boundary_at(p, len, j)) {
                i = j - 1;
                goto segment;
            }
            i = j;
            continue;
        }
        if (!have_next && p[i] >= 0xE1 && p[i] <= 0xEC) {
            /*
             * Chinese text is mostly three-byte characters NFKC leaves as they
             * are (leads E1..EC need no overlong or surrogate checks).  Take
             * them in a tight loop while the character after each starts a
             * segment of its own; anything else goes the general way below.
             */
            size_t j = i;
            while (j + 3 <= len && p[j] >= 0xE1 && p[j] <= 0xEC && (p[j + 1] & 0xC0) == 0x80 &&
                   (p[j + 2] & 0xC0) == 0x80 &&
                   norm.cls[(p[j] & 0x0Fu) << 12 | (p[j + 1] & 0x3Fu) << 6 | (p[j + 2] & 0x3Fu)] ==
                       NORM_SAME) {
                size_t k2 = j + 3;
                if (k2 < len && p[k2] >= 0x80) {
                    if (!(p[k2] >= 0xE1 && p[k2] <= 0xEC && k2 + 3 <= len &&
                          (p[k2 + 1] & 0xC0) == 0x80 && (p[k2 + 2] & 0xC0) == 0x80))
                        break;
                    unsigned nc =
                        (p[k2] & 0x0Fu) << 12 | (p[k2 + 1] & 0x3Fu) << 6 | (p[k2 + 2] & 0x3Fu);
                    if (norm.cls[nc] == NORM_CONT || norm.cls[nc] == NORM_DROP)
                        break;
                }
                j = k2;
            }
            if (j > i) {
                i = j;
                continue;
            }
        }
        if (p[i] == '\r') {
            NORM_FLUSH();
            if (norm_put(&b, "\n", 1, err) != 0)
                goto fail;
            i++;
            if (i < len && p[i] == '\n')
                i++;
            NORM_RESUME();
            continue;
        }
        if (have_next) {
            /* Decoded already, as the character after the last one. */
            c = next_c;
            adv = next_adv;
            k = next_k;
            have_next = 0;
        } else {
            c = norm_decode(p, len, i, &adv);
            if (c < 0) {
                NORM_FLUSH();
                if (norm_put(&b, fffd, 3, err) != 0)
                    goto fail;
                i += adv;
                NORM_RESUME();
                continue;
            }
            k = norm_class_of(c);
        }
        if (k == NORM_DROP) {
            NORM_FLUSH();
            i += adv;
            NORM_RESUME();
            continue;
        }
        if (k != NORM_CONT) {
            /* Is there a boundary after c?  Keep the next character for the next turn. */
            size_t j = i + adv;
            int boundary = 1;

            if (j < len && p[j] >= 0x80) {
                next_c = norm_decode(p, len, j, &next_adv);
                if (next_c >= 0) {
                    next_k = norm_class_of(next_c);
                    if (next_k == NORM_DROP) {
                        boundary = norm_boundary_at(p, len, j);
                    } else {
                        boundary = next_k != NORM_CONT;
                        have_next = boundary;
                    }
                }
            }
            if (boundary && k == NORM_SAME) {
                i = j;
                continue;
            }
            if (boundary && k == NORM_MAPPED) {
                uint32_t m = norm.map[c];
                NORM_FLUSH();
                if (norm_put(&b, norm.pool + (m >> 6), m & 63, err) != 0)
                    goto fail;
                i = j;
                NORM_RESUME();
                continue;
            }
            have_next = 0;
        }
    segment:
        NORM_FLUSH();
        if (w == NULL && (w = malloc(sizeof *w)) == NULL) {
            err_set(err, "out of memory normalizing text");
            goto fail;
        }
        i = norm_segment(p, len, i, w, &b, err);
        if (i == 0)
            goto fail;
        NORM_RESUME();
    }
    NORM_FLUSH();
#undef NORM_FLUSH
#undef NORM_RESUME
    free(w);
    if (buf_to_text(&b, out) != BUF_OK) {
        err_set(err, "out of memory normalizing text");
        buf_free(&b);
        return -1;
    }
    return 0;

nomem:
    err_set(err, "out of memory normalizing text");
fail:
    free(w);
    buf_free(&b);
    norm_map_free(map);
    return -1;
}
