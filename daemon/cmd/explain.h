/*
 * explain: "factd extract --explain": where the document's date and year
 * came from; each fact with the pattern and groups that made it, its
 * subject and the rule that chose it, its direction, year and stance; and
 * the near misses (a unit word beside a number, no fact).
 */
#ifndef FACTD_EXPLAIN_H
#define FACTD_EXPLAIN_H

#include <stddef.h>
#include <stdio.h>

#include "page.h"
#include "patternset.h"

/* Write the explanation of a document page_read() made with ps; doc names it. */
void explain_doc(FILE *out, const struct patternset *ps, const char *doc, const struct doc *d);

#endif
