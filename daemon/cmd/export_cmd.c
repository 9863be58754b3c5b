/*
 * export_cmd: "factd export": one view of the store written as CSV (RFC 4180)
 * or JSON lines, a row at a time as store_export() hands them over, so a
 * store of millions of facts is written in constant memory.  The store is
 * opened read-only: a user who may only read it can export it.
 *
 * Values are written as SQLite holds them: NULL as an empty field (CSV) or
 * null (JSON), integers as integers, reals in plain decimal notation with
 * the fewest digits that read back as the same double (5900000, 7.3, never
 * 5.9e+06 or 5900000.0), text as it is.  With --output the rows go to a
 * temporary file beside FILE, renamed over it once all is written: a failed
 * export leaves FILE as it was.
 *
 * Exit status: 0 written; 1 the output could not be written; 2 a wrong
 * command line, or a store that cannot be read (named on stderr).
 */
#include "export_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "store.h"
#include "store_export.h"

#define EXPORT_BUSY_MS 5000

static const char usage_text[] =
    "usage: factd export --db FILE [--view VIEW] [--format csv|jsonl] [--bom]\n"
    "                    [--source NAME]... [--since DATE] [--output FILE]\n"
    "\n"
    "Write a view of the store FILE, which is only read, for a spreadsheet, pandas\n"
    "or R: a header and one row per fact (CSV), or one JSON object per line.\n"
    "\n"
    "  -d, --db FILE       the store\n"
    "      --view VIEW     current_facts (default: facts as they stand now, a row\n"
    "                      per fact and page), commitments (those with stance\n"
    "                      target), facts (each fact once, no page), sightings\n"
    "                      (every version of every page, history too), totals,\n"
    "                      fact_changes\n"
    "  -f, --format F      csv (default; CRLF line ends) or jsonl\n"
    "      --bom           begin the CSV with a UTF-8 byte order mark, so that\n"
    "                      Excel reads the Chinese as UTF-8\n"
    "  -s, --source NAME   only rows of this source (repeat for several)\n"
    "      --since DATE    only rows of pages published on or after DATE\n"
    "                      (YYYY-MM-DD, YYYY-MM or YYYY; fact_changes: seen on or\n"
    "                      after it; totals has no date)\n"
    "  -o, --output FILE   write to FILE (replaced only once all is written)\n"
    "                      instead of standard output\n"
    "\n"
    "Exit status: 0 written; 1 the output could not be written; 2 a wrong\n"
    "command line, or a store that cannot be read.\n";

enum export_format { FORMAT_CSV, FORMAT_JSONL };

struct export
{
    FILE *out;
    enum export_format format;
    enum store_export_view view;
    size_t ncols;
    int werrno;  /* errno of the first failed write, 0 if none */
    int started; /* the BOM and header are written */
    int bom;     /* --bom */
};

/* ---- numbers ---- */

/*
 * v in plain decimal notation, the shortest that strtod() reads back as v:
 * an integral value with all its digits and no ".0" ("%.0f" is exact for
 * any integral double), else the fewest digits after the point that round
 * trip.  A value that needs more than 40 of them (none a report writes) gets
 * 17 significant digits, exponent and all.  Returns the length.
 */
static int
number_text(double v, char *out, size_t size)
{
    int n;

    if (v == 0)
        v = 0; /* no "-0" */
    if (v == trunc(v))
        return snprintf(out, size, "%.0f", v);
    for (int p = 1; p <= 40; p++) {
        n = snprintf(out, size, "%.*f", p, v);
        if (n > 0 && (size_t)n < size && strtod(out, NULL) == v)
            return n;
    }
    return snprintf(out, size, "%.17g", v);
}

/* ---- CSV ---- */

/* A field, quoted when it holds a comma, a quote or a line break (RFC 4180),
 * its quotes doubled. */
static void
csv_text(FILE *f, const char *s, size_t len)
{
    if (strcspn(s, ",\"\r\n") >= len) { /* s is NUL-terminated; a NUL inside is quoted */
        fwrite(s, 1, len, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            putc('"', f);
        putc(s[i], f);
    }
    putc('"', f);
}

static void
write_value(const struct export *x, const struct store_value *v)
{
    char num[512];

    switch (v->type) {
    case STORE_NULL:
        if (x->format == FORMAT_JSONL)
            fputs("null", x->out);
        break;
    case STORE_INTEGER:
        fprintf(x->out, "%lld", v->i);
        break;
    case STORE_REAL:
        if (!isfinite(v->r)) { /* SQLite stores no NaN; an infinity has no JSON form */
            if (x->format == FORMAT_JSONL)
                fputs("null", x->out);
            break;
        }
        number_text(v->r, num, sizeof num);
        fputs(num, x->out);
        break;
    case STORE_TEXT:
        if (x->format == FORMAT_JSONL)
            json_string(x->out, v->s, v->len);
        else
            csv_text(x->out, v->s, v->len);
        break;
    }
}

/* The BOM and the header, before the first row: written once the store has
 * accepted the filters, so an export refused writes nothing at all. */
static void
write_start(struct export *x)
{
    x->started = 1;
    if (x->bom)
        fputs("\xEF\xBB\xBF", x->out);
    if (x->format != FORMAT_CSV)
        return;
    for (size_t i = 0; i < x->ncols; i++) {
        if (i > 0)
            putc(',', x->out);
        fputs(store_export_column(x->view, i), x->out);
    }
    fputs("\r\n", x->out);
}

static int
write_row(void *arg, const struct store_value *row)
{
    struct export *x = arg;

    if (!x->started)
        write_start(x);
    if (x->format == FORMAT_JSONL)
        putc('{', x->out);
    for (size_t i = 0; i < x->ncols; i++) {
        if (x->format == FORMAT_JSONL) {
            if (i > 0)
                putc(',', x->out);
            json_cstring(x->out, store_export_column(x->view, i));
            putc(':', x->out);
        } else if (i > 0) {
            putc(',', x->out);
        }
        write_value(x, &row[i]);
    }
    fputs(x->format == FORMAT_JSONL ? "}\n" : "\r\n", x->out);
    /* Stop at the first failed write (a full disk): the rest would fail too. */
    if (ferror(x->out)) {
        x->werrno = errno;
        return 1;
    }
    return 0;
}

/* ---- the command line ---- */

/* DATE as YYYY-MM-DD in out: a whole date, or a year or a month taken from
 * its first day.  0, or -1 when it is not a date. */
static int
parse_date(const char *s, char out[11])
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 0, m = 1, d = 1, n = 0;
    size_t len = strlen(s);

    if (len != 4 && len != 7 && len != 10)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return -1;
    }
    if (sscanf(s, "%4d%n", &y, &n) != 1 || (len >= 7 && sscanf(s + 5, "%2d", &m) != 1) ||
        (len == 10 && sscanf(s + 8, "%2d", &d) != 1))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return -1;
    /* Checked above to fit out[11]; gcc cannot tell, so through a buffer
     * with room for any int. */
    char full[48];
    snprintf(full, sizeof full, "%04d-%02d-%02d", y, m, d);
    memcpy(out, full, 10);
    out[10] = '\0';
    return 0;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "factd: " and the message, then the usage; the exit status of a usage error. */
static int
usage_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("factd: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    fputs(usage_text, stderr);
    return 2;
}

/* A temporary file beside path for --output, with the mode a new file would
 * get; its name in tmp (from malloc()).  NULL, errno set, on failure. */
static FILE *
output_open(const char *path, char **tmp)
{
    size_t n = strlen(path);
    mode_t mask;
    int fd;

    *tmp = malloc(n + 8);
    if (*tmp == NULL)
        return NULL;
    memcpy(*tmp, path, n);
    memcpy(*tmp + n, ".XXXXXX", 8);
    fd = mkstemp(*tmp);
    if (fd < 0) {
        free(*tmp);
        *tmp = NULL;
        return NULL;
    }
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) { /* mkstemp makes it 0600 */
        int e = errno;
        close(fd);
        unlink(*tmp);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        int e = errno;
        close(fd);
        unlink(*tmp);
        errno = e;
    }
    return f;
}

/* Is path the store itself?  Writing over it would destroy it. */
static int
same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int
export_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"view", required_argument, NULL, 'V'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"bom", no_argument, NULL, 'B'},
                                             {"source", required_argument, NULL, 's'},
                                             {"since", required_argument, NULL, 'S'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = NULL, *output = NULL, *sources[STORE_EXPORT_MAX_SOURCES];
    char since[11];
    struct store_export_filter filter = {.sources = sources};
    struct export x = {.view = STORE_EXPORT_CURRENT_FACTS, .format = FORMAT_CSV};
    int bom = 0, c, view;
    struct err err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "d:f:s:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'V':
            if ((view = store_export_view_find(optarg)) < 0)
                return usage_error("--view: no view '%s'", optarg);
            x.view = (enum store_export_view)view;
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                x.format = FORMAT_CSV;
            else if (strcmp(optarg, "jsonl") == 0)
                x.format = FORMAT_JSONL;
            else
                return usage_error("--format: '%s' is neither csv nor jsonl", optarg);
            break;
        case 'B':
            bom = 1;
            break;
        case 's':
            if (filter.nsources == STORE_EXPORT_MAX_SOURCES)
                return usage_error("--source: more than %d", STORE_EXPORT_MAX_SOURCES);
            sources[filter.nsources++] = optarg;
            break;
        case 'S':
            if (parse_date(optarg, since) != 0)
                return usage_error("--since: '%s' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)",
                                   optarg);
            filter.since = since;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            fputs(usage_text, stderr);
            return 2;
        }
    }
    if (db == NULL || optind != argc) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (bom && x.format != FORMAT_CSV)
        return usage_error("--bom: %s", "only for CSV (JSON text must not begin with one)");
    if (filter.since != NULL && !store_export_has_date(x.view))
        return usage_error("--since: the %s view has no date", store_export_view_name(x.view));
    if (output != NULL && strcmp(output, "-") == 0)
        output = NULL;
    if (output != NULL && same_file(output, db))
        return usage_error("--output: %s is the store", output);
    x.ncols = store_export_ncolumns(x.view);

    struct store *st = store_open_readonly(db, EXPORT_BUSY_MS, &err);
    if (st == NULL) {
        err_print(stderr, &err);
        return 2;
    }

    char *tmp = NULL;
    x.out = stdout;
    if (output != NULL && (x.out = output_open(output, &tmp)) == NULL) {
        fprintf(stderr, "factd: %s: cannot write: %s\n", output, strerror(errno));
        store_close(st);
        return 1;
    }
    static char iobuf[1 << 16];
    setvbuf(x.out, iobuf, _IOFBF, sizeof iobuf);
    x.bom = bom;

    int rc = store_export(st, x.view, &filter, write_row, &x, &err);
    store_close(st);
    if (rc < 0)
        err_print(stderr, &err);
    else if (!x.started)
        write_start(&x); /* no row: the header alone */
    int werr = 0, e = x.werrno;
    if (fflush(x.out) != 0 || ferror(x.out)) {
        werr = 1;
        e = e ? e : errno;
    }
    if (output != NULL) {
        if (!werr && fsync(fileno(x.out)) != 0) {
            werr = 1;
            e = errno;
        }
        if (fclose(x.out) != 0 && !werr) {
            werr = 1;
            e = errno;
        }
        if (rc == 0 && !werr && rename(tmp, output) != 0) {
            werr = 1;
            e = errno;
        }
        if (rc != 0 || werr)
            unlink(tmp);
        free(tmp);
    }
    if (werr) {
        fprintf(stderr, "factd: %s: cannot write: %s\n", output ? output : "standard output",
                strerror(e ? e : EIO));
        return 1;
    }
    return rc < 0 ? 2 : 0;
}
