/*
 * labels: which source, and which place, the pages under a path or URL
 * prefix belong to: the CSV file of factd replay --sources, so that a folder
 * of reports from ten counties is labelled in one run.
 *
 *   prefix,source,region,region_code,level
 *   reports/hongqiao/,hongqiao,天津市红桥区,120106,district
 *   http://www.tjhq.gov.cn/,hongqiao,天津市红桥区,120106,district
 *
 * The header line is required as written; region, region_code and level may
 * be empty.  Fields may be quoted as RFC 4180 says ("a,b", "say ""x""")
 * but, unlike RFC 4180, not across a line break: a row is a line.
 * A page takes the row with the longest prefix of its path or URL.
 */
#ifndef FACTD_LABELS_H
#define FACTD_LABELS_H

#include <stddef.h>

#include "err.h"

struct label {
    char *prefix, *source;              /* never NULL */
    char *region, *region_code, *level; /* NULL when empty */
};

/* All from malloc(), owned by the labels: labels_free(). */
struct labels {
    struct label *v;
    size_t n;
};

/*
 * Read the CSV text data[0..len), named name in messages.  Every bad line is
 * reported through report (FILE:LINE: message) and the result is -1 when
 * there was any, with nothing kept; 0 with out filled otherwise.
 */
int labels_parse(const char *name, const char *data, size_t len, struct labels *out,
                 void (*report)(void *arg, const struct err *e), void *arg);

/* The row whose prefix is the longest one of uri, or NULL. */
const struct label *labels_find(const struct labels *l, const char *uri);

void labels_free(struct labels *l);

#endif
