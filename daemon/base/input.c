/*
 * input: what the commands that read pages share.
 */
#include "input.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extract.h"
#include "hash.h"
#include "patternset.h"

const char *const input_page_exts[] = {".txt", ".html", ".htm", ".shtml", ".xhtml", NULL};

const char *
input_patterns_dir(void)
{
    /* A CMakeCache.txt beside the binary means a build tree: use the source
     * tree's patterns, so a developer's edits take effect at once. */
    char exe[PATH_MAX], cache[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(cache, sizeof cache, "%s/CMakeCache.txt", exe);
            if (access(cache, R_OK) == 0)
                return FACTD_SOURCE_PATTERNS;
        }
    }
    return FACTD_INSTALLED_PATTERNS;
}

/* Pages are read whole and grow as they are decoded (page_read()
 * allows four times the input): 1 GiB keeps that arithmetic far from
 * overflow and is more than any report page. */
#define INPUT_MAX_BYTES_LIMIT (1ull << 30)

int
input_parse_max_bytes(const char *cmd, const char *arg, size_t *out)
{
    char wants[64];
    long v;

    snprintf(wants, sizeof wants, "a number of bytes from 1 to %llu", INPUT_MAX_BYTES_LIMIT);
    if (input_parse_number(cmd, "--max-bytes", wants, arg, 1, (long)INPUT_MAX_BYTES_LIMIT, &v) != 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

int
input_parse_number(const char *cmd, const char *option, const char *wants, const char *arg, long lo,
                   long hi, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || *out < lo || *out > hi) {
        fprintf(stderr, "factd %s: %s wants %s, not '%s'\n", cmd, option, wants, arg);
        return -1;
    }
    return 0;
}

int
input_parse_year(const char *cmd, const char *arg, int *out)
{
    long y;

    if (input_parse_number(cmd, "--year", "a year such as 2025", arg, 1900, 2100, &y) != 0)
        return -1;
    *out = (int)y;
    return 0;
}

/* What the store records as "the pattern set" is everything that decides
 * what a page gives: the pattern files, this factd's rules, and the options
 * that change results.  A change to any makes replay extract again. */
void
input_set_hash(const struct patternset *ps, int year, const char *charset, char out[33])
{
    char setid[512];
    snprintf(setid, sizeof setid,
             "patterns %s\x1f"
             "factd %s\x1f"
             "rules %d\x1f"
             "year %d\x1f"
             "charset %s",
             patternset_hash(ps), FACTD_VERSION, EXTRACT_RULES_VERSION, year,
             charset ? charset : "");
    hash_hex128(setid, strlen(setid), out);
}
