/*
 * test_charset: the order of choice (BOM, label, <meta>, UTF-8, detector),
 * the GBK characters ICU's gb2312 table loses, invalid bytes, ceilings, and
 * round trips of long text through the chunked decoder and its ASCII path.
 * Binary fixtures are byte arrays here or small files in tests/data/enc/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>

#include "charset.h"
#include "check.h"

/* Read a whole fixture; the caller frees *len bytes from malloc(). */
static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot open\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)n + 1);
    if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p != NULL) {
        p[n] = '\0';
        *len = (size_t)n;
    }
    return p;
}

/* Decode and compare with want; returns the result for further checks. */
static struct charset_result
decode_is(const char *in, size_t len, const char *declared, int is_html, const char *want,
          const char *conv, enum charset_source source)
{
    struct text t;
    struct charset_result r;
    struct err e;
    int rc;

    err_clear(&e);
    rc = charset_decode(in, len, declared, is_html, 1 << 20, &t, &r, &e);
    CHECK(rc == 0);
    if (rc != 0) {
        fprintf(stderr, "  error: %s\n", e.msg);
        return r;
    }
    CHECK_STR(t.data, want);
    CHECK(t.len == strlen(want));
    CHECK_STR(r.name, conv);
    CHECK_STR(charset_source_name(r.source), charset_source_name(source));
    text_free(&t);
    return r;
}

static void
test_bom(void)
{
    static const char u8[] = "\xEF\xBB\xBF\xE4\xB8\xAD\xE6\x96\x87";
    static const char le[] = "\xFF\xFE\x2D\x4E\x87\x65";
    static const char be[] = "\xFE\xFF\x4E\x2D\x65\x87";
    struct charset_result r;

    /* The BOM wins over a label and is not in the output. */
    decode_is(u8, sizeof u8 - 1, "gbk", 0, "中文", "UTF-8", CHARSET_BOM);
    decode_is(le, sizeof le - 1, NULL, 0, "中文", "UTF-16LE", CHARSET_BOM);
    r = decode_is(be, sizeof be - 1, "text/html; charset=gbk", 1, "中文", "UTF-16BE", CHARSET_BOM);
    CHECK(r.invalid == 0);
    CHECK(r.first_invalid == -1);
}

static void
test_declared(void)
{
    /* 朱镕基 in GBK: 镕 is E9 46, a GBK-only character with an ASCII trail byte. */
    static const char gbk[] = "<p>\xD6\xEC\xE9\x46\xBB\xF9</p>";
    /* GB18030 four-byte forms: U+0080 is 81 30 81 30, U+1F600 is 94 39 FC 36. */
    static const char gb4[] = "a\x81\x30\x81\x30 b\x94\x39\xFC\x36";
    static const char big5[] = "\xA4\xA4\xA4\xE5\xA4\x40"; /* 中文一 */
    struct charset_result r;

    r = decode_is(gbk, sizeof gbk - 1, "text/html; charset=GBK", 1, "<p>朱镕基</p>", "GB18030",
                  CHARSET_DECLARED);
    CHECK(r.invalid == 0);
    CHECK_STR(r.warning, "");
    decode_is(gbk, sizeof gbk - 1, "gb2312", 0, "<p>朱镕基</p>", "GB18030", CHARSET_DECLARED);
    decode_is(gbk, sizeof gbk - 1, "text/html;charset=\"x-gbk\"", 0, "<p>朱镕基</p>", "GB18030",
              CHARSET_DECLARED);
    decode_is(gbk, sizeof gbk - 1, " CP936 ", 0, "<p>朱镕基</p>", "GB18030", CHARSET_DECLARED);
    decode_is(gb4, sizeof gb4 - 1, "gb18030", 0, "a\xC2\x80 b😀", "GB18030", CHARSET_DECLARED);
    decode_is(big5, sizeof big5 - 1, "big5", 0, "中文一", "Big5", CHARSET_DECLARED);
    /* A Content-Type without a charset says nothing; on to the next step. */
    decode_is("abc", 3, "text/html", 1, "abc", "UTF-8", CHARSET_UTF8);
}

static void
test_meta(void)
{
    static const char meta[] = "<html><head><meta charset=\"gb2312\"><title>x</title></head>"
                               "<body>\xD6\xEC\xE9\x46\xBB\xF9</body></html>";
    static const char equiv[] =
        "<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=GBK\">"
        "</HEAD><BODY>\xD6\xD0\xCE\xC4</BODY></HTML>";
    static const char commented[] = "<!-- <meta charset=big5> --><meta charset='gbk'>\xD6\xD0";
    static const char utf16[] = "<meta charset=utf-16>\xE4\xB8\xAD";
    char *big5, *want;
    size_t blen, wlen;

    decode_is(meta, sizeof meta - 1, NULL, 1,
              "<html><head><meta charset=\"gb2312\"><title>x</title></head>"
              "<body>朱镕基</body></html>",
              "GB18030", CHARSET_META);
    decode_is(equiv, sizeof equiv - 1, NULL, 1,
              "<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=GBK\">"
              "</HEAD><BODY>中文</BODY></HTML>",
              "GB18030", CHARSET_META);
    decode_is(commented, sizeof commented - 1, NULL, 1,
              "<!-- <meta charset=big5> --><meta charset='gbk'>中", "GB18030", CHARSET_META);
    /* A page that declares UTF-16 in ASCII is not UTF-16. */
    decode_is(utf16, sizeof utf16 - 1, NULL, 1, "<meta charset=utf-16>中", "UTF-8", CHARSET_META);
    /* The declared label comes before <meta>... */
    decode_is("<meta charset='gbk'>\xA4\xA4\xA4\xE5", 24, "big5", 1, "<meta charset='gbk'>中文",
              "Big5", CHARSET_DECLARED);
    /* ...but not a UTF-8 label the bytes contradict (servers say UTF-8 of
     * everything): <meta> decides, and the label is named in a warning. */
    static const char meta4[] = "<meta charset=\"gb2312\"><p>\xD6\xEC\xE9\x46\xBB\xF9\xD6\xEC"
                                "\xE9\x46\xBB\xF9\xD6\xEC\xE9\x46\xBB\xF9</p>";
    struct charset_result r =
        decode_is(meta4, sizeof meta4 - 1, "text/html; charset=utf-8", 1,
                  "<meta charset=\"gb2312\"><p>朱镕基朱镕基朱镕基</p>", "GB18030", CHARSET_META);
    CHECK(strstr(r.warning, "UTF-8 passed over") != NULL);
    decode_is("\xE4\xB8\xAD", 3, "utf-8", 0, "中", "UTF-8", CHARSET_DECLARED);
    /* Not HTML: no <meta> scan. */
    decode_is("<meta charset=gbk>abc", 21, NULL, 0, "<meta charset=gbk>abc", "UTF-8", CHARSET_UTF8);

    big5 = read_file("tests/data/enc/big5_meta.html", &blen);
    want = read_file("tests/data/enc/big5_meta.utf8.html", &wlen);
    CHECK(big5 != NULL && want != NULL);
    if (big5 != NULL && want != NULL)
        decode_is(big5, blen, NULL, 1, want, "Big5", CHARSET_META);
    free(big5);
    free(want);
}

static void
test_detect(void)
{
    static const char damaged[] = "新增3000亩\377\376\303(土地,覆盖率100%。";
    char *gbk, *want;
    size_t glen, wlen;
    struct charset_result r;

    gbk = read_file("tests/data/enc/gbk_nohint.txt", &glen);
    want = read_file("tests/data/enc/gbk_nohint.utf8.txt", &wlen);
    CHECK(gbk != NULL && want != NULL);
    if (gbk != NULL && want != NULL) {
        r = decode_is(gbk, glen, NULL, 0, want, "GB18030", CHARSET_DETECTED);
        CHECK(r.invalid == 0);
        /* As HTML without a <meta>, too. */
        decode_is(gbk, glen, NULL, 1, want, "GB18030", CHARSET_DETECTED);
    }
    free(gbk);
    free(want);
    /* UTF-8 with a few damaged bytes is still UTF-8, not Latin-1 or UTF-16. */
    r = decode_is(damaged, sizeof damaged - 1, NULL, 0,
                  "新增3000亩\357\277\275\357\277\275\357\277\275(土地,覆盖率100%。", "UTF-8",
                  CHARSET_DETECTED);
    CHECK(r.invalid == 3);
    CHECK(r.first_invalid == 13);
    /* Valid UTF-8 without a label is taken as UTF-8. */
    decode_is("\xE4\xB8\xAD", 3, NULL, 1, "中", "UTF-8", CHARSET_UTF8);
}

static void
test_unknown_label(void)
{
    struct charset_result r;

    r = decode_is("\xE4\xB8\xAD abc", 7, "x-no-such-charset", 0, "中 abc", "UTF-8", CHARSET_UTF8);
    CHECK(strstr(r.warning, "x-no-such-charset") != NULL);
    r = decode_is("<meta charset=\"klingon\">\xE4\xB8\xAD", 27, "text/html; charset=bogus", 1,
                  "<meta charset=\"klingon\">中", "UTF-8", CHARSET_UTF8);
    CHECK(strstr(r.warning, "bogus") != NULL);
    /* UTF-7 is refused even though ICU knows it. */
    r = decode_is("abc", 3, "utf-7", 0, "abc", "UTF-8", CHARSET_UTF8);
    CHECK(strstr(r.warning, "utf-7") != NULL);
    /* A label ICU knows but the table does not: the name is ICU's. */
    decode_is("\xC1", 1, "koi8-r", 0, "а", "ibm-878_P100-1996", CHARSET_DECLARED);
}

/* head + the GBK fixture + tail, and what it decodes to; from malloc(). */
static int
wrap_gbk(const char *head, const char *tail, char **in, size_t *len, char **want)
{
    size_t glen, ulen, hl = strlen(head), tl = strlen(tail);
    char *gbk = read_file("tests/data/enc/gbk_nohint.txt", &glen);
    char *utf8 = read_file("tests/data/enc/gbk_nohint.utf8.txt", &ulen);

    *in = *want = NULL;
    if (gbk != NULL && utf8 != NULL) {
        *in = malloc(hl + glen + tl + 1);
        *want = malloc(hl + ulen + tl + 1);
        snprintf(*in, hl + glen + tl + 1, "%s%s%s", head, gbk, tail);
        snprintf(*want, hl + ulen + tl + 1, "%s%s%s", head, utf8, tail);
        *len = hl + glen + tl;
    }
    free(gbk);
    free(utf8);
    CHECK(*in != NULL);
    return *in != NULL ? 0 : -1;
}

/* One GBK page under a label or <meta> the bytes contradict: read as GBK
 * all the same, by the next step (src), with a warning naming the label. */
static void
contradicted(const char *declared, const char *head, enum charset_source src, const char *warning)
{
    char *in, *want;
    size_t len;
    struct charset_result r;

    if (wrap_gbk(head, "</body></html>", &in, &len, &want) != 0)
        return;
    r = decode_is(in, len, declared, 1, want, "GB18030", src);
    CHECK(r.invalid == 0);
    CHECK(strstr(r.warning, warning) != NULL);
    if (strstr(r.warning, warning) == NULL)
        fprintf(stderr, "  warning \"%s\", want \"%s\"\n", r.warning, warning);
    free(in);
    free(want);
}

/*
 * Issue 11: a UTF-16 label on a GBK body decoded it as UTF-16LE junk (no
 * facts, one "invalid sequence"), and <meta charset=utf-16> on one read it
 * as UTF-8, which the page refused as binary.  Labels the bytes contradict
 * are passed over; real UTF-16 and UTF-32, with or without a BOM, still
 * decode.
 */
static void
test_wide_labels(void)
{
    static const char head[] = "<html><head><title>t</title></head><body>";
    struct charset_result r;

    contradicted("text/html; charset=utf-16", head, CHARSET_DETECTED,
                 "declared charset utf-16 passed over: no byte-order mark, and the bytes are "
                 "not UTF-16");
    contradicted("UTF-16LE", head, CHARSET_DETECTED, "UTF-16LE passed over");
    contradicted("utf-16be", head, CHARSET_DETECTED, "utf-16be passed over");
    contradicted("text/html; charset=utf-32", head, CHARSET_DETECTED,
                 "declared charset utf-32 passed over: no byte-order mark, and the bytes are "
                 "not UTF-32");
    /* Passed over for the page's own <meta>. */
    contradicted("text/html; charset=utf-16", "<html><head><meta charset=gbk></head><body>",
                 CHARSET_META, "utf-16 passed over");
    /* A <meta> UTF-16 (meaning UTF-8), UTF-32 or UTF-8 the bytes contradict. */
    contradicted(NULL, "<html><head><meta charset=\"utf-16\"></head><body>", CHARSET_DETECTED,
                 "<meta> charset utf-16 passed over: the bytes are not UTF-8");
    contradicted(NULL, "<html><head><meta charset=UTF-32></head><body>", CHARSET_DETECTED,
                 "<meta> charset UTF-32 passed over");
    contradicted(NULL,
                 "<html><head><meta http-equiv=Content-Type content='text/html; "
                 "charset=utf-8'></head><body>",
                 CHARSET_DETECTED, "<meta> charset utf-8 passed over");
    /* ASCII under a UTF-16 label is not UTF-16 either (pairs of letters
     * would read as ideographs). */
    r = decode_is("abc", 3, "utf-16", 0, "abc", "UTF-8", CHARSET_UTF8);
    CHECK(strstr(r.warning, "utf-16 passed over") != NULL);
    decode_is("Hello, world", 12, "utf-16le", 0, "Hello, world", "UTF-8", CHARSET_UTF8);

    /* Real UTF-16 without a BOM: in the label's byte order, or the other
     * one when the bytes say so; Chinese with no ASCII at all too. */
    decode_is("\x4E\x2D\x00\x33\x00\x0A", 6, "utf-16", 0, "中3\n", "UTF-16BE", CHARSET_DECLARED);
    decode_is("\x2D\x4E\x33\x00\x0A\x00", 6, "utf-16be", 0, "中3\n", "UTF-16LE", CHARSET_DECLARED);
    /* 中文数据统计，增长 */
    static const char cjk_le[] = "\x2D\x4E\x87\x65\x70\x65\x6E\x63\xDF\x7E\xA1\x8B\x0C\xFF"
                                 "\x9E\x58\x7F\x95";
    r = decode_is(cjk_le, sizeof cjk_le - 1, "utf-16be", 0, "中文数据统计，增长", "UTF-16LE",
                  CHARSET_DECLARED);
    CHECK_STR(r.warning, "");
    decode_is("", 0, "utf-16", 0, "", "UTF-16LE", CHARSET_DECLARED);

    /* UTF-32: by label when every unit is a character, by BOM always. */
    decode_is("\x2D\x4E\x00\x00\x33\x00\x00\x00", 8, "utf-32", 0, "中3", "UTF-32LE",
              CHARSET_DECLARED);
    decode_is("\x00\x00\x4E\x2D\x00\x00\x00\x33", 8, "utf-32", 0, "中3", "UTF-32BE",
              CHARSET_DECLARED);
    decode_is("\xFF\xFE\x00\x00\x2D\x4E\x00\x00\x87\x65\x00\x00", 12, "gbk", 1, "中文", "UTF-32LE",
              CHARSET_BOM);
    decode_is("\x00\x00\xFE\xFF\x00\x00\x4E\x2D", 8, NULL, 0, "中", "UTF-32BE", CHARSET_BOM);
    /* A UTF-16 BOM wins over any label, a contradicting one included. */
    decode_is("\xFF\xFE\x2D\x4E\x33\x00", 6, "utf-16be", 0, "中3", "UTF-16LE", CHARSET_BOM);
    decode_is("\xFE\xFF\x4E\x2D\x00\x33", 6, "text/html; charset=utf-16", 1, "中3", "UTF-16BE",
              CHARSET_BOM);
}

static void
test_invalid(void)
{
    static const char bad[] = "ab\377cd\xE4\xB8\xADx\xE4\xB8";
    static const char badgbk[] = "abc\x81 d\xD6\xD0";
    struct charset_result r;

    r = decode_is(bad, sizeof bad - 1, "utf-8", 0, "ab\357\277\275cd中x\xEF\xBF\xBD", "UTF-8",
                  CHARSET_DECLARED);
    CHECK(r.invalid == 2);
    CHECK(r.first_invalid == 2);
    r = decode_is(badgbk, sizeof badgbk - 1, "gbk", 0, "abc\xEF\xBF\xBD d中", "GB18030",
                  CHARSET_DECLARED);
    CHECK(r.invalid == 1);
    CHECK(r.first_invalid == 3);
    /* After a BOM, offsets still count from the start of the input. */
    r = decode_is("\xEF\xBB\xBFz\xC0", 5, NULL, 0, "z\xEF\xBF\xBD", "UTF-8", CHARSET_BOM);
    CHECK(r.invalid == 1);
    CHECK(r.first_invalid == 4);
    /* A lone surrogate in UTF-16, and an odd byte at the end. */
    r = decode_is("\xFF\xFE\x41\x00\x00\xD8\x42\x00\x43", 9, NULL, 0, "A\357\277\275B\357\277\275",
                  "UTF-16LE", CHARSET_BOM);
    CHECK(r.invalid == 2);
}

static void
test_empty_and_ceiling(void)
{
    struct text t;
    struct charset_result r;
    struct err e;
    static const char gbk[] = "\xD6\xD0\xCE\xC4\xD6\xD0\xCE\xC4"; /* 中文中文: 12 bytes in UTF-8 */

    decode_is("", 0, NULL, 1, "", "UTF-8", CHARSET_UTF8);
    decode_is(NULL, 0, "gbk", 1, "", "GB18030", CHARSET_DECLARED);

    err_clear(&e);
    CHECK(charset_decode("abcdef", 6, NULL, 0, 5, &t, &r, &e) == -1);
    CHECK(strstr(e.msg, "larger than 5 bytes") != NULL);
    CHECK(t.data == NULL);
    err_clear(&e);
    CHECK(charset_decode(gbk, sizeof gbk - 1, "gbk", 0, 11, &t, &r, &e) == -1);
    CHECK(strstr(e.msg, "decoded text larger than 11 bytes") != NULL);
    CHECK(charset_decode(gbk, sizeof gbk - 1, "gbk", 0, 12, &t, &r, &e) == 0);
    CHECK(t.len == 12);
    text_free(&t);
}

/* Convert between ICU converters; the caller frees the result. */
static char *
convert(const char *to, const char *from, const char *src, size_t len, size_t *outlen)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = ucnv_convert(to, from, NULL, 0, src, (int32_t)len, &st);
    char *p = malloc((size_t)n + 1);

    st = U_ZERO_ERROR;
    ucnv_convert(to, from, p, n + 1, src, (int32_t)len, &st);
    CHECK(U_SUCCESS(st));
    *outlen = (size_t)n;
    return p;
}

/*
 * Long text with markup, GBK-only and four-byte characters, converted with
 * ICU and decoded back: exercises the chunking, the surrogate carry and the
 * ASCII fast path at every kind of cut.
 */
static void
test_round_trip(void)
{
    static const char *const files[] = {"tests/data/corpus/000_684a999cdcedada8.txt",
                                        "tests/data/corpus/001_56ca8a8abe51173c.txt",
                                        "tests/data/corpus/002_dca65eff52622e9e.txt"};
    static const char *const encs[] = {"GB18030", "UTF-16LE", "UTF-16BE", "UTF-8"};
    size_t cap = 1 << 20, len = 0, i, k;
    char *u8 = malloc(cap);

    for (i = 0; len + 20000 < cap; i++) {
        size_t n;
        char *p = read_file(files[i % 3], &n);
        if (p == NULL)
            break;
        static const char extra[] = "<td class=\"x\">朱镕基😀\xC2\x80&amp;</td>\r\n";
        memcpy(u8 + len, extra, sizeof extra - 1);
        len += sizeof extra - 1;
        memcpy(u8 + len, p, n < 20000 ? n : 20000);
        len += n < 20000 ? n : 20000;
        free(p);
    }
    for (k = 0; k < sizeof encs / sizeof encs[0]; k++) {
        size_t elen;
        char *enc = convert(encs[k], "UTF-8", u8, len, &elen);
        struct text t;
        struct charset_result r;
        struct err e;

        err_clear(&e);
        CHECK(charset_decode(enc, elen, encs[k], 1, 4 << 20, &t, &r, &e) == 0);
        CHECK(t.len == len);
        CHECK(t.data != NULL && memcmp(t.data, u8, len) == 0);
        CHECK(r.invalid == 0);
        text_free(&t);
        free(enc);
    }
    free(u8);
}

int
main(void)
{
    test_bom();
    test_declared();
    test_meta();
    test_detect();
    test_unknown_label();
    test_wide_labels();
    test_invalid();
    test_empty_and_ceiling();
    test_round_trip();
    return check_done("charset");
}
