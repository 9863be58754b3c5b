/*
 * segment: sentences and clauses of normalized text, as FACTS.md defines them.
 *
 * A sentence ends at 。 ! ? (and their full-width forms, should any survive
 * normalization) or at a line break; a clause is the part of a sentence
 * between , ; : on either side.  A comma between digits that is followed by
 * exactly three digits is a thousands separator, and a colon between digits
 * is a time: neither ends a clause.
 *
 * These rules are the extractor's contract, which is why they are written out
 * here rather than taken from ICU's sentence break iterator: ICU also breaks
 * after a full stop followed by a space and keeps closing quotes with the
 * sentence before them, and the identity of a fact depends on its sentence.
 */
#ifndef FACTD_SEGMENT_H
#define FACTD_SEGMENT_H

#include <stddef.h>

#include "fact.h"

/* The sentence that starts at or after from: *next is where the one after it
 * starts.  Leading and trailing spaces and tabs are not part of it; the
 * ending punctuation is.  Returns 0 when no text is left. */
int segment_next_sentence(const char *text, size_t len, size_t from, struct span *sentence,
                          size_t *next);

/* The clause of sentence s that holds byte offset off. */
struct span segment_clause(const char *text, struct span s, size_t off);

#endif
