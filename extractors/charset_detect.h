/*
 * charset_detect: which converter a page is decoded with.  Private to the
 * charset pair: charset.c decodes with the converter chosen here; callers
 * outside use charset.h only.
 */
#ifndef FACTD_CHARSET_DETECT_H
#define FACTD_CHARSET_DETECT_H

#include <stddef.h>

#include "charset.h"

/*
 * Choose the ICU converter for in[0..len) by the steps of charset.h, in its
 * order, and write its name into conv[convlen] (the size of
 * charset_result.name holds any).  *skip is the length of the byte-order
 * mark to leave out of the text, 0 if none.  Sets res->source, and
 * res->warning when a label is passed over; res must be cleared first.
 * Always chooses: the last step has an answer for any bytes.
 */
void charset_detect_choose(const char *in, size_t len, const char *declared, int is_html,
                           char *conv, size_t convlen, size_t *skip, struct charset_result *res);

#endif
