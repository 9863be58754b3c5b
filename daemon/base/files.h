/*
 * files: read inputs named on the command line: files, directories (walked
 * recursively, in name order) and "-" for standard input.
 */
#ifndef FACTD_FILES_H
#define FACTD_FILES_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Read all of path ("-": standard input) into out (owned by the caller).
 * Refuses files over max_bytes with a message naming the limit. */
int files_read(const char *path, size_t max_bytes, struct text *out, struct err *err);

/* Called for each file found; returns 0 to go on, -1 to stop the walk. */
typedef int (*files_visit_fn)(void *arg, const char *path);

/*
 * Visit path: a file (or "-") is visited as it is; a directory is walked
 * recursively and its files whose names end in one of exts (NULL-terminated,
 * e.g. ".txt") are visited in name order.  Returns 0, or -1 with err set
 * when path cannot be read (or the visitor stopped the walk).
 */
int files_walk(const char *path, const char *const *exts, files_visit_fn visit, void *arg,
               struct err *err);

/*
 * The file:// URI of path (RFC 8089): its absolute path with symbolic links
 * and . and .. resolved, ASCII bytes other than letters, digits, - . _ ~
 * and / percent-encoded (other characters stay, as in an IRI), so that
 * every name of one file gives one URI.  From
 * malloc() (the caller frees it); NULL with errno set when the file cannot
 * be resolved (it is gone), or "-".
 */
char *files_uri(const char *path);

#endif
