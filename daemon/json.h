/*
 * json: write JSON values to a stdio stream.  Strings are escaped per RFC 8259
 * and must be valid UTF-8 (normalized text always is); numbers are written
 * with 15 significant digits so that 5.9平方公里 prints as 5900000.
 */
#ifndef FACTD_JSON_H
#define FACTD_JSON_H

#include <stddef.h>
#include <stdio.h>

void json_string(FILE *f, const char *s, size_t len);
void json_cstring(FILE *f, const char *s); /* NULL prints null */
void json_number(FILE *f, double v);

#endif
