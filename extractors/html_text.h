/*
 * html_text: turn UTF-8 HTML into the text a reader sees (libxml2).
 *
 * Scripts, styles, comments, <template>, <noscript> and hidden elements (the
 * hidden attribute, aria-hidden="true", style display:none or
 * visibility:hidden) are dropped.  Block elements and <br> end lines; a table
 * row is one line with its cells separated by tabs; entities are decoded.
 * The parser is told the input is UTF-8 (HTML_PARSE_IGNORE_ENC): libxml2
 * 2.9.14 loses text when it switches encodings on its own.
 *
 * It does not detect charsets (charset does) or normalize (normalize does).
 */
#ifndef FACTD_HTML_TEXT_H
#define FACTD_HTML_TEXT_H

#include <stddef.h>

#include <libxml/HTMLparser.h>

#include "buf.h"
#include "err.h"

/* What the page says of itself, where it says it. */
struct html_info {
    char title[512];    /* <title>, white space folded; "" if none. */
    char published[32]; /* Publication date as YYYY-MM-DD from common <meta> names; "" if none. */
};

/* Does buf look like HTML?  (A tag near the start: <!doctype, <html, <head, <meta, <body...) */
int html_sniff(const char *buf, size_t len);

/*
 * Convert UTF-8 html[0..len) to text in out (the caller owns it afterwards).
 * info may be NULL.  out never passes max_out bytes.  Malformed HTML is not an
 * error: the parser recovers as browsers do.  Returns 0, or -1 with err set.
 */
int html_text(const char *html, size_t len, size_t max_out, struct text *out,
              struct html_info *info, struct err *err);

/*
 * Run libxml2's HTML parser over UTF-8 html[0..len) the way html_text()
 * does, for another module's SAX callbacks (links): the pull parser through
 * a read callback, invalid bytes as U+FFFD and NUL bytes dropped on the way
 * in, the input declared UTF-8, errors recovered from silently.  The
 * callbacks get user as their context; *parser, if not NULL, holds the
 * parser while it runs (for xmlStopParser()) and NULL after.  Returns 0, or
 * -1 when memory ran out before parsing.
 */
int html_parse(const char *html, size_t len, const htmlSAXHandler *sax, void *user,
               htmlParserCtxtPtr *parser);

#endif
