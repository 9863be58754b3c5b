/*
 * fuzz_metrics: any bytes as what a client sent the metrics listener.  The
 * parser reads no byte past len, answers within its three results, and gives
 * an answer that holds for every longer input with the same start: a whole
 * head stays whole with the same status, a bad one stays bad, so the
 * listener may decide as soon as it returns non-zero.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    char *buf = malloc(size ? size : 1);
    int status, head_only, rc, rc2, status2, head_only2;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    rc = metrics_parse_request(buf, size, &status, &head_only);
    if (rc < -1 || rc > 1)
        abort();
    if (rc == 1 && status != 200 && status != 404 && status != 405)
        abort();
    if (rc == 1 && head_only != 0 && head_only != 1)
        abort();

    /* Each shorter prefix (the last 64, to stay fast) was undecided or
     * decided the same way. */
    for (size_t n = size; n-- > 0 && size - n <= 64;) {
        rc2 = metrics_parse_request(buf, n, &status2, &head_only2);
        if (rc2 == 0)
            continue;
        if (rc2 != rc || (rc == 1 && (status2 != status || head_only2 != head_only)))
            abort();
    }
    free(buf);
    return 0;
}
