/*
 * numeral: read the value of a number as written in Chinese reports.
 *
 * Arabic digits with decimals and thousands separators (15.7, 1,200), Chinese
 * numerals (三千, 一百二十, 两, 十二, 三点五, 一万三 = 13000, 零点零五), the
 * financial capitals (壹贰叁肆伍陆柒捌玖拾佰仟) and traditional forms (萬 億
 * 兩 點), digit sequences (一二三 = 123), the multipliers 千 万 亿 after Arabic
 * digits (15.7万, 1.2万, 25万6千) and a leading sign (-, 负, 负的).  White space
 * inside the number is ignored.  The input is already NFKC-normalized.
 *
 * It reads one whole number: a string that is not exactly one well-formed
 * number (十四五, 万, 三四五六七八九十, an empty string) is refused, which is how
 * plan names and words that merely contain numeral characters are kept out.
 */
#ifndef FACTD_NUMERAL_H
#define FACTD_NUMERAL_H

#include <stddef.h>

/* Parse s[0..len) (UTF-8).  Returns 0 and sets *value, or -1 if s is not one number. */
int numeral_parse(const char *s, size_t len, double *value);

/* Does s[0..len) end in a multiplier (千 万 亿 萬 億)?  Returns its factor, or 1. */
double numeral_multiplier(const char *s, size_t len);

#endif
