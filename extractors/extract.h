/*
 * extract: run a pattern set over normalized text and return its facts, with
 * value, qualifier, sentence, clause, year and stance filled in.
 *
 * Patterns find candidates; the rules of FACTS.md that are the same for every
 * pattern live here: reading and scaling the number, a range's shared
 * multiplier, numbers of a list that share a unit written after the last, the
 * qualifier words next to the number, the guards that keep ordinals,
 * identifiers and URL escapes out, overlaps between patterns, and context.
 *
 * Input is text from normalize (valid UTF-8, NFKC).  No I/O.
 */
#ifndef FACTD_EXTRACT_H
#define FACTD_EXTRACT_H

#include <stddef.h>

#include "err.h"
#include "fact.h"
#include "patternset.h"

/* Bumped whenever a change to the rules here changes what is found: a store
 * records it with the pattern set, so a replay extracts pages again. */
#define EXTRACT_RULES_VERSION 4

/* What happened beyond the facts, for logs. */
struct extract_stats {
    size_t sentences;          /* Sentences looked at. */
    size_t candidates;         /* Pattern matches before the guards. */
    size_t limit_hits;         /* Matches abandoned at PCRE2's match or depth limit. */
    const char *limit_pattern; /* Id of the first pattern that hit a limit; owned by the set. */
    size_t limit_offset;       /* Byte offset of the sentence where it did. */
    int stopped;               /* The stop callback ended the run early, */
    size_t stopped_offset;     /* at the sentence starting here. */
};

/* Asked before each sentence; non-zero ends the run there. */
typedef int (*extract_stop_fn)(void *arg);

/*
 * Append the facts of text[0..len) to out, in text order.  doc_year is the
 * year of the document (今年 means it), 0 when unknown.  st may be NULL.
 * A pattern that hits a match limit is abandoned for that sentence and
 * counted in st; the others still run.  Returns 0, or -1 with err set when
 * memory runs out or the text is not valid UTF-8.
 */
int extract_run(const struct patternset *ps, const char *text, size_t len, int doc_year,
                struct fact_list *out, struct extract_stats *st, struct err *err);

/* The same, asking stop(arg) (when not NULL) before each sentence: a bound
 * on what one page may cost.  Stopped early, it returns 0 with the facts of
 * the sentences before, and st (required) says where it stopped. */
int extract_run_until(const struct patternset *ps, const char *text, size_t len, int doc_year,
                      struct fact_list *out, struct extract_stats *st, extract_stop_fn stop,
                      void *stop_arg, struct err *err);

/* The same with the section headings of text already found (heading_find()),
 * as page_read() has them; NULL finds them. */
struct headings;
int extract_run_headings(const struct patternset *ps, const char *text, size_t len, int doc_year,
                         const struct headings *hs, struct fact_list *out, struct extract_stats *st,
                         extract_stop_fn stop, void *stop_arg, struct err *err);

/*
 * The unit of f as written, with its multiplier and without the spaces a
 * spaced-out page puts between characters (万平方米), into out (NUL-ended,
 * truncated to outlen).  Returns the length.
 */
size_t extract_unit(const struct patternset *ps, const char *text, const struct fact *f, char *out,
                    size_t outlen);

#endif
