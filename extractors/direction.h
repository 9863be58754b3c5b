/*
 * direction: is a fact's number the size of a change, and which way, from
 * the words before it in a clause being read (struct rd, words.h).
 */
#ifndef FACTD_DIRECTION_H
#define FACTD_DIRECTION_H

#include <stddef.h>

#include "fact.h"
#include "words.h"

/* The change word that ends at p, longest first: its direction, and its
 * length in *len (0 when none; an amount such as 新增 gives NONE). */
enum fact_direction direction_change_ending(const struct rd *r, size_t p, size_t *len);

/* The direction the words right before p give, p being where the number's
 * surface, or the list of numbers it ends, starts. */
enum fact_direction direction_before(const struct rd *r, size_t p);

#endif
