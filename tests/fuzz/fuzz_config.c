/*
 * fuzz_config: any bytes as factd.conf.  Parsing ends with a configuration
 * or with errors, each with a message; a configuration is freed whole.
 */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
report(void *arg, const struct err *e)
{
    if (e->msg[0] == '\0')
        abort();
    (*(int *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int errors = 0;
    struct config *c =
        config_parse("fuzz.conf", (const char *)data, size, "/patterns", report, &errors);
    if ((c == NULL) != (errors > 0))
        abort();
    config_free(c);
    return 0;
}
