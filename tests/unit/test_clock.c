/*
 * test_clock: the one time form (clock_utc()) and its reverse
 * (clock_parse_utc(), for WARC-Date): known instants, the forms WARC-Date
 * may take, what is refused, and the round trip.
 */
#include <time.h>

#include "check.h"
#include "clock.h"

static void
test_utc(void)
{
    char out[CLOCK_UTC_SIZE];

    CHECK(clock_utc(0, out) == 0);
    CHECK_STR(out, "1970-01-01T00:00:00Z");
    CHECK(clock_utc(1709287200, out) == 0);
    CHECK_STR(out, "2024-03-01T10:00:00Z");
    /* 2024 is a leap year: the day after 28 February is the 29th. */
    CHECK(clock_utc(1709164800, out) == 0);
    CHECK_STR(out, "2024-02-29T00:00:00Z");
}

static void
test_parse(void)
{
    time_t t = 1;

    CHECK(clock_parse_utc("2024-03-01T10:00:00Z", &t) == 0);
    CHECK(t == 1709287200);
    CHECK(clock_parse_utc("1970-01-01T00:00:00Z", &t) == 0);
    CHECK(t == 0);
    /* WARC 1.1 allows fractions of a second; other writers say +00:00. */
    CHECK(clock_parse_utc("2024-03-01T10:00:00.123456Z", &t) == 0);
    CHECK(t == 1709287200);
    CHECK(clock_parse_utc("2024-03-01T10:00:00+00:00", &t) == 0);
    CHECK(t == 1709287200);

    t = 42;
    CHECK(clock_parse_utc("2024-03-01T10:00:00", &t) == -1);       /* no zone */
    CHECK(clock_parse_utc("2024-03-01T10:00:00+08:00", &t) == -1); /* not UTC */
    CHECK(clock_parse_utc("2024-03-01 10:00:00Z", &t) == -1);
    CHECK(clock_parse_utc("2024-03-01", &t) == -1);
    CHECK(clock_parse_utc("", &t) == -1);
    CHECK(clock_parse_utc(NULL, &t) == -1);
    CHECK(clock_parse_utc("2024-03-01T10:00:00Zjunk", &t) == -1);
    CHECK(t == 42); /* untouched when refused */
}

static void
test_round_trip(void)
{
    static const time_t instants[] = {0, 86399, 951782400, 1709287200, 4102444799};
    char out[CLOCK_UTC_SIZE];

    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        time_t back = -1;
        CHECK(clock_utc(instants[i], out) == 0);
        CHECK(clock_parse_utc(out, &back) == 0);
        CHECK(back == instants[i]);
    }
}

int
main(void)
{
    test_utc();
    test_parse();
    test_round_trip();
    return check_done("test_clock");
}
