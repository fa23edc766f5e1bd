// SPDX-License-Identifier: MIT
/*
 * SHA-256 and MD5 hex digests through libcrypto's EVP interface.
 */
#include "util/hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"

/* EVP_sha256() makes OpenSSL 3 look the algorithm up on every digest
 * (~8,000 instructions); fetch both once and share them (read-only). */
static EVP_MD *fetched_sha256, *fetched_md5;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_mds(void)
{
    fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    fetched_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
}

static void digest_hex(char *out, const EVP_MD *md, const void *data, size_t len)
{
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, raw, &n, md, NULL))
        xf_die_oom();
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * n] = 0;
}

void xf_sha256_hex(char out[65], const void *data, size_t len)
{
    pthread_once(&fetch_once, fetch_mds);
    digest_hex(out, fetched_sha256 ? fetched_sha256 : EVP_sha256(), data, len);
}

void xf_md5_hex(char out[33], const void *data, size_t len)
{
    pthread_once(&fetch_once, fetch_mds);
    digest_hex(out, fetched_md5 ? fetched_md5 : EVP_md5(), data, len);
}

void xf_uuid4(char out[37])
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1) { /* no entropy source: still unique per process */
        uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        for (int i = 0; i < 16; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r[i] = (unsigned char)(x >> 56);
        }
    }
    r[6] = (r[6] & 0x0f) | 0x40; /* version 4 */
    r[8] = (r[8] & 0x3f) | 0x80; /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
}
