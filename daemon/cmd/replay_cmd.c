/*
 * replay_cmd: "factd replay": saved pages into the store.
 *
 * Each page is read, hashed and looked up first: a page already stored with
 * the same content and the same pattern set costs no extraction.  Otherwise
 * it is extracted and stored whole (store_put), in groups committed every
 * 5000 pages or a second, so an interrupted replay loses at most the open
 * group, never part of a page, and replaying again finishes the job.
 *
 * Exit status: 0 when every page was stored, 1 when some failed (each is
 * named on stderr), 2 for usage, pattern and store errors.
 */
#include "replay_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "extract.h"
#include "files.h"
#include "input.h"
#include "labels.h"
#include "page.h"
#include "patternset.h"
#include "store.h"
#include "store_source.h"
#include "warc_reader.h"
#include "warc_writer.h"

#define DEFAULT_MAX_BYTES (32u << 20)

/* The pages a directory walk takes, and web archives, those factd is
 * writing or was writing when it stopped (.open) too. */
static const char *const replay_exts[] = {".txt",          ".html", ".htm",     ".shtml",
                                          ".xhtml",        ".warc", ".warc.gz", ".warc.open",
                                          ".warc.gz.open", NULL};
#define DEFAULT_BUSY_MS 60000

struct replay {
    const struct patternset *ps;
    struct store *store;
    int64_t ps_id;
    const char *source, *charset;
    struct store_source place;       /* --source with --region, --region-code, --level */
    struct labels labels;            /* --sources */
    size_t relabelled, p_relabelled; /* documents given another source */
    size_t max_bytes;
    unsigned group; /* --group: pages per commit at most */
    int year;
    /* The file:// URI of the file being replayed, the page's name in the
     * store; NULL for a page of an archive (its URL is).  Messages and
     * --sources prefixes use the path as given (the page's uri). */
    const char *canonical;
    /* The archive and record the page being replayed came from, or NULL. */
    const char *warc_file, *warc_record_id;
    char **paths; /* From malloc(): the pages, in order. */
    size_t npaths, cappaths;
    size_t next; /* index of the page to read next */
    /* Counts for the summary, of committed documents. */
    size_t docs[4], failed, facts_new, facts_dropped, sightings;
    /* The same for documents written in the open group, added to the above
     * when it commits and to failed when it does not. */
    size_t p_docs[4], p_facts_new, p_facts_dropped, p_sightings, p_count;
    size_t p_first; /* index in paths of the group's first page */
    unsigned long long bytes_done;
    int progress; /* stderr is a terminal */
    int dry_run;  /* --dry-run: write nothing */
    int diff;     /* --diff: print the facts each page adds and removes */
    size_t diff_pages, diff_added, diff_removed, diff_changed;
    size_t dry_extracted; /* --dry-run: pages that would be stored */
    size_t archive_pages; /* pages read out of web archives */
    struct timespec start, last_progress;
};

static void
usage(FILE *f)
{
    fputs("usage: factd replay --db FILE [--patterns DIR] [--source NAME [--region TEXT]\n"
          "                    [--region-code CODE] [--level LEVEL]] [--sources CSV]\n"
          "                    [--max-bytes N] [--year YYYY] [--charset LABEL]\n"
          "                    [--busy-timeout MS] [--group N] [--dry-run] [--diff] PATH...\n"
          "\n"
          "Store the facts of saved pages in the SQLite store FILE (created if need be).\n"
          "PATHs are files or directories (searched recursively for .txt, .html, .htm,\n"
          ".shtml and .xhtml files), and web archives (.warc, .warc.gz, as factd and\n"
          "wget --warc-file write them, and .open files factd is writing or was writing\n"
          "when it stopped), whose HTTP responses are pages named by URI; a damaged part\n"
          "of an archive is named by its byte offset in the file, counted as failed, and\n"
          "passed over to the next record.\n"
          "A page already stored with the same content and patterns is not extracted\n"
          "again; a changed page adds a version; after a change of patterns, each page\n"
          "is extracted again and its old sightings are replaced.\n"
          "\n"
          "  -d, --db FILE          the store\n"
          "  -p, --patterns DIR     pattern directory\n"
          "  -s, --source NAME      the source the pages belong to; a stored page with\n"
          "                         another is relabelled\n"
          "  -r, --region TEXT      the source's place, as written (天津市红桥区)\n"
          "  -R, --region-code CODE its GB/T 2260 code, six digits (120106)\n"
          "  -l, --level LEVEL      province, city, district, county or ministry\n"
          "  -S, --sources CSV      sources by path or URL prefix: a header line\n"
          "                         prefix,source,region,region_code,level and a row each;\n"
          "                         the longest prefix of a page's path or URL wins\n"
          "  -m, --max-bytes N      refuse pages larger than N bytes (default 33554432)\n"
          "  -y, --year YYYY        year of the documents, for 今年, when a page does not say\n"
          "  -c, --charset LABEL    decode every page with this charset\n"
          "  -b, --busy-timeout MS  wait this long for another writer (default 60000)\n"
          "  -g, --group N          commit every N pages (default 5000) or every second\n"
          "  -D, --diff             print the facts each page adds (+) and removes (-)\n"
          "                         compared with the store, e.g. after a pattern change\n"
          "  -n, --dry-run          change nothing (the store is not even created)\n"
          "\n"
          "Exit status: 0 all pages stored, 1 some failed, 2 usage, pattern or store error.\n",
          f);
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress(struct replay *r, size_t done, int final)
{
    if (!r->progress)
        return;
    if (!final && seconds_since(&r->last_progress) < 0.2)
        return;
    clock_gettime(CLOCK_MONOTONIC, &r->last_progress);
    double el = seconds_since(&r->start);
    double rate = el > 0 ? (double)done / el : 0;
    double eta = rate > 0 ? (double)(r->npaths - done) / rate : 0;
    fprintf(stderr, "\r%zu/%zu pages, %.0f pages/s, %.1f MB/s, ETA %d:%02d   ", done, r->npaths,
            rate, el > 0 ? (double)r->bytes_done / 1e6 / el : 0, (int)eta / 60, (int)eta % 60);
    if (final)
        fputc('\n', stderr);
}

static int
add_path(void *arg, const char *path)
{
    struct replay *r = arg;
    if (r->npaths == r->cappaths) {
        char **v = buf_grow_array(r->paths, &r->cappaths, sizeof *v, 64);
        if (v == NULL)
            return -1;
        r->paths = v;
    }
    if ((r->paths[r->npaths] = strdup(path)) == NULL)
        return -1;
    r->npaths++;
    return 0;
}

static void
pending_clear(struct replay *r)
{
    memset(r->p_docs, 0, sizeof r->p_docs);
    r->p_facts_new = r->p_facts_dropped = r->p_sightings = r->p_count = r->p_relabelled = 0;
}

/* The open group committed (ok) or was lost: settle its counts. */
static void
pending_settle(struct replay *r, int ok)
{
    if (ok) {
        for (int i = 0; i < 4; i++)
            r->docs[i] += r->p_docs[i];
        r->facts_new += r->p_facts_new;
        r->facts_dropped += r->p_facts_dropped;
        r->sightings += r->p_sightings;
        r->relabelled += r->p_relabelled;
    } else {
        r->failed += r->p_count;
    }
    pending_clear(r);
    r->p_first = r->next;
}

/* Name the pages of the open group, which a failed commit lost (the pages of
 * the group that had failed on their own were named already). */
static void
name_lost(struct replay *r, size_t end)
{
    for (size_t k = r->p_first; k < end && k < r->npaths; k++)
        if (r->paths[k] != NULL)
            fprintf(stderr, "factd: %s: not stored (the commit of its group failed)\n",
                    r->paths[k]);
}

static int
commit(struct replay *r)
{
    struct err err;
    err_clear(&err);
    if (r->store != NULL && store_commit(r->store, &err) != 0) {
        err_print(stderr, &err);
        name_lost(r, r->next);
        pending_settle(r, 0);
        return -1;
    }
    pending_settle(r, 1);
    return 0;
}

/* ---- --diff ---- */

struct old_facts {
    struct store_fact *v; /* From malloc(); strings from strdup(). */
    size_t n, cap;
    char *seen; /* From malloc(): v[i] is among the new facts. */
};

static int
keep_old(void *arg, const struct store_fact *f)
{
    struct old_facts *o = arg;
    if (o->n == o->cap) {
        struct store_fact *v = buf_grow_array(o->v, &o->cap, sizeof *v, 32);
        if (v == NULL)
            return -1;
        o->v = v;
    }
    struct store_fact *c = &o->v[o->n++];
    int nomem = 0;
    *c = *f;
    c->kind = text_dup(f->kind, &nomem);
    c->qualifier = text_dup(f->qualifier, &nomem);
    c->text = text_dup(f->text, &nomem);
    c->clause = text_dup(f->clause, &nomem);
    c->stance = text_dup(f->stance, &nomem);
    return nomem ? -1 : 0; /* old_free() frees what was copied */
}

static void
old_free(struct old_facts *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free((char *)o->v[i].kind);
        free((char *)o->v[i].qualifier);
        free((char *)o->v[i].text);
        free((char *)o->v[i].clause);
        free((char *)o->v[i].stance);
    }
    free(o->v);
    free(o->seen);
}

/* One fact of a diff.  Its year and stance are shown: the year is part of a
 * fact's identity, so a page read for another year shows as - and +. */
static void
diff_line(char sign, const char *path, const char *kind, double v, int has_max, double vmax,
          const char *q, const char *text, size_t tlen, int year, const char *stance,
          const char *clause, size_t clen)
{
    printf("%c %s: %s %.15g", sign, path, kind, v);
    if (has_max)
        printf("..%.15g", vmax);
    if (q != NULL)
        printf(" %s", q);
    printf(" \"%.*s\"", (int)tlen, text);
    if (year > 0)
        printf(" [%d, %s]", year, stance ? stance : "no stance");
    else
        printf(" [no year, %s]", stance ? stance : "no stance");
    printf(" in \"%.*s\"\n", (int)clen, clause);
}

/* Print what the new extraction of path adds to and removes from what the
 * store has for its latest version. */
static int
print_diff(struct replay *r, const char *uri, const char *path, const char *text,
           const struct fact_list *facts)
{
    struct old_facts o = {0};
    struct err err;
    size_t added = 0, removed = 0, changed = 0;

    if (r->store != NULL && store_latest_facts(r->store, uri, keep_old, &o, &err) != 0) {
        err_print(stderr, &err);
        old_free(&o);
        return -1;
    }
    if ((o.seen = calloc(o.n + 1, 1)) == NULL) {
        old_free(&o);
        return -1;
    }
    for (size_t i = 0; i < facts->n; i++) {
        const struct fact *f = &facts->v[i];
        const char *kind = patternset_kind_name(r->ps, f->kind);
        unsigned char id[16];
        int known = 0;
        store_fact_identity(kind, f, text, id);
        for (size_t k = 0; k < o.n && !known; k++)
            if (!o.seen[k] && memcmp(o.v[k].identity, id, 16) == 0) {
                o.seen[k] = known = 1;
                /* The same fact, read otherwise: its year or stance. */
                const char *ns = fact_stance_name(f->stance);
                const char *os = o.v[k].stance;
                if (o.v[k].year != f->year || (ns == NULL) != (os == NULL) ||
                    (ns && os && strcmp(ns, os) != 0)) {
                    printf("~ %s: %s %.15g \"%.*s\": year %d -> %d, stance %s -> %s\n", path, kind,
                           f->value, (int)f->text.len, text + f->text.off, o.v[k].year, f->year,
                           os ? os : "null", ns ? ns : "null");
                    changed++;
                }
            }
        if (!known) {
            diff_line('+', path, kind, f->value, f->has_max, f->value_max,
                      fact_qual_name(f->qualifier), text + f->text.off, f->text.len, f->year,
                      fact_stance_name(f->stance), text + f->clause.off, f->clause.len);
            added++;
        }
    }
    for (size_t k = 0; k < o.n; k++)
        if (!o.seen[k]) {
            const struct store_fact *f = &o.v[k];
            diff_line('-', path, f->kind ? f->kind : "?", f->value, f->has_max, f->value_max,
                      f->qualifier, f->text ? f->text : "", f->text ? strlen(f->text) : 0, f->year,
                      f->stance, f->clause ? f->clause : "", f->clause ? strlen(f->clause) : 0);
            removed++;
        }
    if (added || removed || changed)
        r->diff_pages++;
    r->diff_added += added;
    r->diff_removed += removed;
    r->diff_changed += changed;
    old_free(&o);
    return 0;
}

/* Store one page.  Returns 0 when the page is stored (or already was), -1
 * when it failed. */
static int
replay_page(struct replay *r, const struct page *pg)
{
    struct doc d;
    struct err err;
    char hash[33], msg[512];
    int rc = -1, unchanged;

    err_clear(&err);
    r->bytes_done += pg->len;
    page_hash(pg, hash);
    const char *doc_uri = r->canonical != NULL ? r->canonical : pg->uri;
    const struct label *lb = labels_find(&r->labels, pg->uri);
    if (lb == NULL && doc_uri != pg->uri)
        lb = labels_find(&r->labels, doc_uri);
    struct store_doc sd = {.uri = doc_uri,
                           .source = lb != NULL ? lb->source : r->source,
                           .hash = hash,
                           .bytes = pg->len};
    char sha[65];
    sd.warc_file = r->warc_record_id != NULL ? r->warc_file : NULL;
    sd.warc_record_id = r->warc_record_id;
    unchanged = 0;
    /* A store written before files had file:// URIs knows the file by the
     * path it was given then: the same path takes the URI now. */
    if (r->canonical != NULL && r->store != NULL && !r->dry_run &&
        store_document_rename(r->store, pg->uri, r->canonical, &err) != 0) {
        err_print(stderr, &err);
        return -1;
    }
    /* A page stored before under another source (or none) takes this one,
     * whether or not it is extracted again. */
    int relabelled = 0;
    if (sd.source != NULL && r->store != NULL && !r->dry_run &&
        store_document_relabel(r->store, doc_uri, sd.source, &relabelled, &err) != 0) {
        err_print(stderr, &err);
        return -1;
    }
    r->p_relabelled += (size_t)relabelled;
    if (r->store != NULL && store_seen(r->store, &sd, r->ps_id, &unchanged, &err) != 0) {
        err_print(stderr, &err);
        return -1;
    }
    if (unchanged) {
        r->p_docs[STORE_UNCHANGED]++;
        r->p_count++;
        return 0;
    }
    /* Only a page that is stored needs its SHA-256. */
    page_sha256(pg, sha);
    sd.sha256 = sha;
    struct page_opts o = {.max_bytes = r->max_bytes, .ps = r->ps, .year = r->year};
    int got = page_read(pg, &o, &d, &err);
    for (size_t i = 0; i < d.nwarnings; i++) {
        page_warning_format(pg, &d.warnings[i], msg, sizeof msg);
        fprintf(stderr, "factd: %s\n", msg);
    }
    if (got != 0) {
        err_print(stderr, &err);
        doc_free(&d);
        return -1;
    }
    sd.title = d.info.title[0] ? d.info.title : NULL;
    sd.published = d.info.published[0] ? d.info.published : NULL;
    sd.charset = d.cs.name;
    sd.doc_year = d.doc_year;
    sd.original = d.original.data;
    struct store_result res;
    size_t before = r->store ? store_pending(r->store) : 0;
    if (r->diff && print_diff(r, doc_uri, pg->uri, d.text.data, &d.facts) != 0) {
        fprintf(stderr, "factd: %s: cannot compare with the store\n", pg->uri);
    } else if (r->dry_run) {
        r->dry_extracted++;
        rc = 0;
    } else if (store_put(r->store, &sd, r->ps_id, r->ps, d.text.data, &d.facts, &res, &err) != 0) {
        err_print(stderr, &err);
        if (before > 0 && store_pending(r->store) == 0) {
            /* The transaction went down with this page: so did the group. */
            fprintf(stderr,
                    "factd: the %zu pages stored before it in the same group are "
                    "lost with it; replay them again\n",
                    r->p_count);
            pending_settle(r, 0);
        }
    } else {
        r->p_docs[res.outcome]++;
        r->p_facts_new += res.facts_new;
        r->p_facts_dropped += res.facts_dropped;
        r->p_sightings += res.sightings;
        r->p_count++;
        rc = 0;
    }
    doc_free(&d);
    return rc;
}

/* A file: read it and store it as one page named by its path.  Its failure
 * is counted and named here. */
static int
replay_one(struct replay *r, const char *path)
{
    struct text raw = {0};
    struct err err;

    if (files_read(path, r->max_bytes, &raw, &err) != 0) {
        err_print(stderr, &err);
        r->failed++;
        return -1;
    }
    /* One document whatever path names the file (issue 14): its file://
     * URI; messages and --sources prefixes keep the name given. */
    char *uri = files_uri(path);
    r->canonical = uri;
    struct page pg = {.uri = path,
                      .body = raw.data,
                      .len = raw.len,
                      .source = r->source,
                      .charset = r->charset,
                      .html = -1};
    int rc = replay_page(r, &pg);
    r->canonical = NULL;
    free(uri);
    text_free(&raw);
    if (rc != 0)
        r->failed++;
    return rc;
}

struct archive_run {
    struct replay *r;
    const char *name; /* the archive, under the name it was read by */
    int busy;         /* a running factd is writing it */
    size_t pages, failed, damaged;
};

static int
archive_page(void *arg, const struct warc_response *w)
{
    struct archive_run *a = arg;
    a->pages++;
    time_t when = 0;
    if (clock_parse_utc(w->date, &when) != 0)
        when = 0;
    struct page pg = {.uri = w->uri,
                      .body = w->body,
                      .len = w->len,
                      .head = w->head,
                      .head_len = w->head_len,
                      .content_type = w->content_type,
                      .when = when,
                      .source = a->r->source,
                      .charset = a->r->charset,
                      .html = -1};
    const char *slash = strrchr(a->name, '/');
    a->r->warc_file = slash != NULL ? slash + 1 : a->name;
    a->r->warc_record_id = w->record_id != NULL && w->record_id[0] != '\0' ? w->record_id : NULL;
    int failed = replay_page(a->r, &pg) != 0;
    a->r->warc_file = a->r->warc_record_id = NULL;
    if (failed)
        a->failed++;
    /* A group may fill up within one archive. */
    if (a->r->store != NULL && store_due(a->r->store))
        commit(a->r);
    return a->r->store != NULL && store_broken(a->r->store) ? -1 : 0;
}

/* A damaged stretch of an archive: named, and counted as one failure; the
 * records after it are read on.  A file being written ends, as often as
 * not, in the record being written: that is no damage. */
static void
archive_damage(void *arg, const struct err *e, int cut)
{
    struct archive_run *a = arg;
    size_t n = strlen(a->name);

    if (cut && a->busy)
        return;
    err_print(stderr, e);
    if (cut && n > 5 && strcmp(a->name + n - 5, ".open") == 0)
        fprintf(stderr,
                "factd: %s: left open by a factd that stopped (a crash, a kill); factd run "
                "cuts the record off and finishes the file when it starts\n",
                a->name);
    a->damaged++;
}

/*
 * An archive: each HTTP response in it is a page, named by its URI.  A
 * .open file is one factd is writing, or was writing when it was killed:
 * it is read to its last whole record.  Each page that fails and each
 * damaged stretch counts as a failure, here.
 */
static int
replay_archive(struct replay *r, const char *path)
{
    struct archive_run a = {r, path, 0, 0, 0, 0};
    struct warc_stats st;
    struct err err;
    char *finished = NULL;
    size_t n = strlen(path);
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

    /* Finished since the directory was read (rotated, closed at a stop, or
     * recovered by a factd starting): the same file without .open. */
    if (fd < 0 && errno == ENOENT && n > 5 && strcmp(path + n - 5, ".open") == 0 &&
        (finished = strndup(path, n - 5)) != NULL &&
        (fd = open(finished, O_RDONLY | O_CLOEXEC)) >= 0)
        a.name = finished;
    if (fd < 0) {
        err_clear(&err);
        err_file(&err, path);
        err_set(&err, "cannot open: %s", strerror(errno));
        err_print(stderr, &err);
        free(finished);
        r->failed++;
        return -1;
    }
    a.busy = warc_writer_file_busy(fd);
    rc = warc_read_fd(fd, a.name, r->max_bytes, archive_page, archive_damage, &a, &st, &err);
    close(fd);
    if (rc != 0)
        err_print(stderr, &err);
    if (a.busy)
        fprintf(stderr,
                "factd: %s: still being written by a running factd: its records so far were "
                "read; replay it again later for the rest\n",
                a.name);
    if (st.skipped > 0)
        fprintf(stderr,
                "factd: %s: %zu responses passed over (not 2xx, or a content coding "
                "factd cannot read)\n",
                a.name, st.skipped);
    r->failed += a.failed + a.damaged + (rc != 0);
    r->archive_pages += a.pages;
    free(finished);
    return rc != 0 || a.failed > 0 || a.damaged > 0 ? -1 : 0;
}

static void
report_label(void *arg, const struct err *e)
{
    (void)arg;
    err_print(stderr, e);
}

/* The --sources file, every bad line named. */
static int
read_labels(const char *path, struct labels *out)
{
    struct text raw = {0};
    struct err err;
    if (files_read(path, 16 << 20, &raw, &err) != 0) {
        err_print(stderr, &err);
        return -1;
    }
    int rc = labels_parse(path, raw.data ? raw.data : "", raw.len, out, report_label, NULL);
    text_free(&raw);
    return rc;
}

/* The sources the options name, with their places, into the store. */
static int
put_sources(struct replay *r, struct err *err)
{
    if (r->source != NULL && store_source_put(r->store, &r->place, 0, NULL, err) != 0)
        return -1;
    for (size_t i = 0; i < r->labels.n; i++) {
        const struct label *l = &r->labels.v[i];
        struct store_source s = {l->source, l->region, l->region_code, l->level};
        if (store_source_put(r->store, &s, 0, NULL, err) != 0)
            return -1;
    }
    return 0;
}

int
replay_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"patterns", required_argument, NULL, 'p'},
                                             {"source", required_argument, NULL, 's'},
                                             {"region", required_argument, NULL, 'r'},
                                             {"region-code", required_argument, NULL, 'R'},
                                             {"level", required_argument, NULL, 'l'},
                                             {"sources", required_argument, NULL, 'S'},
                                             {"max-bytes", required_argument, NULL, 'm'},
                                             {"year", required_argument, NULL, 'y'},
                                             {"charset", required_argument, NULL, 'c'},
                                             {"busy-timeout", required_argument, NULL, 'b'},
                                             {"group", required_argument, NULL, 'g'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {"diff", no_argument, NULL, 'D'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct replay r;
    const char *db = NULL, *dir = NULL, *sources = NULL;
    int busy_ms = DEFAULT_BUSY_MS, c, status = 0;
    struct err err;

    memset(&r, 0, sizeof r);
    r.max_bytes = DEFAULT_MAX_BYTES;
    r.group = 5000;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:p:s:r:R:l:S:m:y:c:b:g:nDh", longopts, NULL)) != -1) {
        long v;
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'p':
            dir = optarg;
            break;
        case 's':
            r.source = r.place.name = optarg;
            break;
        case 'r':
            r.place.region = optarg;
            break;
        case 'R':
            if (!config_region_code_ok(optarg)) {
                fprintf(stderr,
                        "factd replay: --region-code wants the six digits of a GB/T 2260 code "
                        "such as 120106, not '%s'\n",
                        optarg);
                return 2;
            }
            r.place.region_code = optarg;
            break;
        case 'l':
            if (!config_level_ok(optarg)) {
                fprintf(stderr,
                        "factd replay: --level wants province, city, district, county or "
                        "ministry, not '%s'\n",
                        optarg);
                return 2;
            }
            r.place.level = optarg;
            break;
        case 'S':
            sources = optarg;
            break;
        case 'c':
            r.charset = optarg;
            break;
        case 'm':
            if (input_parse_max_bytes("replay", optarg, &r.max_bytes) != 0)
                return 2;
            break;
        case 'y':
            if (input_parse_year("replay", optarg, &r.year) != 0)
                return 2;
            break;
        case 'b':
            if (input_parse_number("replay", "--busy-timeout", "milliseconds", optarg, 0, 3600000,
                                   &v) != 0)
                return 2;
            busy_ms = (int)v;
            break;
        case 'g':
            if (input_parse_number("replay", "--group", "a number of pages", optarg, 1, 1000000,
                                   &v) != 0)
                return 2;
            r.group = (unsigned)v;
            break;
        case 'n':
            r.dry_run = 1;
            break;
        case 'D':
            r.diff = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (db == NULL || optind >= argc) {
        fputs(db == NULL ? "factd replay: --db FILE is required\n"
                         : "factd replay: no pages named\n",
              stderr);
        usage(stderr);
        return 2;
    }
    if (r.source == NULL && (r.place.region || r.place.region_code || r.place.level)) {
        fputs("factd replay: --region, --region-code and --level describe the --source NAME\n",
              stderr);
        return 2;
    }
    if (sources != NULL && read_labels(sources, &r.labels) != 0)
        return 2;
    struct patternset *ps = patternset_load(dir ? dir : input_patterns_dir(), &err);
    if (ps == NULL) {
        err_print(stderr, &err);
        labels_free(&r.labels);
        return 2;
    }
    for (int i = optind; i < argc; i++)
        if (files_walk(argv[i], replay_exts, add_path, &r, &err) != 0) {
            if (err.msg[0] == '\0')
                err_set(&err, "out of memory");
            err_print(stderr, &err);
            status = 1;
        }
    r.ps = ps;
    char sethash[33];
    input_set_hash(ps, r.year, r.charset, sethash);
    int opened;
    if (r.dry_run) {
        /* Look, touch nothing: no store is an empty one. */
        r.store = access(db, F_OK) == 0 ? store_open_readonly(db, busy_ms, &err) : NULL;
        opened = access(db, F_OK) != 0 ||
                 (r.store != NULL && store_pattern_set_find(r.store, sethash, &r.ps_id, &err) == 0);
    } else {
        r.store = store_open(db, busy_ms, &err);
        opened = r.store != NULL && store_set_cache(r.store, 64, &err) == 0 &&
                 store_pattern_set(r.store, sethash, &r.ps_id, &err) == 0 &&
                 put_sources(&r, &err) == 0;
    }
    if (!opened) {
        err_print(stderr, &err);
        store_close(r.store);
        patternset_free(ps);
        labels_free(&r.labels);
        for (size_t k = 0; k < r.npaths; k++)
            free(r.paths[k]);
        free(r.paths);
        return 2;
    }
    r.progress = isatty(2);
    clock_gettime(CLOCK_MONOTONIC, &r.start);
    r.last_progress = r.start;
    /*
     * Groups of up to 5000 pages (--group) or a second; store.c says why
     * groups.  A bulk load gains from large ones: a B-tree page that several
     * pages' facts change is written once per group, and in a large store
     * the identity and value indexes are changed at scattered pages.
     * Analysts see new facts a second later, and a crash redoes at most a
     * second.  For the same scattered pages, a page cache of 64 MB rather
     * than the daemon's 16: a second's group in a store of a million facts
     * touches most leaves of both indexes, about 50 MB.
     */
    if (r.store != NULL)
        store_set_batch(r.store, r.group, 1000);
    for (size_t k = 0; k < r.npaths; k++) {
        r.next = k + 1;
        if ((warc_is_archive(r.paths[k]) ? replay_archive(&r, r.paths[k])
                                         : replay_one(&r, r.paths[k])) != 0) {
            /* Named and counted already, and not part of the group's fate. */
            status = 1;
            free(r.paths[k]);
            r.paths[k] = NULL;
        }
        if (r.store != NULL && store_due(r.store) && commit(&r) != 0)
            status = 1;
        progress(&r, k + 1, 0);
        if (r.store != NULL && store_broken(r.store)) {
            /* Corrupt, full, read-only: no page after this one can be stored. */
            fprintf(stderr,
                    "factd: %s: the store cannot take more; stopping after %zu of %zu "
                    "pages\n",
                    db, k + 1, r.npaths);
            r.failed += r.npaths - (k + 1);
            status = 2;
            break;
        }
    }
    if (commit(&r) != 0)
        status = r.store != NULL && store_broken(r.store) ? 2 : 1;
    progress(&r, r.npaths, 1);
    for (size_t k = 0; k < r.npaths; k++)
        free(r.paths[k]);
    free(r.paths);
    double el = seconds_since(&r.start);
    if (r.diff)
        printf("diff: %zu facts added, %zu removed, %zu changed, on %zu of %zu pages\n",
               r.diff_added, r.diff_removed, r.diff_changed, r.diff_pages, r.npaths);
    if (r.dry_run) {
        printf("dry run: nothing written; %zu pages unchanged, %zu would be stored, %zu failed\n",
               r.docs[STORE_UNCHANGED], r.dry_extracted, r.failed);
        store_close(r.store);
        patternset_free(ps);
        labels_free(&r.labels);
        return status;
    }
    printf("documents: %zu new, %zu changed, %zu unchanged, %zu re-extracted, %zu failed\n"
           "facts: %zu new, %zu dropped; sightings: %zu written\n"
           "%.1f MB in %.2f s\n",
           r.docs[STORE_NEW], r.docs[STORE_CHANGED], r.docs[STORE_UNCHANGED],
           r.docs[STORE_REEXTRACTED], r.failed, r.facts_new, r.facts_dropped, r.sightings,
           (double)r.bytes_done / 1e6, el);
    if (r.source != NULL || r.labels.n > 0)
        printf("sources: %zu stored documents relabelled\n", r.relabelled);
    store_close(r.store);
    patternset_free(ps);
    labels_free(&r.labels);
    return status;
}
