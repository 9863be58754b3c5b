/*
 * examples: check the examples written beside the patterns.
 *
 * Every "example TEXT => FACTS" line says what the whole pattern set must
 * find in TEXT: facts as "KIND VALUE[..MAX] [QUALIFIER] [subject=WORDS]
 * [direction=up|down|none]" separated by ";", or "none".  subject and
 * direction are checked where the example states them.  The order does not
 * matter; a missing or an extra fact fails.
 */
#ifndef FACTD_EXAMPLES_H
#define FACTD_EXAMPLES_H

#include <stddef.h>

#include "patternset.h"

/* Called once per failing example with a message such as
 * "expected area 157000, got area 15.7" (without location). */
typedef void (*examples_report_fn)(void *arg, const struct pattern *p,
                                   const struct pattern_example *ex, const char *msg);

/* Check every example of every pattern; returns the number that failed.
 * *total, if not NULL, gets the number checked. */
size_t examples_check(const struct patternset *ps, examples_report_fn report, void *arg,
                      size_t *total);

#endif
