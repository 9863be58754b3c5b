/*
 * files: reading inputs whole.  Pages are small next to the ceiling, and the
 * pipeline needs all of a page at once (a <meta> charset may be anywhere in
 * the first KiB, the HTML parser wants the document), so there is no
 * streaming here; the ceiling keeps a huge file from being read at all.
 */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
files_read(const char *path, size_t max_bytes, struct text *out, struct err *err)
{
    struct buf b;
    struct stat st;
    char chunk[65536];
    int fd, is_stdin = strcmp(path, "-") == 0;
    ssize_t n;

    err_clear(err);
    err_file(err, path);
    fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_set(err, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof st); /* unknown: read as a stream */
    if (S_ISDIR(st.st_mode)) {
        err_set(err, "is a directory");
        if (!is_stdin)
            close(fd);
        return -1;
    }
    if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max_bytes) {
        err_set(err, "file of %lld bytes is larger than the limit of %zu bytes (--max-bytes)",
                (long long)st.st_size, max_bytes);
        if (!is_stdin)
            close(fd);
        return -1;
    }
    buf_init(&b, max_bytes);
    /* A regular file's size is known: one allocation, read straight into it. */
    if (S_ISREG(st.st_mode) && st.st_size > 0 && buf_reserve(&b, (size_t)st.st_size) == BUF_OK) {
        size_t want = (size_t)st.st_size;
        while (b.len < want) {
            n = read(fd, b.data + b.len, want - b.len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            b.len += (size_t)n;
        }
        b.data[b.len] = '\0';
    }
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_set(err, "read error: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        int rc = buf_append(&b, chunk, (size_t)n);
        if (rc == BUF_TOOBIG) {
            err_set(err, "input is larger than the limit of %zu bytes (--max-bytes)", max_bytes);
            n = -1;
            break;
        }
        if (rc != BUF_OK) {
            err_set(err, "out of memory");
            n = -1;
            break;
        }
    }
    if (!is_stdin)
        close(fd);
    if (n < 0 || buf_to_text(&b, out) != BUF_OK) {
        buf_free(&b);
        return -1;
    }
    return 0;
}

static int
has_ext(const char *name, const char *const *exts)
{
    size_t n = strlen(name);
    for (size_t i = 0; exts != NULL && exts[i] != NULL; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcasecmp(name + n - e, exts[i]) == 0)
            return 1;
    }
    return exts == NULL;
}

static int
walk_dir(const char *dir, const char *const *exts, files_visit_fn visit, void *arg, struct err *err,
         int depth)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    int rc = 0;

    if (n < 0) {
        err_file(err, dir);
        err_set(err, "cannot read directory: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (rc == 0 && name[0] != '.') {
            size_t len = strlen(dir) + strlen(name) + 2;
            char *path = malloc(len);
            struct stat st;
            if (path == NULL) {
                err_set(err, "out of memory");
                rc = -1;
            } else {
                snprintf(path, len, "%s/%s", dir, name);
                if (stat(path, &st) != 0) {
                    /* A dangling link: say so through the visitor, which reports it. */
                    rc = visit(arg, path);
                } else if (S_ISDIR(st.st_mode)) {
                    if (depth < 64)
                        rc = walk_dir(path, exts, visit, arg, err, depth + 1);
                } else if (S_ISREG(st.st_mode) && has_ext(name, exts)) {
                    rc = visit(arg, path);
                }
                free(path);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
files_walk(const char *path, const char *const *exts, files_visit_fn visit, void *arg,
           struct err *err)
{
    struct stat st;

    err_clear(err);
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk_dir(path, exts, visit, arg, err, 0);
    return visit(arg, path);
}

char *
files_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    if (strcmp(path, "-") == 0) {
        errno = EINVAL;
        return NULL;
    }
    char *abs = realpath(path, NULL);
    if (abs == NULL)
        return NULL;
    size_t n = strlen(abs);
    char *uri = malloc(sizeof "file://" + 3 * n);
    if (uri != NULL) {
        char *o = uri + strlen("file://");
        memcpy(uri, "file://", strlen("file://"));
        for (const unsigned char *p = (const unsigned char *)abs; *p != '\0'; p++) {
            /* Bytes of non-ASCII characters stay (an IRI, RFC 3987): 报告.txt
             * reads as itself in the store. */
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p >= 0x80 || strchr("-._~/", *p) != NULL) {
                *o++ = (char)*p;
            } else {
                *o++ = '%';
                *o++ = hex[*p >> 4];
                *o++ = hex[*p & 15];
            }
        }
        *o = '\0';
    }
    free(abs);
    return uri;
}
