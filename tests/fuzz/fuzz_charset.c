/*
 * fuzz_charset: charset_decode on arbitrary bytes, then normalize_text on
 * what it produced.
 *
 * The first byte chooses the case: its low bit is is_html, the next four pick
 * a declared label (or none) from a small table, or from a second one of
 * UTF-16 and UTF-32 labels when bit 5 or 6 is set, and the top bit asks for
 * a tight ceiling; the remaining bytes are the
 * page, copied into a buffer of exactly its size so ASan sees an overrun.
 * Whatever the bytes, the output must be valid UTF-8 within its ceiling, the
 * counts must agree with themselves, and normalization must accept it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels[] = {
    NULL,       "gbk",        "text/html; charset=gb2312",
    "big5",     "utf-8",      "utf-16le",
    "utf-16be", "iso-8859-1", "shift_jis",
    "euc-kr",   "text/plain", "x-unknown",
    "gb18030",  "koi8-r",     "iso-2022-jp",
    "euc-jp",
};

/* Labels the bytes must bear out (charset_wide_fits()). */
static const char *const wide_labels[] = {
    "utf-16",   "text/html; charset=utf-16",    "utf-16be", "utf-16le", "utf-32",
    "utf-32be", "text/plain; charset=UTF-32LE", "unicode",
};

/* Is p[0..n) valid UTF-8?  Written apart from the modules it checks. */
static int
valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i], need, k, lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        else
            return 0;
        if (i + need >= n)
            return 0;
        for (k = 1; k <= need; k++, lo = 0x80, hi = 0xBF) {
            if (p[i + k] < lo || p[i + k] > hi)
                return 0;
        }
        i += need + 1;
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct charset_result res;
    struct text t, n;
    struct err e;
    const char *label;
    size_t max_out;
    char *in;
    int is_html;

    if (size == 0)
        return 0;
    is_html = data[0] & 1;
    if (data[0] & 0x60)
        label = wide_labels[(data[0] >> 1) % (sizeof wide_labels / sizeof wide_labels[0])];
    else
        label = labels[(data[0] >> 1) % (sizeof labels / sizeof labels[0])];
    /* Sometimes a tight ceiling, so the failure path is fuzzed too. */
    max_out = (data[0] & 0x80) ? 64 : 1 << 20;
    data++;
    size--;
    in = malloc(size ? size : 1);
    if (in == NULL)
        return 0;
    if (size > 0)
        memcpy(in, data, size);

    err_clear(&e);
    if (charset_decode(in, size, label, is_html, max_out, &t, &res, &e) == 0) {
        if (t.data == NULL || t.len > max_out || t.data[t.len] != '\0')
            abort();
        if (!valid_utf8((const unsigned char *)t.data, t.len))
            abort();
        if ((res.invalid == 0) != (res.first_invalid < 0))
            abort();
        if (res.first_invalid >= (long long)size && size > 0)
            abort();
        if (res.name[0] == '\0' || memchr(res.warning, '\0', sizeof res.warning) == NULL)
            abort();
        if (normalize_text(t.data, t.len, 4 * t.len + 64, &n, &e) == 0) {
            if (!valid_utf8((const unsigned char *)n.data, n.len))
                abort();
            text_free(&n);
        }
        text_free(&t);
    } else if (e.msg[0] == '\0') {
        abort();
    }
    free(in);
    return 0;
}
