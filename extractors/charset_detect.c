/*
 * charset_detect: which converter a page is decoded with, apart from the
 * decoding itself (charset.c, which calls charset_detect_choose() and owns
 * every byte of output).  It owns the order of the steps, the label table
 * and the lookup of labels in ICU's aliases (refusing encodings unsafe for a
 * web page), the Content-Type and <meta> scans, and the checks of a claim or
 * a guess against the bytes (UTF-8, UTF-16, UTF-32, ICU's detector).
 * Nothing here keeps state or allocates: the converter's name is written
 * into the caller's buffer.  It does not parse HTML beyond the <meta> scan.
 *
 * Labels are mapped to ICU converter names by a small table that follows
 * the WHATWG Encoding Standard where it matters for Chinese pages: every GB
 * label decodes with GB18030, every Latin-1 label with windows-1252.  A
 * label is a claim: UTF-8, UTF-16 and UTF-32 ones are checked against the
 * bytes (which these encodings constrain enough to tell), and passed over
 * when they do not fit.
 */
#include "charset_detect.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>

/* How many bytes of an HTML page the <meta> prescan reads, as browsers do. */
#define CHARSET_META_SCAN 1024

/* How many bytes the detector sees, from the first non-ASCII byte on. */
#define CHARSET_DETECT_SAMPLE (64 * 1024)

/* Below this confidence (0..100) a detector answer is not trusted. */
#define CHARSET_MIN_CONFIDENCE 10

/* UTF-16 without a BOM needs more: ICU gives it 10 for noise, 30 for real text. */
#define CHARSET_MIN_UTF16_CONFIDENCE 20

/* A label and the ICU converter it decodes with. */
struct charset_label {
    const char *label;
    const char *converter;
};

/*
 * Labels from the Encoding Standard (plus a few seen on Chinese servers),
 * lower case, and the converter to use.  Anything not here is looked up in
 * ICU's alias table before it is called unknown.
 */
static const struct charset_label charset_labels[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"unicode11utf8", "UTF-8"},
    {"unicode20utf8", "UTF-8"},
    {"x-unicode20utf8", "UTF-8"},
    {"gb2312", "GB18030"},
    {"gb_2312", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"gb-2312", "GB18030"},
    {"gbk", "GB18030"},
    {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},
    {"ms936", "GB18030"},
    {"windows-936", "GB18030"},
    {"gb18030", "GB18030"},
    {"gb-18030", "GB18030"},
    {"euc-cn", "GB18030"},
    {"x-euc-cn", "GB18030"},
    {"csgb2312", "GB18030"},
    {"csiso58gb231280", "GB18030"},
    {"iso-ir-58", "GB18030"},
    {"chinese", "GB18030"},
    {"big5", "Big5"},
    {"big-5", "Big5"},
    {"big5-hkscs", "Big5"},
    {"cn-big5", "Big5"},
    {"csbig5", "Big5"},
    {"x-x-big5", "Big5"},
    {"cp950", "Big5"},
    {"windows-950", "Big5"},
    {"utf-16", "UTF-16LE"},
    {"utf-16le", "UTF-16LE"},
    {"unicode", "UTF-16LE"},
    {"ucs-2", "UTF-16LE"},
    {"csunicode", "UTF-16LE"},
    {"iso-10646-ucs-2", "UTF-16LE"},
    {"unicodefeff", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"unicodefffe", "UTF-16BE"},
    /* Not in the Encoding Standard, and taken only when the bytes bear it
     * out (charset_wide_fits()): then there is no doubt what they are. */
    {"utf-32", "UTF-32LE"},
    {"utf-32le", "UTF-32LE"},
    {"utf-32be", "UTF-32BE"},
    {"us-ascii", "windows-1252"},
    {"ascii", "windows-1252"},
    {"ansi_x3.4-1968", "windows-1252"},
    {"iso-8859-1", "windows-1252"},
    {"iso8859-1", "windows-1252"},
    {"iso_8859-1", "windows-1252"},
    {"latin1", "windows-1252"},
    {"l1", "windows-1252"},
    {"cp1252", "windows-1252"},
    {"windows-1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"shift_jis", "Shift_JIS"},
    {"shift-jis", "Shift_JIS"},
    {"sjis", "Shift_JIS"},
    {"x-sjis", "Shift_JIS"},
    {"ms_kanji", "Shift_JIS"},
    {"windows-31j", "Shift_JIS"},
    {"cp932", "Shift_JIS"},
    {"euc-jp", "EUC-JP"},
    {"x-euc-jp", "EUC-JP"},
    {"euc-kr", "windows-949"},
    {"ks_c_5601-1987", "windows-949"},
    {"windows-949", "windows-949"},
    {"cp949", "windows-949"},
};

static int
charset_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
charset_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Case-insensitive prefix test of ASCII p[0..n) against the lower-case word w. */
static int
charset_prefix(const char *p, size_t n, const char *w)
{
    size_t i;

    for (i = 0; w[i] != '\0'; i++) {
        if (i >= n || charset_lower((unsigned char)p[i]) != w[i])
            return 0;
    }
    return 1;
}

/*
 * Find charset=VALUE in a Content-Type-like string s[0..n) and return the
 * value's start and length through *val and *vlen.  Returns 1 if found.
 */
static int
charset_param(const char *s, size_t n, const char **val, size_t *vlen)
{
    size_t i, j;

    for (i = 0; i + 7 <= n; i++) {
        if (!charset_prefix(s + i, n - i, "charset"))
            continue;
        j = i + 7;
        while (j < n && charset_is_space((unsigned char)s[j]))
            j++;
        if (j >= n || s[j] != '=')
            continue;
        j++;
        while (j < n && charset_is_space((unsigned char)s[j]))
            j++;
        if (j < n && (s[j] == '"' || s[j] == '\'')) {
            char q = s[j++];
            size_t k = j;
            while (k < n && s[k] != q)
                k++;
            *val = s + j;
            *vlen = k - j;
            return 1;
        }
        i = j;
        while (j < n && !charset_is_space((unsigned char)s[j]) && s[j] != ';' && s[j] != '"' &&
               s[j] != '\'' && s[j] != '>')
            j++;
        *val = s + i;
        *vlen = j - i;
        return 1;
    }
    return 0;
}

/* A converter ICU resolved a label to that a web page must not use: one
 * that can hide markup (UTF-7, IMAP's, SCSU, BOCU-1), UTF-32 (which has its
 * own path, with a check of the bytes), and any that does not read ASCII as
 * ASCII (EBCDIC): HTML allows only ASCII-compatible encodings besides UTF-16.
 * By the converter, not the label: ICU ignores punctuation in names, so
 * "utf~7" opens UTF-7. */
static int
unsafe_converter(UConverter *c, const char *name)
{
    static const char *const bad[] = {"UTF-7", "IMAP", "SCSU", "BOCU", "UTF-32", "UTF32", "UCS-4"};
    static const char ascii[] = "<meta charset=\"x\"> 0123456789 azAZ";
    UChar u[sizeof ascii];
    UErrorCode st = U_ZERO_ERROR;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strncasecmp(name, bad[i], strlen(bad[i])) == 0)
            return 1;
    int32_t n = ucnv_toUChars(c, u, (int32_t)(sizeof u / sizeof u[0]), ascii,
                              (int32_t)(sizeof ascii - 1), &st);
    ucnv_reset(c);
    if (U_FAILURE(st) || n != (int32_t)(sizeof ascii - 1))
        return 1;
    for (int32_t i = 0; i < n; i++)
        if (u[i] != (UChar)ascii[i])
            return 1;
    return 0;
}

/*
 * Map the label s[0..n) to an ICU converter name, written to conv (size 40).
 * White space around the label is ignored.  Returns 0, or -1 if the label is
 * unknown or names an encoding we refuse (UTF-7, UTF-32, EBCDIC...).
 */
static int
charset_lookup(const char *s, size_t n, char *conv, size_t convlen)
{
    char label[64];
    size_t i;
    UErrorCode st = U_ZERO_ERROR;
    const char *name;
    UConverter *c;

    while (n > 0 && charset_is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && charset_is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n >= sizeof label)
        return -1;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        /* A label is printable ASCII; anything else is not worth asking ICU. */
        if (ch <= ' ' || ch >= 0x7f)
            return -1;
        label[i] = (char)charset_lower(ch);
    }
    label[n] = '\0';
    for (i = 0; i < sizeof charset_labels / sizeof charset_labels[0]; i++) {
        if (strcmp(label, charset_labels[i].label) == 0) {
            snprintf(conv, convlen, "%s", charset_labels[i].converter);
            return 0;
        }
    }
    /*
     * Not a label we know: ask ICU's alias table, so that koi8-r or
     * iso-8859-5 still work.  Encodings that are unsafe or implausible for a
     * web page are refused rather than trusted: here by the label, and after
     * the lookup by the converter ICU chose, since ICU ignores punctuation in
     * names ("utf~7" opens UTF-7).
     */
    if (strstr(label, "utf-7") || strstr(label, "utf7") || strstr(label, "utf-32") ||
        strstr(label, "utf32") || strstr(label, "ucs-4") || strstr(label, "ebcdic") ||
        strstr(label, "ibm") || strstr(label, "cp0") || strstr(label, "bocu") ||
        strstr(label, "scsu") || strstr(label, "imap"))
        return -1;
    c = ucnv_open(label, &st);
    if (U_FAILURE(st) || c == NULL)
        return -1;
    name = ucnv_getName(c, &st);
    if (U_FAILURE(st) || name == NULL || strlen(name) >= convlen || unsafe_converter(c, name)) {
        ucnv_close(c);
        return -1;
    }
    snprintf(conv, convlen, "%s", name);
    ucnv_close(c);
    return 0;
}

/* Remember the first label that was passed over, for res->warning. */
static void
charset_warn_label(struct charset_result *res, const char *what, const char *s, size_t n)
{
    if (res->warning[0] != '\0')
        return;
    if (n > 40)
        n = 40;
    snprintf(res->warning, sizeof res->warning, "unknown charset label \"%.*s\" in %s ignored",
             (int)n, s, what);
}

/*
 * Read the value of one attribute of a tag at p[0..n): skips white space and
 * "=", handles quotes.  Sets *val and *vlen and returns the bytes consumed.
 */
static size_t
charset_attr_value(const char *p, size_t n, const char **val, size_t *vlen)
{
    size_t i = 0, start;

    while (i < n && charset_is_space((unsigned char)p[i]))
        i++;
    if (i < n && (p[i] == '"' || p[i] == '\'')) {
        char q = p[i++];
        start = i;
        while (i < n && p[i] != q)
            i++;
        *val = p + start;
        *vlen = i - start;
        return i < n ? i + 1 : i;
    }
    start = i;
    while (i < n && !charset_is_space((unsigned char)p[i]) && p[i] != '>')
        i++;
    *val = p + start;
    *vlen = i - start;
    return i;
}

/*
 * The <meta> prescan: look in p[0..n) for <meta charset=X> or
 * <meta http-equiv="Content-Type" content="...charset=X">, skipping comments.
 * Each candidate label is looked up; the first that is known wins, unknown
 * ones become a warning.  Returns 0 with conv set and *label, *label_len
 * pointing at the label in p, or -1.
 */
static int
charset_meta(const char *p, size_t n, char *conv, size_t convlen, const char **label,
             size_t *label_len, struct charset_result *res)
{
    size_t i = 0;

    while (i < n) {
        const char *lt = memchr(p + i, '<', n - i);
        const char *charset = NULL, *content = NULL;
        size_t charset_len = 0, content_len = 0;
        int http_equiv_ct = 0;

        if (lt == NULL)
            return -1;
        i = (size_t)(lt - p);
        if (charset_prefix(p + i, n - i, "<!--")) {
            size_t j = i + 4;
            while (j + 3 <= n && memcmp(p + j, "-->", 3) != 0)
                j++;
            if (j + 3 > n)
                return -1;
            i = j + 3;
            continue;
        }
        if (!charset_prefix(p + i, n - i, "<meta") || i + 5 >= n ||
            !(charset_is_space((unsigned char)p[i + 5]) || p[i + 5] == '/')) {
            i++;
            continue;
        }
        i += 5;
        /* Attributes up to the closing '>'. */
        while (i < n && p[i] != '>') {
            size_t name_start, name_len;
            const char *val = NULL;
            size_t vlen = 0;

            if (charset_is_space((unsigned char)p[i]) || p[i] == '/') {
                i++;
                continue;
            }
            name_start = i;
            while (i < n && !charset_is_space((unsigned char)p[i]) && p[i] != '=' && p[i] != '>' &&
                   p[i] != '/')
                i++;
            name_len = i - name_start;
            while (i < n && charset_is_space((unsigned char)p[i]))
                i++;
            if (i < n && p[i] == '=') {
                i++;
                i += charset_attr_value(p + i, n - i, &val, &vlen);
            }
            if (name_len == 7 && charset_prefix(p + name_start, name_len, "charset")) {
                charset = val;
                charset_len = vlen;
            } else if (name_len == 7 && charset_prefix(p + name_start, name_len, "content")) {
                content = val;
                content_len = vlen;
            } else if (name_len == 10 && charset_prefix(p + name_start, name_len, "http-equiv") &&
                       val != NULL && vlen == 12 && charset_prefix(val, vlen, "content-type")) {
                http_equiv_ct = 1;
            }
        }
        if (charset == NULL && http_equiv_ct && content != NULL)
            charset_param(content, content_len, &charset, &charset_len);
        if (charset != NULL && charset_len > 0) {
            if (charset_lookup(charset, charset_len, conv, convlen) == 0) {
                /*
                 * A page that could be read as ASCII to find this tag is
                 * not UTF-16, whatever it says (the Encoding Standard's
                 * rule), nor UTF-32; the caller checks the bytes bear the
                 * UTF-8 out.
                 */
                if (strncmp(conv, "UTF-16", 6) == 0 || strncmp(conv, "UTF-32", 6) == 0)
                    snprintf(conv, convlen, "UTF-8");
                *label = charset;
                *label_len = charset_len;
                return 0;
            }
            charset_warn_label(res, "<meta>", charset, charset_len);
        }
    }
    return -1;
}

/*
 * Is p[0..n) UTF-8 with a few bad bytes, rather than some other encoding?
 * ICU's detector does not say UTF-8 once there is any invalid sequence, so
 * a page with one damaged character would go to Latin-1 or worse.  Text in
 * GBK or Big5 forms valid UTF-8 sequences only by chance: about one for
 * every four invalid bytes in real text, one for one in ten characters at
 * most.  So: at least 4 valid multi-byte sequences and twice as many as
 * invalid bytes.
 */
static void
charset_utf8_counts(const unsigned char *p, size_t n, size_t *valid, size_t *invalid)
{
    size_t i = 0;

    *valid = *invalid = 0;
    while (i < n) {
        size_t v = utf8_valid(p + i, n - i);
        size_t k;

        /* Count the multi-byte sequences in the valid stretch by their lead bytes. */
        for (k = i; k < i + v; k++) {
            if (p[k] >= 0xC0)
                (*valid)++;
        }
        i += v;
        if (i < n) {
            (*invalid)++;
            i++;
        }
    }
}

static int
charset_mostly_utf8(const unsigned char *p, size_t n)
{
    size_t valid, invalid;
    charset_utf8_counts(p, n, &valid, &invalid);
    return valid >= 4 && valid >= 2 * invalid;
}

/*
 * Ask ICU's detector about a sample and write the converter to use into
 * conv.  Only answers that make sense for the pages we read are taken; with
 * none, or none it is sure of, the answer is GB18030, the usual encoding of
 * an unlabelled Chinese page that is not UTF-8.
 */
static void
charset_detect(const char *in, size_t len, size_t first_high, int is_html, char *conv,
               size_t convlen)
{
    static const char *const allowed[] = {
        "UTF-8",     "GB18030", "Big5",   "UTF-16LE",   "UTF-16BE",
        "Shift_JIS", "EUC-JP",  "EUC-KR", "ISO-8859-1", "windows-1252",
    };
    UErrorCode st = U_ZERO_ERROR;
    UCharsetDetector *det;
    const UCharsetMatch **m;
    int32_t nm = 0, i;
    size_t start, n;
    int latin = -1, gb = 0;

    snprintf(conv, convlen, "GB18030");
    /* Start a little before the first non-ASCII byte: the head of a page says little. */
    start = first_high > 256 ? first_high - 256 : 0;
    n = len - start;
    if (n > CHARSET_DETECT_SAMPLE)
        n = CHARSET_DETECT_SAMPLE;
    det = ucsdet_open(&st);
    if (U_FAILURE(st))
        return;
    ucsdet_setText(det, in + start, (int32_t)n, &st);
    ucsdet_enableInputFilter(det, is_html ? 1 : 0);
    m = ucsdet_detectAll(det, &nm, &st);
    if (U_FAILURE(st) || m == NULL) {
        ucsdet_close(det);
        return;
    }
    for (i = 0; i < nm; i++) {
        UErrorCode s2 = U_ZERO_ERROR;
        const char *name = ucsdet_getName(m[i], &s2);
        int32_t conf = ucsdet_getConfidence(m[i], &s2);
        size_t k;
        int ok = 0;

        if (U_FAILURE(s2) || name == NULL || conf < CHARSET_MIN_CONFIDENCE)
            continue;
        /* Without a BOM, ICU says UTF-16 at 10 for almost anything; ask for evidence. */
        if (strncmp(name, "UTF-16", 6) == 0 && conf < CHARSET_MIN_UTF16_CONFIDENCE)
            continue;
        for (k = 0; k < sizeof allowed / sizeof allowed[0]; k++) {
            if (strcmp(name, allowed[k]) == 0)
                ok = 1;
        }
        if (!ok)
            continue;
        if (strcmp(name, "GB18030") == 0)
            gb = 1;
        if (strcmp(name, "ISO-8859-1") == 0 || strcmp(name, "windows-1252") == 0) {
            /* Latin-1 wins only if no CJK answer comes with any confidence. */
            if (latin < 0)
                latin = i;
            continue;
        }
        if (strcmp(name, "EUC-KR") == 0)
            name = "windows-949";
        snprintf(conv, convlen, "%s", name);
        ucsdet_close(det);
        return;
    }
    if (latin >= 0 && !gb)
        snprintf(conv, convlen, "windows-1252");
    ucsdet_close(det);
}

/* Could these bytes be UTF-8, as a label says?  Not when most of their
 * non-ASCII bytes are invalid: GBK and Big5 text looks like that.  A few bad
 * sequences (a page cut short, one damaged character) do not overturn a
 * label. */
static int
utf8_plausible(const unsigned char *p, size_t len)
{
    size_t valid, invalid, sample = len < CHARSET_DETECT_SAMPLE ? len : CHARSET_DETECT_SAMPLE;
    charset_utf8_counts(p, sample, &valid, &invalid);
    return invalid < 8 || valid >= invalid;
}

/* Code unit i of p, two bytes in the given order. */
static unsigned
charset_unit16(const unsigned char *p, size_t i, int big_endian)
{
    return big_endian ? (unsigned)p[2 * i] << 8 | p[2 * i + 1]
                      : (unsigned)p[2 * i + 1] << 8 | p[2 * i];
}

/* Chinese text's blocks: CJK punctuation, extension A, the unified
 * ideographs, full-width forms, and the dashes, quotes and ellipsis of
 * General Punctuation that Chinese text uses. */
static int
charset_cjk_unit(unsigned u)
{
    return (u >= 0x3000 && u <= 0x303F) || (u >= 0x3400 && u <= 0x4DBF) ||
           (u >= 0x4E00 && u <= 0x9FFF) || (u >= 0xFF00 && u <= 0xFFEF) ||
           (u >= 0x2010 && u <= 0x2027);
}

/*
 * Could these bytes be UTF-16 in this byte order, as a label says though no
 * BOM does?  Text in UTF-16 has code units below U+0100 (line ends, spaces,
 * digits, markup), each with a zero byte, where GBK, Big5 and UTF-8 have no
 * zero byte at all: one such unit in 256 is enough.  Chinese text with none
 * of them is still taken if nearly all its units are CJK and no surrogate is
 * unpaired: read as UTF-16, the bytes of GBK or UTF-8 Chinese (0x81 and up)
 * make Hangul, surrogates and private-use units instead.  Pairs of ASCII
 * letters make CJK units too, so that way also wants bytes of 0x80 and up,
 * which half the ideographs have and ASCII has not.
 */
static int
charset_utf16_plausible(const unsigned char *p, size_t len, int big_endian)
{
    size_t n = (len < CHARSET_DETECT_SAMPLE ? len : CHARSET_DETECT_SAMPLE) / 2;
    size_t narrow = 0, cjk = 0, lone = 0, high = 0;

    if (n == 0)
        return 1; /* nothing to contradict the label */
    for (size_t i = 0; i < 2 * n; i++)
        high += p[i] >= 0x80;
    for (size_t i = 0; i < n; i++) {
        unsigned u = charset_unit16(p, i, big_endian);
        if (u >= 0x01 && u <= 0xFF) {
            narrow++;
        } else if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n &&
                   charset_unit16(p, i + 1, big_endian) >= 0xDC00 &&
                   charset_unit16(p, i + 1, big_endian) <= 0xDFFF) {
            cjk += 2; /* a pair: ideographs of extension B and on, mostly */
            i++;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            lone++;
        } else if (charset_cjk_unit(u)) {
            cjk++;
        }
    }
    return lone * 100 <= n && (narrow * 256 >= n || (cjk * 50 >= n * 49 && high * 8 >= n));
}

/* Could these bytes be UTF-32 in this byte order?  Each unit must be a
 * character (below U+110000, not a surrogate, not NUL): any other text
 * breaks that at once. */
static int
charset_utf32_plausible(const unsigned char *p, size_t len, int big_endian)
{
    size_t n = (len < CHARSET_DETECT_SAMPLE ? len : CHARSET_DETECT_SAMPLE) / 4, bad = 0;

    for (size_t i = 0; i < n; i++) {
        const unsigned char *q = p + 4 * i;
        uint32_t u = big_endian
                         ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]
                         : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
        if (u == 0 || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
            bad++;
    }
    return bad * 100 <= n;
}

/*
 * A UTF-16 or UTF-32 label without a BOM: do the bytes bear it out, in the
 * label's byte order or the other?  A label is a server's or an editor's
 * claim; a body in GBK labelled UTF-16 would otherwise decode to a page of
 * Hangul and private-use junk with no facts, and no error to say so.
 * Returns 0 with conv set to the byte order that fits (the label's first),
 * or -1 when neither does.
 */
static int
charset_wide_fits(const unsigned char *p, size_t len, char *conv, size_t convlen)
{
    int bits = strncmp(conv, "UTF-32", 6) == 0 ? 32 : 16;
    int be =
        strncmp(conv + 6, "BE", 2) == 0; /* "UTF-16" alone: LE, as the Encoding Standard says */

    for (int k = 0; k < 2; k++, be = !be) {
        if (bits == 32 ? charset_utf32_plausible(p, len, be)
                       : charset_utf16_plausible(p, len, be)) {
            snprintf(conv, convlen, "UTF-%d%s", bits, be ? "BE" : "LE");
            return 0;
        }
    }
    return -1;
}

/* Is conv a converter charset_wide_fits() must confirm? */
static int
charset_is_wide(const char *conv)
{
    return strncmp(conv, "UTF-16", 6) == 0 || strncmp(conv, "UTF-32", 6) == 0;
}

/*
 * The choice follows the order in charset.h: BOM, the caller's label, a
 * <meta> in the first KiB of HTML, "is it valid UTF-8", and last ICU's
 * detector, restricted to the few results that make sense for the pages we
 * read (GB18030 when it has nothing better to say).
 */
void
charset_detect_choose(const char *in, size_t len, const char *declared, int is_html, char *conv,
                      size_t convlen, size_t *skip, struct charset_result *res)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t valid;
    int have = 0;

    *skip = 0;

    /* 1. Byte-order mark. */
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        snprintf(conv, convlen, "UTF-8");
        *skip = 3;
        have = 1;
    } else if (len >= 4 && p[0] == 0xFF && p[1] == 0xFE && p[2] == 0 && p[3] == 0) {
        /* UTF-16LE would read a BOM and then U+0000, which no text starts with. */
        snprintf(conv, convlen, "UTF-32LE");
        *skip = 4;
        have = 1;
    } else if (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xFE && p[3] == 0xFF) {
        snprintf(conv, convlen, "UTF-32BE");
        *skip = 4;
        have = 1;
    } else if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        snprintf(conv, convlen, "UTF-16LE");
        *skip = 2;
        have = 1;
    } else if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        snprintf(conv, convlen, "UTF-16BE");
        *skip = 2;
        have = 1;
    }
    if (have)
        res->source = CHARSET_BOM;

    /* 2. The caller's label: a bare label or a whole Content-Type value. */
    if (!have && declared != NULL && declared[0] != '\0') {
        const char *v = declared;
        size_t vlen = strlen(declared);
        int is_label = 1;

        if (!charset_param(declared, vlen, &v, &vlen)) {
            /* "text/html" without a charset says nothing about the charset. */
            if (strchr(declared, '/') != NULL || strchr(declared, ';') != NULL)
                is_label = 0;
        }
        if (is_label && vlen > 0) {
            if (charset_lookup(v, vlen, conv, convlen) == 0) {
                have = 1;
                res->source = CHARSET_DECLARED;
                /* Servers label everything UTF-8 by default, pages in GBK
                 * too: a label the bytes plainly contradict is passed over
                 * for the page's own <meta> or the detector. */
                if (strcmp(conv, "UTF-8") == 0 && !utf8_plausible(p, len)) {
                    have = 0;
                    snprintf(res->warning, sizeof res->warning,
                             "declared charset UTF-8 passed over: the bytes are not UTF-8");
                } else if (charset_is_wide(conv) && charset_wide_fits(p, len, conv, convlen) != 0) {
                    /* So is a UTF-16 or UTF-32 one, as a page in GBK gets by
                     * mistake; with a BOM it never comes here. */
                    have = 0;
                    snprintf(res->warning, sizeof res->warning,
                             "declared charset %.*s passed over: no byte-order mark, and the "
                             "bytes are not %.6s",
                             (int)(vlen < 40 ? vlen : 40), v, conv);
                }
            } else {
                charset_warn_label(res, "declared charset", v, vlen);
            }
        }
    }

    /* 3. <meta> in the first KiB, unless the bytes contradict it as they
     * may a label from outside: an author's template says UTF-8 (or UTF-16,
     * read as UTF-8) of a page saved in GBK. */
    const char *ml = NULL;
    size_t ml_len = 0;
    if (!have && is_html &&
        charset_meta(in, len < CHARSET_META_SCAN ? len : CHARSET_META_SCAN, conv, convlen, &ml,
                     &ml_len, res) == 0) {
        if (strcmp(conv, "UTF-8") == 0 && !utf8_plausible(p, len)) {
            if (res->warning[0] == '\0')
                snprintf(res->warning, sizeof res->warning,
                         "<meta> charset %.*s passed over: the bytes are not UTF-8",
                         (int)(ml_len < 40 ? ml_len : 40), ml);
        } else {
            have = 1;
            res->source = CHARSET_META;
        }
    }

    /* 4. Valid UTF-8; 5. the detector. */
    valid = 0;
    if (!have) {
        valid = utf8_valid(p, len);
        if (valid == len) {
            snprintf(conv, convlen, "UTF-8");
            res->source = CHARSET_UTF8;
        } else {
            size_t high = 0;
            while (high < len && p[high] < 0x80)
                high++;
            size_t sample = len - high < CHARSET_DETECT_SAMPLE ? len - high : CHARSET_DETECT_SAMPLE;
            if (charset_mostly_utf8(p + high, sample))
                snprintf(conv, convlen, "UTF-8");
            else
                charset_detect(in, len, high, is_html, conv, convlen);
            res->source = CHARSET_DETECTED;
        }
        have = 1;
    }
}
