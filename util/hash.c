// SPDX-License-Identifier: MIT
/*
 * SHA-256 and MD5 hex digests through libcrypto's EVP interface.
 */
#include "util/hash.h"

#include <openssl/evp.h>
#include <pthread.h>

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
