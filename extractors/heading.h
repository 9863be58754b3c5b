/*
 * heading: the section headings of a document's normalized text, and what
 * they say to the sentences under them (FACTS.md, "The document" and
 * "Rulings on context").
 *
 * A paragraph is a line.  A heading is a short line without sentence
 * punctuation that starts with a numbering (第一部分, 第一章, 一、, (一), 1.,
 * (1), ①) or stands alone before a paragraph.  Its level comes from its
 * numbering; its year is the one year it names (二、2020年工作安排 → 2020);
 * its kind says whether it reviews (回顾, 完成情况, 过去五年...) or plans
 * (安排, 目标, 主要任务, 规划...), counting those words only as words of
 * their own.  A heading governs what follows it until the next heading of
 * the same or a higher (smaller) level.  The title block at the top
 * (headline, kicker, breadcrumbs, date line) is never a heading.
 *
 * The text is what normalize_text() makes (valid UTF-8, NFKC: (一) not
 * （一）, ASCII digits and ,:;!?).  No I/O; struct headings owns its array
 * and nothing else: the spans point into the caller's text.
 */
#ifndef FACTD_HEADING_H
#define FACTD_HEADING_H

#include <stddef.h>

#include "err.h"
#include "fact.h"

enum heading_kind { HEADING_NEUTRAL, HEADING_REVIEW, HEADING_PLAN };

/*
 * Levels, outermost first.  An unnumbered heading is HEADING_LEVEL_PLAIN,
 * the innermost, so that a line standing alone never ends a numbered
 * section; but in a document whose section titles are unnumbered (the first
 * heading that names a year or reviews or plans comes before any numbered
 * one: 2020年长沙 ... 经济恢复增长 ... 2021年长沙), every unnumbered heading
 * that names a year or reviews or plans is HEADING_LEVEL_TOP and holds the
 * rest, numbered or not.
 */
enum heading_level {
    HEADING_LEVEL_TOP = 0,       /* unnumbered section title (above) */
    HEADING_LEVEL_PART = 1,      /* 第一部分, 第一篇, 第一编 */
    HEADING_LEVEL_CHAPTER = 2,   /* 第一章 */
    HEADING_LEVEL_SECTION = 3,   /* 第一节 */
    HEADING_LEVEL_CN = 4,        /* 一、 一. */
    HEADING_LEVEL_CN_PAREN = 5,  /* (一) */
    HEADING_LEVEL_NUM = 6,       /* 1. 1、 */
    HEADING_LEVEL_NUM_PAREN = 7, /* (1) 1) */
    HEADING_LEVEL_CIRCLED = 8,   /* ① */
    HEADING_LEVEL_PLAIN = 9,     /* unnumbered */
};

#define HEADING_NO_PARENT ((size_t)-1)

/* A heading that names its year only against the document's (今年目标, 去年
 * 重大工程建设成绩单, 拼搏全年红) holds HEADING_YEAR_REL plus the offset: -1,
 * 0 or 1.  heading_year_resolve() makes it a year once doc_year is known. */
#define HEADING_YEAR_REL 100000

static inline int
heading_year_resolve(int year, int doc_year)
{
    if (year < HEADING_YEAR_REL - 1)
        return year;
    return doc_year > 0 ? doc_year + (year - HEADING_YEAR_REL) : 0;
}

struct heading {
    struct span line;       /* The line, without the white space around it. */
    int level;              /* enum heading_level */
    int year;               /* The one year it names (19xx/20xx + 年), or one relative
                             * to the document's (HEADING_YEAR_REL), else 0. */
    int year_part;          /* 1: a part of that year (2023年上半年, 前三季度, 1-6月). */
    enum heading_kind kind; /* Of its own words. */
    size_t parent;          /* Index of the heading it stands under, or HEADING_NO_PARENT. */
    int ctx_year;           /* year, else its parent's ctx_year. */
    enum heading_kind ctx_kind; /* kind if not NEUTRAL, else its parent's ctx_kind. */
    int status;                 /* 1: it says how things stand (完成情况) and names no year. */
};

struct headings {
    struct heading *v; /* From malloc(), in text order; owned (headings_free()). */
    size_t n, cap;
    size_t title_end; /* The first byte after the title block (heading_title_end()). */
    /* HEADING_REVIEW when the title block names a report on a past period
     * (统计公报, 完成情况, 执行情况, 进展情况, 工作总结): the whole document
     * reviews, where no heading of its own decides.  Else NEUTRAL. */
    enum heading_kind title_kind;
};

/*
 * Find the headings of text[0..len) (normalized UTF-8; need not be
 * NUL-terminated) into out, which it sets up.  Returns 0, or -1 when memory
 * ran out, with err set; either way out is freed with headings_free().
 */
int heading_find(const char *text, size_t len, struct headings *out, struct err *err);

/* Free what h holds; h may be reused.  headings_free(NULL) does nothing. */
void headings_free(struct headings *h);

/*
 * What governs byte offset off: the headings before it that no later heading
 * of the same or a higher level has closed.  *year: the innermost of them
 * that names a year, else 0; *kind: the innermost that is not NEUTRAL, else
 * NEUTRAL.  A heading line itself is governed by the headings above it, not
 * by its own words: its own year stands in its own clause anyway, and its
 * kind speaks of what comes under it (1.国内生产总值增长5.5%左右 under
 * 2022年发展主要预期目标 takes 2022 and PLAN from that heading).  O(log n).
 * h may be NULL.
 */
void heading_context(const struct headings *h, size_t off, int *year, enum heading_kind *kind);

/* The heading whose line holds byte offset off, or NULL.  O(log n). */
const struct heading *heading_at(const struct headings *h, size_t off);

/*
 * Where the title block of text[0..len) ends: the first lines (headline,
 * site name, breadcrumbs, kicker, date line) up to the first paragraph (a
 * line with 。!?; or two commas, or longer than 64 characters) or the first
 * numbered line, and no further than the 30th line.  When the block has
 * more than one line and its last line is a short line that reviews or
 * plans (政府工作报告 / 2019年工作回顾 / 过去一年...), that line is a heading
 * and the block ends before it.  With no paragraph in the first 30 lines
 * (a table, a list of links), the block is the first line only.  Returns
 * the offset of the first line after the block; 0 when the text starts
 * with a paragraph or a numbered line.
 */
size_t heading_title_end(const char *text, size_t len);

/* A year that a line names, as heading_years() finds it. */
struct heading_year {
    size_t off;     /* Byte offset of its first digit in the line. */
    int year;       /* 1900..2099 */
    unsigned flags; /* HEADING_Y_* */
};

#define HEADING_Y_BARE    0x01u /* no 年 after it: 2020天津两会, 2022政府工作报告 */
#define HEADING_Y_DATE    0x02u /* a month follows: 2023年12月27日 */
#define HEADING_Y_SPAN    0x04u /* an end of a span: 2016-2020年, 2016年至2020年 */
#define HEADING_Y_SINCE   0x08u /* the start of a period: 2018年以来, 自2012年起 */
#define HEADING_Y_TARGET  0x10u /* 到2025年, 至2035年 */
#define HEADING_Y_HORIZON 0x20u /* 2035年远景目标 */
#define HEADING_Y_PART    0x40u /* a part of the year follows: 上半年, 前三季度, 1-6月 */

/*
 * The years s[0..n) names, in order, at most max of them: four digits
 * (ASCII or full width, for an HTML <title> is not normalized; or 二〇二〇
 * before 年) from 1900 to 2099, not inside a longer number, followed by 年;
 * or, with HEADING_Y_BARE, followed directly by a Chinese word that is not a
 * unit or measure word (2020天津两会; 2000亩 is not a year).  Returns how
 * many were found.  Heading and docinfo each decide which flags disqualify.
 */
size_t heading_years(const char *s, size_t n, struct heading_year *out, size_t max);

/* The kind of a heading's words s[0..n) (without its numbering). */
enum heading_kind heading_kind_of(const char *s, size_t n);

#endif
