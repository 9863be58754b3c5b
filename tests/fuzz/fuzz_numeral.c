/*
 * fuzz_numeral: numeral_parse and numeral_multiplier on arbitrary bytes.
 *
 * Both must read no byte outside data[0..size) (the copy into a buffer of
 * exactly that size lets ASan see an overrun), and a number that is accepted
 * must be finite and must read the same again.  The input is not
 * NUL-terminated, as spans of page text are not.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numeral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    double v = 0, again = 0, m;

    if (s == NULL)
        return 0;
    if (size > 0)
        memcpy(s, data, size);
    if (numeral_parse(s, size, &v) == 0) {
        if (!isfinite(v))
            abort();
        if (numeral_parse(s, size, &again) != 0 || memcmp(&v, &again, sizeof v) != 0)
            abort();
    }
    m = numeral_multiplier(s, size);
    if (!(m >= 1))
        abort();
    free(s);
    return 0;
}
