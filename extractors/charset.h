/*
 * charset: find the character set of a page and decode it to UTF-8 (ICU).
 *
 * The order follows the web's: a byte-order mark, then the label the caller
 * got from outside (the HTTP Content-Type header, or an operator's override),
 * then a <meta charset> or <meta http-equiv=Content-Type> in the first KiB of
 * an HTML page, then "is it valid UTF-8", then ICU's detector (ucsdet).  The
 * labels gb2312, gbk and x-gbk decode with ICU's GB18030 converter, as
 * browsers do: ICU's own gb2312 table loses GBK-only characters such as 镕.
 *
 * A label the bytes contradict is passed over, with a warning, for the next
 * step: UTF-8 (from outside or from <meta>) when most non-ASCII bytes are
 * invalid UTF-8; UTF-16 or UTF-32 (from outside; in a <meta> they mean
 * UTF-8) when there is no BOM and the bytes do not read as it in either
 * byte order.  A UTF-16 or UTF-32 BOM is always believed.
 *
 * Invalid byte sequences become U+FFFD and are counted; decoding never fails
 * on content, only on a ceiling or memory.  It does not parse HTML beyond the
 * <meta> scan, and it does not normalize.
 */
#ifndef FACTD_CHARSET_H
#define FACTD_CHARSET_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum charset_source {
    CHARSET_BOM,      /* byte-order mark: UTF-8, UTF-16 or UTF-32 */
    CHARSET_DECLARED, /* label given by the caller (HTTP header, override) */
    CHARSET_META,     /* <meta> in the first KiB */
    CHARSET_UTF8,     /* no label; the bytes are valid UTF-8 */
    CHARSET_DETECTED, /* no label; ICU's detector chose */
};

struct charset_result {
    char name[40];              /* Converter used, e.g. "GB18030", "UTF-8", "Big5". */
    enum charset_source source; /* How name was chosen. */
    size_t invalid;             /* Sequences replaced by U+FFFD. */
    long long first_invalid;    /* Byte offset of the first one in the input, -1 if none. */
    char warning[160];          /* E.g. an unknown label that was passed over; "" if none. */
};

/*
 * Decode in[0..len) to UTF-8 in out (owned by the caller afterwards, free with
 * text_free()).  declared may be NULL or a label such as "gbk" or a whole
 * Content-Type value ("text/html; charset=GBK").  When is_html is set the
 * first KiB is searched for a <meta> label.  out never passes max_out bytes.
 * Returns 0, or -1 with err set (output too large, out of memory).
 */
int charset_decode(const char *in, size_t len, const char *declared, int is_html, size_t max_out,
                   struct text *out, struct charset_result *res, struct err *err);

/* The name of a source, for logs and JSON: "bom", "declared", "meta", "utf8", "detected". */
const char *charset_source_name(enum charset_source s);

#endif
