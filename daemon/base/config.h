/*
 * config: read factd.conf into an immutable struct config.
 *
 * The file is INI: a [factd] section and one [source NAME] section per site,
 * "key = value" lines, comment lines starting with # or ;, and indented lines
 * that continue the value above (for long start_url lists).  The key names
 * are a contract with operators (docs: factd.conf in README.md); an unknown
 * key, section or value is an error.  Every error is reported, each as
 * FILE:LINE: message, not just the first.
 *
 * Debian 12's inih would do the reading, but it cuts lines at 200 bytes
 * (silently turning the rest of a start_url list into bogus keys) and gives
 * its handler no line numbers; this reader is a hundred lines.
 */
#ifndef FACTD_CONFIG_H
#define FACTD_CONFIG_H

#include <stddef.h>

#include "err.h"

struct config_source {
    char *name;        /* From [source NAME]. */
    unsigned line;     /* Line of its section header. */
    char **start_urls; /* start_url, split at white space. */
    size_t nstart_urls;
    char *link_pattern;   /* PCRE2, searched in each link's absolute URL. */
    char *next_pattern;   /* PCRE2 for further list pages, or NULL. */
    char **allowed_hosts; /* allowed_hosts; default: the start URLs' hosts. */
    size_t nallowed_hosts;
    long interval_s;   /* interval, in seconds. */
    char *charset;     /* charset override, or NULL. */
    int year;          /* the year a page speaks from when it does not say (今年); 0: none */
    char *region;      /* the place it is, as written (天津市红桥区), or NULL */
    char *region_code; /* its GB/T 2260 code, six digits (120106), or NULL */
    char *level;       /* province, city, district, county or ministry, or NULL */
};

/* All strings are from malloc() and owned by the config; config_free() frees them. */
struct config {
    char *file;               /* The file read. */
    char *db;                 /* The SQLite store. */
    char *archive_dir;        /* Where fetched pages are archived (WARC). */
    char *patterns_dir;       /* The pattern files. */
    char *user_agent;         /* User-Agent of every request. */
    char *metrics_listen;     /* ADDRESS:PORT of the metrics endpoint, "" for none. */
    char *log_level;          /* error, warning, info or debug. */
    int max_connections;      /* Transfers at once, in all. */
    int max_host_connections; /* Transfers at once to one host. */
    double host_delay;        /* Seconds between requests to one host. */
    double timeout;           /* Seconds per transfer. */
    double connect_timeout;   /* Seconds to connect. */
    size_t max_page_bytes;    /* A page larger than this is refused. */
    int busy_timeout_ms;      /* How long a write waits for another writer of the store. */
    struct config_source *sources;
    size_t nsources;
};

/* Called for each error found. */
typedef void (*config_error_fn)(void *arg, const struct err *e);

/*
 * Read path.  Every error goes to report (which may be NULL); the result is
 * NULL when there was any.  default_patterns is patterns_dir's default.
 */
struct config *config_load(const char *path, const char *default_patterns, config_error_fn report,
                           void *arg);

/* The same for a file's text, named name in messages (tests, fuzzing). */
struct config *config_parse(const char *name, const char *data, size_t len,
                            const char *default_patterns, config_error_fn report, void *arg);

void config_free(struct config *c);

/* Is code six digits (a GB/T 2260 administrative division code)?  Is level
 * one of province, city, district, county, ministry?  (replay's options
 * take the same values as a source's keys.) */
int config_region_code_ok(const char *code);
int config_level_ok(const char *level);

#endif
