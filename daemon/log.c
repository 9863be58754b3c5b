/*
 * log: one fprintf per line, so lines from a worker thread and the loop
 * thread never interleave within a line (stdio locks the stream per call).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum log_style { STYLE_PLAIN, STYLE_JOURNAL, STYLE_TERMINAL };

/* Set by the loop thread on a reload, read by the worker's log lines. */
static _Atomic int cur_level = LOG_INFO;
static enum log_style style = STYLE_PLAIN;

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected; it is
 * inherited by children whose stderr may be elsewhere, hence the compare. */
static int
stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(enum log_level level)
{
    cur_level = level;
    style = stderr_is_journal() ? STYLE_JOURNAL : isatty(2) ? STYLE_TERMINAL : STYLE_PLAIN;
}

int
log_level_from_name(const char *name)
{
    static const struct {
        const char *name;
        enum log_level level;
    } names[] = {
        {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"info", LOG_INFO}, {"debug", LOG_DEBUG}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return (int)names[i].level;
    return -1;
}

void
log_set_level(enum log_level level)
{
    cur_level = level;
}

int
log_enabled(enum log_level level)
{
    return (int)level <= cur_level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char msg[2048], stamp[32] = "";
    const char *word = level <= LOG_ERR ? "error: " : level == LOG_WARNING ? "warning: " : "";
    va_list ap;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    switch (style) {
    case STYLE_JOURNAL:
        fprintf(stderr, "<%d>%s%s\n", (int)level, word, msg);
        break;
    case STYLE_TERMINAL: {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(stderr, "%s %s%s\n", stamp, word, msg);
        break;
    }
    default:
        fprintf(stderr, "factd: %s%s\n", word, msg);
    }
}
