/*
 * log: one fprintf per line, so lines from a worker thread and the loop
 * thread never interleave within a line (stdio locks the stream per call).
 * A line is formatted on the stack, or once more into the heap when it is
 * longer; over LOG_MAX_LINE its middle is cut, so its end always shows.
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

/* Back from p[i] to the start of a UTF-8 character, so a cut never leaves
 * half of one. */
static size_t
char_start(const char *p, size_t i)
{
    while (i > 0 && ((unsigned char)p[i] & 0xC0) == 0x80)
        i--;
    return i;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char small[2048], stamp[32] = "", *msg = small, *big = NULL;
    const char *word = level <= LOG_ERR ? "error: " : level == LOG_WARNING ? "warning: " : "";
    const char *cut = "";
    size_t len, head, tail;
    va_list ap;
    int n;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        snprintf(small, sizeof small, "(a log line that could not be formatted: %s)", fmt);
        n = (int)strlen(small);
    }
    len = (size_t)n;
    if (len >= sizeof small) {
        /* Most lines fit on the stack; a long URL does not, and its line
         * must keep its end, which says what happened to it. */
        if ((big = malloc(len + 1)) != NULL) {
            va_start(ap, fmt);
            vsnprintf(big, len + 1, fmt, ap);
            va_end(ap);
            msg = big;
        } else {
            len = sizeof small - 1;
            cut = " [... the rest lost: out of memory]";
        }
    }
    /* Over LOG_MAX_LINE the middle goes, never the end: journald splits
     * lines longer than its LineMax (48 KiB by default) into entries that
     * no longer read as one, and a megabyte of URL helps no one. */
    head = len;
    tail = len;
    if (len > LOG_MAX_LINE) {
        head = char_start(msg, LOG_MAX_LINE / 2);
        tail = char_start(msg, len - LOG_MAX_LINE / 2);
    }
    char marker[64] = "";
    if (tail > head)
        snprintf(marker, sizeof marker, " [... %zu bytes cut ...] ", tail - head);
    switch (style) {
    case STYLE_JOURNAL:
        fprintf(stderr, "<%d>%s%.*s%s%s%s\n", (int)level, word, (int)head, msg, marker, msg + tail,
                cut);
        break;
    case STYLE_TERMINAL: {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(stderr, "%s %s%.*s%s%s%s\n", stamp, word, (int)head, msg, marker, msg + tail, cut);
        break;
    }
    default:
        fprintf(stderr, "factd: %s%.*s%s%s%s\n", word, (int)head, msg, marker, msg + tail, cut);
    }
    free(big);
}
