/*
 * check_cmd: what an operator runs before (re)starting factd, like httpd -n:
 * the configuration file and the pattern files, every error with its line.
 */
#include "check_cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "input.h"
#include "patternset.h"

static void
report(void *arg, const struct err *e)
{
    char msg[1200];
    int *n = arg;
    err_format(e, msg, sizeof msg);
    fprintf(stderr, "%s\n", msg);
    (*n)++;
}

int
check_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"patterns", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *file = NULL, *patterns = NULL;
    int c, errors = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:p:h", longopts, NULL)) != -1) {
        if (c == 'c') {
            file = optarg;
        } else if (c == 'p') {
            patterns = optarg;
        } else {
            fputs("usage: factd check -c FILE [--patterns DIR]\n\n"
                  "Load the configuration FILE and the patterns it names (or DIR), and\n"
                  "report every error as FILE:LINE: message.  Exit status 0 only when\n"
                  "both are clean, else 1; 2 for a wrong command line.\n",
                  c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (file == NULL || optind != argc) {
        fputs("usage: factd check -c FILE [--patterns DIR]\n", stderr);
        return 2;
    }
    struct config *cfg = config_load(file, input_patterns_dir(), report, &errors);
    const char *dir = patterns ? patterns : cfg ? cfg->patterns_dir : input_patterns_dir();
    struct err err;
    struct patternset *ps = patternset_load(dir, &err);
    if (ps == NULL)
        report(&errors, &err);
    if (cfg != NULL && ps != NULL)
        printf("%s: ok: %zu source%s; patterns %s: %zu patterns\n", file, cfg->nsources,
               cfg->nsources == 1 ? "" : "s", dir, patternset_count(ps));
    else
        printf("%s: %d error%s\n", file, errors, errors == 1 ? "" : "s");
    patternset_free(ps);
    config_free(cfg);
    return errors ? 1 : 0;
}
