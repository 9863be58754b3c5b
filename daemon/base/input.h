/*
 * input: what the commands that read pages share: which files are pages,
 * the options they all take, where the patterns are, and the hash of what
 * decides a page's facts.  A page itself goes through page_read().
 */
#ifndef FACTD_INPUT_H
#define FACTD_INPUT_H

#include <stddef.h>

/* File name endings a directory walk takes as pages. */
extern const char *const input_page_exts[];

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

/* The hash the store records a pattern set under (store_pattern_set()): of
 * the pattern files, this factd and the options that change what a page
 * gives (year, charset, each NULL or 0 when not given), into out[33]. */
void input_set_hash(const struct patternset *ps, int year, const char *charset, char out[33]);

#endif
