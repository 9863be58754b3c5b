/*
 * clock: the one form factd writes times in, wherever they are kept or
 * shown (the store, WARC-Date, factd status): ISO 8601 in UTC, to the
 * second, "2024-03-01T10:00:00Z", which sorts as text and reads the same in
 * SQL, JSON and a WARC header.  Logs on a terminal keep local time (log.c).
 * And the two clock readings the daemon computes with: now, and between.
 */
#ifndef FACTD_CLOCK_H
#define FACTD_CLOCK_H

#include <time.h>

#define CLOCK_UTC_SIZE 32 /* room for any year gmtime takes */

/* t into out; 0, or -1 (out "") for a time gmtime cannot take. */
int clock_utc(time_t t, char out[CLOCK_UTC_SIZE]);

/* The reverse for the same form, and for the fractions of a second and
 * "+00:00" that WARC-Date may carry: 0, or -1 for anything else. */
int clock_parse_utc(const char *s, time_t *out);

/* The time now, in seconds since the epoch (CLOCK_REALTIME): what the
 * frontier's next_fetch counts in. */
double clock_now(void);

/* Seconds from a to b. */
double clock_elapsed(const struct timespec *a, const struct timespec *b);

#endif
