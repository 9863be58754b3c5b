/*
 * input: a saved page from disk to a struct doc, the way every command reads
 * pages: read whole under a size ceiling, decoded, stripped, normalized, with
 * its warnings (charset guesses, invalid bytes) written to a stream.
 */
#ifndef FACTD_INPUT_H
#define FACTD_INPUT_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "extract.h"
#include "page.h"

/* File name endings a directory walk takes as pages. */
extern const char *const input_page_exts[];

/*
 * Read path and turn it into d (the caller frees it with doc_free()).  raw,
 * if not NULL, gets the bytes as read (the caller frees them).  charset
 * overrides detection when not NULL.  Warnings go to warn.  Returns 0, or -1
 * with err set; on error nothing is left to free.
 */
int input_read_doc(const char *path, size_t max_bytes, const char *charset, struct doc *d,
                   struct text *raw, FILE *warn, struct err *err);

/* The same for bytes already read (not owned; they may be freed afterwards).
 * content_type is the HTTP Content-Type the bytes came with, or NULL. */
int input_doc_from_bytes(const char *path, const char *bytes, size_t len, size_t max_bytes,
                         const char *charset, const char *content_type, struct doc *d, FILE *warn,
                         struct err *err);

/* Options every command that reads pages takes.  They print a message
 * naming cmd and return -1 when arg is not acceptable. */
int input_parse_max_bytes(const char *cmd, const char *arg, size_t *out);
int input_parse_year(const char *cmd, const char *arg, int *out);
/* A whole number from lo to hi for the option called option; the message
 * says the option wants `wants` ("milliseconds"). */
int input_parse_number(const char *cmd, const char *option, const char *wants, const char *arg,
                       long lo, long hi, long *out);

/* Where patterns are when no --patterns is given: the source tree's when
 * running from a build tree, else the installed ones. */
const char *input_patterns_dir(void);

struct patternset;
struct fact_list;
struct store_doc;

/*
 * A page as replay and run store it: decoded as input_doc_from_bytes() does,
 * its facts extracted with ps (year: when the page does not say its own),
 * sd's title, published and charset pointed into d, and a pattern that gave
 * up at its match limit named on warn.  d and facts are the caller's to
 * free on success (facts is initialized here); on failure nothing is left
 * to free.  Returns 0; -1 when the page cannot be decoded, -2 when
 * extraction failed; err says why, naming path.
 */
int input_extract(const char *path, const char *bytes, size_t len, size_t max_bytes,
                  const char *charset, const char *content_type, int year,
                  const struct patternset *ps, struct doc *d, struct fact_list *facts,
                  struct store_doc *sd, FILE *warn, struct err *err);

/* The same, asking stop(stop_arg) before each sentence (extract_run_until()):
 * a page stopped early gives the facts found before, and *st says where it
 * stopped; whether to keep them is the caller's to decide. */
int input_extract_until(const char *path, const char *bytes, size_t len, size_t max_bytes,
                        const char *charset, const char *content_type, int year,
                        const struct patternset *ps, struct doc *d, struct fact_list *facts,
                        struct store_doc *sd, extract_stop_fn stop, void *stop_arg,
                        struct extract_stats *st, FILE *warn, struct err *err);

/* The hash the store records a pattern set under (store_pattern_set()): of
 * the pattern files, this factd and the options that change what a page
 * gives (year, charset, each NULL or 0 when not given), into out[33]. */
void input_set_hash(const struct patternset *ps, int year, const char *charset, char out[33]);

#endif
