/*
 * numeral: read one number as Chinese reports write it, in a single pass over
 * the bytes, with no allocation and no library calls but pow() for absurdly
 * long fractions.  It runs for every candidate number the patterns find, so it
 * must cost well under a microsecond; ICU's zh spellout rules were measured
 * at 30-70 us a call and read only 60% of the peer test data, which is why
 * this is a hand parser.
 *
 * A lexer turns the UTF-8 input into tokens (digits, 十百千, 万亿, 点, the
 * fillers 余多几, Arabic runs, signs) and drops white space.  The integer part
 * is read the way it is spoken: digits times 十 百 千 make a group, 万 and 亿
 * close a group and multiply it.  A multiplier larger than the groups before
 * it multiplies them too (一千一百万一千亿 is 11001000 亿), and one that comes
 * right after another multiplies the one before (四万万, 五万亿).  A last
 * digit after 百 千 万 亿 counts in the next lower place (两千四百五 is 2450,
 * 一万三 is 13000), as people say it; after 零 it counts as itself.  The
 * fraction after 点 or "." is a run of digits, and a multiplier after it
 * multiplies the whole number (15.7万, 二十三点二三万).
 *
 * What it does not do: guess at a number inside other text, read ranges
 * (三到五), fractions (三分之一) or percent signs; those are the patterns'
 * job.  Anything that is not exactly one well-formed number is refused,
 * which keeps out plan names (十四五), words such as 千万 and 万一, and
 * characters the lexer does not know.
 */
#include "numeral.h"

#include <math.h>
#include <stdint.h>

/* What the lexer hands the parser.  White space never reaches it. */
enum numeral_kind {
    NUMERAL_END,
    NUMERAL_BAD,    /* a character that cannot be part of a number */
    NUMERAL_DIGIT,  /* 零〇 一..九, 两 and the capital and traditional forms */
    NUMERAL_ARABIC, /* a run of ASCII digits with thousands commas and a point */
    NUMERAL_UNIT,   /* 十 百 千 (拾 佰 仟) */
    NUMERAL_TENS,   /* 廿 卅 卌: a digit and 十 in one character */
    NUMERAL_BIG,    /* 万 亿 (萬 億) */
    NUMERAL_POINT,  /* 点 點 */
    NUMERAL_FILL,   /* 余 餘 多 几 幾: "and some", worth nothing */
    NUMERAL_MINUS,  /* - */
    NUMERAL_NEG,    /* 负 負 */
    NUMERAL_DE      /* 的, which may follow 负 */
};

/* Token flags. */
#define NUMERAL_ZERO  0x01u /* DIGIT: 零 or 〇 */
#define NUMERAL_LIANG 0x02u /* DIGIT: 两 兩 俩 倆, a 2 that must count something */
#define NUMERAL_JI    0x04u /* FILL: 几 幾, which may stand in for a digit (三千几百) */
#define NUMERAL_DOT   0x08u /* ARABIC: has a decimal point */
#define NUMERAL_COMMA 0x10u /* ARABIC: has thousands separators */

struct numeral_tok {
    enum numeral_kind kind;
    unsigned flags;
    int digit;        /* DIGIT: 0..9; ARABIC: its value if one digit alone, else -1 */
    double value;     /* UNIT TENS BIG: its value; ARABIC: the number */
    const char *text; /* ARABIC: the run, pointing into the input */
    size_t len;       /* ARABIC: its length in bytes */
};

/* The last thing the integer part read, which decides what may follow. */
enum numeral_last {
    NUMERAL_AT_START,
    NUMERAL_AT_DIGIT,  /* a single digit, waiting for its unit */
    NUMERAL_AT_ARABIC, /* an Arabic number of several digits */
    NUMERAL_AT_UNIT,   /* 十 百 千 or 廿 卅 卌 */
    NUMERAL_AT_BIG,    /* 万 亿 */
    NUMERAL_AT_ZERO,   /* 零 as a place holder: 一千零五 */
    NUMERAL_AT_FILL
};

/* What is pending: the number read but not yet multiplied by a unit. */
enum numeral_pend {
    NUMERAL_PEND_NONE,
    NUMERAL_PEND_CN,     /* a Chinese digit, or a digit sequence 一二三 */
    NUMERAL_PEND_LIANG,  /* 两 */
    NUMERAL_PEND_ARABIC, /* an Arabic number of one digit, which acts as a digit */
    NUMERAL_PEND_ARABICN /* an Arabic number of several digits */
};

/* Enough for 亿, 万 and a 万亿 above them; deeper nestings are refused. */
#define NUMERAL_MAX_GROUPS 8

struct numeral_state {
    double group[NUMERAL_MAX_GROUPS]; /* closed groups, each times its multiplier */
    double mult[NUMERAL_MAX_GROUPS];  /* their multipliers, strictly decreasing */
    int stacked[NUMERAL_MAX_GROUPS];  /* multiplied twice already: 四万万, 五万亿 */
    int ngroups;
    double section;    /* the open group, below its 万 or 亿 */
    double sec_unit;   /* the last 十 百 千 in the open group, HUGE_VAL before one */
    double last_unit;  /* the last unit of any size, which bounds an Arabic number after it */
    double pend;       /* the pending number, see pend_kind */
    double pend_after; /* the unit right before a pending digit, 0 at the start or after 零 */
    enum numeral_pend pend_kind;
    enum numeral_last last;
    enum numeral_last fill_after; /* what came before the filler, when last is FILL */
    int fill_ji;                  /* the filler was 几 */
    int filled;                   /* a filler was seen: one is all a number has */
    int pure;                     /* nothing but Chinese digits so far, so 一二三 is 123 */
    int seq;                      /* the pending number is such a sequence */
    int has_digit;                /* saw a digit, 十 or 廿: 百 or 千万 alone is none */
};

/* A fraction as an integer over a power of ten, so 0.1 comes out as the double nearest 0.1. */
struct numeral_frac {
    uint64_t mant;
    int places;
    int digits;
};

static const double numeral_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int
numeral_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

static int
numeral_isspace(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Every character the lexer knows beyond ASCII is three bytes long in UTF-8,
 * so only those are decoded.  Returns the code point, or 0 when p does not
 * start a well-formed three-byte sequence (any other character is refused
 * anyway, and this never reads past end).
 */
static uint32_t
numeral_utf8_3(const unsigned char *p, const unsigned char *end)
{
    uint32_t cp;

    if (end - p < 3 || p[0] < 0xe0 || p[0] > 0xef || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
        return 0;
    cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
    return cp >= 0x800 ? cp : 0;
}

static void
numeral_frac_add(struct numeral_frac *f, int d)
{
    /* Digits past the 18th change the value by less than a double can show. */
    f->digits++;
    if (f->mant < UINT64_C(100000000000000000)) {
        f->mant = f->mant * 10 + (uint64_t)d;
        f->places++;
    }
}

static double
numeral_frac_value(const struct numeral_frac *f)
{
    if (f->places < (int)(sizeof numeral_pow10 / sizeof numeral_pow10[0]))
        return (double)f->mant / numeral_pow10[f->places];
    return (double)f->mant / pow(10, f->places);
}

/*
 * ip + the fraction.  When both fit in the 53 bits of a double as one integer
 * over a power of ten, divide once, so 3578.05 is the double nearest 3578.05
 * and not 3578 + 0.05 rounded twice.
 */
static double
numeral_join(double ip, const struct numeral_frac *f)
{
    if (f->places < (int)(sizeof numeral_pow10 / sizeof numeral_pow10[0]) && ip >= 0 &&
        ip * numeral_pow10[f->places] + (double)f->mant < 9007199254740992.0)
        return (ip * numeral_pow10[f->places] + (double)f->mant) / numeral_pow10[f->places];
    return ip + numeral_frac_value(f);
}

/*
 * An Arabic run: digits, a comma only where exactly three digits follow it
 * (and at most three came before the first), and one "." between digits.  A
 * comma or point that does not fit ends the run and is then refused as a
 * character of its own, so 1.2.3 and 1,2345 are not numbers.
 */
static const char *
numeral_lex_arabic(const char *p, const char *end, struct numeral_tok *t)
{
    const char *q = p;
    int group = 0, int_digits = 0;
    unsigned flags = 0;
    double ip = 0;
    struct numeral_frac frac = {0, 0, 0};

    while (q < end) {
        if (numeral_isdigit(*q)) {
            if (flags & NUMERAL_DOT) {
                numeral_frac_add(&frac, *q - '0');
            } else {
                ip = ip * 10 + (*q - '0');
                int_digits++;
                group++;
            }
            q++;
        } else if (*q == ',' && !(flags & NUMERAL_DOT) && group >= 1 && group <= 3 &&
                   end - q >= 4 && numeral_isdigit(q[1]) && numeral_isdigit(q[2]) &&
                   numeral_isdigit(q[3]) && (end - q == 4 || !numeral_isdigit(q[4]))) {
            flags |= NUMERAL_COMMA;
            group = 0;
            q++;
        } else if (*q == '.' && !(flags & NUMERAL_DOT) && end - q >= 2 && numeral_isdigit(q[1])) {
            flags |= NUMERAL_DOT;
            q++;
        } else {
            break;
        }
    }
    t->kind = NUMERAL_ARABIC;
    t->flags = flags;
    t->value = numeral_join(ip, &frac);
    t->digit = int_digits == 1 && flags == 0 ? *p - '0' : -1;
    t->text = p;
    t->len = (size_t)(q - p);
    return q;
}

static void
numeral_set(struct numeral_tok *t, enum numeral_kind kind, int digit, double value, unsigned flags)
{
    t->kind = kind;
    t->digit = digit;
    t->value = value;
    t->flags = flags;
}

/* Classify one CJK code point.  Returns 0 for a space (U+3000), 1 for a token. */
static int
numeral_classify(uint32_t cp, struct numeral_tok *t)
{
    switch (cp) {
    case 0x3000: /* ideographic space */
        return 0;
    case 0x96f6: /* 零 */
    case 0x3007: /* 〇 */
        numeral_set(t, NUMERAL_DIGIT, 0, 0, NUMERAL_ZERO);
        break;
    case 0x4e00: /* 一 */
    case 0x58f9: /* 壹 */
        numeral_set(t, NUMERAL_DIGIT, 1, 0, 0);
        break;
    case 0x4e8c: /* 二 */
    case 0x8d30: /* 贰 */
    case 0x8cb3: /* 貳 */
        numeral_set(t, NUMERAL_DIGIT, 2, 0, 0);
        break;
    case 0x4e24: /* 两 */
    case 0x5169: /* 兩 */
    case 0x4fe9: /* 俩 */
    case 0x5006: /* 倆 */
        numeral_set(t, NUMERAL_DIGIT, 2, 0, NUMERAL_LIANG);
        break;
    case 0x4e09: /* 三 */
    case 0x53c1: /* 叁 */
    case 0x53c3: /* 參 */
    case 0x53c4: /* 叄 */
        numeral_set(t, NUMERAL_DIGIT, 3, 0, 0);
        break;
    case 0x56db: /* 四 */
    case 0x8086: /* 肆 */
        numeral_set(t, NUMERAL_DIGIT, 4, 0, 0);
        break;
    case 0x4e94: /* 五 */
    case 0x4f0d: /* 伍 */
        numeral_set(t, NUMERAL_DIGIT, 5, 0, 0);
        break;
    case 0x516d: /* 六 */
    case 0x9646: /* 陆 */
    case 0x9678: /* 陸 */
        numeral_set(t, NUMERAL_DIGIT, 6, 0, 0);
        break;
    case 0x4e03: /* 七 */
    case 0x67d2: /* 柒 */
        numeral_set(t, NUMERAL_DIGIT, 7, 0, 0);
        break;
    case 0x516b: /* 八 */
    case 0x634c: /* 捌 */
        numeral_set(t, NUMERAL_DIGIT, 8, 0, 0);
        break;
    case 0x4e5d: /* 九 */
    case 0x7396: /* 玖 */
        numeral_set(t, NUMERAL_DIGIT, 9, 0, 0);
        break;
    case 0x5341: /* 十 */
    case 0x62fe: /* 拾 */
        numeral_set(t, NUMERAL_UNIT, -1, 10, 0);
        break;
    case 0x767e: /* 百 */
    case 0x4f70: /* 佰 */
        numeral_set(t, NUMERAL_UNIT, -1, 100, 0);
        break;
    case 0x5343: /* 千 */
    case 0x4edf: /* 仟 */
        numeral_set(t, NUMERAL_UNIT, -1, 1000, 0);
        break;
    case 0x5eff: /* 廿 */
        numeral_set(t, NUMERAL_TENS, -1, 20, 0);
        break;
    case 0x5345: /* 卅 */
        numeral_set(t, NUMERAL_TENS, -1, 30, 0);
        break;
    case 0x534c: /* 卌 */
        numeral_set(t, NUMERAL_TENS, -1, 40, 0);
        break;
    case 0x4e07: /* 万 */
    case 0x842c: /* 萬 */
        numeral_set(t, NUMERAL_BIG, -1, 1e4, 0);
        break;
    case 0x4ebf: /* 亿 */
    case 0x5104: /* 億 */
        numeral_set(t, NUMERAL_BIG, -1, 1e8, 0);
        break;
    case 0x70b9: /* 点 */
    case 0x9ede: /* 點 */
        numeral_set(t, NUMERAL_POINT, -1, 0, 0);
        break;
    case 0x4f59: /* 余 */
    case 0x9918: /* 餘 */
    case 0x591a: /* 多 */
        numeral_set(t, NUMERAL_FILL, -1, 0, 0);
        break;
    case 0x51e0: /* 几 */
    case 0x5e7e: /* 幾 */
        numeral_set(t, NUMERAL_FILL, -1, 0, NUMERAL_JI);
        break;
    case 0x8d1f: /* 负 */
    case 0x8ca0: /* 負 */
        numeral_set(t, NUMERAL_NEG, -1, 0, 0);
        break;
    case 0x7684: /* 的 */
        numeral_set(t, NUMERAL_DE, -1, 0, 0);
        break;
    default:
        numeral_set(t, NUMERAL_BAD, -1, 0, 0);
        break;
    }
    return 1;
}

/* Read the token at p into t, skipping white space.  Returns where the next one starts. */
static const char *
numeral_lex(const char *p, const char *end, struct numeral_tok *t)
{
    for (;;) {
        unsigned char c;
        uint32_t cp;

        if (p == end) {
            numeral_set(t, NUMERAL_END, -1, 0, 0);
            return p;
        }
        c = (unsigned char)*p;
        if (numeral_isspace(c)) {
            p++;
            continue;
        }
        if (numeral_isdigit((char)c))
            return numeral_lex_arabic(p, end, t);
        if (c == '-') {
            numeral_set(t, NUMERAL_MINUS, -1, 0, 0);
            return p + 1;
        }
        cp = numeral_utf8_3((const unsigned char *)p, (const unsigned char *)end);
        if (cp == 0) {
            numeral_set(t, NUMERAL_BAD, -1, 0, 0);
            return p;
        }
        p += 3;
        if (numeral_classify(cp, t))
            return p;
    }
}

static void
numeral_init(struct numeral_state *st)
{
    st->ngroups = 0;
    st->section = 0;
    st->sec_unit = HUGE_VAL;
    st->last_unit = HUGE_VAL;
    st->pend = 0;
    st->pend_after = 0;
    st->pend_kind = NUMERAL_PEND_NONE;
    st->last = NUMERAL_AT_START;
    st->fill_after = NUMERAL_AT_START;
    st->fill_ji = 0;
    st->filled = 0;
    st->pure = 1;
    st->seq = 0;
    st->has_digit = 0;
}

/*
 * Add the pending number to the open group.  A lone digit right after 百 or a
 * larger unit counts in the next lower place (二百五 = 250, 一万三 = 13000,
 * 一千三万 = 1300万), except when 万 or 亿 follows a digit that began a group:
 * the 1 of 5亿1万 is what 万 multiplies.  at_big says 万 or 亿 follows.
 */
static void
numeral_settle(struct numeral_state *st, int at_big)
{
    if (st->pend_kind == NUMERAL_PEND_NONE)
        return;
    if (st->pend_kind != NUMERAL_PEND_ARABICN && !st->seq && st->pend_after >= 100 &&
        !(at_big && st->pend_after >= 1e4))
        st->section += st->pend * (st->pend_after / 10);
    else
        st->section += st->pend;
    st->pend_kind = NUMERAL_PEND_NONE;
}

/* A digit: Chinese (kind CN or LIANG) or a one-digit Arabic number (kind ARABIC). */
static int
numeral_digit(struct numeral_state *st, int d, int is_zero, enum numeral_pend kind)
{
    st->has_digit = 1;
    if (kind != NUMERAL_PEND_CN)
        st->pure = 0;
    if (is_zero && (st->last == NUMERAL_AT_UNIT || st->last == NUMERAL_AT_BIG)) {
        st->pure = 0;
        st->last = NUMERAL_AT_ZERO;
        return 0;
    }
    if (st->last == NUMERAL_AT_DIGIT) {
        /* Two digits in a row: a sequence (一九九八) or, after a unit, 十四五. */
        if (!st->pure)
            return -1;
        st->pend = st->pend * 10 + d;
        st->seq = 1;
        return 0;
    }
    if (is_zero && st->last != NUMERAL_AT_START)
        return -1;
    if (st->last != NUMERAL_AT_START && st->last != NUMERAL_AT_UNIT && st->last != NUMERAL_AT_BIG &&
        st->last != NUMERAL_AT_ZERO)
        return -1;
    st->pend_after = st->last == NUMERAL_AT_UNIT || st->last == NUMERAL_AT_BIG ? st->last_unit : 0;
    st->pend = d;
    st->pend_kind = kind;
    st->last = NUMERAL_AT_DIGIT;
    return 0;
}

/* An Arabic number of several digits: alone, before 万/亿, or filling the places after a unit. */
static int
numeral_arabic(struct numeral_state *st, double v)
{
    st->has_digit = 1;
    st->pure = 0;
    if (st->last != NUMERAL_AT_START) {
        /* 3万4000, 1千零20, 1百01; but not 3万40000 */
        if (st->last != NUMERAL_AT_UNIT && st->last != NUMERAL_AT_BIG &&
            st->last != NUMERAL_AT_ZERO)
            return -1;
        if (!(v < st->last_unit))
            return -1;
    }
    st->pend = v;
    st->pend_after = 0;
    st->pend_kind = NUMERAL_PEND_ARABICN;
    st->last = NUMERAL_AT_ARABIC;
    return 0;
}

/* 十 百 千: multiply the pending digit, or an implied 一. */
static int
numeral_unit(struct numeral_state *st, double u)
{
    double m;

    if (st->seq || !(u < st->sec_unit))
        return -1;
    st->pure = 0;
    switch (st->last) {
    case NUMERAL_AT_DIGIT:
        if (st->pend == 0)
            return -1; /* 零十, 0百 */
        m = st->pend;
        break;
    case NUMERAL_AT_FILL:
        /* 三千几百万: 几 holds the place of an unknown digit. */
        if (!st->fill_ji || st->pend_kind != NUMERAL_PEND_NONE)
            return -1;
        m = 0;
        break;
    case NUMERAL_AT_START:
    case NUMERAL_AT_ZERO:
        m = 1; /* 十五, 百三, 一千零十 */
        break;
    case NUMERAL_AT_UNIT:
    case NUMERAL_AT_BIG:
        if (u != 10)
            return -1; /* 一百十一 is said, 一万百 is not */
        m = 1;
        break;
    default:
        return -1;
    }
    if (u == 10)
        st->has_digit = 1;
    st->section += m * u;
    st->sec_unit = u;
    st->last_unit = u;
    st->pend_kind = NUMERAL_PEND_NONE;
    st->last = NUMERAL_AT_UNIT;
    return 0;
}

/* 廿 卅 卌: twenty, thirty, forty, in the place of the tens. */
static int
numeral_tens(struct numeral_state *st, double v)
{
    if (st->seq || st->pend_kind != NUMERAL_PEND_NONE || st->last == NUMERAL_AT_FILL ||
        !(10 < st->sec_unit))
        return -1;
    st->has_digit = 1;
    st->pure = 0;
    st->section += v;
    st->sec_unit = 10;
    st->last_unit = 10;
    st->last = NUMERAL_AT_UNIT;
    return 0;
}

/* 万 亿: close the open group, or multiply the group just closed (四万万, 三十万多亿). */
static int
numeral_big(struct numeral_state *st, double u)
{
    double x;
    int n;

    if (st->seq)
        return -1;
    st->pure = 0;
    n = st->ngroups;
    if (st->last == NUMERAL_AT_BIG ||
        (st->last == NUMERAL_AT_FILL && st->fill_after == NUMERAL_AT_BIG)) {
        if (st->stacked[n - 1])
            return -1; /* 万万万 */
        st->stacked[n - 1] = 1;
        st->group[n - 1] *= u;
        st->mult[n - 1] *= u;
        if (n >= 2 && !(st->mult[n - 2] > st->mult[n - 1]))
            return -1;
        st->last_unit = st->mult[n - 1];
        st->last = NUMERAL_AT_BIG;
        return 0;
    }
    /* A bare 万 or 亿 is no number; 万一 is "in case", not 11000. */
    if (st->last == NUMERAL_AT_START || st->last == NUMERAL_AT_ZERO)
        return -1;
    if (st->pend_kind != NUMERAL_PEND_NONE && st->pend == 0)
        return -1; /* 零万, 0万 */
    numeral_settle(st, 1);
    x = st->section;
    while (n > 0 && st->mult[n - 1] < u)
        x += st->group[--n];
    if ((n > 0 && !(st->mult[n - 1] > u)) || n == NUMERAL_MAX_GROUPS)
        return -1; /* 三万五万, 一亿五千万二千亿 */
    st->group[n] = x * u;
    st->mult[n] = u;
    st->stacked[n] = 0;
    st->ngroups = n + 1;
    st->section = 0;
    st->sec_unit = HUGE_VAL;
    st->last_unit = u;
    st->last = NUMERAL_AT_BIG;
    return 0;
}

/* 余 多 几: once, after a unit or an Arabic number, worth nothing. */
static int
numeral_fill(struct numeral_state *st, unsigned flags)
{
    int ji = (flags & NUMERAL_JI) != 0;

    if (st->seq || st->filled)
        return -1;
    st->filled = 1;
    st->pure = 0;
    switch (st->last) {
    case NUMERAL_AT_UNIT:
    case NUMERAL_AT_BIG:
        break;
    case NUMERAL_AT_ZERO: /* 一百零几万 */
        if (!ji)
            return -1;
        break;
    case NUMERAL_AT_ARABIC: /* 500余万 */
        if (ji)
            return -1;
        break;
    case NUMERAL_AT_DIGIT: /* 5多万 is 5 and more, 五多 is not said */
        if (ji || st->pend_kind != NUMERAL_PEND_ARABIC)
            return -1;
        break;
    default:
        return -1;
    }
    st->fill_after = st->last;
    st->fill_ji = ji;
    st->last = NUMERAL_AT_FILL;
    return 0;
}

static int
numeral_step(struct numeral_state *st, const struct numeral_tok *t)
{
    switch (t->kind) {
    case NUMERAL_DIGIT:
        return numeral_digit(st, t->digit, (t->flags & NUMERAL_ZERO) != 0,
                             t->flags & NUMERAL_LIANG ? NUMERAL_PEND_LIANG : NUMERAL_PEND_CN);
    case NUMERAL_ARABIC:
        if (t->flags & NUMERAL_DOT)
            return -1; /* a decimal is only a whole integer part: 1.5万 */
        if (t->digit >= 0)
            return numeral_digit(st, t->digit, 0, NUMERAL_PEND_ARABIC);
        return numeral_arabic(st, t->value);
    case NUMERAL_UNIT:
        return numeral_unit(st, t->value);
    case NUMERAL_TENS:
        return numeral_tens(st, t->value);
    case NUMERAL_BIG:
        return numeral_big(st, t->value);
    case NUMERAL_FILL:
        return numeral_fill(st, t->flags);
    default:
        return -1;
    }
}

/* The integer part is complete (at the end or at 点): add up its groups. */
static int
numeral_int_value(struct numeral_state *st, double *v)
{
    double sum = 0;

    if (!st->has_digit || st->last == NUMERAL_AT_START || st->last == NUMERAL_AT_ZERO)
        return -1;
    /* 两 alone is 2, but 十两 and 一万两 are weights or half-sayings. */
    if (st->pend_kind == NUMERAL_PEND_LIANG && (st->ngroups > 0 || st->sec_unit != HUGE_VAL))
        return -1;
    numeral_settle(st, 0);
    for (int i = 0; i < st->ngroups; i++)
        sum += st->group[i];
    *v = sum + st->section;
    return 0;
}

int
numeral_parse(const char *s, size_t len, double *value)
{
    const char *p, *end;
    struct numeral_tok t;
    struct numeral_state st;
    struct numeral_frac frac = {0, 0, 0};
    double sign = 1, v, factor = 1;
    enum numeral_kind tail_last = NUMERAL_END;
    int tail_bigs = 0, tail_fills = 0;

    if (s == NULL)
        return -1;
    end = s + len;
    p = numeral_lex(s, end, &t);
    if (t.kind == NUMERAL_MINUS || t.kind == NUMERAL_NEG) {
        int neg = t.kind == NUMERAL_NEG;
        sign = -1;
        p = numeral_lex(p, end, &t);
        if (neg && t.kind == NUMERAL_DE)
            p = numeral_lex(p, end, &t); /* 负的 */
    }

    if (t.kind == NUMERAL_ARABIC && (t.flags & NUMERAL_DOT)) {
        v = t.value;
        p = numeral_lex(p, end, &t);
    } else {
        numeral_init(&st);
        while (t.kind != NUMERAL_END && t.kind != NUMERAL_POINT) {
            if (numeral_step(&st, &t) != 0)
                return -1;
            p = numeral_lex(p, end, &t);
        }
        if (t.kind == NUMERAL_POINT && st.last == NUMERAL_AT_FILL)
            return -1;
        if (numeral_int_value(&st, &v) != 0)
            return -1;
        if (t.kind == NUMERAL_POINT) {
            /* Digits only, Chinese or Arabic: 三点一四, 零點77, 1点一. */
            for (p = numeral_lex(p, end, &t);; p = numeral_lex(p, end, &t)) {
                if (t.kind == NUMERAL_DIGIT && !(t.flags & NUMERAL_LIANG)) {
                    numeral_frac_add(&frac, t.digit);
                } else if (t.kind == NUMERAL_ARABIC && !(t.flags & (NUMERAL_DOT | NUMERAL_COMMA))) {
                    for (size_t i = 0; i < t.len; i++)
                        numeral_frac_add(&frac, t.text[i] - '0');
                } else {
                    break;
                }
            }
            if (frac.digits == 0)
                return -1;
            v = numeral_join(v, &frac);
        }
    }

    /*
     * After a fraction, multipliers apply to the whole number (15.7万,
     * 3.1千万, 4.78万亿, 1.5万余); after an integer, the loop above has read
     * them.  At most 百 or 千, two of 万 亿, and one 余 or 多.
     */
    for (; t.kind != NUMERAL_END; p = numeral_lex(p, end, &t)) {
        if (t.kind == NUMERAL_UNIT && t.value >= 100 && tail_last == NUMERAL_END)
            factor *= t.value;
        else if (t.kind == NUMERAL_BIG && ++tail_bigs <= 2)
            factor *= t.value;
        else if (t.kind != NUMERAL_FILL || (t.flags & NUMERAL_JI) || ++tail_fills > 1 ||
                 (tail_last != NUMERAL_UNIT && tail_last != NUMERAL_BIG))
            return -1;
        tail_last = t.kind;
    }
    v *= factor;
    if (!isfinite(v))
        return -1;
    if (value != NULL)
        *value = sign * v;
    return 0;
}

double
numeral_multiplier(const char *s, size_t len)
{
    const unsigned char *start = (const unsigned char *)s, *p;
    double factor = 1;

    if (s == NULL)
        return 1;
    /* Backwards over white space, fillers and multipliers: 1.5万, 3千万, 500万余亿, 1万余. */
    for (p = start + len; p > start;) {
        if (numeral_isspace(p[-1])) {
            p--;
            continue;
        }
        if (p - start < 3)
            break;
        switch (numeral_utf8_3(p - 3, p)) {
        case 0x5343: /* 千 */
            factor *= 1e3;
            break;
        case 0x4e07: /* 万 */
        case 0x842c: /* 萬 */
            factor *= 1e4;
            break;
        case 0x4ebf: /* 亿 */
        case 0x5104: /* 億 */
            factor *= 1e8;
            break;
        case 0x4f59: /* 余 */
        case 0x9918: /* 餘 */
        case 0x591a: /* 多 */
        case 0x3000: /* ideographic space */
            break;
        default:
            return factor;
        }
        p -= 3;
    }
    return factor;
}
