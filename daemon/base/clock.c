/*
 * clock: gmtime_r and strftime, whose numeric fields do not follow the
 * locale, so the text is the same whatever LC_TIME says.
 */
#include "clock.h"

#include <string.h>

int
clock_utc(time_t t, char out[CLOCK_UTC_SIZE])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(out, CLOCK_UTC_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int
clock_parse_utc(const char *s, time_t *out)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof tm);
    if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
        return -1;
    if (*end == '.')
        for (end++; *end >= '0' && *end <= '9'; end++)
            ;
    if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)
        return -1;
    *out = timegm(&tm);
    return 0;
}

double
clock_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double
clock_elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}
