/*
 * test_normalize: the NFKC folds the patterns rely on, the list markers kept
 * as they are, zero-width characters, line ends, invalid UTF-8, the
 * ceiling, and several MB compared with a plain whole-string ICU reference
 * (decode, drop, fold line ends, normalize in one call, encode).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/uset.h>
#include <unicode/ustring.h>

#include "check.h"
#include "normalize.h"

static void
norm_is(const char *in, const char *want)
{
    struct text t;
    struct err e;

    err_clear(&e);
    CHECK(normalize_text(in, strlen(in), 1 << 20, &t, &e) == 0);
    CHECK_STR(t.data, want);
    CHECK(t.data != NULL && t.len == strlen(want));
    text_free(&t);
}

static void
test_folds(void)
{
    norm_is("", "");
    norm_is("plain ascii, 15.7%", "plain ascii, 15.7%");
    norm_is("增长１５．７％，达到１２３４５６７８９０元", "增长15.7%,达到1234567890元");
    norm_is("面积２００㎡；", "面积200m2;");
    norm_is("（一）：！？", "(一):!?");
    norm_is("全年\u3000目标", "全年 目标");
    norm_is("Ⅳ ﬁ ｱ", "IV fi ア");
    /* Composition across a boundary the fast path must not miss. */
    norm_is("cafe\xCC\x81", "caf\xC3\xA9");
    norm_is("\xE3\x81\x8B\xE3\x82\x99", "\xE3\x81\x8C"); /* か + voiced mark = が */
    norm_is("\314\201a", "\314\201a");                   /* a mark with nothing before it */
}

static void
test_markers(void)
{
    norm_is("①增长5%", "①增长5%");
    norm_is("⑴⒈❶㉑㊱", "⑴⒈❶㉑㊱");
    norm_is("\xF0\x9F\x84\x81", "\xF0\x9F\x84\x81"); /* U+1F101 DIGIT ZERO COMMA */
    /* Next to them, folding still happens. */
    norm_is("①１②", "①1②");
}

static void
test_zero_width_and_lines(void)
{
    norm_is("a\u200Bb\u200Cc\u200Dd\u2060e\uFEFFf", "abcdef");
    norm_is("\uFEFF开头", "开头");
    /* Dropped before normalizing: the mark still joins its letter. */
    norm_is("e\u200B\xCC\x81", "\xC3\xA9");
    norm_is("a\r\nb\rc\nd\r\r\n", "a\nb\nc\nd\n\n");
    norm_is("\r", "\n");
}

static void
test_invalid(void)
{
    static const char bad[] = "a\377b\344\270c\355\240\200d\360\237";
    struct text t;
    struct err e;

    err_clear(&e);
    CHECK(normalize_text(bad, sizeof bad - 1, 1000, &t, &e) == 0);
    CHECK_STR(t.data, "a\uFFFDb\uFFFDc\uFFFD\uFFFD\uFFFDd\uFFFD");
    text_free(&t);
    /* Not NUL-terminated, with a NUL inside. */
    err_clear(&e);
    CHECK(normalize_text("x\0１", 5, 1000, &t, &e) == 0);
    CHECK(t.len == 3 && memcmp(t.data, "x\0001", 3) == 0);
    text_free(&t);
}

static void
test_ceiling(void)
{
    struct text t;
    struct err e;

    err_clear(&e);
    CHECK(normalize_text("0123456789abc", 13, 10, &t, &e) == -1);
    CHECK(strstr(e.msg, "larger than 10 bytes") != NULL);
    CHECK(t.data == NULL);
    /* ㎡ is 3 bytes in and 2 out; full-width １ is 3 in, 1 out. */
    err_clear(&e);
    CHECK(normalize_text("１２３", 9, 3, &t, &e) == 0);
    CHECK_STR(t.data, "123");
    text_free(&t);
    CHECK(normalize_text(NULL, 0, 10, &t, &e) == 0);
    CHECK(t.len == 0 && t.data != NULL && t.data[0] == '\0');
    text_free(&t);
}

/*
 * The reference: the whole input decoded by ICU (U+FFFD for invalid
 * sequences), zero-width characters dropped, CR LF and CR made LF, one call
 * to a filtered NFKC normalizer, encoded back.  The caller frees the result.
 */
static char *
reference(const char *in, size_t len, size_t *outlen)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n16 = 0, i, j, nn;
    UChar *u, *v, *w;
    UChar pat[128];
    USet *set;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&st);
    UNormalizer2 *n2;
    char *out;
    int32_t olen = 0;

    u_strFromUTF8WithSub(NULL, 0, &n16, in, (int32_t)len, 0xFFFD, NULL, &st);
    st = U_ZERO_ERROR;
    u = malloc(((size_t)n16 + 1) * sizeof *u);
    u_strFromUTF8WithSub(u, n16 + 1, &n16, in, (int32_t)len, 0xFFFD, NULL, &st);
    v = malloc(((size_t)n16 + 1) * sizeof *v);
    for (i = 0, j = 0; i < n16; i++) {
        UChar c = u[i];
        if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF)
            continue;
        if (c == '\r') {
            v[j++] = '\n';
            if (i + 1 < n16 && u[i + 1] == '\n')
                i++;
            continue;
        }
        v[j++] = c;
    }
    u_uastrcpy(pat, "[^\\u2460-\\u24FF\\u2776-\\u2793\\u3251-\\u325F\\u32B1-\\u32BF"
                    "\\U0001F100-\\U0001F10C]");
    set = uset_openPattern(pat, -1, &st);
    n2 = unorm2_openFiltered(nfkc, set, &st);
    w = malloc(((size_t)j * 4 + 16) * sizeof *w);
    nn = unorm2_normalize(n2, v, j, w, j * 4 + 16, &st);
    CHECK(U_SUCCESS(st));
    u_strToUTF8(NULL, 0, &olen, w, nn, &st);
    st = U_ZERO_ERROR;
    out = malloc((size_t)olen + 1);
    u_strToUTF8(out, olen + 1, &olen, w, nn, &st);
    *outlen = (size_t)olen;
    unorm2_close(n2);
    uset_close(set);
    free(u);
    free(v);
    free(w);
    return out;
}

static void
test_long(void)
{
    static const char *const files[] = {"tests/data/corpus/000_684a999cdcedada8.txt",
                                        "tests/data/corpus/001_56ca8a8abe51173c.txt",
                                        "tests/data/corpus/002_dca65eff52622e9e.txt"};
    /* Everything the fast path treats differently, between runs of real text. */
    static const char *const spice[] = {
        "１５．７％，",
        "㎡",
        "①",
        "⑴",
        "\u200B",
        "\r\n",
        "\r",
        "e\xCC\x81",
        "\xE3\x81\x8B\xE3\x82\x99",
        "\xFF",
        "\xE4\xB8",
        "Ⅳ",
        "\xF0\x9F\x84\x81",
        "a\u200B\xCC\x81",
        "\xF0\xA0\x80\x80",
        "ﷺ",
        "\xCC\x81\xCC\x81",
        "ｶﾞ",
        "\u3000",
    };
    size_t cap = 6 << 20, len = 0, i = 0, rlen, k;
    char *in = malloc(cap), *ref;
    struct text whole, piece;
    struct err e;
    struct buf cat;

    while (len + 40000 < cap) {
        FILE *f = fopen(files[i % 3], "rb");
        size_t n, at = 0;
        char chunk[32768];
        if (f == NULL)
            break;
        n = fread(chunk, 1, sizeof chunk, f);
        fclose(f);
        /* Insert a spice every few hundred bytes, at a character boundary. */
        while (at < n) {
            size_t step = 200 + (i * 37 + at) % 300;
            const char *sp = spice[(i + at) % (sizeof spice / sizeof spice[0])];
            if (at + step > n)
                step = n - at;
            while (at + step < n && ((unsigned char)chunk[at + step] & 0xC0) == 0x80)
                step++;
            memcpy(in + len, chunk + at, step);
            len += step;
            memcpy(in + len, sp, strlen(sp));
            len += strlen(sp);
            at += step;
        }
        i++;
    }
    CHECK(len > 5 << 20);

    ref = reference(in, len, &rlen);
    err_clear(&e);
    CHECK(normalize_text(in, len, 8 << 20, &whole, &e) == 0);
    CHECK(whole.len == rlen);
    CHECK(whole.data != NULL && memcmp(whole.data, ref, rlen) == 0);
    if (whole.data != NULL && whole.len == rlen && memcmp(whole.data, ref, rlen) != 0) {
        for (k = 0; k < rlen && whole.data[k] == ref[k]; k++)
            ;
        fprintf(stderr, "  first difference at byte %zu\n", k);
    }

    /* Pieces cut at line breaks normalize to the same text. */
    buf_init(&cat, 8 << 20);
    for (k = 0; k < len;) {
        size_t end = k + 100000 < len ? k + 100000 : len;
        while (end < len && in[end - 1] != '\n')
            end++;
        CHECK(normalize_text(in + k, end - k, 8 << 20, &piece, &e) == 0);
        buf_append(&cat, piece.data, piece.len);
        text_free(&piece);
        k = end;
    }
    CHECK(cat.len == whole.len);
    CHECK(cat.data != NULL && memcmp(cat.data, whole.data, whole.len) == 0);
    buf_free(&cat);
    text_free(&whole);
    free(ref);
    free(in);
}

/* The offset map: each output offset back to the input byte it came from. */
static void
map_is(const char *in, const char *out_at, const char *in_at)
{
    struct text t;
    struct err e;
    struct norm_map m = {0};
    CHECK(normalize_text_map(in, strlen(in), 1 << 20, &t, &m, &e) == 0);
    const char *o = t.data ? strstr(t.data, out_at) : NULL, *i = strstr(in, in_at);
    CHECK(o != NULL && i != NULL);
    if (o != NULL && i != NULL) {
        size_t got = norm_map_original(&m, (size_t)(o - t.data));
        if (got != (size_t)(i - in))
            fprintf(stderr, "map of %s in %s: %zu, want %zu\n", out_at, in, got, (size_t)(i - in));
        CHECK(got == (size_t)(i - in));
    }
    CHECK(norm_map_original(&m, t.len) == strlen(in));
    norm_map_free(&m);
    text_free(&t);
}

static void
test_map(void)
{
    map_is("全区，新增绿地１００亩。", "新增", "新增");
    map_is("全区，新增绿地１００亩。", "100", "１００");
    map_is("全区，新增绿地１００亩。", "亩", "亩");
    map_is("全区，新增绿地１００亩。", ",", "，");
    map_is("面积15.7万㎡,覆盖率", "m2", "㎡");
    map_is("面积15.7万㎡,覆盖率", "覆盖率", "覆盖率");
    map_is("a\r\nb", "b", "b");
    map_is("a\xE2\x80\x8B\xE7\xBB\xBF", "\xE7\xBB\xBF", "\xE7\xBB\xBF"); /* a, ZWSP, 绿 */
    map_is("①新建３个项目", "3", "３");
    /* Text NFKC leaves alone maps to itself. */
    map_is("今年,我区将新增绿地100亩。", "100", "100");
    /* A map is emptied by each use and freed whole. */
    struct norm_map m = {0};
    struct text t;
    struct err e;
    CHECK(normalize_text_map("１２", 6, 100, &t, &m, &e) == 0 && m.n > 0);
    text_free(&t);
    CHECK(normalize_text_map("ab", 2, 100, &t, &m, &e) == 0 && norm_map_original(&m, 1) == 1);
    text_free(&t);
    norm_map_free(&m);
}

int
main(void)
{
    test_map();
    test_folds();
    test_markers();
    test_zero_width_and_lines();
    test_invalid();
    test_ceiling();
    test_long();
    return check_done("normalize");
}
