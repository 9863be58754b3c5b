/*
 * labels: the --sources CSV.  A few dozen rows at most, looked up once per
 * page by a scan: no index is worth it.
 */
#include "labels.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"

#define FIELDS 5

static const char header[] = "prefix,source,region,region_code,level";

/* One field from *p (not past end), unquoted into out; *p is left after its
 * comma or at the line's end.  -1 for a quote that is not closed or is
 * followed by something other than a comma. */
static int
field(const char **p, const char *end, struct buf *out)
{
    const char *s = *p;
    out->len = 0;
    if (s < end && *s == '"') {
        for (s++;; s++) {
            if (s >= end)
                return -1;
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    if (buf_putc(out, '"') != BUF_OK)
                        return -1;
                    s++;
                    continue;
                }
                s++;
                break;
            }
            if (buf_putc(out, *s) != BUF_OK)
                return -1;
        }
        if (s < end && *s != ',')
            return -1;
    } else {
        const char *c = memchr(s, ',', (size_t)(end - s));
        const char *e = c != NULL ? c : end;
        if (memchr(s, '"', (size_t)(e - s)) != NULL)
            return -1;
        if (buf_append(out, s, (size_t)(e - s)) != BUF_OK)
            return -1;
        s = e;
    }
    *p = s < end ? s + 1 : s; /* past the comma */
    return s < end ? 1 : 0;   /* 1: more fields follow */
}

static char *
dup_or_null(const struct buf *b)
{
    if (b->len == 0)
        return NULL;
    char *s = malloc(b->len + 1);
    if (s != NULL) {
        memcpy(s, b->data, b->len);
        s[b->len] = '\0';
    }
    return s;
}

static void
label_free(struct label *l)
{
    free(l->prefix);
    free(l->source);
    free(l->region);
    free(l->region_code);
    free(l->level);
}

void
labels_free(struct labels *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        label_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void __attribute__((format(printf, 5, 6)))
bad(void (*report)(void *, const struct err *), void *arg, const char *name, unsigned line,
    const char *fmt, ...)
{
    struct err e;
    char msg[sizeof e.msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_clear(&e);
    err_file(&e, name);
    e.line = line;
    err_set(&e, "%s", msg);
    if (report != NULL)
        report(arg, &e);
}

int
labels_parse(const char *name, const char *data, size_t len, struct labels *out,
             void (*report)(void *arg, const struct err *e), void *arg)
{
    struct buf f[FIELDS];
    unsigned line = 0;
    int errors = 0;
    size_t cap = 0;

    out->v = NULL;
    out->n = 0;
    for (int k = 0; k < FIELDS; k++)
        buf_init(&f[k], 65536);
    /* A UTF-8 BOM, as a spreadsheet writes one. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    for (const char *p = data, *end = data + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *next = nl != NULL ? nl + 1 : end;
        line++;
        if (le > p && le[-1] == '\r')
            le--;
        if (line == 1) {
            if ((size_t)(le - p) != sizeof header - 1 || memcmp(p, header, sizeof header - 1)) {
                bad(report, arg, name, line, "the first line must be the header %s", header);
                errors++;
                break;
            }
            p = next;
            continue;
        }
        if (le == p) {
            p = next;
            continue;
        }
        const char *q = p;
        int k = 0, more = 1;
        while (more && k < FIELDS) {
            more = field(&q, le, &f[k]);
            if (more < 0)
                break;
            k++;
        }
        p = next;
        if (more < 0 || (more == 1 && k == FIELDS)) {
            bad(report, arg, name, line, "%s",
                more < 0 ? "a quote is not closed on its line, text follows it, or a field is over "
                           "64 KiB"
                         : "more than 5 fields");
            errors++;
            continue;
        }
        for (int j = k; j < FIELDS; j++)
            f[j].len = 0;
        if (f[0].len == 0 || f[1].len == 0) {
            bad(report, arg, name, line, "%s", "a row needs a prefix and a source");
            errors++;
            continue;
        }
        struct label l = {dup_or_null(&f[0]), dup_or_null(&f[1]), dup_or_null(&f[2]),
                          dup_or_null(&f[3]), dup_or_null(&f[4])};
        if (l.prefix == NULL || l.source == NULL || (f[2].len && !l.region) ||
            (f[3].len && !l.region_code) || (f[4].len && !l.level)) {
            label_free(&l);
            bad(report, arg, name, line, "%s", "out of memory");
            errors++;
            break;
        }
        if (l.region_code != NULL && !config_region_code_ok(l.region_code)) {
            bad(report, arg, name, line,
                "region_code wants the six digits of a GB/T 2260 code such as 120106, not '%s'",
                l.region_code);
            errors++;
        } else if (l.level != NULL && !config_level_ok(l.level)) {
            bad(report, arg, name, line,
                "level wants province, city, district, county or ministry, not '%s'", l.level);
            errors++;
        } else if (memchr(f[0].data, '\0', f[0].len) || memchr(f[1].data, '\0', f[1].len)) {
            bad(report, arg, name, line, "%s", "a NUL byte in a field");
            errors++;
        } else if (out->n == cap) {
            struct label *v = buf_grow_array(out->v, &cap, sizeof *v, 16);
            if (v == NULL) {
                label_free(&l);
                bad(report, arg, name, line, "%s", "out of memory");
                errors++;
                break;
            }
            out->v = v;
        }
        if (errors > 0) {
            label_free(&l);
            continue;
        }
        out->v[out->n++] = l;
    }
    for (int k = 0; k < FIELDS; k++)
        buf_free(&f[k]);
    if (errors == 0 && line == 0) {
        bad(report, arg, name, 1, "the file is empty; the first line must be the header %s",
            header);
        errors++;
    }
    if (errors > 0) {
        labels_free(out);
        return -1;
    }
    return 0;
}

const struct label *
labels_find(const struct labels *l, const char *uri)
{
    const struct label *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t n = strlen(l->v[i].prefix);
        if (n > best_len && strncmp(uri, l->v[i].prefix, n) == 0) {
            best = &l->v[i];
            best_len = n;
        }
    }
    return best;
}
