/*
 * pattern_file: pass 1 of loading a pattern set, the reading.  The text of
 * each *.pat file becomes the set's raw tables (pattern_file.h): macros,
 * patterns with their units, examples and near words, qualifier words,
 * declared kinds and stance cues.  Regex text is kept as it is written, with
 * where every byte of it came from (struct src), so that pass 2
 * (patternset.c), which expands and compiles it, can point an error at the
 * file, line and column the developer has to look at.
 *
 * Only the syntax of lines is checked here; what needs the whole set (a
 * kind's name, a macro used in another file) is checked in pass 2.  All that
 * is read is stored in the set and owned by it; the reader keeps nothing.
 */
#include "pattern_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "utf8.h"

/* ---- small helpers ---- */

static unsigned
utf8_cols(const char *s, size_t n)
{
    unsigned cols = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cols++;
    return cols;
}

int
pattern_src_add(struct src *s, const char *p, size_t n, struct loc at)
{
    if (s->text.max_len == 0)
        buf_init(&s->text, MAX_EXPANDED_BYTES);
    if (s->nlocs + n + 1 > s->caplocs) {
        size_t cap = s->caplocs ? s->caplocs : 64;
        while (cap < s->nlocs + n + 1)
            cap *= 2;
        struct loc *l = realloc(s->locs, cap * sizeof *l);
        if (l == NULL)
            return -1;
        s->locs = l;
        s->caplocs = cap;
    }
    if (buf_append(&s->text, p, n) != BUF_OK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        s->locs[s->nlocs++] = at;
        /* Continuation bytes share their character's column. */
        if (i + 1 < n && ((unsigned char)p[i + 1] & 0xC0) != 0x80)
            at.col++;
    }
    return 0;
}

void
pattern_src_free(struct src *s)
{
    buf_free(&s->text);
    free(s->locs);
    memset(s, 0, sizeof *s);
}

void
pattern_err_at(struct err *err, struct loc at, const char *fmt, ...)
{
    va_list ap;

    err_file(err, at.file);
    err->line = at.line;
    err->col = at.col;
    va_start(ap, fmt);
    err_vset(err, fmt, ap);
    va_end(ap);
}

/* ---- pass 1: reading files ---- */

struct reader {
    struct patternset *ps;
    const char *file;
    struct rawpattern *cur; /* pattern being read, NULL outside one */
    struct src *cont;       /* what an indented line continues, NULL if nothing */
    int stance_open;        /* cont is a stance alternative, closed by ")" at its end */
    struct err *err;
};

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Split off the first white-space-separated word of *line. */
static const char *
next_word(const char **line, const char *end, size_t *len)
{
    const char *p = *line;
    while (p < end && is_space(*p))
        p++;
    const char *w = p;
    while (p < end && !is_space(*p))
        p++;
    *len = (size_t)(p - w);
    *line = p;
    return w;
}

static const char *
skip_space(const char *p, const char *end)
{
    while (p < end && is_space(*p))
        p++;
    return p;
}

static const char *
trim_end(const char *p, const char *end)
{
    while (end > p && is_space(end[-1]))
        end--;
    return end;
}

int
pattern_is_macro_name(const char *p, size_t n)
{
    if (n == 0 || !(p[0] >= 'A' && p[0] <= 'Z'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
            return 0;
    return 1;
}

static struct loc
loc_at(const struct reader *r, unsigned line, const char *linestart, const char *p)
{
    struct loc l = {r->file, line, 1 + utf8_cols(linestart, (size_t)(p - linestart))};
    return l;
}

static int
read_qualifier(struct reader *r, const char *p, const char *end, struct loc at)
{
    static const char *const wheres[QUAL_NWHERE] = {"before", "mid", "after"};
    struct patternset *ps = r->ps;
    size_t n, wn;
    const char *name = next_word(&p, end, &n);
    int q = fact_qual_from_name(name, n);
    if (q <= 0) {
        pattern_err_at(r->err, at,
                       "unknown qualifier '%.*s' (approx, more_than, at_least, at_most)", (int)n,
                       name);
        return -1;
    }
    const char *where = next_word(&p, end, &wn);
    int w = -1;
    for (int i = 0; i < QUAL_NWHERE; i++)
        if (strlen(wheres[i]) == wn && memcmp(wheres[i], where, wn) == 0)
            w = i;
    if (w < 0) {
        pattern_err_at(r->err, at, "qualifier place must be before, mid or after");
        return -1;
    }
    for (;;) {
        const char *word = next_word(&p, end, &n);
        if (n == 0)
            break;
        struct qual_word *v = realloc(ps->quals, (ps->nquals + 1) * sizeof *v);
        if (v == NULL)
            return -1;
        ps->quals = v;
        v[ps->nquals].word = strndup(word, n);
        v[ps->nquals].qual = (enum fact_qual)q;
        v[ps->nquals].where = (enum qual_where)w;
        if (v[ps->nquals].word == NULL)
            return -1;
        ps->nquals++;
    }
    return 0;
}

/*
 * Where in s..end the first NUL or invalid UTF-8 sequence is, or end - s.
 * Pattern files are UTF-8 text: everything after reads characters whole.
 */
static size_t
utf8_bad(const char *s, const char *end)
{
    const unsigned char *p = (const unsigned char *)s, *e = (const unsigned char *)end;
    size_t k;

    while (p < e && *p != 0 && (k = utf8_seq(p, (size_t)(e - p))) > 0)
        p += k;
    return (size_t)(p - (const unsigned char *)s);
}

static int
read_line(struct reader *r, unsigned lineno, const char *line, const char *end)
{
    struct patternset *ps = r->ps;
    size_t dn;
    size_t bad = utf8_bad(line, end);
    if (bad != (size_t)(end - line)) {
        pattern_err_at(r->err, loc_at(r, lineno, line, line + bad),
                       "not UTF-8 text (a NUL or an invalid byte)");
        return -1;
    }
    const char *p = skip_space(line, end);
    end = trim_end(p, end);
    if (p == end || *p == '#')
        return 0;
    struct loc at = loc_at(r, lineno, line, p);
    /* An indented line continues the define, regex or stance above it. */
    if (p != line && r->cont != NULL) {
        if (r->stance_open)
            r->cont->text.len--, r->cont->nlocs--; /* reopen the group closed below */
        if (pattern_src_add(r->cont, "\n", 1, at) != 0 ||
            pattern_src_add(r->cont, p, (size_t)(end - p), at) != 0)
            return -1;
        return r->stance_open ? pattern_src_add(r->cont, ")", 1, at) : 0;
    }
    r->cont = NULL;
    r->stance_open = 0;
    const char *d = next_word(&p, end, &dn);
    const char *rest = skip_space(p, end);
    struct loc restat = loc_at(r, lineno, line, rest);

#define IS(word) (dn == sizeof(word) - 1 && memcmp(d, word, dn) == 0)
    if (IS("define")) {
        size_t n;
        const char *name = next_word(&rest, end, &n);
        if (!pattern_is_macro_name(name, n)) {
            pattern_err_at(r->err, at, "macro names are upper case letters, digits and _");
            return -1;
        }
        for (size_t i = 0; i < ps->nmacros; i++)
            if (strlen(ps->macros[i].name) == n && memcmp(ps->macros[i].name, name, n) == 0) {
                char prev[300];
                snprintf(prev, sizeof prev, "%s:%u", ps->macros[i].at.file, ps->macros[i].at.line);
                pattern_err_at(r->err, at, "macro %s already defined at %s", ps->macros[i].name,
                               prev);
                return -1;
            }
        struct macro *m = realloc(ps->macros, (ps->nmacros + 1) * sizeof *m);
        if (m == NULL)
            return -1;
        ps->macros = m;
        m += ps->nmacros;
        memset(m, 0, sizeof *m);
        m->name = strndup(name, n);
        m->at = at;
        ps->nmacros++;
        rest = skip_space(rest, end);
        if (m->name == NULL || pattern_src_add(&m->body, rest, (size_t)(end - rest),
                                               loc_at(r, lineno, line, rest)) != 0)
            return -1;
        r->cur = NULL;
        r->cont = &m->body;
        return 0;
    }
    if (IS("pattern")) {
        size_t n;
        const char *id = next_word(&rest, end, &n);
        if (n == 0) {
            pattern_err_at(r->err, at, "'pattern' needs an id");
            return -1;
        }
        for (size_t i = 0; i < ps->npats; i++)
            if (strlen(ps->pats[i].p.id) == n && memcmp(ps->pats[i].p.id, id, n) == 0) {
                char prev[300];
                snprintf(prev, sizeof prev, "%s:%u", ps->pats[i].p.file, ps->pats[i].p.line);
                pattern_err_at(r->err, at, "pattern %s already defined at %s", ps->pats[i].p.id,
                               prev);
                return -1;
            }
        struct rawpattern *v = realloc(ps->pats, (ps->npats + 1) * sizeof *v);
        if (v == NULL)
            return -1;
        ps->pats = v;
        r->cur = &v[ps->npats++];
        memset(r->cur, 0, sizeof *r->cur);
        r->cur->p.kind = -1;
        r->cur->p.id = strndup(id, n);
        r->cur->p.file = (char *)r->file;
        r->cur->p.line = lineno;
        return r->cur->p.id ? 0 : -1;
    }
    if (IS("qualifier")) {
        r->cur = NULL;
        return read_qualifier(r, rest, end, at);
    }
    if (IS("new-kind")) {
        size_t n;
        const char *k = next_word(&rest, end, &n);
        int ok = n > 0 && n < 32;
        for (size_t i = 0; ok && i < n; i++)
            ok = (k[i] >= 'a' && k[i] <= 'z') || k[i] == '_' ||
                 (i > 0 && k[i] >= '0' && k[i] <= '9');
        if (!ok) {
            pattern_err_at(r->err, restat, "a kind is named with a-z, 0-9 and _ (at most 31)");
            return -1;
        }
        r->cur = NULL;
        if (patternset_kind(ps, k, n) >= 0) {
            pattern_err_at(r->err, restat, "kind %.*s exists already", (int)n, k);
            return -1;
        }
        char **v = realloc(ps->kinds, (ps->nkinds + 1) * sizeof *v);
        if (v == NULL)
            return -1;
        ps->kinds = v;
        if ((v[ps->nkinds] = strndup(k, n)) == NULL)
            return -1;
        ps->nkinds++;
        return 0;
    }
    if (IS("stance")) {
        size_t n;
        const char *name = next_word(&rest, end, &n);
        int s = -1;
        for (int i = 1; i < STANCE_N; i++)
            if (strlen(fact_stance_name((enum fact_stance)i)) == n &&
                memcmp(fact_stance_name((enum fact_stance)i), name, n) == 0)
                s = i;
        if (s < 0) {
            pattern_err_at(r->err, at, "stance must be target or reported");
            return -1;
        }
        rest = skip_space(rest, end);
        struct src *dst = &ps->stance[s];
        r->cur = NULL;
        r->cont = dst;
        r->stance_open = 1;
        if (dst->text.len > 0 && pattern_src_add(dst, "|", 1, at) != 0)
            return -1;
        return pattern_src_add(dst, "(?:", 3, at) ||
                       pattern_src_add(dst, rest, (size_t)(end - rest),
                                       loc_at(r, lineno, line, rest)) ||
                       pattern_src_add(dst, ")", 1, at)
                   ? -1
                   : 0;
    }
    if (r->cur == NULL) {
        pattern_err_at(r->err, at, "'%.*s' outside a pattern (start one with 'pattern ID')",
                       (int)dn, d);
        return -1;
    }
    struct pattern *pat = &r->cur->p;
    if (IS("kind")) {
        size_t n;
        const char *k = next_word(&rest, end, &n);
        free(r->cur->kind);
        if ((r->cur->kind = strndup(k, n)) == NULL)
            return -1;
        r->cur->kind_at = restat;
    } else if (IS("unit")) {
        size_t n, sn;
        const char *surface = next_word(&rest, end, &n);
        const char *scale = next_word(&rest, end, &sn);
        char num[64], *e;
        snprintf(num, sizeof num, "%.*s", (int)(sn < 63 ? sn : 63), scale);
        double f = strtod(num, &e);
        if (n == 0 || sn == 0 || *e != '\0' || !(f > 0)) {
            pattern_err_at(r->err, restat,
                           "'unit' needs a surface and a positive scale, e.g. 'unit 平方公里 1e6'");
            return -1;
        }
        struct pattern_unit *u = realloc(pat->units, (pat->nunits + 1) * sizeof *u);
        if (u == NULL)
            return -1;
        pat->units = u;
        u[pat->nunits].surface = strndup(surface, n);
        u[pat->nunits].scale = f;
        if (u[pat->nunits].surface == NULL)
            return -1;
        pat->nunits++;
    } else if (IS("lists")) {
        if (strncmp(rest, "off", (size_t)(end - rest)) == 0 && end - rest == 3)
            pat->no_lists = 1;
        else if (strncmp(rest, "on", (size_t)(end - rest)) == 0 && end - rest == 2)
            pat->no_lists = 0;
        else {
            pattern_err_at(r->err, restat, "'lists' takes on or off");
            return -1;
        }
    } else if (IS("near")) {
        for (;;) {
            size_t n;
            const char *w = next_word(&rest, end, &n);
            if (n == 0)
                break;
            char **v = realloc(pat->near, (pat->nnear + 1) * sizeof *v);
            if (v == NULL)
                return -1;
            pat->near = v;
            if ((v[pat->nnear] = strndup(w, n)) == NULL)
                return -1;
            pat->nnear++;
        }
    } else if (IS("regex")) {
        struct src *s = &r->cur->regex;
        if (s->text.len > 0 && pattern_src_add(s, "\n", 1, at) != 0)
            return -1;
        if (pattern_src_add(s, rest, (size_t)(end - rest), restat) != 0)
            return -1;
        r->cont = s;
    } else if (IS("example")) {
        const char *arrow = NULL;
        for (const char *q = rest; q + 1 < end; q++)
            if (q[0] == '=' && q[1] == '>')
                arrow = q;
        if (arrow == NULL) {
            pattern_err_at(r->err, at, "'example' needs 'TEXT => FACTS' (FACTS may be 'none')");
            return -1;
        }
        const char *t_end = trim_end(rest, arrow);
        const char *x = skip_space(arrow + 2, end);
        struct pattern_example *v = realloc(pat->examples, (pat->nexamples + 1) * sizeof *v);
        if (v == NULL)
            return -1;
        pat->examples = v;
        v += pat->nexamples++;
        v->text = strndup(rest, (size_t)(t_end - rest));
        v->expect = strndup(x, (size_t)(end - x));
        v->line = lineno;
        if (v->text == NULL || v->expect == NULL)
            return -1;
    } else {
        pattern_err_at(r->err, at, "unknown directive '%.*s'", (int)dn, d);
        return -1;
    }
#undef IS
    return 0;
}

/* Read the directives of the file named last in ps->files from data[0..len). */
int
pattern_file_parse(struct patternset *ps, const char *data, size_t len, struct err *err)
{
    int rc = 0;
    struct reader r = {ps, ps->files[ps->nfiles - 1], NULL, NULL, 0, err};
    const char *p = data, *end = data + len;
    unsigned lineno = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        if (read_line(&r, lineno, p, le) != 0) {
            if (err->msg[0] == '\0') {
                err_file(err, r.file);
                err->line = lineno;
                err_set(err, "out of memory");
            }
            rc = -1;
        }
        p = nl ? nl + 1 : end;
    }
    return rc;
}

int
pattern_file_read(struct patternset *ps, const char *path, struct err *err, uint64_t *hash)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;
    int rc = 0;

    if (f == NULL) {
        err_file(err, path);
        err_set(err, "cannot open: %s", strerror(errno));
        return -1;
    }
    buf_init(&b, MAX_PATTERN_FILE_BYTES);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != BUF_OK) {
            err_file(err, path);
            err_set(err, "pattern file larger than %u bytes", MAX_PATTERN_FILE_BYTES);
            rc = -1;
            break;
        }
    fclose(f);
    if (rc == 0)
        *hash = hash_fnv1a(*hash, b.data, b.len);

    if (rc == 0)
        rc = pattern_file_parse(ps, b.data ? b.data : "", b.len, err);
    buf_free(&b);
    return rc;
}

int
pattern_file_filter(const struct dirent *de)
{
    size_t n = strlen(de->d_name);
    return de->d_name[0] != '.' && n > 4 && strcmp(de->d_name + n - 4, ".pat") == 0;
}
