/*
 * quantity: the extent of numbers and quantities in a clause being read
 * (struct rd, words.h), for subject.c and direction.c.  No allocation; the
 * quantities found are kept in the caller's struct rd.
 */
#ifndef FACTD_QUANTITY_H
#define FACTD_QUANTITY_H

#include <stddef.h>

#include "fact.h"
#include "words.h"

/* Characters that start a Chinese numeral, and that may follow its first
 * (three-byte characters, as words.h's ch_in() reads them). */
extern const char quantity_cn_lead[];
extern const char quantity_cn_more[];
/* Qualifier words after a quantity (以上) and before a number (约, 超过). */
extern const struct word quantity_quals_after[];
extern const struct word quantity_quals_before[];

/* End of the number that starts at p, p if none starts there. */
size_t quantity_number_end(const struct rd *r, size_t p);

/* Length of the qualifier word before a number that ends at p, 0 if none. */
size_t quantity_qual_before(const struct rd *r, size_t p);

/* End of the quantity that starts at p (0 if none); *unit_end (may be NULL)
 * gets the end of its unit, before a qualifier after it. */
size_t quantity_end(const struct rd *r, size_t p, size_t *unit_end);

/* May a number start at p: not inside another, not after 每 or 第? */
int quantity_may_start(const struct rd *r, size_t p);

/* Fill r->q with the quantities of the window and the other facts of the
 * clause (others[0..nothers), but not own, the fact being read). */
void quantity_find(struct rd *r, const struct span *others, size_t nothers, struct span own);

/* Start of a remembered quantity that ends at p, or SIZE_MAX. */
size_t quantity_ending(const struct rd *r, size_t p);

/* Does a remembered quantity start at p? */
int quantity_starting(const struct rd *r, size_t p);

/* Where the list of quantities that ends before p starts (分别达到40%和35%);
 * p when there is none.  *listed is set to 1 when there is one. */
size_t quantity_list_start(const struct rd *r, size_t p, int *listed);

#endif
