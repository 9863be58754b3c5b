/*
 * charset: decode a page to UTF-8 with ICU, in the converter
 * charset_detect_choose() picks (charset_detect.c owns the choice, this file
 * every byte of output).
 *
 * Decoding streams: ICU writes UTF-16 into a fixed buffer which is turned
 * into UTF-8 and appended to the output, so memory stays about the size of
 * the output.  Input that is valid UTF-8 is only validated and copied.
 *
 * It does not normalize.
 */
#include "charset.h"
#include "charset_detect.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>

/* UTF-16 code units decoded per ICU call; the UTF-8 staging buffer is 3x. */
#define CHARSET_CHUNK 8192

/* Counts invalid sequences for the ICU callback; base locates byte offsets. */
struct charset_decoder {
    const char *base;
    size_t invalid;
    long long first_invalid;
};

const char *
charset_source_name(enum charset_source s)
{
    switch (s) {
    case CHARSET_BOM:
        return "bom";
    case CHARSET_DECLARED:
        return "declared";
    case CHARSET_META:
        return "meta";
    case CHARSET_UTF8:
        return "utf8";
    case CHARSET_DETECTED:
        return "detected";
    }
    return "unknown";
}

/*
 * ICU to-Unicode callback: count the bad sequence, note where the first one
 * was, and write U+FFFD in its place.  ICU's own substitution callback would
 * do the writing but not the counting.
 */
static void
charset_to_u_cb(const void *context, UConverterToUnicodeArgs *args, const char *code_units,
                int32_t length, UConverterCallbackReason reason, UErrorCode *err)
{
    struct charset_decoder *d = (struct charset_decoder *)context;
    static const UChar fffd = 0xFFFD;

    if (reason != UCNV_UNASSIGNED && reason != UCNV_ILLEGAL && reason != UCNV_IRREGULAR)
        return;
    if (d->invalid == 0) {
        long long off = (long long)(args->source - d->base) - length;
        d->first_invalid = off < 0 ? 0 : off;
    }
    d->invalid++;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

/* Append or fail with the ceiling message. */
static int
charset_put(struct buf *out, const void *p, size_t n, struct err *err)
{
    int rc = buf_append(out, p, n);

    if (rc == BUF_TOOBIG) {
        err_set(err, "decoded text larger than %zu bytes", out->max_len);
        return -1;
    }
    if (rc != BUF_OK) {
        err_set(err, "out of memory decoding text");
        return -1;
    }
    return 0;
}

/*
 * Convert UTF-16 u[0..n) to UTF-8 and append it.  A lead surrogate at the end
 * is held back in *carry (0 if none) for the next call, since ICU may split a
 * pair across two target buffers.
 */
static int
charset_put_utf16(struct buf *out, const UChar *u, int32_t n, UChar *carry, int last,
                  struct err *err)
{
    char tmp[3 * (CHARSET_CHUNK + 2)];
    UChar joined[CHARSET_CHUNK + 2];
    const UChar *src = u;
    int32_t len = n, outlen = 0, subs = 0;
    UErrorCode st = U_ZERO_ERROR;

    if (*carry != 0) {
        joined[0] = *carry;
        if (n > 0) /* the last flush passes u NULL: memcpy from NULL is undefined */
            memcpy(joined + 1, u, (size_t)n * sizeof(UChar));
        src = joined;
        len = n + 1;
        *carry = 0;
    }
    if (!last && len > 0 && U16_IS_LEAD(src[len - 1])) {
        *carry = src[len - 1];
        len--;
    }
    if (len == 0)
        return 0;
    u_strToUTF8WithSub(tmp, (int32_t)sizeof tmp, &outlen, src, len, 0xFFFD, &subs, &st);
    if (U_FAILURE(st)) {
        err_set(err, "cannot convert decoded text to UTF-8: %s", u_errorName(st));
        return -1;
    }
    return charset_put(out, tmp, (size_t)outlen, err);
}

/*
 * Decode in[0..len) with conv into out, as one whole as far as ICU is
 * concerned (flushed at the end, so no sequence stays open afterwards).
 * Buffers live on the stack: about 56 KiB with charset_put_utf16().
 */
static int
charset_icu_run(UConverter *conv, const char *in, size_t len, struct buf *out, UChar *carry,
                struct err *err)
{
    UChar u[CHARSET_CHUNK];
    const char *src = in, *src_end = in + len;

    for (;;) {
        UChar *target = u;
        UErrorCode st = U_ZERO_ERROR;

        ucnv_toUnicode(conv, &target, u + CHARSET_CHUNK, &src, src_end, NULL, 1, &st);
        if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
            err_set(err, "decoding failed: %s", u_errorName(st));
            return -1;
        }
        if (charset_put_utf16(out, u, (int32_t)(target - u), carry, 0, err) != 0)
            return -1;
        if (st != U_BUFFER_OVERFLOW_ERROR)
            return 0;
    }
}

/*
 * Decode in[0..len) with the ICU converter called name into out, counting
 * invalid sequences into res.  ICU's converters handle runs of ASCII well
 * enough that copying them past ICU (tried: cutting the input at bytes that
 * cannot be a trail byte) was slower on Chinese text, where the runs are
 * short, so the whole input goes through ICU.
 */
static int
charset_icu_decode(const char *name, const char *in, size_t len, struct buf *out,
                   struct charset_result *res, struct err *err)
{
    struct charset_decoder d = {in, 0, -1};
    UErrorCode st = U_ZERO_ERROR;
    UConverter *conv;
    UChar carry = 0;
    int rc;

    conv = ucnv_open(name, &st);
    if (U_FAILURE(st) || conv == NULL) {
        err_set(err, "cannot open converter %s: %s", name, u_errorName(st));
        return -1;
    }
    ucnv_setToUCallBack(conv, charset_to_u_cb, &d, NULL, NULL, &st);
    if (U_FAILURE(st)) {
        ucnv_close(conv);
        err_set(err, "cannot set converter callback: %s", u_errorName(st));
        return -1;
    }
    rc = charset_icu_run(conv, in, len, out, &carry, err);
    if (rc == 0 && carry != 0)
        rc = charset_put_utf16(out, NULL, 0, &carry, 1, err);
    ucnv_close(conv);
    res->invalid = d.invalid;
    res->first_invalid = d.first_invalid;
    return rc;
}

int
charset_decode(const char *in, size_t len, const char *declared, int is_html, size_t max_out,
               struct text *out, struct charset_result *res, struct err *err)
{
    const unsigned char *p = (const unsigned char *)in;
    struct buf b;
    char conv[sizeof res->name];
    size_t skip;

    memset(res, 0, sizeof *res);
    res->first_invalid = -1;
    out->data = NULL;
    out->len = 0;
    buf_init(&b, max_out);
    if (in == NULL)
        len = 0;
    /* GBK or GB18030 grows by half in UTF-8; growing the buffer as it fills
     * would copy it several times.  A failure here is found on append. */
    (void)buf_reserve(&b, len + len / 2 < max_out ? len + len / 2 : max_out);

    charset_detect_choose(in, len, declared, is_html, conv, sizeof conv, &skip, res);
    snprintf(res->name, sizeof res->name, "%s", conv);

    /*
     * UTF-8 that validates is copied; the validation is repeated for a label
     * or BOM, which is cheap next to decoding.  Anything else goes to ICU.
     */
    if (strcmp(conv, "UTF-8") == 0) {
        if (res->source == CHARSET_UTF8 || utf8_valid(p + skip, len - skip) == len - skip) {
            if (charset_put(&b, in + skip, len - skip, err) != 0)
                goto fail;
            goto done;
        }
    }
    if (charset_icu_decode(conv, in + skip, len - skip, &b, res, err) != 0)
        goto fail;
    if (res->first_invalid >= 0)
        res->first_invalid += (long long)skip;

done:
    if (buf_to_text(&b, out) != BUF_OK) {
        err_set(err, "out of memory decoding text");
        goto fail;
    }
    return 0;

fail:
    buf_free(&b);
    return -1;
}
