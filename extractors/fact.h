/*
 * fact: the value type the extractor produces (see FACTS.md in docs/), and a
 * growable list of them.
 *
 * A fact does not copy its text: every span is an offset and length into the
 * normalized text it was found in, which must outlive the fact.  Whoever keeps
 * facts beyond that (the store, the JSON writer) copies what it needs.
 */
#ifndef FACTD_FACT_H
#define FACTD_FACT_H

#include <stddef.h>

/* The kinds of FACTS.md.  A pattern set may declare more (new-kind), numbered
 * from FACT_NKINDS on; patternset_kind_name() names any of them. */
enum fact_kind {
    FACT_AREA,      /* square metres */
    FACT_MU,        /* mu (亩) */
    FACT_PERCENT,   /* the percent number: 7.3% is 7.3 */
    FACT_PCT_POINT, /* percentage points: 1.5个百分点 is 1.5 */
    FACT_PROJECT,   /* a count of projects (项目) or works (工程) */
    FACT_NKINDS
};

enum fact_qual {
    QUAL_NONE,
    QUAL_APPROX,    /* 约 近 左右 ... */
    QUAL_MORE_THAN, /* 余 多 超过 ... */
    QUAL_AT_LEAST,  /* 以上 不低于 ... (以上 includes the number) */
    QUAL_AT_MOST,   /* 以下 以内 不超过 ... */
    QUAL_N
};

/* Which way a number that is the size of a change goes (FACTS.md,
 * direction): 下降1.3% has value 1.3 and DIRECTION_DOWN.  subject.c reads it. */
enum fact_direction { DIRECTION_NONE, DIRECTION_UP, DIRECTION_DOWN };

enum fact_stance {
    STANCE_NONE,
    STANCE_TARGET,   /* a commitment about the future */
    STANCE_REPORTED, /* a result already reached */
    STANCE_N
};

/* A run of bytes in the normalized text. */
struct span {
    size_t off; /* Byte offset from the start of the text. */
    size_t len; /* Bytes. */
};

struct fact {
    int kind;         /* An enum fact_kind, or a kind the pattern set declared. */
    double value;     /* In the kind's base unit, sign included. */
    double value_max; /* High end of a range; meaningful only when has_max. */
    int has_max;      /* 1 for a range. */
    enum fact_qual qualifier;
    enum fact_stance stance;
    int year;                      /* Governing year, 0 when none. */
    enum fact_direction direction; /* Of a change; DIRECTION_NONE for a level or an amount. */
    struct span subject;           /* What the number measures, as written; empty when none. */
    struct span text;              /* Matched surface with adjacent qualifier words. */
    struct span match;             /* What the pattern matched (for explaining it). */
    struct span mult;     /* Multiplier written with the number (万 of 15.7万), may be empty. */
    struct span number;   /* The number as written (15.7 of 15.7万平方米). */
    struct span unit;     /* Unit as written, e.g. 平方米; with mult it makes 万平方米. */
    struct span sentence; /* Sentence around the fact (split at 。!? and line ends). */
    struct span clause;   /* Part of the sentence between , ; : on either side. */
    unsigned position;    /* Index among the facts of its sentence, from 0. */
    int pattern;          /* Index of the pattern that matched, in its patternset. */
    int list_item;        /* 1 when the number shares a unit written after a later number. */
    /* text and sentence in the page's text before NFKC (struct doc's
     * original), set by page_read(); {0, 0} when not known. */
    struct span original, original_sentence;
};

struct fact_list {
    struct fact *v; /* From malloc(); owned by the list. */
    size_t n;       /* Facts in use. */
    size_t cap;     /* Facts allocated. */
};

/* Names used in JSON and SQL: "area", "approx", "target"... NULL-free for any valid value. */
const char *fact_kind_name(enum fact_kind k);
const char *fact_qual_name(enum fact_qual q);           /* QUAL_NONE gives NULL */
const char *fact_stance_name(enum fact_stance s);       /* STANCE_NONE gives NULL */
const char *fact_direction_name(enum fact_direction d); /* "up", "down"; NONE gives NULL */

/* Look a kind up by name; returns -1 if unknown. */
int fact_kind_from_name(const char *name, size_t len);
int fact_qual_from_name(const char *name, size_t len);

/* Lists: init empty, append a copy (-1 on out of memory), free the array. */
void fact_list_init(struct fact_list *l);
int fact_list_push(struct fact_list *l, const struct fact *f);
void fact_list_free(struct fact_list *l);

#endif
