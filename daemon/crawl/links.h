/*
 * links: the links of an HTML page as absolute URLs, for following a
 * source's list pages to its articles.
 *
 * The page is parsed with libxml2 (UTF-8, already decoded by charset) and
 * each <a href> and <area href> is resolved with curl_url() against the
 * page's first <base href> (itself resolved against the page's URL), which
 * counts for the links before it too, or else the page's URL.  Fragments are
 * dropped; only http and https URLs are kept; each URL is given once, in the
 * order of its first link.
 *
 * An href is trimmed and tidied as a browser does (tabs and line breaks in it
 * dropped, UTF-8 file names and other bytes a URL cannot hold percent-encoded).
 * Passed over: empty hrefs, fragment-only ones ("#", "#top"), hrefs longer
 * than 8192 bytes or resolving to longer URLs, other schemes (javascript:,
 * mailto:, ftp:...), and whatever curl cannot resolve.  URLs are given as curl
 * prints them, with the host in lower case, escapes in upper-case hex and no
 * default port, so that equal URLs are equal strings.  At most 100000 URLs
 * and 32 MiB of them are given for one page; the links after that are passed
 * over.
 *
 * It does not filter by source (link_pattern, allowed_hosts): run_cmd does.
 */
#ifndef FACTD_LINKS_H
#define FACTD_LINKS_H

#include <stddef.h>

#include "err.h"

/* The URLs found; urls and each string are from malloc() and owned by the
 * struct: links_free() frees them. */
struct links {
    char **urls;
    size_t n, cap;
};

/*
 * Find the links of the UTF-8 HTML html[0..len), which was fetched from
 * page_url (the effective URL, after redirects), into out (initialized here).
 * A link that cannot be resolved is passed over.  Returns 0, or -1 with err
 * set (page_url unusable, out of memory); nothing is left to free on error.
 */
int links_extract(const char *html, size_t len, const char *page_url, struct links *out,
                  struct err *err);

/* Free the URLs and empty l; links_free(NULL) and an emptied l are fine. */
void links_free(struct links *l);

#endif
