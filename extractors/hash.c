/*
 * hash: the 128-bit content hash.  The FNV-1a of hash.h is inline.
 */
#include "hash.h"

#include <stdio.h>

static uint64_t
rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t
fmix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void
hash_128(const void *data, size_t len, uint64_t out[2])
{
    /*
     * Two 64-bit lanes fed eight bytes at a time, then mixed together: fast
     * on whole pages (a byte-wise FNV was 4% of a replay), and 128 bits, so
     * that page contents and fact identities do not collide by chance.  It is
     * part of the store's format: stored hashes and identities are made with
     * it, so changing it needs a migration that computes them again.
     */
    const unsigned char *p = data;
    uint64_t h1 = 0x9368e53c2f6af274ULL ^ len, h2 = 0x586dcd208f7cd3fdULL ^ len, w;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        h1 = rotl64((h1 ^ w) * 0x87c37b91114253d5ULL, 31) + h2;
        h2 = rotl64((h2 + w) * 0x4cf5ad432745937fULL, 33) ^ h1;
    }
    w = 0;
    if (len > i)
        memcpy(&w, p + i, len - i);
    h1 = rotl64((h1 ^ w) * 0x87c37b91114253d5ULL, 31) + h2;
    h2 = rotl64((h2 + w) * 0x4cf5ad432745937fULL, 33) ^ h1;
    h1 = fmix64(h1 + h2);
    h2 = fmix64(h2 ^ h1);
    out[0] = h1;
    out[1] = h2;
}

void
hash_hex128(const void *data, size_t len, char out[33])
{
    uint64_t h[2];
    hash_128(data, len, h);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
}
