/*
 * warc_writer: a WARC writer.  A page becomes one write() of whole gzip members
 * (a warcinfo member first when the page begins a file), built in memory
 * before anything reaches the file, so the file only ever grows by whole
 * records, and a crash in the middle of that write cuts at most the last one.
 * Between writes nothing is buffered: what warc_writer_put() returned 0 for is
 * in the kernel's hands.
 *
 * One deflate stream is kept and reset for every member: deflateInit2()
 * allocates some 256 KiB of window and hash tables, and doing that for every
 * record would cost more than compressing a request record does.  Level 1:
 * every fetched page passes through here, and on a 50 KB report page level
 * 1 takes half the time of zlib's default (0.5 against 1.1 ms) for files
 * about 7% larger.
 *
 * A file being written is locked (an open file description lock, F_OFD_SETLK,
 * which the kernel drops when the process dies however it dies), so that
 * warc_writer_open() can tell the .open files of dead writers from those of live
 * ones without trusting PIDs, which are reused, and so that a reader can
 * tell a file still growing from one a crash cut short.
 *
 * Reading is warc_reader.c's, recovery's too; this module does not compute
 * digests: there is no SHA-1 in the tree, so WARC-Payload-Digest and
 * WARC-Block-Digest are left out, which WARC 1.1 allows.
 */
#include "warc_writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "clock.h"
#include "log.h"
#include "warc_reader.h"

#define OPEN_SUFFIX ".open"

/* "<urn:uuid:" 36 ">" and a NUL. */
#define ID_SIZE 48

/* Names tried for a new file before giving up: only another archive in this
 * process writing to the same directory in the same second takes one. */
#define NAME_TRIES 1000

/* deflate() counts in uInt; feed it at most this much at once. */
#define DEFLATE_CHUNK (1u << 30)

struct warc_writer {
    char *dir;                 /* From malloc(), without trailing slashes. */
    size_t rotate_bytes;       /* A file is finished once it holds this much. */
    int fd;                    /* The file being written, or -1. */
    char *path;                /* From malloc(): the file's name with OPEN_SUFFIX. */
    char *final;               /* From malloc(): the same without it. */
    size_t path_cap;           /* Bytes allocated for path and for final. */
    const char *current;       /* path, final or NULL: what warc_writer_current() says. */
    unsigned long long size;   /* Bytes in fd, all of them whole members. */
    unsigned seq;              /* Files begun, for the next name. */
    char warcinfo_id[ID_SIZE]; /* The warcinfo record of the file being written. */
    char last_id[ID_SIZE];     /* The response record of the last put, "" before one. */
    char last_file[128];       /* Its file's finished name, without the directory. */
    z_stream z;                /* Reset for every member. */
    struct buf head;           /* The response head as stored. */
    struct buf rec;            /* The WARC header of the record being built. */
    struct buf out;            /* The compressed members of one write. */
};

/* A piece of a record: records are compressed from their pieces in place,
 * so a body is never copied before deflate reads it. */
struct piece {
    const void *data;
    size_t len;
};

/* A WARC header value must stay on its line: no control characters. */
static int
is_field_value(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* Fill n record IDs with random (version 4) UUIDs. */
static int
new_ids(char (*ids)[ID_SIZE], size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[3 * 16];
    size_t got = 0;

    if (n > 3)
        return -1;
    while (got < n * 16) {
        ssize_t k = getrandom(r + got, n * 16 - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char *u = r + 16 * i;
        char *o = ids[i];
        u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
        u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
        memcpy(o, "<urn:uuid:", 10);
        o += 10;
        for (int j = 0; j < 16; j++) {
            if (j == 4 || j == 6 || j == 8 || j == 10)
                *o++ = '-';
            *o++ = hex[u[j] >> 4];
            *o++ = hex[u[j] & 15];
        }
        *o++ = '>';
        *o = '\0';
    }
    return 0;
}

/* Compress pieces[0..n) as one gzip member appended to a->out. */
static int
deflate_member(struct warc_writer *a, const struct piece *pieces, size_t n)
{
    size_t total = 0;

    for (size_t i = 0; i < n; i++)
        total += pieces[i].len;
    if (deflateReset(&a->z) != Z_OK)
        return -1;
    /* Room for the worst case at once, so the loop below rarely grows it. */
    if (buf_reserve(&a->out, deflateBound(&a->z, total)) != BUF_OK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = pieces[i].data;
        size_t left = pieces[i].len;
        do {
            uInt take = left > DEFLATE_CHUNK ? DEFLATE_CHUNK : (uInt)left;
            int flush = i == n - 1 && take == left ? Z_FINISH : Z_NO_FLUSH;
            int rc;
            a->z.next_in = (Bytef *)p;
            a->z.avail_in = take;
            do {
                if (buf_reserve(&a->out, 4096) != BUF_OK)
                    return -1;
                size_t room = a->out.cap - a->out.len - 1;
                uInt avail = room > DEFLATE_CHUNK ? DEFLATE_CHUNK : (uInt)room;
                a->z.next_out = (Bytef *)a->out.data + a->out.len;
                a->z.avail_out = avail;
                rc = deflate(&a->z, flush);
                a->out.len += avail - a->z.avail_out;
                if (rc == Z_STREAM_ERROR)
                    return -1;
            } while (a->z.avail_in > 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
            p += take;
            left -= take;
        } while (left > 0);
    }
    return 0;
}

/* If line l[0..n) is header name (any case), where its value begins, else 0. */
static size_t
header_is(const char *l, size_t n, const char *name)
{
    size_t k = strlen(name), i;

    if (n <= k || strncasecmp(l, name, k) != 0)
        return 0;
    for (i = k; i < n && (l[i] == ' ' || l[i] == '\t'); i++)
        ;
    if (i == n || l[i] != ':')
        return 0;
    for (i++; i < n && (l[i] == ' ' || l[i] == '\t'); i++)
        ;
    return i;
}

/* The next line of [*p, end): its start and length without its line end. */
static const char *
next_line(const char **p, const char *end, size_t *n)
{
    const char *l = *p, *nl = memchr(l, '\n', (size_t)(end - l));
    const char *le = nl ? nl : end;

    *n = (size_t)(le - l);
    if (*n > 0 && l[*n - 1] == '\r')
        (*n)--;
    *p = nl ? nl + 1 : end;
    return l;
}

/*
 * The head as stored into out: see warc_writer.h.  When libcurl hands over the
 * heads of interim responses (100 Continue) or of a proxy's CONNECT before
 * the real one, only the last head is the response the body belongs to, and
 * a reader takes the first status line it sees, so only the last is kept.
 * Returns 0, 1 when there is no status line, -1 when out of memory.
 */
static int
rewrite_head(struct buf *out, const char *head, size_t len, size_t body_len)
{
    const char *end = head + len, *start = NULL, *p, *l;
    int after_blank = 1, first = 1, dropping = 0, have_len = 0, bad = 0;
    size_t n, v;

    for (p = head; p < end;) {
        l = next_line(&p, end, &n);
        if (n == 0) {
            after_blank = 1;
            continue;
        }
        if (after_blank && n >= 5 && memcmp(l, "HTTP/", 5) == 0)
            start = l;
        after_blank = 0;
    }
    if (start == NULL)
        return 1;

    out->len = 0;
    for (p = start; p < end;) {
        l = next_line(&p, end, &n);
        if (n == 0)
            break;
        if (first) {
            first = 0;
        } else if (l[0] == ' ' || l[0] == '\t') {
            /* A folded line goes with the header it continues. */
            if (dropping)
                continue;
        } else if ((v = header_is(l, n, "Transfer-Encoding")) != 0) {
            bad |= buf_appendf(out, "X-Factd-Was-Transfer-Encoding: %.*s\r\n", (int)(n - v), l + v);
            dropping = 0;
            continue;
        } else if ((v = header_is(l, n, "Content-Encoding")) != 0) {
            bad |= buf_appendf(out, "X-Factd-Was-Content-Encoding: %.*s\r\n", (int)(n - v), l + v);
            dropping = 0;
            continue;
        } else if (header_is(l, n, "Content-Length") != 0) {
            /* Repeated ones too: one length, the stored body's. */
            if (!have_len)
                bad |= buf_appendf(out, "Content-Length: %zu\r\n", body_len);
            have_len = 1;
            dropping = 1;
            continue;
        } else {
            dropping = 0;
        }
        bad |= buf_append(out, l, n) != BUF_OK || buf_append(out, "\r\n", 2) != BUF_OK;
    }
    if (!have_len)
        bad |= buf_appendf(out, "Content-Length: %zu\r\n", body_len);
    bad |= buf_append(out, "\r\n", 2) != BUF_OK;
    return bad ? -1 : 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0) {
            errno = EIO;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Lock fd's whole file (F_WRLCK) or test for such a lock (F_GETLK).  Open
 * file description locks: not dropped when another descriptor of the same
 * file is closed in this process, as POSIX record locks would be. */
static int
file_lock(int fd, int cmd)
{
    struct flock fl;

    memset(&fl, 0, sizeof fl);
    fl.l_type = cmd == F_OFD_GETLK ? F_RDLCK : F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, cmd, &fl) != 0)
        return -1;
    return cmd == F_OFD_GETLK ? fl.l_type != F_UNLCK : 0;
}

int
warc_writer_file_busy(int fd)
{
    return file_lock(fd, F_OFD_GETLK) == 1;
}

/*
 * Finish the file being written: drop its .open suffix.  fdatasync first,
 * because ext4 and XFS may put the rename on disk before the file's data
 * (delayed allocation), and after a crash a name without .open would then
 * promise a file that is short or full of zeros.  The directory is not
 * synced: after a crash the rename may be lost, which leaves a whole file
 * under its .open name, not a broken one.  Records are not synced one by
 * one: the daemon calls warc_writer_sync() before each commit of the store, so
 * a page the store holds is on disk in the archive too.
 *
 * On failure the file keeps its .open name.  Either way it is closed.
 */
static int
finish_file(struct warc_writer *a, struct err *err)
{
    const char *what = "cannot sync";
    int fd = a->fd, rc = fdatasync(fd);

    a->fd = -1;
    if (rc == 0) {
        what = "cannot close";
        rc = close(fd);
    } else {
        close(fd);
    }
    if (rc == 0) {
        what = "cannot rename";
        rc = rename(a->path, a->final);
    }
    if (rc != 0) {
        err_file(err, a->path);
        err_set(err, "%s: %s; the file keeps its %s name", what, strerror(errno), OPEN_SUFFIX);
        a->current = a->path;
        return -1;
    }
    a->current = a->final;
    return 0;
}

/*
 * After a failed write: cut the file back to its last whole member, so it
 * reads to its end, and finish it.  A file that never got a whole page is
 * removed.  err already says what failed; the file it names and what it says
 * became of the file are brought up to date here.
 */
static void
abandon_file(struct warc_writer *a, struct err *err)
{
    struct err ignored;
    size_t n = strlen(err->msg);
    const char *fate;

    if (a->size == 0) {
        close(a->fd);
        a->fd = -1;
        unlink(a->path);
        a->current = NULL;
        fate = "; the file was removed";
    } else if (ftruncate(a->fd, (off_t)a->size) != 0) {
        close(a->fd);
        a->fd = -1;
        a->current = a->path;
        fate = "; the file was closed as it is, under its " OPEN_SUFFIX " name";
    } else if (finish_file(a, &ignored) != 0) {
        fate = "; the file was cut back to its last whole record and closed, under its " OPEN_SUFFIX
               " name";
    } else {
        fate = "; the file was cut back to its last whole record and closed";
    }
    err_file(err, a->current != NULL ? a->current : a->path);
    snprintf(err->msg + n, sizeof err->msg - n, "%s", fate);
}

static int rename_new(const char *from, const char *to);

/*
 * Create the next file, locked before it has its .open name: another factd
 * starting on this directory finishes every .open file it can lock, and
 * would otherwise take a file created and not yet locked for a dead one.
 * Returns the descriptor, -2 to try another name, or -1 with err set.
 */
static int
create_locked(const char *path, struct err *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp) {
        err_file(err, path);
        err_set(err, "name too long");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        if (errno == EEXIST)
            return -2;
        err_file(err, tmp);
        err_set(err, "cannot create: %s", strerror(errno));
        return -1;
    }
    /* Held until the file is closed or the process dies.  A file system
     * without locks makes no difference here: recovery, which needs the
     * lock too, then leaves the file to be renamed by hand. */
    (void)file_lock(fd, F_OFD_SETLK);
    if (rename_new(tmp, path) != 0) {
        int e = errno;
        (void)unlink(tmp);
        close(fd);
        if (e == EEXIST)
            return -2;
        err_file(err, path);
        err_set(err, "cannot create: %s", strerror(e));
        return -1;
    }
    return fd;
}

/* Create the next file and put its warcinfo member into a->out. */
static int
begin_file(struct warc_writer *a, struct err *err)
{
    static const char info[] =
        "software: factd/" FACTD_VERSION "\r\n"
        "format: WARC File Format 1.1\r\n"
        "conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/"
        "warc-1.1/\r\n";
    time_t now = time(NULL);
    char stamp[32], date[32];
    struct tm tm;
    int fd = -1;

    if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm) == 0 ||
        clock_utc(now, date) != 0) {
        err_file(err, a->dir);
        err_set(err, "the system clock is out of range");
        return -1;
    }
    for (int tries = 0; fd < 0 && tries < NAME_TRIES; tries++) {
        struct stat st;
        snprintf(a->final, a->path_cap, "%s/factd-%s-%ld-%05u.warc.gz", a->dir, stamp,
                 (long)getpid(), a->seq++);
        snprintf(a->path, a->path_cap, "%s%s", a->final, OPEN_SUFFIX);
        /* A file finished earlier in this second by another archive here. */
        if (stat(a->final, &st) == 0)
            continue;
        if ((fd = create_locked(a->path, err)) == -1)
            return -1;
        /* -2: taken, the next name. */
    }
    if (fd < 0) {
        err_file(err, a->dir);
        err_set(err, "no free file name after %d tries", NAME_TRIES);
        return -1;
    }
    a->fd = fd;
    a->size = 0;

    const char *slash = strrchr(a->final, '/');
    struct piece rec[3];
    if (new_ids(&a->warcinfo_id, 1) != 0) {
        err_file(err, a->path);
        err_set(err, "no random bytes for a record ID: %s", strerror(errno));
        abandon_file(a, err);
        return -1;
    }
    a->rec.len = 0;
    if (buf_appendf(&a->rec,
                    "WARC/1.1\r\n"
                    "WARC-Type: warcinfo\r\n"
                    "WARC-Record-ID: %s\r\n"
                    "WARC-Date: %s\r\n"
                    "WARC-Filename: %s\r\n"
                    "Content-Type: application/warc-fields\r\n"
                    "Content-Length: %zu\r\n"
                    "\r\n",
                    a->warcinfo_id, date, slash ? slash + 1 : a->final, sizeof info - 1) != 0) {
        err_file(err, a->path);
        err_set(err, "out of memory");
        abandon_file(a, err);
        return -1;
    }
    rec[0] = (struct piece){a->rec.data, a->rec.len};
    rec[1] = (struct piece){info, sizeof info - 1};
    rec[2] = (struct piece){"\r\n\r\n", 4};
    if (deflate_member(a, rec, 3) != 0) {
        err_file(err, a->path);
        err_set(err, "out of memory");
        abandon_file(a, err);
        return -1;
    }
    return 0;
}

/* Put the WARC header of a request or response record into a->rec. */
static int
record_header(struct warc_writer *a, const char *type, const char *id, const char *other,
              const char *date, const struct warc_writer_page *p, size_t len)
{
    int bad = 0;

    a->rec.len = 0;
    bad |= buf_appendf(&a->rec,
                       "WARC/1.1\r\n"
                       "WARC-Type: %s\r\n"
                       "WARC-Record-ID: %s\r\n"
                       "WARC-Date: %s\r\n"
                       "WARC-Target-URI: %s\r\n",
                       type, id, date, p->page.uri);
    if (p->ip != NULL && p->ip[0] != '\0')
        bad |= buf_appendf(&a->rec, "WARC-IP-Address: %s\r\n", p->ip);
    if (other != NULL)
        bad |= buf_appendf(&a->rec, "WARC-Concurrent-To: %s\r\n", other);
    bad |= buf_appendf(&a->rec,
                       "WARC-Warcinfo-ID: %s\r\n"
                       "Content-Type: application/http;msgtype=%s\r\n"
                       "Content-Length: %zu\r\n"
                       "\r\n",
                       a->warcinfo_id, type, len);
    return bad;
}

/* The page's records (and the warcinfo record of a new file) into a->out. */
static int
build_records(struct warc_writer *a, const struct warc_writer_page *p, char (*ids)[ID_SIZE],
              const char *date)
{
    struct piece rec[4];

    if (p->request != NULL) {
        if (record_header(a, "request", ids[0], ids[1], date, p, p->request_len) != 0)
            return -1;
        rec[0] = (struct piece){a->rec.data, a->rec.len};
        rec[1] = (struct piece){p->request, p->request_len};
        rec[2] = (struct piece){"\r\n\r\n", 4};
        if (deflate_member(a, rec, 3) != 0)
            return -1;
    }
    if (record_header(a, "response", ids[1], p->request != NULL ? ids[0] : NULL, date, p,
                      a->head.len + p->page.len) != 0)
        return -1;
    rec[0] = (struct piece){a->rec.data, a->rec.len};
    rec[1] = (struct piece){a->head.data, a->head.len};
    rec[2] = (struct piece){p->page.len > 0 ? p->page.body : "", p->page.len};
    rec[3] = (struct piece){"\r\n\r\n", 4};
    return deflate_member(a, rec, 4);
}

int
warc_writer_put(struct warc_writer *a, const struct warc_writer_page *p, struct err *err)
{
    char date[32], ids[2][ID_SIZE];
    int rc;

    err_clear(err);
    err_file(err, p->page.uri);
    if (p->page.uri == NULL || p->page.uri[0] == '\0' || !is_field_value(p->page.uri)) {
        err_set(err, "not archived: a URI that cannot go in a WARC header");
        return -1;
    }
    if (p->ip != NULL && !is_field_value(p->ip)) {
        err_set(err, "not archived: an IP address that cannot go in a WARC header");
        return -1;
    }
    if (clock_utc(p->page.when, date) != 0) {
        err_set(err, "not archived: the time %lld is out of range", (long long)p->page.when);
        return -1;
    }
    rc = rewrite_head(&a->head, p->page.head != NULL ? p->page.head : "",
                      p->page.head != NULL ? p->page.head_len : 0, p->page.len);
    if (rc != 0) {
        err_set(err, "not archived: %s",
                rc > 0 ? "the response head has no status line" : "out of memory");
        return -1;
    }
    if (new_ids(ids, 2) != 0) {
        err_set(err, "not archived: no random bytes for record IDs: %s", strerror(errno));
        return -1;
    }

    a->out.len = 0;
    if (a->fd < 0 && begin_file(a, err) != 0)
        return -1;
    if (build_records(a, p, ids, date) != 0) {
        /* Nothing was written: the file is as good as it was. */
        err_file(err, a->path);
        err_set(err, "not archived: out of memory");
        if (a->size == 0)
            abandon_file(a, err);
        return -1;
    }
    if (write_all(a->fd, a->out.data, a->out.len) != 0) {
        err_file(err, a->path);
        err_set(err, "cannot write: %s", strerror(errno));
        abandon_file(a, err);
        return -1;
    }
    a->size += a->out.len;
    a->current = a->path;
    /* Said once the page is written: a citation names where it lies. */
    const char *slash = strrchr(a->final, '/');
    memcpy(a->last_id, ids[1], ID_SIZE);
    snprintf(a->last_file, sizeof a->last_file, "%s", slash ? slash + 1 : a->final);
    if (a->size >= a->rotate_bytes)
        return finish_file(a, err);
    return 0;
}

/* Damage recovery finds in a file: logged as it is found.  The torn end is
 * logged with what is done about it. */
static void
recover_damage(void *arg, const struct err *e, int cut)
{
    char msg[700];

    if (cut)
        return;
    err_format(e, msg, sizeof msg);
    log_msg(LOG_WARNING, "%s", msg);
}

/* rename() that does not replace an existing file. */
static int
rename_new(const char *from, const char *to)
{
    struct stat st;

    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* A file system without RENAME_NOREPLACE. */
    if (lstat(to, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(from, to);
}

/*
 * path is a .open file of this directory.  If no live writer holds its
 * lock, its writer died (kill -9, SIGABRT from the watchdog, a crash, a
 * power cut) or could not rename it: cut it back to the end of its last
 * whole gzip member, which is the end of a whole page, and give it its
 * finished name, so that what it holds is replayed with the rest.  Every
 * step is logged, with the file and offset; a step that fails leaves the
 * file as it is (factd replay reads .open files too).
 */
static void
recover_file(const char *path)
{
    struct warc_stats ws;
    struct stat st;
    struct err err;
    char msg[700], *final = NULL;
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        log_msg(LOG_WARNING, "%s: cannot open to finish it: %s", path, strerror(errno));
        return;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    if (file_lock(fd, F_OFD_SETLK) != 0) {
        /* A live writer's, or a file system without locks. */
        if (errno != EAGAIN && errno != EACCES)
            log_msg(LOG_WARNING, "%s: cannot lock: %s; left as it is", path, strerror(errno));
        close(fd);
        return;
    }
    if (warc_check_members(fd, path, recover_damage, NULL, &ws, &err) != 0) {
        err_format(&err, msg, sizeof msg);
        log_msg(LOG_WARNING, "%s; left as it is", msg);
        close(fd);
        return;
    }
    if (ws.whole == 0) {
        /* Created, and its writer stopped before its first write was
         * whole: nothing in it can be read. */
        if (unlink(path) != 0)
            log_msg(LOG_WARNING, "%s: cannot remove: %s", path, strerror(errno));
        else
            log_msg(LOG_WARNING,
                    "%s: removed: left by a factd that stopped before a whole record was in it "
                    "(%lld bytes)",
                    path, (long long)st.st_size);
        close(fd);
        return;
    }
    if (ws.whole < (long long)st.st_size) {
        if (ftruncate(fd, (off_t)ws.whole) != 0) {
            log_msg(LOG_WARNING, "%s: cannot cut off its torn end at byte %lld: %s; left as it is",
                    path, ws.whole, strerror(errno));
            close(fd);
            return;
        }
        log_msg(LOG_WARNING,
                "%s: byte %lld: cut off the %lld bytes after its last whole record (a record "
                "its writer did not finish)",
                path, ws.whole, (long long)st.st_size - ws.whole);
    }
    /* On disk before the name says the file is finished (finish_file()
     * says why). */
    if (fdatasync(fd) != 0) {
        log_msg(LOG_WARNING, "%s: cannot sync: %s; left as it is", path, strerror(errno));
    } else if ((final = strndup(path, strlen(path) - strlen(OPEN_SUFFIX))) == NULL) {
        log_msg(LOG_WARNING, "%s: out of memory; left as it is", path);
    } else if (rename_new(path, final) != 0) {
        log_msg(LOG_ERR, "%s: cannot rename to %s: %s; left as it is (factd replay reads it)", path,
                final, strerror(errno));
    } else {
        log_msg(LOG_INFO, "%s: finished as %s (left open by a factd that stopped)", path,
                strrchr(final, '/') + 1);
    }
    free(final);
    close(fd);
}

static int
is_open_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name), k = strlen(".warc.gz" OPEN_SUFFIX);

    return strncmp(d->d_name, "factd-", 6) == 0 && n > k &&
           strcmp(d->d_name + n - k, ".warc.gz" OPEN_SUFFIX) == 0;
}

/* Finish the .open files of dead writers in dir (n bytes of it). */
static void
recover_dir(const char *dir, size_t n)
{
    struct dirent **names;
    int k = scandir(dir, &names, is_open_name, alphasort);

    if (k < 0) {
        log_msg(LOG_WARNING, "%s: cannot read directory to finish files left open: %s", dir,
                strerror(errno));
        return;
    }
    for (int i = 0; i < k; i++) {
        size_t len = n + strlen(names[i]->d_name) + 2;
        char *path = malloc(len);
        if (path != NULL) {
            snprintf(path, len, "%.*s/%s", (int)n, dir, names[i]->d_name);
            recover_file(path);
        }
        free(path);
        free(names[i]);
    }
    free(names);
}

struct warc_writer *
warc_writer_open(const char *dir, size_t rotate_bytes, struct err *err)
{
    struct warc_writer *a;
    struct stat st;
    size_t n = strlen(dir);

    err_clear(err);
    err_file(err, dir);
    if (n == 0) {
        err_set(err, "no archive directory given");
        return NULL;
    }
    /* One level only: a mistyped path should fail, not grow a tree. */
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        err_set(err, "cannot create directory: %s",
                errno == ENOENT ? "its parent does not exist" : strerror(errno));
        return NULL;
    }
    if (stat(dir, &st) != 0) {
        err_set(err, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        err_set(err, "not a directory");
        return NULL;
    }
    /* Checked now so a bad setting fails at startup, not at the first page. */
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
        err_set(err, "cannot write to directory: %s", strerror(errno));
        return NULL;
    }

    while (n > 1 && dir[n - 1] == '/')
        n--;
    recover_dir(dir, n);

    if ((a = calloc(1, sizeof *a)) == NULL) {
        err_set(err, "out of memory");
        return NULL;
    }
    a->fd = -1;
    a->rotate_bytes = rotate_bytes;
    a->path_cap = n + 80; /* "/factd-" stamp "-" pid "-" seq ".warc.gz.open" */
    a->dir = strndup(dir, n);
    a->path = malloc(a->path_cap);
    a->final = malloc(a->path_cap);
    buf_init(&a->head, (size_t)-1);
    buf_init(&a->rec, (size_t)-1);
    buf_init(&a->out, (size_t)-1);
    if (a->dir == NULL || a->path == NULL || a->final == NULL ||
        deflateInit2(&a->z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(a->dir);
        free(a->path);
        free(a->final);
        free(a);
        err_set(err, "out of memory");
        return NULL;
    }
    return a;
}

const char *
warc_writer_current(const struct warc_writer *a)
{
    return a->current;
}

const char *
warc_writer_last(const struct warc_writer *a, const char **file)
{
    *file = a->last_file;
    return a->last_id;
}

int
warc_writer_sync(struct warc_writer *a, struct err *err)
{
    if (a->fd < 0 || fdatasync(a->fd) == 0)
        return 0;
    err_file(err, a->path);
    err_set(err, "cannot sync: %s", strerror(errno));
    return -1;
}

void
warc_writer_close(struct warc_writer *a)
{
    struct err err;

    if (a == NULL)
        return;
    /* The caller is going away, so it is told in the log: the file stays
     * readable under its .open name, and the next start renames it. */
    err_clear(&err);
    if (a->fd >= 0 && finish_file(a, &err) != 0) {
        char msg[700];
        err_format(&err, msg, sizeof msg);
        log_msg(LOG_ERR, "%s (factd replay reads it; the next factd run finishes it)", msg);
    }
    deflateEnd(&a->z);
    buf_free(&a->head);
    buf_free(&a->rec);
    buf_free(&a->out);
    free(a->dir);
    free(a->path);
    free(a->final);
    free(a);
}
