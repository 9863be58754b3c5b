/*
 * fuzz_patternset: any bytes as a pattern file.  Loading must either succeed
 * or fail with a message; a set that loads is run over a short text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "examples.h"
#include "extract.h"
#include "patternset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err;
    struct patternset *ps = patternset_load_buffer("fuzz.pat", (const char *)data, size, &err);

    if (ps == NULL) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    static const char text[] = "新增3000亩土地,覆盖率达到100%。推动40余个重大项目,15.7万平方米。";
    struct fact_list l;
    fact_list_init(&l);
    extract_run(ps, text, sizeof text - 1, 0, &l, NULL, &err);
    fact_list_free(&l);
    patternset_free(ps);
    return 0;
}
