/*
 * numeral: read the value of a number as written in Chinese reports.
 *
 * Arabic digits with decimals and thousands separators (15.7, 1,200; a comma
 * only where exactly three digits follow), Chinese numerals (三千, 一百二十,
 * 两, 十二, 三点五, 零点零五), a last digit in the next lower place (一万三 =
 * 13000, 两千四百五 = 2450), the financial capitals (壹贰叁肆伍陆柒捌玖拾佰仟)
 * and traditional forms (萬 億 兩 點 幾 貳 參 陸), 廿 卅 and 倆, digit sequences
 * (一二三 = 123, 二〇二五 = 2025), the multipliers 千 万 亿 after Arabic
 * digits (15.7万, 1,100万, 25万6千, 4.78万亿), the fillers 余 多 几 which add
 * nothing (十余万 = 100000, 二十几万 = 200000, 五百多 = 500) and a leading
 * sign (-, 负, 负的).  White space inside the number is ignored.  The input
 * is already NFKC-normalized, so its digits are ASCII.
 *
 * It reads one whole number: a string that is not exactly one well-formed
 * number is refused, which is how plan names (十四五), words that merely
 * contain numeral characters (千万, 万一), bare multipliers (万), trailing
 * text (3个), 1.2.3 and an empty string are kept out.
 */
#ifndef FACTD_NUMERAL_H
#define FACTD_NUMERAL_H

#include <stddef.h>

/*
 * Parse s[0..len) (UTF-8, need not be NUL-terminated).  Returns 0 and sets
 * *value (a finite double), or -1 if s is not one number, leaving *value
 * alone.  value may be NULL to only ask whether s is a number.
 */
int numeral_parse(const char *s, size_t len, double *value);

/*
 * Does s[0..len) end in multipliers (千 万 亿 萬 億), after optional white
 * space and 余 or 多?  Returns their product (15.7万: 1e4, 4.78万亿: 1e12,
 * 1万余: 1e4), or 1.  It looks only at the end and does not check that s is
 * a number.
 */
double numeral_multiplier(const char *s, size_t len);

#endif
