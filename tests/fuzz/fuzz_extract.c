/*
 * fuzz_extract: any bytes through normalize and the shipped pattern set.
 * The patterns load once; each input is normalized (as a page's text is)
 * and extracted, and every fact's spans must lie inside the text.
 */
#include <stdint.h>
#include <stdlib.h>

#include "extract.h"
#include "normalize.h"
#include "patternset.h"

static struct patternset *ps;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err;
    struct text t = {0};
    struct fact_list l;

    if (ps == NULL && (ps = patternset_load(FACTD_SOURCE_PATTERNS, &err)) == NULL)
        abort();
    if (normalize_text((const char *)data, size, 1 << 24, &t, &err) != 0)
        return 0;
    fact_list_init(&l);
    if (extract_run(ps, t.data, t.len, 2020, &l, NULL, &err) == 0)
        for (size_t i = 0; i < l.n; i++) {
            const struct fact *f = &l.v[i];
            if (f->text.off + f->text.len > t.len || f->sentence.off + f->sentence.len > t.len ||
                f->clause.off < f->sentence.off ||
                f->clause.off + f->clause.len > f->sentence.off + f->sentence.len)
                abort();
        }
    fact_list_free(&l);
    text_free(&t);
    return 0;
}
