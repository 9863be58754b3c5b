/*
 * explain: why factd found what it found in a page, and what it passed by.
 *
 * For each fact: the pattern (with its file and line) and the named groups
 * it captured, found by running the pattern again, anchored, where it
 * matched.  Then the near misses: a unit word with a number beside it (up to
 * four characters away) that no fact covers, with its sentence, so that a
 * pattern developer sees the phrasings the set does not read.
 */
#include "explain.h"

#include <string.h>

#include "docinfo.h"
#include "extract.h"
#include "segment.h"
#include "subject.h"

#define NEAR_CHARS 4

static void
put_span(FILE *out, const char *text, struct span s)
{
    fwrite(text + s.off, 1, s.len, out);
}

/* The named groups of p that took part in the match at m. */
static void
print_captures(FILE *out, const struct pattern *p, const char *text, size_t end, struct span m)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code, NULL);
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table = NULL;

    if (md == NULL)
        return;
    if (pcre2_match(p->code, (PCRE2_SPTR)text, end, m.off, PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK, md,
                    NULL) < 0) {
        pcre2_match_data_free(md);
        return;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &table);
    fputs("      captures:", out);
    for (uint32_t i = 0; i < count; i++) {
        const unsigned char *e = table + (size_t)i * entry;
        unsigned g = (unsigned)(e[0] << 8 | e[1]);
        if (ov[2 * g] == PCRE2_UNSET)
            continue;
        fprintf(out, " %s=\"", (const char *)(e + 2));
        fwrite(text + ov[2 * g], 1, ov[2 * g + 1] - ov[2 * g], out);
        fputc('"', out);
    }
    fputc('\n', out);
    pcre2_match_data_free(md);
}

static int
is_numeral_byte_run(const char *t, size_t at, size_t len)
{
    static const char *const cn[] = {"零", "〇", "一", "二", "两", "三", "四", "五", "六",
                                     "七", "八", "九", "十", "百", "千", "万", "亿"};
    unsigned char c = (unsigned char)t[at];
    if (c >= '0' && c <= '9')
        return 1;
    for (size_t i = 0; i < sizeof cn / sizeof cn[0]; i++)
        if (at + 3 <= len && memcmp(t + at, cn[i], 3) == 0)
            return 1;
    return 0;
}

/* Is there a numeral within NEAR_CHARS characters before or after [a, b)? */
static int
number_beside(const char *t, size_t lo, size_t hi, size_t a, size_t b)
{
    size_t i = a;
    for (int k = 0; k < NEAR_CHARS && i > lo; k++) {
        do
            i--;
        while (i > lo && ((unsigned char)t[i] & 0xC0) == 0x80);
        if (is_numeral_byte_run(t, i, hi))
            return 1;
    }
    i = b;
    for (int k = 0; k < NEAR_CHARS && i < hi; k++) {
        if (is_numeral_byte_run(t, i, hi))
            return 1;
        do
            i++;
        while (i < hi && ((unsigned char)t[i] & 0xC0) == 0x80);
    }
    return 0;
}

static int
covered(const struct fact_list *facts, size_t a, size_t b)
{
    for (size_t i = 0; i < facts->n; i++) {
        const struct fact *f = &facts->v[i];
        size_t lo = f->match.off < f->text.off ? f->match.off : f->text.off;
        size_t hi1 = f->match.off + f->match.len, hi2 = f->text.off + f->text.len;
        size_t hi = hi1 > hi2 ? hi1 : hi2;
        if (a < hi && b > lo)
            return 1;
    }
    return 0;
}

/* The words whose appearance next to a number makes a near miss: each
 * pattern's near words, or its units; a lone measure word (个, 项) is in too
 * many counts of other things to be worth showing. */
static int
word_counts(const char *w)
{
    static const char *const measure[] = {"个", "項", "项", "個"};
    for (size_t i = 0; i < sizeof measure / sizeof measure[0]; i++)
        if (strcmp(w, measure[i]) == 0)
            return 0;
    return w[0] != '\0';
}

static void
near_misses(FILE *out, const struct patternset *ps, const char *text, size_t len,
            const struct fact_list *facts)
{
    struct span s;
    size_t pos = 0, shown = 0;

    while (segment_next_sentence(text, len, pos, &s, &pos)) {
        size_t end = s.off + s.len;
        for (size_t i = s.off; i < end;) {
            size_t best = 0;
            const char *word = NULL;
            for (size_t pi = 0; pi < patternset_count(ps); pi++) {
                const struct pattern *p = patternset_get(ps, pi);
                size_t n = p->nnear ? p->nnear : p->nunits;
                for (size_t k = 0; k < n; k++) {
                    const char *w = p->nnear ? p->near[k] : p->units[k].surface;
                    size_t wl = strlen(w);
                    if (wl > best && i + wl <= end && memcmp(text + i, w, wl) == 0 &&
                        word_counts(w)) {
                        best = wl;
                        word = w;
                    }
                }
            }
            if (word != NULL && number_beside(text, s.off, end, i, i + best) &&
                !covered(facts, i, i + best)) {
                fprintf(out, "  near miss at byte %zu: \"%s\" beside a number, no fact\n", i, word);
                fputs("      sentence: ", out);
                put_span(out, text, s);
                fputc('\n', out);
                shown++;
            }
            i += best ? best : 1;
            while (i < end && ((unsigned char)text[i] & 0xC0) == 0x80)
                i++;
        }
    }
    if (shown == 0)
        fputs("  no near misses\n", out);
}

void
explain_doc(FILE *out, const struct patternset *ps, const char *doc, const struct doc *d)
{
    const char *text = d->text.data;
    size_t len = d->text.len;
    const struct fact_list *facts = &d->facts;

    fprintf(out, "%s: %zu fact%s\n", doc, facts->n, facts->n == 1 ? "" : "s");
    /* Where the document's date and year came from (FACTS.md, The document). */
    fprintf(out, "  document: published %s", d->info.published[0] ? d->info.published : "none");
    if (d->published_from != NULL)
        fprintf(out, " (from the %s)", d->published_from);
    if (d->doc_year > 0)
        fprintf(out, "; doc_year %d (from the %s)\n", d->doc_year,
                docinfo_source_name((enum docinfo_source)d->year_from));
    else
        fputs("; doc_year none\n", out);
    for (size_t i = 0; i < facts->n; i++) {
        const struct fact *f = &facts->v[i];
        const struct pattern *p = patternset_get(ps, (size_t)f->pattern);
        const char *q = fact_qual_name(f->qualifier);
        fprintf(out, "  fact at byte %zu: %s %.15g", f->text.off, patternset_kind_name(ps, f->kind),
                f->value);
        if (f->has_max)
            fprintf(out, "..%.15g", f->value_max);
        if (q != NULL)
            fprintf(out, " %s", q);
        fputs(" \"", out);
        put_span(out, text, f->text);
        fprintf(out, "\" by pattern %s (%s:%u)%s\n", p->id, p->file, p->line,
                f->list_item ? ", sharing the unit of the number after it" : "");
        print_captures(out, p, text, f->sentence.off + f->sentence.len, f->match);
        fputs("      clause: ", out);
        put_span(out, text, f->clause);
        fputc('\n', out);
        /* The subject again, for the rule that chose it. */
        struct span others[16], subj;
        enum fact_direction dir;
        size_t no = 0;
        for (size_t j = 0; j < facts->n && no < 16; j++)
            if (j != i && facts->v[j].clause.off == f->clause.off)
                others[no++] = facts->v[j].text;
        subject_find(text, f->clause, f->text, f->number, others, no, &subj, &dir);
        fputs("      subject: ", out);
        if (f->subject.len > 0) {
            fputc('"', out);
            put_span(out, text, f->subject);
            fputc('"', out);
        } else {
            fputs("none", out);
        }
        const char *why = subject_why();
        if (p->g_subject != 0 && f->subject.len > 0 &&
            (subj.off != f->subject.off || subj.len != f->subject.len))
            why = "the pattern's (?<subject>...) group";
        fprintf(out, " (%s); direction %s; year ", why,
                f->direction != DIRECTION_NONE ? fact_direction_name(f->direction) : "none");
        if (f->year > 0)
            fprintf(out, "%d", f->year);
        else
            fputs("none", out);
        fprintf(out, "; stance %s\n",
                f->stance != STANCE_NONE ? fact_stance_name(f->stance) : "none");
    }
    near_misses(out, ps, text, len, facts);
}
