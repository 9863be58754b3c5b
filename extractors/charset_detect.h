/*
 * charset_detect: which converter a page is decoded with.  Private to the
 * charset pair: charset.c runs the steps of the choice in charset.h's order
 * and decodes; callers outside use charset.h only.  Converter names are ICU's
 * and written into the caller's buffer (40 bytes, as charset_result.name).
 */
#ifndef FACTD_CHARSET_DETECT_H
#define FACTD_CHARSET_DETECT_H

#include <stddef.h>

#include "charset.h"

/* How many bytes of an HTML page the <meta> prescan reads, as browsers do. */
#define CHARSET_META_SCAN 1024

/* How many bytes the detector sees, from the first non-ASCII byte on. */
#define CHARSET_DETECT_SAMPLE (64 * 1024)

/* charset=VALUE in a Content-Type-like s[0..n): 1 with *val, *vlen set, or 0. */
int charset_detect_param(const char *s, size_t n, const char **val, size_t *vlen);

/* The converter for the label s[0..n), into conv: 0, or -1 if the label is
 * unknown or names an encoding we refuse. */
int charset_detect_lookup(const char *s, size_t n, char *conv, size_t convlen);

/* Note the label s[0..n), found in what, as passed over, unless a warning is
 * already there. */
void charset_detect_warn_label(struct charset_result *res, const char *what, const char *s,
                               size_t n);

/* The <meta> prescan of p[0..n): 0 with conv and the label in p, or -1. */
int charset_detect_meta(const char *p, size_t n, char *conv, size_t convlen, const char **label,
                        size_t *label_len, struct charset_result *res);

/* Is p[0..n) UTF-8 with a few bad bytes, rather than some other encoding? */
int charset_detect_mostly_utf8(const unsigned char *p, size_t n);

/* ICU's detector on a sample from first_high on: the converter, into conv
 * (GB18030 when it has no answer worth taking). */
void charset_detect(const char *in, size_t len, size_t first_high, int is_html, char *conv,
                    size_t convlen);

/* Could these bytes be UTF-8, as a label says? */
int charset_detect_utf8_plausible(const unsigned char *p, size_t len);

/* A UTF-16 or UTF-32 conv without a BOM: 0 with conv set to the byte order
 * the bytes bear out, or -1 when neither does. */
int charset_detect_wide_fits(const unsigned char *p, size_t len, char *conv, size_t convlen);

/* Is conv a converter charset_detect_wide_fits() must confirm? */
int charset_detect_is_wide(const char *conv);

#endif
