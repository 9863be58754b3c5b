/*
 * log: the daemon's log lines, on stderr, the way journald and a terminal
 * each want them.
 *
 * Under systemd (stderr is the stream JOURNAL_STREAM names) each line starts
 * with a syslog priority, "<4>", which journald turns into the entry's
 * priority; on a terminal with the local time; otherwise (a pipe, a file)
 * with "factd: ".  Lines below the level set are not written.
 */
#ifndef FACTD_LOG_H
#define FACTD_LOG_H

/* syslog's numbers, so "<N>" needs no mapping. */
enum log_level { LOG_ERR = 3, LOG_WARNING = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

/* Look at stderr once (journald, terminal or neither) and set the level. */
void log_init(enum log_level level);

/* The level for "error", "warning", "info" or "debug"; -1 for anything else. */
int log_level_from_name(const char *name);

void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

/* Bytes of a message written whole.  A longer message keeps its first and
 * last LOG_MAX_LINE / 2 bytes (cut at UTF-8 characters) with
 * " [... N bytes cut ...] " between them: the end of a line (a status, an
 * outcome) is never lost, however long the URL before it. */
#define LOG_MAX_LINE 16384

/* One line, with the prefix of the output style; nothing when below the level. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
