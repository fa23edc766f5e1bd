// SPDX-License-Identifier: MIT
/*
 * Digests through libcrypto: SHA-256 for file checksums (as in dbt's
 * manifest) and MD5 for test-name shortening and the SQLite md5() function;
 * random UUIDs from its generator.
 */
#ifndef XF_UTIL_HASH_H
#define XF_UTIL_HASH_H

#include <stddef.h>

/* Lower-case hex digest into out (65 bytes incl. NUL). */
void xf_sha256_hex(char out[65], const void *data, size_t len);
/* Lower-case hex digest into out (33 bytes incl. NUL). */
void xf_md5_hex(char out[33], const void *data, size_t len);
/* A random (version 4) UUID, as dbt's invocation_id, into out (37 bytes incl. NUL). */
void xf_uuid4(char out[37]);

#endif
