/*
 * hash: factd's two hashes.
 *
 * FNV-1a, 64 bits, inline: the hash tables of URLs (frontier, links) and the
 * pattern set's fingerprint.  Fast on short strings and spread well enough
 * for tables of URLs; not for anything an attacker picks to collide.
 *
 * hash_128(): page contents (page_hash()), pattern set ids and fact
 * identities in the store, where 128 bits keep chance collisions out.  It is
 * part of the store's format: changing it needs a migration.
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

/* 128 bits of len bytes of data, as two words. */
void hash_128(const void *data, size_t len, uint64_t out[2]);

/* The same as 32 lower-case hex digits, into out[33]. */
void hash_hex128(const void *data, size_t len, char out[33]);

#endif
