/*
 * patterns_cmd: the pattern developer's check.  Loading the set reports
 * syntax errors with their column; running the examples reports what each
 * failing one gave.  Exit status: 0 all examples hold, 1 some fail, 2 the
 * set does not load or the command line is wrong.
 */
#include "patterns_cmd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "examples.h"
#include "input.h"
#include "patternset.h"

static void
report(void *arg, const struct pattern *p, const struct pattern_example *ex, const char *msg)
{
    (void)arg;
    printf("%s:%u: %s: %s\n", p->file, ex->line, ex->text, msg);
}

int
test_patterns_cmd(int argc, char **argv)
{
    const char *dir = NULL;
    struct err err;
    struct timespec t0, t1;
    size_t total = 0, failed;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            puts("usage: factd test-patterns [DIR]\n\n"
                 "Load the pattern files of DIR (default: the patterns factd uses) and check\n"
                 "every 'example TEXT => FACTS' line against what the whole set finds.\n"
                 "Failures print as FILE:LINE: TEXT: expected ..., got ...\n"
                 "Exit status: 0 all hold, 1 some fail, 2 the set does not load.");
            return 0;
        }
        if (dir != NULL || argv[i][0] == '-') {
            fputs("usage: factd test-patterns [DIR]\n", stderr);
            return 2;
        }
        dir = argv[i];
    }
    if (dir == NULL)
        dir = input_patterns_dir();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct patternset *ps = patternset_load(dir, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (ps == NULL) {
        err_print(stderr, &err);
        return 2;
    }
    double load_ms =
        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    failed = examples_check(ps, report, NULL, &total);
    printf("%s: %zu patterns loaded and compiled in %.1f ms; %zu examples: %zu passed, %zu "
           "failed\n",
           dir, patternset_count(ps), load_ms, total, total - failed, failed);
    patternset_free(ps);
    return failed ? 1 : 0;
}
