/*
 * docinfo: what a document says of itself, as FACTS.md "The document" reads
 * it: its title, the date it was published and the year it speaks from
 * (doc_year, what 今年 resolves to).
 *
 *   published: the page's <meta> date; else a date line near the top of the
 *     text (发布日期:2020-01-16, 2019年12月3日 星期二, 来源:… 2020-01-18
 *     15:24:00); else a dated URL (/t20200116_6526.html; /202001/ gives the
 *     first of the month); else "".
 *   title: the page's <title>; else the headline of the text's title block.
 *   doc_year: a year the title (or a kicker line under the headline) names;
 *     else the first heading that names a year under a review (+1) or a plan;
 *     else published's year; else the caller's fallback; else 0.
 *
 * No I/O, no allocation: everything lands in the caller's struct docinfo.
 */
#ifndef FACTD_DOCINFO_H
#define FACTD_DOCINFO_H

#include <stddef.h>

#include "heading.h"
#include "html_text.h"

/* Where doc_year came from. */
enum docinfo_source {
    DOCINFO_NONE,           /* nowhere: doc_year is 0 */
    DOCINFO_TITLE,          /* the title, or a kicker line of the title block */
    DOCINFO_REVIEW_HEADING, /* a heading reviewing year Y: Y + 1 (Y for 上半年 and such) */
    DOCINFO_PLAN_HEADING,   /* a heading planning year Y: Y */
    DOCINFO_PUBLISHED,      /* the year of published */
    DOCINFO_FALLBACK,       /* the caller's year (--year, a source's year) */
};

struct docinfo {
    char title[512];    /* UTF-8, "" if none; cut at a character boundary. */
    char published[11]; /* "YYYY-MM-DD" or "". */
    int doc_year;       /* 0: none. */
    enum docinfo_source year_from;
    const char *published_from; /* "meta", "date line", "url" or NULL; static. */
};

/*
 * Read text[0..len) (normalized UTF-8, need not be NUL-terminated) into
 * *out.  uri: the page's URL or path, or NULL.  info: html_text()'s title and
 * <meta> date, or NULL for a text file.  hs: heading_find()'s headings of
 * the same text, or NULL to look for none.  fallback_year: --year or a
 * source's year, 0 if none.  Nothing is kept of the arguments.
 */
void docinfo_read(const char *text, size_t len, const char *uri, const struct html_info *info,
                  const struct headings *hs, int fallback_year, struct docinfo *out);

/* "none", "title", "review_heading", "plan_heading", "published", "fallback". */
const char *docinfo_source_name(enum docinfo_source s);

/*
 * The first valid date in s[0..n) as "YYYY-MM-DD" into out[11]: 2020-01-16,
 * 2020/1/16, 2020.01.16, 2019年12月3日, 二〇一九年十二月三日; not inside a
 * longer number.  Year 1990..2100, month 1..12, a day the month has.
 * Returns 0, or -1 when there is none.
 */
int docinfo_date(const char *s, size_t n, char out[11]);

/* The date a URL's path gives (t20200116_, /2020-01-16/, /2016/03/31/,
 * /2022/0419/, /20210118/, /202102/23/), else the first of the month it
 * gives (/202001/, /2022-01/), into out[11].  Returns 0, or -1 for none. */
int docinfo_url_date(const char *uri, char out[11]);

#endif
