/*
 * explain: "factd extract --explain": each fact with the pattern and groups
 * that made it, and the near misses (a unit word beside a number, no fact).
 */
#ifndef FACTD_EXPLAIN_H
#define FACTD_EXPLAIN_H

#include <stddef.h>
#include <stdio.h>

#include "fact.h"
#include "patternset.h"

/* Write the explanation of the facts of one document's normalized text. */
void explain_doc(FILE *out, const struct patternset *ps, const char *doc, const char *text,
                 size_t len, const struct fact_list *facts);

#endif
