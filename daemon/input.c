/*
 * input: reading saved pages.  A file name ending in .html, .htm, .shtml or
 * .xhtml is read as HTML whatever its first bytes say; other files are
 * sniffed.
 */
#include "input.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extract.h"
#include "files.h"
#include "hash.h"
#include "patternset.h"
#include "store.h"

const char *const input_page_exts[] = {".txt", ".html", ".htm", ".shtml", ".xhtml", NULL};

int
input_doc_from_bytes(const char *path, const char *bytes, size_t len, size_t max_bytes,
                     const char *charset, const char *content_type, struct doc *d, FILE *warn,
                     struct err *err)
{
    static const char *const html_exts[] = {".html", ".htm", ".shtml", ".xhtml"};
    size_t n = strlen(path);
    struct page pg = {path, bytes, len, content_type, charset, -1};

    for (size_t i = 0; i < sizeof html_exts / sizeof html_exts[0]; i++) {
        size_t e = strlen(html_exts[i]);
        if (n > e && strcasecmp(path + n - e, html_exts[i]) == 0)
            pg.html = 1;
    }
    /* Decoding and normalizing may grow the text (GBK to UTF-8 is 1.5 times). */
    if (page_to_doc(&pg, max_bytes * 4 + 4096, d, err) != 0)
        return -1;
    if (d->cs.warning[0] != '\0')
        fprintf(warn, "factd: %s: %s\n", path, d->cs.warning);
    if (d->cs.invalid > 0)
        fprintf(warn, "factd: %s: byte %lld: %zu invalid %s sequence%s replaced with U+FFFD\n",
                path, d->cs.first_invalid, d->cs.invalid, d->cs.name,
                d->cs.invalid == 1 ? "" : "s");
    return 0;
}

int
input_extract(const char *path, const char *bytes, size_t len, size_t max_bytes,
              const char *charset, const char *content_type, int year, const struct patternset *ps,
              struct doc *d, struct fact_list *facts, struct store_doc *sd, FILE *warn,
              struct err *err)
{
    struct extract_stats st;
    return input_extract_until(path, bytes, len, max_bytes, charset, content_type, year, ps, d,
                               facts, sd, NULL, NULL, &st, warn, err);
}

int
input_extract_until(const char *path, const char *bytes, size_t len, size_t max_bytes,
                    const char *charset, const char *content_type, int year,
                    const struct patternset *ps, struct doc *d, struct fact_list *facts,
                    struct store_doc *sd, extract_stop_fn stop, void *stop_arg,
                    struct extract_stats *st_out, FILE *warn, struct err *err)
{
    struct extract_stats st;

    memset(st_out, 0, sizeof *st_out);
    if (input_doc_from_bytes(path, bytes, len, max_bytes, charset, content_type, d, warn, err) != 0)
        return -1;
    fact_list_init(facts);
    if (extract_run_until(ps, d->text.data, d->text.len, d->year ? d->year : year, facts, &st, stop,
                          stop_arg, err) != 0) {
        err_file(err, path);
        fact_list_free(facts);
        doc_free(d);
        return -2;
    }
    if (st.limit_hits > 0)
        fprintf(warn, "factd: %s: byte %zu: pattern %s gave up at its match limit\n", path,
                st.limit_offset, st.limit_pattern);
    sd->title = d->info.title[0] ? d->info.title : NULL;
    sd->published = d->info.published[0] ? d->info.published : NULL;
    sd->charset = d->cs.name;
    *st_out = st;
    return 0;
}

int
input_read_doc(const char *path, size_t max_bytes, const char *charset, struct doc *d,
               struct text *raw, FILE *warn, struct err *err)
{
    struct text bytes = {0};

    memset(d, 0, sizeof *d);
    if (files_read(path, max_bytes, &bytes, err) != 0)
        return -1;
    if (input_doc_from_bytes(path, bytes.data, bytes.len, max_bytes, charset, NULL, d, warn, err) !=
        0) {
        text_free(&bytes);
        return -1;
    }
    if (raw != NULL)
        *raw = bytes;
    else
        text_free(&bytes);
    return 0;
}

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

/* Pages are read whole and grow as they are decoded (input_doc_from_bytes()
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
