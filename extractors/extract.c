/*
 * extract: from pattern matches to facts.
 *
 * The text is walked one sentence at a time, because no fact crosses a
 * sentence and because most sentences hold none: a pattern runs on a
 * sentence only when the sentence contains one of its "near" words (its unit
 * surfaces by default), which a memmem() finds far faster than a regex scan.
 *
 * For each sentence the candidates of every pattern are collected, checked
 * against the guards, resolved where two patterns read the same number, and
 * only then given their context (year, stance, position), since those depend
 * on the other facts of the sentence.
 */
#include "extract.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "context.h"
#include "heading.h"
#include "numeral.h"
#include "segment.h"
#include "subject.h"
#include "utf8.h"
#include "words.h"

#define MAX_LIST_ITEMS   16
#define MAX_CLAUSE_FACTS 16

struct cand {
    struct fact f;
    size_t num_off, num_end; /* the number(s) read, for overlap checks */
    size_t core_len;         /* match length without qualifier words */
};

struct cands {
    struct cand *v;
    size_t n, cap;
};

static int
cands_push(struct cands *c, const struct cand *x)
{
    if (c->n == c->cap) {
        struct cand *v = buf_grow_array(c->v, &c->cap, sizeof *v, 16);
        if (v == NULL)
            return -1;
        c->v = v;
    }
    c->v[c->n++] = *x;
    return 0;
}

/* ---- characters ---- */

/* Decode the UTF-8 character at p (valid input assumed); *n gets its length. */
static unsigned
cp_at(const char *p, size_t *n)
{
    const unsigned char *s = (const unsigned char *)p;
    if (s[0] < 0x80) {
        *n = 1;
        return s[0];
    }
    if (s[0] < 0xE0) {
        *n = 2;
        return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    }
    if (s[0] < 0xF0) {
        *n = 3;
        return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    *n = 4;
    return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

/* The character before byte offset pos, not looking before lo; 0 if none. */
static unsigned
cp_before(const char *text, size_t lo, size_t pos, size_t *start)
{
    size_t n, i = pos;
    if (pos <= lo)
        return 0;
    do
        i--;
    while (i > lo && ((unsigned char)text[i] & 0xC0) == 0x80);
    *start = i;
    return cp_at(text + i, &n);
}

static int
is_cn_numeral(unsigned c)
{
    static const unsigned set[] = {0x96F6, 0x3007, 0x4E00, 0x4E8C, 0x4E24, 0x4E09, 0x56DB, 0x4E94,
                                   0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341, 0x767E, 0x5343, 0x4E07,
                                   0x4EBF, 0x58F9, 0x8D30, 0x53C1, 0x8086, 0x4F0D, 0x9646, 0x67D2,
                                   0x634C, 0x7396, 0x62FE, 0x4F70, 0x4EDF, 0x842C, 0x5104, 0x5169,
                                   0x8CB3, 0x53C3, 0x9678, 0x5EFF, 0x5345};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        if (set[i] == c)
            return 1;
    return 0;
}

static int
is_multiplier(unsigned c)
{
    return c == 0x4E07 || c == 0x4EBF || c == 0x842C || c == 0x5104; /* 万 亿 萬 億 */
}

/* ---- guards ---- */

/*
 * May a number start at off?  Not when it continues something: an
 * identifier or URL escape (A3, %28, id=30), a longer number (the 5 of 25),
 * an ordinal (第十四), or a Chinese numeral run the pattern cut into.
 */
static int
number_may_start(const char *text, size_t lo, size_t off)
{
    size_t at;
    unsigned c = cp_before(text, lo, off, &at);

    if (c == 0)
        return 1;
    if (c < 0x80) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_ascii_digit(c) ||
            strchr("_.%=&/#\\@", (int)c) != NULL)
            return 0;
    } else if (c == 0x7B2C /* 第 */ || is_cn_numeral(c)) {
        return 0;
    }
    /* Inside a URL: the run of non-space ASCII before the number holds "://" or "www.". */
    size_t i = off, steps = 0;
    while (i > lo && steps < 512) {
        unsigned char b = (unsigned char)text[i - 1];
        if (b <= ' ' || b >= 0x80)
            break;
        i--;
        steps++;
    }
    for (size_t j = i; j + 3 <= off; j++)
        if (memcmp(text + j, "://", 3) == 0 || (j + 4 <= off && memcmp(text + j, "www.", 4) == 0))
            return 0;
    return 1;
}

/* ---- reading one match ---- */

static int
span_of(const PCRE2_SIZE *ov, uint32_t g, struct span *s)
{
    if (g == 0 || ov[2 * g] == PCRE2_UNSET)
        return 0;
    s->off = ov[2 * g];
    s->len = ov[2 * g + 1] - ov[2 * g];
    return s->len > 0;
}

/* The 万/亿 (or 千 after digits) that ends a written number, as a span. */
static struct span
mult_span(const char *text, struct span num)
{
    struct span m = {num.off + num.len, 0};
    size_t at, pos = num.off + num.len;
    for (;;) {
        unsigned c = cp_before(text, num.off, pos, &at);
        if (is_multiplier(c)) {
            pos = at;
        } else if (c == 0x5343 /* 千 */) {
            size_t at2;
            unsigned d = cp_before(text, num.off, at, &at2);
            if (!is_ascii_digit(d))
                break;
            pos = at;
        } else {
            break;
        }
    }
    m.off = pos;
    m.len = num.off + num.len - pos;
    return m;
}

static double
unit_scale(const struct pattern *p, const char *text, struct span u)
{
    char tmp[64];
    size_t n = 0;

    if (u.len == 0)
        return p->units[0].scale;
    for (size_t i = 0; i < u.len && n + 1 < sizeof tmp; i++)
        if (text[u.off + i] != ' ' && text[u.off + i] != '\t')
            tmp[n++] = text[u.off + i];
    tmp[n] = '\0';
    for (size_t i = 0; i < p->nunits; i++)
        if (strcmp(p->units[i].surface, tmp) == 0)
            return p->units[i].scale;
    return 1;
}

/*
 * The number of a match.  百分之百 writes a hundred as a bare 百, which the
 * numeral reader refuses everywhere else (百姓, 百花): it is taken here,
 * where a pattern put it in a number group.
 */
static int
read_number(const char *text, struct span s, double *v)
{
    if ((s.len == 3 && memcmp(text + s.off, "百", 3) == 0) ||
        (s.len == 3 && memcmp(text + s.off, "佰", 3) == 0)) {
        *v = 100;
        return 0;
    }
    return numeral_parse(text + s.off, s.len, v);
}

/* The qualifier word of place where found before pos (BEFORE) or at pos (others). */
static const struct qual_word *
find_qual(const struct patternset *ps, enum qual_where where, const char *text, size_t lo,
          size_t hi, size_t pos)
{
    for (size_t i = 0; i < patternset_qual_count(ps); i++) {
        const struct qual_word *q = patternset_qual(ps, i);
        if (q->where != where)
            continue;
        if (where == QUAL_BEFORE ? word_before(text, lo, pos, q->word)
                                 : word_at(text, pos, hi, q->word))
            return q;
    }
    return NULL;
}

static int
has_filler(const char *text, struct span num)
{
    static const char *const fillers[] = {"余", "多", "几", "幾"};
    for (size_t i = 0; i < sizeof fillers / sizeof fillers[0]; i++) {
        size_t n = strlen(fillers[i]);
        for (size_t j = num.off; j + n <= num.off + num.len; j++)
            if (memcmp(text + j, fillers[i], n) == 0)
                return 1;
    }
    return 0;
}

/*
 * A written number times a unit's scale, to the 15 significant digits a
 * double holds exactly: 35.27万 is 352700, not 352700.00000000006, so the
 * value stored is the value printed, and equal facts compare equal.
 */
static double
tidy(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    return strtod(buf, NULL);
}

static const char *const list_joiners[] = {"和", "及", "、"};

/*
 * Numbers joined by 和 及 、 before the number at num share its unit
 * (高于全省26.2和17.5个百分点).  Only Arabic numbers are taken: a Chinese
 * numeral before 和 is too often the end of a word (统一和).
 */
static int
add_list_items(const struct patternset *ps, const char *text, struct span s, const struct cand *c,
               double lo_mult, double scale, struct cands *out)
{
    size_t pos = c->num_off;
    for (int items = 0; items < MAX_LIST_ITEMS; items++) {
        size_t jl = 0;
        for (size_t j = 0; j < sizeof list_joiners / sizeof list_joiners[0]; j++)
            if (word_before(text, s.off, pos, list_joiners[j]))
                jl = strlen(list_joiners[j]);
        if (jl == 0)
            return 0;
        size_t end = pos - jl, start = end;
        while (start > s.off && (is_ascii_digit((unsigned char)text[start - 1]) ||
                                 text[start - 1] == '.' || text[start - 1] == ','))
            start--;
        while (start < end && !is_ascii_digit((unsigned char)text[start]))
            start++;
        if (start == end || !number_may_start(text, s.off, start))
            return 0;
        double v;
        if (numeral_parse(text + start, end - start, &v) != 0)
            return 0;
        struct cand item = *c;
        item.f.value = tidy(v * lo_mult * scale);
        item.f.has_max = 0;
        item.f.list_item = 1;
        item.f.qualifier = QUAL_NONE;
        item.f.text.off = start;
        item.f.text.len = end - start;
        /* The pattern matched the number after it; the item is the list's. */
        item.num_off = start;
        item.num_end = end;
        item.core_len = 0;
        const struct qual_word *q = find_qual(ps, QUAL_BEFORE, text, s.off, s.off + s.len, start);
        if (q != NULL) {
            item.f.qualifier = q->qual;
            item.f.text.off -= strlen(q->word);
            item.f.text.len += strlen(q->word);
        }
        if (cands_push(out, &item) != 0)
            return -1;
        pos = start;
    }
    return 0;
}

/* Turn one match into a candidate (and its list items).  Returns 1 if taken,
 * 0 if a guard refused it, -1 on out of memory. */
static int
take_match(const struct patternset *ps, int pi, const char *text, struct span s,
           const PCRE2_SIZE *ov, struct cands *out)
{
    const struct pattern *p = patternset_get(ps, (size_t)pi);
    struct span num, hi = {0, 0}, unit = {0, 0}, sign = {0, 0};
    size_t lo_bound = s.off, hi_bound = s.off + s.len;
    struct cand c;
    double v, vmax = 0, lo_mult, scale;

    if (!span_of(ov, p->g_num, &num))
        return 0;
    if (!number_may_start(text, lo_bound, num.off))
        return 0;
    if (read_number(text, num, &v) != 0)
        return 0;
    lo_mult = numeral_multiplier(text + num.off, num.len);
    memset(&c, 0, sizeof c);
    c.num_off = num.off;
    c.num_end = num.off + num.len;
    if (span_of(ov, p->g_hi, &hi)) {
        if (read_number(text, hi, &vmax) != 0)
            return 0;
        double hm = numeral_multiplier(text + hi.off, hi.len);
        /* 5至10万平方米: a multiplier written only after the high end serves
         * both, unless the low end is already in full (5000至1万亩). */
        if (lo_mult == 1 && hm != 1 && v * hm <= vmax) {
            v *= hm;
            lo_mult = hm;
        }
        /* A range runs upwards; 2023-15% is a number and a percent, not one. */
        if (v > vmax)
            return 0;
        c.f.has_max = 1;
        c.num_end = hi.off + hi.len;
    }
    if (span_of(ov, p->g_sign, &sign)) {
        v = -v;
        vmax = -vmax;
    }
    span_of(ov, p->g_unit, &unit);
    scale = unit_scale(p, text, unit);
    /* A pattern that names the subject (?<subject>...) decides it. */
    span_of(ov, p->g_subject, &c.f.subject);

    c.f.kind = p->kind;
    c.f.value = tidy(v * scale);
    c.f.value_max = c.f.has_max ? tidy(vmax * scale) : 0;
    c.f.mult = mult_span(text, c.f.has_max ? hi : num);
    c.f.unit = unit;
    c.f.pattern = pi;
    c.f.text.off = ov[0];
    c.f.text.len = ov[1] - ov[0];
    c.f.match = c.f.text;
    c.core_len = c.f.text.len;

    /* Qualifiers count only right next to the number: before the match (or
     * before the number, when a noun comes first: 项目超过100个), right after
     * the number, or right after the match. */
    const struct qual_word *q = find_qual(ps, QUAL_BEFORE, text, lo_bound, hi_bound, ov[0]);
    if (q != NULL) {
        c.f.text.off -= strlen(q->word);
        c.f.text.len += strlen(q->word);
    } else if (num.off != ov[0]) {
        q = find_qual(ps, QUAL_BEFORE, text, lo_bound, hi_bound, num.off);
    }
    if (q == NULL)
        q = find_qual(ps, QUAL_MID, text, lo_bound, hi_bound, c.num_end);
    if (q != NULL)
        c.f.qualifier = q->qual;
    else if (has_filler(text, num))
        c.f.qualifier = QUAL_MORE_THAN;
    const struct qual_word *after = find_qual(ps, QUAL_AFTER, text, lo_bound, hi_bound, ov[1]);
    if (after != NULL) {
        c.f.text.len += strlen(after->word);
        if (c.f.qualifier == QUAL_NONE)
            c.f.qualifier = after->qual;
    }
    if (!isfinite(c.f.value) || !isfinite(c.f.value_max))
        return 0;
    if (cands_push(out, &c) != 0)
        return -1;
    if (!p->no_lists && sign.len == 0 && num.len > 0 && text[num.off] != '-' &&
        add_list_items(ps, text, s, &c, lo_mult, scale, out) != 0)
        return -1;
    return 1;
}

/* ---- overlaps ---- */

static int
cmp_num_off(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->num_off != y->num_off)
        return x->num_off < y->num_off ? -1 : 1;
    return x->f.pattern - y->f.pattern;
}

/* Does x beat y when both read the same number? */
static int
beats(const struct cand *x, const struct cand *y)
{
    if (x->f.list_item != y->f.list_item)
        return !x->f.list_item;
    if (x->core_len != y->core_len)
        return x->core_len > y->core_len;
    return x->f.pattern < y->f.pattern;
}

static size_t
resolve_overlaps(struct cand *v, size_t n)
{
    char *dead = calloc(n ? n : 1, 1);
    size_t k = 0;

    if (dead == NULL)
        return n; /* keep all rather than lose facts */
    qsort(v, n, sizeof *v, cmp_num_off);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n && v[j].num_off < v[i].num_end; j++) {
            if (dead[i] || dead[j])
                continue;
            if (beats(&v[i], &v[j]))
                dead[j] = 1;
            else
                dead[i] = 1;
        }
    for (size_t i = 0; i < n; i++)
        if (!dead[i])
            v[k++] = v[i];
    free(dead);
    return k;
}

/* ---- the driver ---- */

/* Every match holds a trigger character of its pattern and starts at most this
 * many bytes before it (docs/patterns.md), so a scan may start there. */
#define MAX_LOOKBACK 256

/*
 * The patterns that may match in s: those whose trigger characters it holds.
 * first[i] gets the offset of pattern i's first trigger (for i < 63).
 */
static uint64_t
sentence_patterns(const struct patternset *ps, const char *text, struct span s, size_t *first)
{
    const unsigned char *bits = patternset_trigger_bits(ps);
    uint64_t mask = patternset_always(ps);
    size_t i = s.off, end = s.off + s.len, n;

    while (i < end) {
        const unsigned char *u = (const unsigned char *)text + i;
        unsigned c = u[0];
        if (c < 0x80) {
            n = 1;
        } else if ((c & 0xF0) == 0xE0) {
            c = ((c & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
            n = 3;
        } else {
            c = cp_at(text + i, &n);
        }
        if (c < 0x10000 && (bits[c / 8] & (1u << (c % 8)))) {
            uint64_t fresh = patternset_trigger(ps, c) & ~mask;
            mask |= fresh;
            while (fresh != 0) {
                int b = __builtin_ctzll(fresh);
                first[b] = i;
                fresh &= fresh - 1;
            }
        }
        i += n;
    }
    return mask;
}

/* The character gate let p through; do the whole near words appear?  (工 is
 * in every 工作, 工程 in few sentences.) */
static int
near_words_in(const struct pattern *p, const char *text, struct span s)
{
    if (p->nnear == 0)
        return 1;
    for (size_t i = 0; i < p->nnear; i++)
        if (memmem(text + s.off, s.len, p->near[i], strlen(p->near[i])) != NULL)
            return 1;
    return 0;
}

static int
run_sentence(const struct patternset *ps, pcre2_match_data **md, const char *text, struct span s,
             struct context *cx, struct cands *cands, struct fact_list *out,
             struct extract_stats *st)
{
    size_t np = patternset_count(ps), end = s.off + s.len;

    size_t first_trigger[64];
    uint64_t may = sentence_patterns(ps, text, s, first_trigger);
    cands->n = 0;
    for (size_t pi = 0; pi < np; pi++) {
        const struct pattern *p = patternset_get(ps, pi);
        uint64_t bit = (uint64_t)1 << (pi < 63 ? pi : 63);
        if (!(may & bit) || !near_words_in(p, text, s))
            continue;
        size_t pos = s.off;
        if (pi < 63 && !(patternset_always(ps) & bit) && first_trigger[pi] > s.off + MAX_LOOKBACK) {
            pos = first_trigger[pi] - MAX_LOOKBACK;
            while (((unsigned char)text[pos] & 0xC0) == 0x80)
                pos++;
        }
        while (pos < end) {
            int rc = pcre2_match(p->code, (PCRE2_SPTR)text, end, pos, PCRE2_NO_UTF_CHECK, md[pi],
                                 patternset_match_context(ps));
            if (rc == PCRE2_ERROR_NOMATCH)
                break;
            if (rc < 0) {
                /* Match or depth limit, JIT stack: give this pattern up here only. */
                if (st->limit_hits++ == 0) {
                    st->limit_pattern = p->id;
                    st->limit_offset = s.off;
                }
                break;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md[pi]);
            st->candidates++;
            int took = take_match(ps, (int)pi, text, s, ov, cands);
            if (took < 0)
                return -1;
            pos = (took > 0 && ov[1] > ov[0]) ? ov[1] : ov[0] + 1;
            while (pos < end && ((unsigned char)text[pos] & 0xC0) == 0x80)
                pos++;
        }
    }
    if (cands->n == 0) {
        context_skip(cx, text, s);
        return 0;
    }

    size_t n = resolve_overlaps(cands->v, cands->n);
    size_t first = out->n;
    for (size_t i = 0; i < n; i++) {
        struct fact f = cands->v[i].f;
        f.number = (struct span){cands->v[i].num_off, cands->v[i].num_end - cands->v[i].num_off};
        f.sentence = s;
        f.clause = segment_clause(text, s, cands->v[i].num_off);
        if (fact_list_push(out, &f) != 0)
            return -1;
    }
    /* Facts of a sentence in text order, then their context. */
    struct fact *f = out->v;
    for (size_t i = first + 1; i < out->n; i++)
        for (size_t j = i; j > first && f[j].text.off < f[j - 1].text.off; j--) {
            struct fact t = f[j];
            f[j] = f[j - 1];
            f[j - 1] = t;
        }
    for (size_t i = first; i < out->n; i++)
        f[i].position = (unsigned)(i - first);
    context_facts(cx, ps, md[0], text, s, f + first, out->n - first);
    /* What each number measures, and which way (subject.c), with the other
     * facts of its clause, which a shared head noun or a list joins. */
    for (size_t i = first; i < out->n; i++) {
        struct span others[MAX_CLAUSE_FACTS];
        size_t no = 0;
        for (size_t j = first; j < out->n && no < MAX_CLAUSE_FACTS; j++)
            if (j != i && f[j].clause.off == f[i].clause.off)
                others[no++] = f[j].text;
        struct span named = f[i].subject;
        subject_find(text, f[i].clause, f[i].text, f[i].number, others, no, &f[i].subject,
                     &f[i].direction);
        if (named.len > 0)
            f[i].subject = named;
    }
    return 0;
}

int
extract_run(const struct patternset *ps, const char *text, size_t len, int doc_year,
            struct fact_list *out, struct extract_stats *st, struct err *err)
{
    return extract_run_until(ps, text, len, doc_year, out, st, NULL, NULL, err);
}

int
extract_run_until(const struct patternset *ps, const char *text, size_t len, int doc_year,
                  struct fact_list *out, struct extract_stats *st, extract_stop_fn stop,
                  void *stop_arg, struct err *err)
{
    return extract_run_headings(ps, text, len, doc_year, NULL, out, st, stop, stop_arg, err);
}

int
extract_run_headings(const struct patternset *ps, const char *text, size_t len, int doc_year,
                     const struct headings *given, struct fact_list *out, struct extract_stats *st,
                     extract_stop_fn stop, void *stop_arg, struct err *err)
{
    struct extract_stats local;
    struct cands cands = {0};
    size_t np = patternset_count(ps), pos = 0, bad;
    pcre2_match_data **md;
    struct span s;
    int rc = 0;

    if (st == NULL)
        st = &local;
    memset(st, 0, sizeof *st);
    if ((bad = utf8_valid((const unsigned char *)text, len)) < len) {
        err->offset = (long long)bad;
        err_set(err, "text is not valid UTF-8");
        return -1;
    }
    if ((md = calloc(np, sizeof *md)) == NULL) {
        err_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < np && rc == 0; i++)
        if ((md[i] = pcre2_match_data_create_from_pattern(patternset_get(ps, i)->code, NULL)) ==
            NULL)
            rc = -1;
    struct context cx;
    struct headings found = {0};
    const struct headings *hs = given != NULL ? given : &found;
    size_t prev_end = 0;
    if (rc == 0 && given == NULL && heading_find(text, len, &found, err) != 0)
        rc = -1;
    context_start(&cx, doc_year, hs->title_kind);
    while (rc == 0 && segment_next_sentence(text, len, pos, &s, &pos)) {
        if (stop != NULL && stop(stop_arg)) {
            st->stopped = 1;
            st->stopped_offset = s.off;
            break;
        }
        /* A line break between two sentences begins a paragraph: a year
         * carries no further. */
        if (memchr(text + prev_end, '\n', s.off - prev_end) != NULL)
            context_paragraph(&cx);
        prev_end = s.off + s.len;
        int heading_year;
        enum heading_kind kind;
        heading_context(hs, s.off, &heading_year, &kind);
        context_heading(&cx, heading_year, kind);
        st->sentences++;
        rc = run_sentence(ps, md, text, s, &cx, &cands, out, st);
    }
    if (rc != 0)
        err_set(err, "out of memory");
    for (size_t i = 0; i < np; i++)
        pcre2_match_data_free(md[i]);
    free(md);
    free(cands.v);
    headings_free(&found);
    return rc;
}

size_t
extract_unit(const struct patternset *ps, const char *text, const struct fact *f, char *out,
             size_t outlen)
{
    size_t n = 0;
    struct span parts[2] = {f->mult, f->unit};

    if (outlen == 0)
        return 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < parts[k].len && n + 1 < outlen; i++) {
            char c = text[parts[k].off + i];
            if (c != ' ' && c != '\t')
                out[n++] = c;
        }
    if (f->unit.len == 0) {
        /* The pattern has one unit and no group for it: that unit. */
        const char *u = patternset_get(ps, (size_t)f->pattern)->units[0].surface;
        for (size_t i = 0; u[i] != '\0' && n + 1 < outlen; i++)
            out[n++] = u[i];
    }
    out[n] = '\0';
    return n;
}
