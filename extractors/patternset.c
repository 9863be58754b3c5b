/*
 * patternset: reading pattern files (pattern_file.c) and compiling them.
 *
 * Loading happens in two passes.  The first reads every *.pat file of the
 * directory in name order and records macros, patterns and context words with
 * the position of every byte of their regex text.  The second expands macros
 * ({NAME}, upper case; {UNIT} is the pattern's own unit list) and compiles.
 * Because macros are resolved only in the second pass, a macro may be defined
 * in any file of the set; a cycle or an unknown name is an error.
 *
 * Keeping a position for every expanded byte costs a few hundred KiB at most
 * and lets a PCRE2 error offset inside a macro body point at the macro's own
 * file and column, which is where the developer has to look.
 *
 * Nothing here touches documents; the compiled set is read-only afterwards and
 * may be shared by any number of extractions.
 */
#include "patternset.h"
#include "pattern_file.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "hash.h"

#define MAX_MACRO_DEPTH 32
/* Generous for any sane pattern on one sentence, small enough that a
 * catastrophic one gives up in milliseconds rather than hanging. */
#define MATCH_LIMIT     2000000
#define DEPTH_LIMIT     10000

/* ---- pass 2: expansion and compilation ---- */

static const struct macro *
find_macro(const struct patternset *ps, const char *name, size_t n)
{
    for (size_t i = 0; i < ps->nmacros; i++)
        if (strlen(ps->macros[i].name) == n && memcmp(ps->macros[i].name, name, n) == 0)
            return &ps->macros[i];
    return NULL;
}

/* The {UNIT} of a pattern: its surfaces, longest first, as a named group.
 * Spaces or tabs may stand between the characters of a unit, as they do on
 * pages laid out with spaced characters (个 百 分 点). */
static int
unit_group(const struct pattern *p, struct src *out, struct loc at)
{
    size_t *order = malloc((p->nunits + 1) * sizeof *order);
    if (order == NULL)
        return -1;
    for (size_t i = 0; i < p->nunits; i++)
        order[i] = i;
    for (size_t i = 1; i < p->nunits; i++)
        for (size_t j = i;
             j > 0 && strlen(p->units[order[j]].surface) > strlen(p->units[order[j - 1]].surface);
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int rc = pattern_src_add(out, "(?<unit>", 8, at);
    for (size_t i = 0; rc == 0 && i < p->nunits; i++) {
        const char *s = p->units[order[i]].surface;
        if (i > 0)
            rc |= pattern_src_add(out, "|", 1, at);
        for (size_t k = 0; rc == 0 && s[k] != '\0';) {
            size_t clen = 1;
            while (((unsigned char)s[k + clen] & 0xC0) == 0x80)
                clen++;
            if (k > 0)
                rc |= pattern_src_add(out, "[ \\t]*", 6, at);
            if (clen == 1 && !((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
                               (s[k] >= '0' && s[k] <= '9')))
                rc |= pattern_src_add(out, "\\", 1, at);
            rc |= pattern_src_add(out, s + k, clen, at);
            k += clen;
        }
    }
    rc |= pattern_src_add(out, ")", 1, at);
    free(order);
    return rc ? -1 : 0;
}

static int
expand(struct patternset *ps, const struct pattern *pat, const struct src *in, struct src *out,
       int depth, struct err *err)
{
    const char *t = in->text.data;
    size_t n = in->text.len;

    if (depth > MAX_MACRO_DEPTH) {
        pattern_err_at(err, in->locs[0], "macros nested more than 32 deep");
        return -1;
    }
    for (size_t i = 0; i < n;) {
        if (t[i] == '{' && (i == 0 || t[i - 1] != '\\')) {
            size_t j = i + 1;
            while (j < n && t[j] != '}' && j - i < 64)
                j++;
            if (j < n && t[j] == '}' && pattern_is_macro_name(t + i + 1, j - i - 1)) {
                const char *name = t + i + 1;
                size_t nl = j - i - 1;
                if (nl == 4 && memcmp(name, "UNIT", 4) == 0) {
                    if (pat == NULL || pat->nunits == 0) {
                        pattern_err_at(err, in->locs[i], "{UNIT} used where no 'unit' is defined");
                        return -1;
                    }
                    if (unit_group(pat, out, in->locs[i]) != 0)
                        return -1;
                } else {
                    struct macro *m = (struct macro *)find_macro(ps, name, nl);
                    if (m == NULL) {
                        pattern_err_at(err, in->locs[i], "unknown macro {%.*s}", (int)nl, name);
                        return -1;
                    }
                    if (m->busy) {
                        pattern_err_at(err, in->locs[i], "macro {%s} refers to itself", m->name);
                        return -1;
                    }
                    m->busy = 1;
                    /* Group the body so that a quantifier after {NAME} applies to all of it. */
                    int rc = pattern_src_add(out, "(?:", 3, in->locs[i]);
                    if (rc == 0)
                        rc = expand(ps, pat, &m->body, out, depth + 1, err);
                    if (rc == 0)
                        rc = pattern_src_add(out, "\n)", 2, in->locs[j]);
                    m->busy = 0;
                    if (rc != 0)
                        return -1;
                }
                i = j + 1;
                continue;
            }
        }
        if (pattern_src_add(out, t + i, 1, in->locs[i]) != 0)
            return -1;
        i++;
    }
    return 0;
}

static pcre2_code *
compile(struct patternset *ps, const struct pattern *pat, const struct src *in, const char *what,
        int jit, struct err *err)
{
    struct src ex = {0};
    pcre2_code *code = NULL;
    int ecode;
    PCRE2_SIZE eoff;

    if (in->text.len == 0) {
        err_set(err, "%s has no regex", what);
        return NULL;
    }
    if (expand(ps, pat, in, &ex, 0, err) != 0) {
        if (err->msg[0] == '\0')
            err_set(err, "out of memory expanding %s", what);
        pattern_src_free(&ex);
        return NULL;
    }
    code = pcre2_compile((PCRE2_SPTR)ex.text.data, ex.text.len, PCRE2_UTF | PCRE2_EXTENDED, &ecode,
                         &eoff, NULL);
    if (code == NULL) {
        PCRE2_UCHAR msg[256];
        char full[400];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        /* PCRE2 reports what it finds only at the end (an unclosed group)
         * at the end: point just past the regex as written. */
        struct loc at = in->locs[in->nlocs - 1];
        if (eoff < ex.nlocs)
            at = ex.locs[eoff];
        else
            at.col++;
        snprintf(full, sizeof full, "%s", (const char *)msg);
        pattern_err_at(err, at, "%s (in %s)", full, what);
    } else if (jit && getenv("FACTD_NO_JIT") == NULL) {
        /* JIT is an optimization: without it (no executable memory, say) the
         * interpreter gives the same results more slowly. */
        (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    }
    pattern_src_free(&ex);
    return code;
}

static uint32_t
group(const pcre2_code *code, const char *name)
{
    int n = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);
    return n > 0 ? (uint32_t)n : 0;
}

static int
finish_pattern(struct patternset *ps, struct rawpattern *rp, struct err *err)
{
    struct pattern *p = &rp->p;
    struct loc at = {p->file, p->line, 1};
    char what[200];

    if (rp->kind == NULL) {
        pattern_err_at(err, at, "pattern %s has no 'kind'", p->id);
        return -1;
    }
    if ((p->kind = patternset_kind(ps, rp->kind, strlen(rp->kind))) < 0) {
        pattern_err_at(err, rp->kind_at,
                       "unknown kind '%s' (area, mu, percent, pct_point, project, or one declared "
                       "with 'new-kind %s')",
                       rp->kind, rp->kind);
        return -1;
    }
    if (p->nunits == 0) {
        pattern_err_at(err, at, "pattern %s has no 'unit'", p->id);
        return -1;
    }
    if (rp->regex.text.len == 0) {
        pattern_err_at(err, at, "pattern %s has no 'regex'", p->id);
        return -1;
    }
    snprintf(what, sizeof what, "pattern %s", p->id);
    if ((p->code = compile(ps, p, &rp->regex, what, 1, err)) == NULL)
        return -1;
    p->g_num = group(p->code, "num");
    p->g_hi = group(p->code, "hi");
    p->g_unit = group(p->code, "unit");
    p->g_sign = group(p->code, "sign");
    p->g_subject = group(p->code, "subject");
    if (p->g_num == 0) {
        pattern_err_at(err, rp->regex.locs[0], "pattern %s has no (?<num>...) group", p->id);
        return -1;
    }
    if (p->g_unit == 0 && p->nunits > 1) {
        pattern_err_at(err, rp->regex.locs[0],
                       "pattern %s lists several units but has no {UNIT} or (?<unit>...) group",
                       p->id);
        return -1;
    }
    return 0;
}

static int
cmp_qual(const void *a, const void *b)
{
    const struct qual_word *x = a, *y = b;
    if (x->where != y->where)
        return (int)x->where - (int)y->where;
    size_t lx = strlen(x->word), ly = strlen(y->word);
    return lx < ly ? 1 : lx > ly ? -1 : 0;
}

static unsigned
first_cp(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80)
        return u[0];
    if (u[0] < 0xE0)
        return ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
    if (u[0] < 0xF0)
        return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
    return 0x10000; /* outside the table: the pattern is not gated */
}

static int
add_trigger(struct patternset *ps, unsigned cp, uint64_t bit)
{
    for (size_t i = 0; i < ps->ntrig; i++)
        if (ps->trig[i].cp == cp) {
            ps->trig[i].mask |= bit;
            return 0;
        }
    struct trigger *t = realloc(ps->trig, (ps->ntrig + 1) * sizeof *t);
    if (t == NULL)
        return -1;
    ps->trig = t;
    t[ps->ntrig].cp = cp;
    t[ps->ntrig].mask = bit;
    ps->ntrig++;
    ps->trig_bits[cp / 8] |= (unsigned char)(1u << (cp % 8));
    return 0;
}

/*
 * The first character of each near word (or, without near words, of each
 * unit) must appear in a sentence for the pattern to run there.  The first
 * character is enough and is what a spaced-out unit (个 百 分 点) still has.
 */
static int
build_triggers(struct patternset *ps)
{
    for (size_t i = 0; i < ps->npats; i++) {
        const struct pattern *p = &ps->pats[i].p;
        uint64_t bit = (uint64_t)1 << (i < 63 ? i : 63);
        size_t n = p->nnear ? p->nnear : p->nunits;
        if (i >= 63) {
            ps->always |= bit;
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            unsigned cp = first_cp(p->nnear ? p->near[k] : p->units[k].surface);
            if (cp >= 0x10000 || cp == 0)
                ps->always |= bit;
            else if (add_trigger(ps, cp, bit) != 0)
                return -1;
        }
    }
    return 0;
}

/* The kinds every set has: those of FACTS.md, in enum fact_kind order. */
static int
init_kinds(struct patternset *ps)
{
    if ((ps->kinds = calloc(FACT_NKINDS, sizeof *ps->kinds)) == NULL)
        return -1;
    for (int k = 0; k < FACT_NKINDS; k++)
        if ((ps->kinds[ps->nkinds++] = strdup(fact_kind_name((enum fact_kind)k))) == NULL)
            return -1;
    return 0;
}

/* Pass 2 over everything read: compile macros, patterns and stance cues. */
static int
finish_set(struct patternset *ps, const char *dir, uint64_t hash, struct err *err)
{
    int rc = 0;

    /* Each macro must be a regex on its own, so that an error in one is
     * reported where it is written, not at the end of a pattern using it. */
    for (size_t i = 0; rc == 0 && i < ps->nmacros; i++) {
        char what[100];
        snprintf(what, sizeof what, "macro %s", ps->macros[i].name);
        pcre2_code *code = compile(ps, NULL, &ps->macros[i].body, what, 0, err);
        if (code == NULL)
            rc = -1;
        pcre2_code_free(code);
    }
    for (size_t i = 0; rc == 0 && i < ps->npats; i++)
        rc = finish_pattern(ps, &ps->pats[i], err);
    for (int s = 1; rc == 0 && s < STANCE_N; s++) {
        char what[64];
        snprintf(what, sizeof what, "stance %s", fact_stance_name((enum fact_stance)s));
        if (ps->stance[s].text.len > 0 &&
            (ps->stance_code[s] = compile(ps, NULL, &ps->stance[s], what, 1, err)) == NULL)
            rc = -1;
    }
    if (rc == 0 && ps->npats == 0) {
        err_file(err, dir);
        err_set(err, "the pattern files define no pattern");
        rc = -1;
    }
    if (rc == 0) {
        if (ps->nquals > 1)
            qsort(ps->quals, ps->nquals, sizeof *ps->quals, cmp_qual);
        if ((ps->mctx = pcre2_match_context_create(NULL)) == NULL) {
            rc = -1;
        } else {
            pcre2_set_match_limit(ps->mctx, MATCH_LIMIT);
            pcre2_set_depth_limit(ps->mctx, DEPTH_LIMIT);
        }
        snprintf(ps->hash, sizeof ps->hash, "%016llx", (unsigned long long)hash);
        if (rc == 0)
            rc = build_triggers(ps);
    }
    return rc;
}

/* The end of a load: the set, or NULL with err set and the set freed. */
static struct patternset *
load_done(struct patternset *ps, int rc, struct err *err)
{
    if (rc == 0)
        return ps;
    if (err->msg[0] == '\0')
        err_set(err, "out of memory loading patterns");
    patternset_free(ps);
    return NULL;
}

struct patternset *
patternset_load(const char *dir, struct err *err)
{
    struct dirent **names = NULL;
    struct patternset *ps;
    uint64_t hash = HASH_FNV1A_START;
    int n;

    err_clear(err);
    if ((ps = calloc(1, sizeof *ps)) == NULL) {
        err_set(err, "out of memory");
        return NULL;
    }
    if (init_kinds(ps) != 0) {
        err_set(err, "out of memory");
        patternset_free(ps);
        return NULL;
    }
    n = scandir(dir, &names, pattern_file_filter, alphasort);
    if (n < 0) {
        err_file(err, dir);
        err_set(err, "cannot read pattern directory: %s", strerror(errno));
        patternset_free(ps);
        return NULL;
    }
    if (n == 0) {
        err_file(err, dir);
        err_set(err, "no *.pat files in the pattern directory");
        free(names);
        patternset_free(ps);
        return NULL;
    }
    ps->files = calloc((size_t)n, sizeof *ps->files);
    int rc = ps->files ? 0 : -1;
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
            char *path = malloc(len);
            if (path == NULL) {
                rc = -1;
            } else {
                snprintf(path, len, "%s/%s", dir, names[i]->d_name);
                ps->files[ps->nfiles++] = path;
                hash = hash_fnv1a(hash, names[i]->d_name, strlen(names[i]->d_name));
                rc = pattern_file_read(ps, path, err, &hash);
            }
        }
        free(names[i]);
    }
    free(names);

    if (rc == 0)
        rc = finish_set(ps, dir, hash, err);
    return load_done(ps, rc, err);
}

struct patternset *
patternset_load_buffer(const char *name, const char *data, size_t len, struct err *err)
{
    struct patternset *ps;
    uint64_t hash = HASH_FNV1A_START;
    int rc = -1;

    err_clear(err);
    if ((ps = calloc(1, sizeof *ps)) == NULL ||
        (ps->files = calloc(1, sizeof *ps->files)) == NULL ||
        (ps->files[0] = strndup(name, strlen(name))) == NULL || init_kinds(ps) != 0) {
        err_set(err, "out of memory");
        patternset_free(ps);
        return NULL;
    }
    ps->nfiles = 1;
    hash = hash_fnv1a(hash, data, len);
    if (len > MAX_PATTERN_FILE_BYTES) {
        err_file(err, name);
        err_set(err, "pattern file larger than %u bytes", MAX_PATTERN_FILE_BYTES);
    } else if (pattern_file_parse(ps, data, len, err) == 0) {
        rc = finish_set(ps, name, hash, err);
    }
    return load_done(ps, rc, err);
}

void
patternset_free(struct patternset *ps)
{
    if (ps == NULL)
        return;
    for (size_t i = 0; i < ps->npats; i++) {
        struct pattern *p = &ps->pats[i].p;
        free(p->id);
        for (size_t u = 0; u < p->nunits; u++)
            free(p->units[u].surface);
        free(p->units);
        for (size_t e = 0; e < p->nexamples; e++) {
            free(p->examples[e].text);
            free(p->examples[e].expect);
        }
        free(p->examples);
        for (size_t w = 0; w < p->nnear; w++)
            free(p->near[w]);
        free(p->near);
        pcre2_code_free(p->code);
        pattern_src_free(&ps->pats[i].regex);
        free(ps->pats[i].kind);
    }
    free(ps->pats);
    for (size_t i = 0; i < ps->nmacros; i++) {
        free(ps->macros[i].name);
        pattern_src_free(&ps->macros[i].body);
    }
    free(ps->macros);
    for (size_t i = 0; i < ps->nquals; i++)
        free(ps->quals[i].word);
    free(ps->quals);
    for (int s = 0; s < STANCE_N; s++) {
        pattern_src_free(&ps->stance[s]);
        pcre2_code_free(ps->stance_code[s]);
    }
    pcre2_match_context_free(ps->mctx);
    free(ps->trig);
    for (size_t i = 0; i < ps->nkinds; i++)
        free(ps->kinds[i]);
    free(ps->kinds);
    for (size_t i = 0; i < ps->nfiles; i++)
        free(ps->files[i]);
    free(ps->files);
    free(ps);
}

size_t
patternset_kind_count(const struct patternset *ps)
{
    return ps->nkinds;
}

const char *
patternset_kind_name(const struct patternset *ps, int kind)
{
    return kind >= 0 && (size_t)kind < ps->nkinds ? ps->kinds[kind] : "unknown";
}

int
patternset_kind(const struct patternset *ps, const char *name, size_t len)
{
    for (size_t i = 0; i < ps->nkinds; i++)
        if (strlen(ps->kinds[i]) == len && memcmp(ps->kinds[i], name, len) == 0)
            return (int)i;
    return -1;
}

size_t
patternset_count(const struct patternset *ps)
{
    return ps->npats;
}

const struct pattern *
patternset_get(const struct patternset *ps, size_t i)
{
    return i < ps->npats ? &ps->pats[i].p : NULL;
}

size_t
patternset_qual_count(const struct patternset *ps)
{
    return ps->nquals;
}

const struct qual_word *
patternset_qual(const struct patternset *ps, size_t i)
{
    return i < ps->nquals ? &ps->quals[i] : NULL;
}

const unsigned char *
patternset_trigger_bits(const struct patternset *ps)
{
    return ps->trig_bits;
}

uint64_t
patternset_trigger(const struct patternset *ps, unsigned c)
{
    for (size_t i = 0; i < ps->ntrig; i++)
        if (ps->trig[i].cp == c)
            return ps->trig[i].mask;
    return 0;
}

uint64_t
patternset_always(const struct patternset *ps)
{
    return ps->always;
}

const pcre2_code *
patternset_stance(const struct patternset *ps, enum fact_stance s)
{
    return (unsigned)s < STANCE_N ? ps->stance_code[s] : NULL;
}

const char *
patternset_hash(const struct patternset *ps)
{
    return ps->hash;
}

pcre2_match_context *
patternset_match_context(const struct patternset *ps)
{
    return ps->mctx;
}
