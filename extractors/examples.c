/*
 * examples: the pattern examples as tests.  An example goes through the same
 * normalization and extraction as a page, so what passes here is what the
 * daemon finds.
 */
#include "examples.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "normalize.h"

#define MAX_EXPECT 32

struct want {
    int kind;
    double value, value_max;
    int has_max;
    int qual;
    char subject[128]; /* subject=..., "" when the example does not say */
    int direction;     /* direction=up|down|none: DIRECTION_*, -1 when it does not say */
    int used;
};

static int
parse_expect(const struct patternset *ps, const char *s, struct want *w, size_t *n, char *why,
             size_t whylen)
{
    *n = 0;
    while (*s == ' ')
        s++;
    if (strcmp(s, "none") == 0)
        return 0;
    while (*s != '\0') {
        char item[384], kind[32] = "", num[64] = "", qual[32] = "";
        const char *semi = strchr(s, ';');
        size_t len = semi ? (size_t)(semi - s) : strlen(s);
        if (*n >= MAX_EXPECT || len >= sizeof item) {
            snprintf(why, whylen, "too many or too long expected facts");
            return -1;
        }
        memcpy(item, s, len);
        item[len] = '\0';
        struct want *x = &w[(*n)++];
        memset(x, 0, sizeof *x);
        x->direction = -1;
        /* KIND VALUE [QUALIFIER] [subject=WORDS] [direction=up|down|none] */
        int ntok = 0, bad = 0;
        for (char *save = NULL, *tok = strtok_r(item, " ", &save); tok != NULL;
             tok = strtok_r(NULL, " ", &save), ntok++) {
            if (ntok == 0)
                snprintf(kind, sizeof kind, "%s", tok);
            else if (ntok == 1)
                snprintf(num, sizeof num, "%s", tok);
            else if (strncmp(tok, "subject=", 8) == 0)
                snprintf(x->subject, sizeof x->subject, "%s", tok + 8);
            else if (strncmp(tok, "direction=", 10) == 0)
                x->direction = strcmp(tok + 10, "up") == 0     ? DIRECTION_UP
                               : strcmp(tok + 10, "down") == 0 ? DIRECTION_DOWN
                               : strcmp(tok + 10, "none") == 0 ? DIRECTION_NONE
                                                               : (bad = 1, -1);
            else if (qual[0] == '\0')
                snprintf(qual, sizeof qual, "%s", tok);
            else
                bad = 1;
        }
        memcpy(item, s, len); /* strtok_r cut it up; the message shows it whole */
        item[len] = '\0';
        if (ntok < 2 || bad) {
            snprintf(why, whylen, "cannot read expected fact '%s'", item);
            return -1;
        }
        x->kind = patternset_kind(ps, kind, strlen(kind));
        x->qual = qual[0] ? fact_qual_from_name(qual, strlen(qual)) : QUAL_NONE;
        char *end, *dots = strstr(num, "..");
        x->value = strtod(num, &end);
        if (dots != NULL) {
            x->has_max = 1;
            x->value_max = strtod(dots + 2, &end);
        }
        if (x->kind < 0 || x->qual < 0 || *end != '\0') {
            snprintf(why, whylen, "cannot read expected fact '%s'", item);
            return -1;
        }
        s += len;
        while (*s == ';' || *s == ' ')
            s++;
    }
    return 0;
}

static int
same(double a, double b)
{
    return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void
describe(const struct patternset *ps, char *out, size_t outlen, int kind, double v, int has_max,
         double vmax, int qual)
{
    const char *q = fact_qual_name((enum fact_qual)qual);
    if (has_max)
        snprintf(out, outlen, "%s %.15g..%.15g%s%s", patternset_kind_name(ps, kind), v, vmax,
                 q ? " " : "", q ? q : "");
    else
        snprintf(out, outlen, "%s %.15g%s%s", patternset_kind_name(ps, kind), v, q ? " " : "",
                 q ? q : "");
}

static int
check_one(const struct patternset *ps, const struct pattern_example *ex, char *msg, size_t msglen)
{
    struct want w[MAX_EXPECT];
    size_t nw;
    struct text t = {0};
    struct fact_list got;
    struct err err;
    char gotdesc[2048] = "", wantdesc[2048] = "", one[128];
    int ok = 1;

    err_clear(&err);
    if (parse_expect(ps, ex->expect, w, &nw, msg, msglen) != 0)
        return 0;
    fact_list_init(&got);
    if (normalize_text(ex->text, strlen(ex->text), 1 << 20, &t, &err) != 0 ||
        extract_run(ps, t.data, t.len, 0, &got, NULL, &err) != 0) {
        snprintf(msg, msglen, "%s", err.msg);
        text_free(&t);
        fact_list_free(&got);
        return 0;
    }
    for (size_t i = 0; i < got.n; i++) {
        const struct fact *f = &got.v[i];
        int matched = 0;
        for (size_t k = 0; k < nw && !matched; k++)
            if (!w[k].used && w[k].kind == (int)f->kind && same(f->value, w[k].value) &&
                w[k].has_max == f->has_max && (!f->has_max || same(f->value_max, w[k].value_max)) &&
                w[k].qual == (int)f->qualifier &&
                (w[k].direction < 0 || w[k].direction == (int)f->direction) &&
                (w[k].subject[0] == '\0' ||
                 (strlen(w[k].subject) == f->subject.len &&
                  memcmp(w[k].subject, t.data + f->subject.off, f->subject.len) == 0)))
                w[k].used = matched = 1;
        if (!matched)
            ok = 0;
        describe(ps, one, sizeof one, f->kind, f->value, f->has_max, f->value_max, f->qualifier);
        snprintf(gotdesc + strlen(gotdesc), sizeof gotdesc - strlen(gotdesc),
                 "%s%s subject=%.*s direction=%s", i ? "; " : "", one,
                 f->subject.len ? (int)f->subject.len : 4,
                 f->subject.len ? t.data + f->subject.off : "none",
                 f->direction != DIRECTION_NONE ? fact_direction_name(f->direction) : "none");
    }
    for (size_t k = 0; k < nw; k++) {
        if (!w[k].used)
            ok = 0;
        describe(ps, one, sizeof one, w[k].kind, w[k].value, w[k].has_max, w[k].value_max,
                 w[k].qual);
        snprintf(wantdesc + strlen(wantdesc), sizeof wantdesc - strlen(wantdesc), "%s%s%s%s%s%s",
                 k ? "; " : "", one, w[k].subject[0] ? " subject=" : "", w[k].subject,
                 w[k].direction >= 0 ? " direction=" : "",
                 w[k].direction < 0 ? ""
                 : w[k].direction == DIRECTION_NONE
                     ? "none"
                     : fact_direction_name((enum fact_direction)w[k].direction));
    }
    if (!ok)
        snprintf(msg, msglen, "expected %s, got %s", nw ? wantdesc : "none",
                 got.n ? gotdesc : "none");
    text_free(&t);
    fact_list_free(&got);
    return ok;
}

size_t
examples_check(const struct patternset *ps, examples_report_fn report, void *arg, size_t *total)
{
    size_t failed = 0, n = 0;
    char msg[2300];

    for (size_t i = 0; i < patternset_count(ps); i++) {
        const struct pattern *p = patternset_get(ps, i);
        for (size_t e = 0; e < p->nexamples; e++) {
            n++;
            msg[0] = '\0';
            if (!check_one(ps, &p->examples[e], msg, sizeof msg)) {
                failed++;
                if (report != NULL)
                    report(arg, p, &p->examples[e], msg);
            }
        }
    }
    if (total != NULL)
        *total = n;
    return failed;
}
