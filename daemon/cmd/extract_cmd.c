/*
 * extract_cmd: the extract command.  It is the whole extraction pipeline
 * without a store: each input is read, decoded, normalized and run through
 * the pattern set, and each fact becomes one JSON object on a line of its own.
 *
 * Exit status: 0 when every input was read, 1 when some could not be (each is
 * named on stderr and the rest are still processed), 2 for usage errors and
 * pattern errors.
 */
#include "extract_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "explain.h"
#include "extract.h"
#include "files.h"
#include "input.h"
#include "json.h"
#include "page.h"
#include "patternset.h"

#define DEFAULT_MAX_BYTES (32u << 20)

/* One input's results, kept until it is its turn to be printed. */
struct job {
    char *path; /* From malloc(). */
    char *out;  /* From open_memstream(): JSON lines. */
    size_t outlen;
    char *errs; /* From open_memstream(): messages for stderr. */
    size_t errlen;
    int failed;
    int done;
};

struct run {
    const struct patternset *ps;
    size_t max_bytes;
    int year;
    const char *charset;
    int explain; /* --explain: a report for people instead of JSON */
    int failed;
    struct job *jobs; /* From malloc(): the inputs, in order. */
    size_t njobs, capjobs;
    /* Workers take jobs in order; the main thread prints them in order.
     * A worker does not run more than `window` jobs ahead of the printer,
     * so memory stays bounded by the window, not by the corpus. */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t next, printed, window;
};

static void
usage(FILE *f)
{
    fputs("usage: factd extract [--patterns DIR] [--max-bytes N] [--year YYYY]\n"
          "                     [--charset LABEL] [--jobs N] [--explain] [FILE|DIR|-]...\n"
          "\n"
          "Print the facts of each page as JSON, one object per line.  A DIR is\n"
          "searched recursively for .txt, .html, .htm, .shtml and .xhtml files; - reads\n"
          "standard input.\n"
          "Pages may be in any charset (BOM, <meta>, else detection) and HTML or text.\n"
          "\n"
          "  -p, --patterns DIR   pattern directory (default: the source tree's when run\n"
          "                       from a build tree, else the installed one)\n"
          "  -m, --max-bytes N    refuse inputs larger than N bytes (default 33554432)\n"
          "  -y, --year YYYY      year of the documents, for 今年, when a page does not say\n"
          "  -c, --charset LABEL  decode every input with this charset\n"
          "  -e, --explain        for each fact, the pattern and the groups it captured;\n"
          "                       then each unit word beside a number that gave no fact\n"
          "  -j, --jobs N         work on N inputs at once (default: one per CPU);\n"
          "                       the output is in input order all the same\n"
          "  -h, --help           this text\n"
          "\n"
          "Fields: doc kind value value_max qualifier text unit sentence clause subject\n"
          "direction year stance published doc_year offset pattern original_offset\n"
          "verbatim.  offset counts bytes of the normalized UTF-8 text (NFKC: ，is ,),\n"
          "original_offset bytes of the page's text before it, where verbatim, the\n"
          "sentence as the page writes it, comes from; published and doc_year are the\n"
          "page's.\n"
          "Exit status: 0 all inputs read, 1 some could not be, 2 usage or pattern error.\n",
          f);
}

static void
print_span(FILE *out, const char *text, struct span s)
{
    json_string(out, text + s.off, s.len);
}

static void
print_year(FILE *out, int year)
{
    if (year > 0)
        fprintf(out, "%d", year);
    else
        fputs("null", out);
}

static void
print_fact(FILE *out, const struct patternset *ps, const char *doc, const struct doc *d,
           const struct fact *f)
{
    const char *text = d->text.data;

    fputs("{\"doc\":", out);
    json_cstring(out, doc);
    fputs(",\"kind\":", out);
    json_cstring(out, patternset_kind_name(ps, f->kind));
    fputs(",\"value\":", out);
    json_number(out, f->value);
    fputs(",\"value_max\":", out);
    if (f->has_max)
        json_number(out, f->value_max);
    else
        fputs("null", out);
    fputs(",\"qualifier\":", out);
    json_cstring(out, fact_qual_name(f->qualifier));
    fputs(",\"text\":", out);
    print_span(out, text, f->text);
    fputs(",\"unit\":", out);
    char unit[128];
    json_string(out, unit, extract_unit(ps, text, f, unit, sizeof unit));
    fputs(",\"sentence\":", out);
    print_span(out, text, f->sentence);
    fputs(",\"clause\":", out);
    print_span(out, text, f->clause);
    fputs(",\"subject\":", out);
    if (f->subject.len > 0)
        print_span(out, text, f->subject);
    else
        fputs("null", out);
    fputs(",\"direction\":", out);
    json_cstring(out, fact_direction_name(f->direction));
    fputs(",\"year\":", out);
    print_year(out, f->year);
    fputs(",\"stance\":", out);
    json_cstring(out, fact_stance_name(f->stance));
    fputs(",\"published\":", out);
    json_cstring(out, d->info.published[0] ? d->info.published : NULL);
    fputs(",\"doc_year\":", out);
    print_year(out, d->doc_year);
    fprintf(out, ",\"offset\":%zu,\"pattern\":", f->text.off);
    json_cstring(out, patternset_get(ps, (size_t)f->pattern)->id);
    /* The page's own words, before NFKC: what a citation quotes. */
    fprintf(out, ",\"original_offset\":%zu,\"verbatim\":", f->original.off);
    print_span(out, d->original.data ? d->original.data : "", f->original_sentence);
    fputs("}\n", out);
}

/* Extract the facts of one input: JSON lines to out, messages to errs.
 * Returns 1 if the input could not be read, else 0. */
static int
one_input(const struct run *r, const char *path, FILE *out, FILE *errs)
{
    struct text raw = {0};
    struct doc d;
    struct err err;
    char msg[512];

    if (files_read(path, r->max_bytes, &raw, &err) != 0) {
        err_print(errs, &err);
        return 1;
    }
    struct page pg = {
        .uri = path, .body = raw.data, .len = raw.len, .charset = r->charset, .html = -1};
    struct page_opts o = {.max_bytes = r->max_bytes, .ps = r->ps, .year = r->year};
    int rc = page_read(&pg, &o, &d, &err);
    for (size_t i = 0; i < d.nwarnings; i++) {
        page_warning_format(&pg, &d.warnings[i], msg, sizeof msg);
        fprintf(errs, "factd: %s\n", msg);
    }
    if (rc != 0) {
        err_print(errs, &err);
    } else if (r->explain) {
        explain_doc(out, r->ps, path, &d);
    } else {
        for (size_t i = 0; i < d.facts.n; i++)
            print_fact(out, r->ps, path, &d, &d.facts.v[i]);
    }
    doc_free(&d);
    text_free(&raw);
    return rc != 0;
}

static int
add_job(void *arg, const char *path)
{
    struct run *r = arg;
    if (r->njobs == r->capjobs) {
        struct job *v = buf_grow_array(r->jobs, &r->capjobs, sizeof *v, 64);
        if (v == NULL)
            return -1;
        r->jobs = v;
    }
    struct job *j = &r->jobs[r->njobs];
    memset(j, 0, sizeof *j);
    if ((j->path = strdup(path)) == NULL)
        return -1;
    r->njobs++;
    return 0;
}

static void *
worker(void *arg)
{
    struct run *r = arg;

    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->next < r->njobs && r->next >= r->printed + r->window)
            pthread_cond_wait(&r->changed, &r->lock);
        if (r->next >= r->njobs)
            break;
        struct job *j = &r->jobs[r->next++];
        pthread_mutex_unlock(&r->lock);

        FILE *out = open_memstream(&j->out, &j->outlen);
        FILE *errs = open_memstream(&j->errs, &j->errlen);
        if (out == NULL || errs == NULL) {
            j->failed = 1;
        } else {
            j->failed = one_input(r, j->path, out, errs);
        }
        if (out != NULL)
            fclose(out);
        if (errs != NULL)
            fclose(errs);
        if (j->out == NULL || j->errs == NULL)
            j->failed = 1;

        pthread_mutex_lock(&r->lock);
        j->done = 1;
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* Run the jobs on nthreads workers and print their results in input order. */
static void
run_parallel(struct run *r, int nthreads)
{
    pthread_t tid[64];
    int started = 0;

    r->next = r->printed = 0;
    r->window = (size_t)nthreads * 8;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&tid[started], NULL, worker, r) == 0)
            started++;
    if (started == 0) {
        /* No threads to be had: work on this one. */
        r->window = r->njobs + 1;
        worker(r);
    }
    for (size_t k = 0; k < r->njobs; k++) {
        struct job *j = &r->jobs[k];
        pthread_mutex_lock(&r->lock);
        while (!j->done)
            pthread_cond_wait(&r->changed, &r->lock);
        pthread_mutex_unlock(&r->lock);
        if (j->errs != NULL)
            fwrite(j->errs, 1, j->errlen, stderr);
        if (j->out != NULL)
            fwrite(j->out, 1, j->outlen, stdout);
        if (j->failed)
            r->failed = 1;
        free(j->out);
        free(j->errs);
        j->out = j->errs = NULL;
        pthread_mutex_lock(&r->lock);
        r->printed = k + 1;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
}

int
extract_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"patterns", required_argument, NULL, 'p'}, {"max-bytes", required_argument, NULL, 'm'},
        {"year", required_argument, NULL, 'y'},     {"charset", required_argument, NULL, 'c'},
        {"jobs", required_argument, NULL, 'j'},     {"explain", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    struct run r = {0};
    const char *dir = NULL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = ncpu < 1 ? 1 : ncpu > 16 ? 16 : (int)ncpu;
    struct err err;
    int c;

    r.max_bytes = DEFAULT_MAX_BYTES;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:m:y:c:j:eh", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            dir = optarg;
            break;
        case 'm':
            if (input_parse_max_bytes("extract", optarg, &r.max_bytes) != 0)
                return 2;
            break;
        case 'y':
            if (input_parse_year("extract", optarg, &r.year) != 0)
                return 2;
            break;
        case 'c':
            r.charset = optarg;
            break;
        case 'e':
            r.explain = 1;
            break;
        case 'j': {
            long n;
            if (input_parse_number("extract", "--jobs", "a number from 1 to 64", optarg, 1, 64,
                                   &n) != 0)
                return 2;
            jobs = (int)n;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        fputs("factd extract: no input (name files, directories, or - for standard input)\n",
              stderr);
        usage(stderr);
        return 2;
    }
    if (dir == NULL)
        dir = input_patterns_dir();
    struct patternset *ps = patternset_load(dir, &err);
    if (ps == NULL) {
        err_print(stderr, &err);
        return 2;
    }
    r.ps = ps;
    for (int i = optind; i < argc; i++)
        if (files_walk(argv[i], input_page_exts, add_job, &r, &err) != 0) {
            if (err.msg[0] == '\0')
                err_set(&err, "out of memory");
            err_print(stderr, &err);
            r.failed = 1;
        }
    if (jobs <= 1 || r.njobs <= 1) {
        /* One at a time, straight to the output. */
        for (size_t k = 0; k < r.njobs; k++)
            if (one_input(&r, r.jobs[k].path, stdout, stderr) != 0)
                r.failed = 1;
    } else {
        run_parallel(&r, jobs);
    }
    for (size_t k = 0; k < r.njobs; k++)
        free(r.jobs[k].path);
    free(r.jobs);
    patternset_free(ps);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "factd extract: error writing output: %s\n", strerror(errno));
        return 1;
    }
    return r.failed ? 1 : 0;
}
