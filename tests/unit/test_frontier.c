/*
 * test_frontier: the in-memory frontier against a plain array kept beside
 * it: every URL found after the table grows many times, entries leave the
 * heap in order of next_fetch after random rescheduling and removals, and
 * the due count and the walk over all entries agree with the array.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frontier.h"

#define N 20000

static unsigned long long rng = 88172645463325252ULL;

static unsigned
next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

int
main(void)
{
    static struct frontier_entry *all[N];
    char url[64];
    struct frontier *f = frontier_new();
    CHECK(f != NULL);
    CHECK(frontier_next(f) == NULL);
    CHECK(frontier_pop(f) == NULL);

    for (int i = 0; i < N; i++) {
        snprintf(url, sizeof url, "http://h%d.example/t2024_%d.html", i % 7, i);
        all[i] = frontier_add(f, url, i % 3, i % 2 ? FRONTIER_ARTICLE : FRONTIER_LIST);
        CHECK(all[i] != NULL);
        all[i]->next_fetch = (double)(next_rand() % 100000);
        CHECK(frontier_schedule(f, all[i]) == 0);
    }
    CHECK(frontier_count(f) == N);
    CHECK(frontier_scheduled(f) == N);
    int found = 0;
    for (int i = 0; i < N; i++) {
        snprintf(url, sizeof url, "http://h%d.example/t2024_%d.html", i % 7, i);
        found += frontier_find(f, url) == all[i];
    }
    CHECK(found == N);
    CHECK(frontier_find(f, "http://nowhere.example/") == NULL);

    /* Move some, take some out, then check the order they come out in. */
    for (int i = 0; i < N; i += 3) {
        all[i]->next_fetch = (double)(next_rand() % 100000);
        CHECK(frontier_schedule(f, all[i]) == 0);
    }
    size_t removed = 0;
    for (int i = 1; i < N; i += 5) {
        frontier_unschedule(f, all[i]);
        CHECK(all[i]->heap_at == -1);
        removed++;
    }
    frontier_unschedule(f, all[1]); /* twice is harmless */
    CHECK(frontier_scheduled(f) == N - removed);
    size_t due = 0;
    for (int i = 0; i < N; i++)
        due += all[i]->heap_at >= 0 && all[i]->next_fetch <= 50000;
    CHECK(frontier_due(f, 50000) == due);

    size_t seen = 0, pos = 0;
    while (frontier_each(f, &pos) != NULL)
        seen++;
    CHECK(seen == N);

    double last = -1;
    int ordered = 1;
    size_t popped = 0;
    struct frontier_entry *e;
    while ((e = frontier_pop(f)) != NULL) {
        ordered &= e->next_fetch >= last && e->heap_at == -1;
        last = e->next_fetch;
        popped++;
    }
    CHECK(ordered);
    CHECK(popped == N - removed);
    CHECK(frontier_scheduled(f) == 0);
    CHECK(frontier_count(f) == N); /* out of the schedule, still known */

    /* Strings the caller set are freed with the frontier (valgrind). */
    all[0]->etag = strdup("\"abc\"");
    all[0]->hash = strdup("0123");
    frontier_free(f);
    frontier_free(NULL);
    return check_done("frontier");
}
