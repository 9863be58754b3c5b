/*
 * pattern_file: the inside of a pattern set, shared by the two files that
 * make one: pattern_file.c reads *.pat files into it (pass 1) and
 * patternset.c compiles what was read (pass 2) and answers the accessors of
 * patternset.h.  Nothing outside those two includes this header.
 *
 * Everything in struct patternset is owned by the set and freed by
 * patternset_free(); struct loc's file points into the set's file names.
 */
#ifndef FACTD_PATTERN_FILE_H
#define FACTD_PATTERN_FILE_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "patternset.h"

#define MAX_PATTERN_FILE_BYTES (1u << 20)
#define MAX_EXPANDED_BYTES     (1u << 20)

/* Where a byte of regex source came from. */
struct loc {
    const char *file; /* Points into ps->files; not owned. */
    unsigned line;
    unsigned col; /* 1-based, in characters */
};

/* Regex source text and the origin of each of its bytes. */
struct src {
    struct buf text;
    struct loc *locs; /* From malloc(); one per byte of text. */
    size_t nlocs;
    size_t caplocs;
};

struct macro {
    char *name;
    struct src body;
    struct loc at; /* the define directive */
    int busy;      /* set while expanding, to find cycles */
};

struct rawpattern {
    struct pattern p;
    struct src regex;
    char *kind;         /* the kind as written, resolved once all files are read */
    struct loc kind_at; /* where it is written */
};

/* A character that lets some patterns run on a sentence. */
struct trigger {
    unsigned cp;
    uint64_t mask; /* the patterns it lets run */
};

struct patternset {
    char **files; /* From malloc(); names of the files read. */
    size_t nfiles;
    char **kinds; /* From malloc(): FACTS.md's five, then declared ones. */
    size_t nkinds;
    struct macro *macros;
    size_t nmacros;
    struct rawpattern *pats;
    size_t npats;
    struct qual_word *quals;
    size_t nquals;
    struct src stance[STANCE_N];
    pcre2_code *stance_code[STANCE_N];
    pcre2_match_context *mctx;
    char hash[17];
    unsigned char trig_bits[65536 / 8]; /* characters below U+10000 that are triggers */
    struct trigger *trig;               /* From malloc(): one entry per trigger character. */
    size_t ntrig;
    uint64_t always; /* patterns that cannot be gated */
};

/* Append n bytes of regex source at p to s, all from at (the column moving
 * on with each character).  Returns -1 when out of memory or over
 * MAX_EXPANDED_BYTES. */
int pattern_src_add(struct src *s, const char *p, size_t n, struct loc at);

/* Free s's text and positions and empty it. */
void pattern_src_free(struct src *s);

/* Set err to the message fmt at at (file, line, column). */
void pattern_err_at(struct err *err, struct loc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Is p[0..n) a macro name: an upper case letter, then upper case letters,
 * digits and _? */
int pattern_is_macro_name(const char *p, size_t n);

/* Read the directives of the file named last in ps->files from data[0..len).
 * Returns -1 with err set (at the offending line, "out of memory" if nothing
 * more precise). */
int pattern_file_parse(struct patternset *ps, const char *data, size_t len, struct err *err);

/* Read the file at path (at most MAX_PATTERN_FILE_BYTES) into ps as
 * pattern_file_parse() does, after folding its bytes into *hash (FNV-1a).
 * Returns -1 with err set. */
int pattern_file_read(struct patternset *ps, const char *path, struct err *err, uint64_t *hash);

/* scandir() filter: a *.pat file name, not hidden. */
int pattern_file_filter(const struct dirent *de);

#endif
