/*
 * subject: what a fact's number measures or counts, and whether the number
 * is the size of a change (docs/FACTS.md, "Context" and "Rulings on
 * context").  extract.c calls it once per fact, with the clause it found.
 *
 * Everything is a span of the caller's text: nothing is copied, allocated
 * or kept between calls but the explanation of the last call (subject_why).
 */
#ifndef FACTD_SUBJECT_H
#define FACTD_SUBJECT_H

#include <stddef.h>

#include "fact.h"

/* "up", "down"; DIRECTION_NONE (or any other value) gives NULL. */
const char *subject_direction_name(enum fact_direction d);

/*
 * The subject and direction of the fact whose number starts at num.off.
 * text is UTF-8 (normalize's output).  clause is the span of text that holds
 * the fact, between the nearest , ; : on either side (segment_clause);
 * f_text is the fact's surface (its text: number, multiplier, unit,
 * qualifier words, and for a count of projects the counted noun: 40余个重大
 * 项目, 项目71个); num.len may be 0, the number is read from num.off.
 * others are the surfaces of the other facts of the same clause (may be
 * NULL when nothers is 0): a number of a list that shares its head noun
 * (12个、55万平方米项目) is looked past, any other ends a subject.
 *
 * *subject gets a span inside clause that never holds , ; : (nor ，；：),
 * without the number, its unit and qualifiers, or {0, 0} when the clause
 * names nothing the number measures.  *dir gets the direction.  Spans that
 * do not fit (num outside clause) give {0, 0} and DIRECTION_NONE.
 */
void subject_find(const char *text, struct span clause, struct span f_text, struct span num,
                  const struct span *others, size_t nothers, struct span *subject,
                  enum fact_direction *dir);

/*
 * Why the last subject_find() of the calling thread chose its subject, in
 * short English for factd extract --explain ("noun after the unit", "none:
 * the clause names nothing before or after the number").  A static string;
 * "" before the first call.
 */
const char *subject_why(void);

#endif
