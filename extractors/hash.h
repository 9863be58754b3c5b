/*
 * hash: FNV-1a, 64 bits: the hash tables of URLs (frontier, links) and the
 * pattern set's fingerprint.  Fast on short strings and spread well enough
 * for tables of URLs; not for anything an attacker picks to collide, and not
 * the store's content hash (store_hash(), 128 bits).
 */
#ifndef FACTD_HASH_H
#define FACTD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_FNV1A_START 0xcbf29ce484222325ULL

/* Going on from h (HASH_FNV1A_START to begin) over len bytes of data. */
static inline uint64_t
hash_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* Of a NUL-ended string. */
static inline uint64_t
hash_fnv1a_str(const char *s)
{
    return hash_fnv1a(HASH_FNV1A_START, s, strlen(s));
}

#endif
