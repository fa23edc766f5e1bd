// SPDX-License-Identifier: MIT
/*
 * SHA-256 and MD5 hex digests through libcrypto's EVP interface.
 */
#include "util/hash.h"

#include <openssl/evp.h>

#include "util/buf.h"

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
    digest_hex(out, EVP_sha256(), data, len);
}

void xf_md5_hex(char out[33], const void *data, size_t len)
{
    digest_hex(out, EVP_md5(), data, len);
}
