/*
 * fuzz_labels: any bytes as replay's --sources CSV.  Parsing ends with rows
 * or with errors, each with a message and a line; every row has a prefix and
 * a source, a code of six digits and a known level; a lookup of any prefix
 * finds a row whose prefix it starts with.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "labels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
report(void *arg, const struct err *e)
{
    if (e->msg[0] == '\0' || e->line == 0)
        abort();
    (*(int *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int errors = 0;
    struct labels l;
    int rc = labels_parse("fuzz.csv", (const char *)data, size, &l, report, &errors);
    if ((rc != 0) != (errors > 0) || (rc != 0 && (l.v != NULL || l.n != 0)))
        abort();
    for (size_t i = 0; i < l.n; i++) {
        const struct label *x = &l.v[i];
        if (x->prefix[0] == '\0' || x->source[0] == '\0' ||
            (x->region_code != NULL && !config_region_code_ok(x->region_code)) ||
            (x->level != NULL && !config_level_ok(x->level)))
            abort();
        const struct label *f = labels_find(&l, x->prefix);
        if (f == NULL || strncmp(x->prefix, f->prefix, strlen(f->prefix)) != 0)
            abort();
    }
    labels_free(&l);
    return 0;
}
