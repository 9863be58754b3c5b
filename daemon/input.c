/*
 * input: reading saved pages.  A file name ending in .html or .htm is read as
 * HTML whatever its first bytes say; other files are sniffed.
 */
#include "input.h"

#include <limits.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "files.h"

const char *const input_page_exts[] = {".txt", ".html", ".htm", ".shtml", ".xhtml", NULL};

int
input_doc_from_bytes(const char *path, const char *bytes, size_t len, size_t max_bytes,
                     const char *charset, struct doc *d, FILE *warn, struct err *err)
{
    size_t n = strlen(path);
    struct page pg = {path, bytes, len, NULL, charset, -1};

    if ((n > 5 && strcasecmp(path + n - 5, ".html") == 0) ||
        (n > 4 && strcasecmp(path + n - 4, ".htm") == 0))
        pg.html = 1;
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
input_read_doc(const char *path, size_t max_bytes, const char *charset, struct doc *d,
               struct text *raw, FILE *warn, struct err *err)
{
    struct text bytes = {0};

    memset(d, 0, sizeof *d);
    if (files_read(path, max_bytes, &bytes, err) != 0)
        return -1;
    if (input_doc_from_bytes(path, bytes.data, bytes.len, max_bytes, charset, d, warn, err) != 0) {
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
