/*
 * context: the year and stance of a sentence's facts (docs/FACTS.md, "year",
 * "stance" and the rulings on context), from the sentence and what the text
 * before it said.
 *
 * extract.c walks a document one sentence at a time and tells the context
 * where it is: a new paragraph, the heading that governs the sentence, and
 * each sentence, with its facts or without.  What a sentence says of its
 * year is carried to the next ones of its paragraph (2025年,...。 新增...);
 * a heading's year and kind (reviews, plans) hold for every sentence under
 * it.  A struct context is the caller's, on its stack; it holds no pointers.
 */
#ifndef FACTD_CONTEXT_H
#define FACTD_CONTEXT_H

#include <stddef.h>

#include "fact.h"
#include "heading.h"
#include "patternset.h"

struct context {
    int doc_year;     /* the year the document speaks from, 0 when unknown */
    int para_year;    /* the year named last in this paragraph, 0 when none */
    int heading_year; /* the governing heading's year, 0 when none */
    int heading_kind; /* HEADING_* of the innermost heading that reviews or plans */
    int doc_kind;     /* HEADING_REVIEW for a report on a past period (its title) */
};

/* A document that speaks from doc_year (0 when unknown); doc_kind is its
 * title's (struct headings, title_kind). */
void context_start(struct context *cx, int doc_year, enum heading_kind doc_kind);

/* A line break: the paragraph's year carries no further. */
void context_paragraph(struct context *cx);

/* The heading that governs the next sentences: its year (0 if none), kind. */
void context_heading(struct context *cx, int year, enum heading_kind kind);

/* Sentence s holds no fact; it may still name the year the next are for. */
void context_skip(struct context *cx, const char *text, struct span s);

/*
 * The year and stance of f[0..n), the facts of sentence s in text order,
 * each with its text and clause set.  md is match data big enough for the
 * set's stance cues (any of the set's patterns' is).
 */
void context_facts(struct context *cx, const struct patternset *ps, pcre2_match_data *md,
                   const char *text, struct span s, struct fact *f, size_t n);

#endif
