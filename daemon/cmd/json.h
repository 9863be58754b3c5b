/*
 * json: write JSON values to a stdio stream.  Strings are escaped per RFC 8259;
 * bytes that are not UTF-8 (a file name may hold them) become U+FFFD, so the
 * output is always valid JSON.  Numbers are written with 15 significant
 * digits so that 5.9平方公里 prints as 5900000.
 */
#ifndef FACTD_JSON_H
#define FACTD_JSON_H

#include <stddef.h>
#include <stdio.h>

void json_string(FILE *f, const char *s, size_t len);
void json_cstring(FILE *f, const char *s); /* NULL prints null */
void json_number(FILE *f, double v);

#endif
