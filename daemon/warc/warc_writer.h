/*
 * warc_writer: write fetched pages to web archives, as WARC/1.1 files that
 * `factd replay` (warc_reader.c) and other WARC tools read.
 *
 * Each page is a request record and a response record, each its own gzip
 * member, so a reader can seek to any record and a file cut short by a crash
 * loses only its last record.  Files are DIR/factd-TIMESTAMP-PID-SEQ.warc.gz
 * (TIMESTAMP in UTC, when the file was begun), each begun with a warcinfo
 * record; a new file is begun when the current one passes the rotation size,
 * and on every warc_writer_open() (an older file is never appended to).  A file
 * being written has a .open suffix, removed when it is rotated or closed, so
 * tools that pick up finished files never read a growing one, and is locked
 * while it is open.  A .open file whose lock is free was left by a writer
 * that died (kill -9, the watchdog's SIGABRT, a crash) or could not rename
 * it: warc_writer_open() finishes such files in its directory, cutting off a
 * last record that was not written whole, and logs what it did.  `factd
 * replay` reads .open files too, to their last whole record.
 *
 * The body is stored as factd received it after libcurl undid the transfer
 * and content codings: the response header block is the server's with
 * Content-Encoding and Transfer-Encoding removed (kept as X-Factd-Was-* lines)
 * and Content-Length set to the stored body's length, so the record is
 * self-consistent for any reader.  Line ends become CRLF; every other line is
 * kept as it came.
 *
 * Records carry no WARC-Block-Digest or WARC-Payload-Digest: there is no
 * SHA-1 in factd's dependencies, and WARC 1.1 makes both optional.
 */
#ifndef FACTD_WARC_WRITER_H
#define FACTD_WARC_WRITER_H

#include <stddef.h>
#include <time.h>

#include "err.h"
#include "page.h"

struct warc_writer;

/* One fetched page, as it came.  Nothing is owned; all of it may be freed
 * after warc_writer_put(). */
struct warc_writer_page {
    /* uri is the effective URL the response came from; head the response's
     * status line and headers as received, with or without the empty line
     * after them (of several heads, 100 Continue or a proxy's reply to
     * CONNECT, the last is kept); body as decoded; when it was received. */
    struct page page;
    /* The request as sent: request line and headers, CRLF-ended.  NULL: no
     * request record is written. */
    const char *request;
    size_t request_len;
    const char *ip; /* The server's address, or NULL. */
};

/*
 * Open an archive in dir (created if missing, mode 0750) that rotates files
 * after rotate_bytes of compressed output.  NULL with err set on failure.
 * First the .open files of dead writers in dir are finished (see above):
 * each cut back to its last whole record, renamed, and logged (log.h), or
 * left as it is with a warning when that fails; this reads them whole, about
 * a second for a file of the rotation size.
 */
struct warc_writer *warc_writer_open(const char *dir, size_t rotate_bytes, struct err *err);

/*
 * Append the page's records, with one write(), and begin a new file after
 * this one if the file has passed the rotation size.  Returns 0, or -1 with
 * err set:
 *  - refused before anything was written (a URI or address with control
 *    characters, a head without a status line, out of memory): the file goes
 *    on as it was, and err names the URI;
 *  - the write failed (ENOSPC, EIO, ...): the file is cut back to its last
 *    whole record and finished, or removed if the page was its first; err
 *    names it, and the next write begins a new file;
 *  - the page was written but finishing the file after it failed (sync or
 *    rename): the file is closed under its .open name, which err names.
 */
int warc_writer_put(struct warc_writer *a, const struct warc_writer_page *p, struct err *err);

/* Put what was written so far on disk (fdatasync), so that a store
 * committed after it never holds a page the archive lost in a crash.
 * Returns 0, or -1 with err set naming the file. */
int warc_writer_sync(struct warc_writer *a, struct err *err);

/* The file the last write went to, under the name it has now (with .open
 * while it is being written); NULL before the first write. */
const char *warc_writer_current(const struct warc_writer *a);

/* The WARC-Record-ID (<urn:uuid:...>) of the response record the last
 * successful warc_writer_put() wrote, and in *file the name its file has
 * once finished (no directory, no .open suffix): where a citation finds the
 * page.  Both "" before the first put; owned by a, valid until the next. */
const char *warc_writer_last(const struct warc_writer *a, const char **file);

/* Finish the current file (drop its .open suffix) and free a.  NULL is fine.
 * If the file cannot be synced or renamed, it keeps its .open name, and the
 * error (file and strerror) is logged. */
void warc_writer_close(struct warc_writer *a);

/* Is the file open as fd being written by a live archive, of this process
 * or another?  For readers of .open files: a live one may end in a record
 * being written, which is not damage.  0 when not, or when it cannot tell. */
int warc_writer_file_busy(int fd);

#endif
