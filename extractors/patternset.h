/*
 * patternset: load the *.pat files of a directory, expand macros, and compile each pattern
 * with PCRE2 (UTF, JIT).  The format is described in docs/patterns.md; in
 * short, a file is a list of directives, one per line:
 *
 *   define NAME  REGEX          a macro, used as {NAME} anywhere in the set
 *   pattern ID                  starts a pattern
 *   kind KIND                   area | mu | percent | pct_point | project, or declared
 *   new-kind NAME               declares a kind of fact (a new unit family)
 *   lists off                   numbers before this one do not share its unit
 *   unit SURFACE SCALE          a unit as written and its factor to the kind's base unit
 *   regex REGEX                 the pattern (several lines are joined)
 *   example TEXT => FACTS       a sentence and what the whole set must find in it
 *   qualifier NAME WHERE WORDS  qualifier words (before|mid|after the number)
 *   stance NAME REGEX           cues of a stance (target | reported)
 *   near WORD...                run the pattern only on sentences holding the
 *                               first character of one of these words
 *
 * Regexes are compiled with PCRE2_EXTENDED, so white space in them is for the
 * reader and # starts a comment.  They are JIT-compiled unless the
 * environment has FACTD_NO_JIT (for valgrind, which cannot follow JIT code,
 * and for systems that forbid writable executable memory).  Errors carry the file, line and column
 * of the offending text, macro bodies included.
 *
 * It does not run patterns over documents: extract does.
 */
#ifndef FACTD_PATTERNSET_H
#define FACTD_PATTERNSET_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fact.h"

/* A unit a pattern knows, as it may be written, with its scale. */
struct pattern_unit {
    char *surface; /* From malloc(), owned by the set. */
    double scale;  /* Factor to the kind's base unit (平方公里: 1e6). */
};

/* A sentence with the facts the set must find in it. */
struct pattern_example {
    char *text;    /* From malloc(), owned by the set. */
    char *expect;  /* "area 157000; project 40 more_than", or "none". Owned by the set. */
    unsigned line; /* Where the example stands in its file. */
};

/* One compiled pattern.  All of it is owned by the set and read-only to callers. */
struct pattern {
    char *id;      /* e.g. "area.metric" */
    char *file;    /* Path of the file that defines it. */
    unsigned line; /* Line of its "pattern" directive. */
    int kind;      /* Index in the set's kinds (patternset_kind_name()). */
    int no_lists;  /* "lists off": 26.2和17.5个百分点 sharing does not apply. */
    struct pattern_unit *units;
    size_t nunits;
    pcre2_code *code;
    uint32_t g_num;     /* Group numbers of the named groups, 0 when absent: num (required), */
    uint32_t g_hi;      /* hi (range high end), */
    uint32_t g_unit;    /* unit (looked up in units), */
    uint32_t g_sign;    /* sign (a minus written before a prefix unit such as 百分之), */
    uint32_t g_subject; /* subject (what the number measures, where the pattern knows). */
    struct pattern_example *examples;
    size_t nexamples;
    char **near;  /* Words whose first character a sentence must hold for the pattern to run. */
    size_t nnear; /* 0: the unit surfaces serve. */
};

/* Qualifier words, by where they stand relative to the number. */
enum qual_where { QUAL_BEFORE, QUAL_MID, QUAL_AFTER, QUAL_NWHERE };

struct qual_word {
    char *word; /* From malloc(), owned by the set. */
    enum fact_qual qual;
    enum qual_where where;
};

struct patternset;

/* Loading.  dir holds *.pat files, read in name order.  Returns NULL with err set. */
struct patternset *patternset_load(const char *dir, struct err *err);
void patternset_free(struct patternset *ps);

/* The same for one file's text, named name in messages (tests, fuzzing). */
struct patternset *patternset_load_buffer(const char *name, const char *data, size_t len,
                                          struct err *err);

/* Kinds: the five of FACTS.md (enum fact_kind) first, then those declared
 * with new-kind.  _kind() returns -1 for a name the set does not know. */
size_t patternset_kind_count(const struct patternset *ps);
const char *patternset_kind_name(const struct patternset *ps, int kind);
int patternset_kind(const struct patternset *ps, const char *name, size_t len);

/* The patterns, in load order. */
size_t patternset_count(const struct patternset *ps);
const struct pattern *patternset_get(const struct patternset *ps, size_t i);

/* Qualifier words, longest first within each place. */
size_t patternset_qual_count(const struct patternset *ps);
const struct qual_word *patternset_qual(const struct patternset *ps, size_t i);

/*
 * Gating: which patterns can match a sentence, from the characters in it.
 * Pattern i is bit i (patterns from the 64th on are always run).  A sentence
 * is looked at once: for a character c below U+10000 whose bit is set in
 * patternset_trigger_bits() (bit c%8 of byte c/8), patternset_trigger(c)
 * gives the patterns it triggers; patternset_always() those that run anyway.
 */
const unsigned char *patternset_trigger_bits(const struct patternset *ps);
uint64_t patternset_trigger(const struct patternset *ps, unsigned c);
uint64_t patternset_always(const struct patternset *ps);

/* Stance cues: compiled regexes, NULL when the set defines none. */
const pcre2_code *patternset_stance(const struct patternset *ps, enum fact_stance s);

/* 16 hex digits identifying the files' names and bytes (FNV-1a 64), for provenance. */
const char *patternset_hash(const struct patternset *ps);

/* The limits every match runs with, so no pattern can hang the caller. */
pcre2_match_context *patternset_match_context(const struct patternset *ps);

#endif
