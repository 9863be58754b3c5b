/*
 * warc_reader: read web archives (WARC 1.0 and 1.1, plain or gzip, one member per
 * record or one for the whole file) and hand over each HTTP response in them
 * as a page: its URI, status, Content-Type and body, the body freed of chunked
 * transfer coding and of gzip or deflate content coding.
 *
 * A damaged archive is read past its damage, not given up at it.  In a gzip
 * archive a member that does not decode or fails its CRC is skipped to the
 * next gzip member header (1f 8b 08) that begins a member that does decode;
 * with one member per record, as factd and wget write them, that costs the
 * records of the bad member only.  In a plain archive, or inside a member, a
 * stretch that is not a record is skipped to the next line that begins one
 * ("WARC/").  Each stretch skipped is told with its byte offset in the file
 * as it lies on disk: in a gzip archive, where the member begins, so that
 * `dd if=FILE bs=1 skip=OFFSET | zcat` reads from there.
 *
 * It reads what factd writes and what `wget --warc-file` writes.  It does not
 * write archives.
 */
#ifndef FACTD_WARC_READER_H
#define FACTD_WARC_READER_H

#include <stddef.h>

#include "err.h"

/* One HTTP response of an archive.  Everything is valid during the callback only. */
struct warc_response {
    const char *uri;       /* WARC-Target-URI, without angle brackets. */
    const char *date;      /* WARC-Date, or "" */
    const char *record_id; /* WARC-Record-ID, angle brackets kept, or "" */
    int status;            /* HTTP status code */
    const char *head;      /* The HTTP status line and headers, as archived. */
    size_t head_len;
    const char *content_type; /* The HTTP Content-Type, or NULL. */
    const char *body;         /* Decoded body. */
    size_t len;               /* Bytes in body. */
    /* Where the record can be read from, in bytes of the file as it lies on
     * disk: in a plain archive its first byte, in a gzip archive the start of
     * the gzip member its first byte is in. */
    long long offset;
};

/* Called for each response; returns 0 to go on, -1 to stop. */
typedef int (*warc_fn)(void *arg, const struct warc_response *r);

/*
 * Called for each damaged stretch passed over.  e names the archive, the
 * byte offset where the damage begins (counted as warc_response.offset is)
 * and what was found there, and where reading went on.  cut is 1 when it is
 * the archive's end that is cut short within a record: a crash while it was
 * written, or a file that is still being written.
 */
typedef void (*warc_damage_fn)(void *arg, const struct err *e, int cut);

/* Reads up to n bytes from byte offset off of the archive into buf; returns
 * the number read (0 only at the end), or -1 on error. */
typedef long (*warc_read_fn)(void *src, void *buf, size_t n, long long off);

/* What a reading found, besides the responses. */
struct warc_stats {
    size_t records; /* Whole records read, of every type. */
    size_t skipped; /* Responses passed over: not 2xx, or a content coding that cannot be read. */
    size_t damaged; /* Damaged stretches passed over, each told to the damage callback. */
    int cut;        /* The archive ends within a record (one of the damaged). */
    /* Where the last whole record ends: in a gzip archive the end of the last
     * member that decoded whole, in a plain one the end of the last record's
     * block.  What an archive cut short by a crash can be cut back to. */
    long long whole;
};

/*
 * Read the archive rd(src, ...) gives, gzip-compressed (it begins with the
 * gzip magic, or name ends in .gz or .gz.open) or not, and call fn for each
 * HTTP response with a 2xx status and damage for each damaged stretch (see
 * above; damage may be NULL).  name names the archive in messages; no record
 * or decoded body may pass max_record bytes (a larger record is a damaged
 * stretch).  st, if not NULL, is filled in.  Returns 0 when the archive was
 * read to its end or fn stopped it, damaged or not; -1 with err set when
 * reading could not go on (a read error, out of memory): the records before
 * were handed over already.
 */
int warc_read(warc_read_fn rd, void *src, const char *name, size_t max_record, warc_fn fn,
              warc_damage_fn damage, void *arg, struct warc_stats *st, struct err *err);

/* The same for an open file (read with pread, from its start; fd stays open). */
int warc_read_fd(int fd, const char *name, size_t max_record, warc_fn fn, warc_damage_fn damage,
                 void *arg, struct warc_stats *st, struct err *err);

/* The same for a file by its name. */
int warc_read_file(const char *path, size_t max_record, warc_fn fn, warc_damage_fn damage,
                   void *arg, struct warc_stats *st, struct err *err);

/*
 * Check the gzip members of the file fd, from its start, without reading
 * the records in them: st->whole, st->damaged and st->cut as warc_read()
 * gives them, each damaged stretch told to damage (which may be NULL).
 * Memory stays small whatever the members hold.  For cutting back a file a
 * crash left cut short.  Returns 0, or -1 with err set.
 */
int warc_check_members(int fd, const char *name, warc_damage_fn damage, void *arg,
                       struct warc_stats *st, struct err *err);

/* Does the name end in .warc or .warc.gz, or in either with .open after it
 * (an archive factd is writing, or was writing when it stopped)? */
int warc_is_archive(const char *path);

#endif
