// SPDX-License-Identifier: MIT
/*
 * The schema name rule of target.h, shared by the profile reader, the
 * engine's relation naming and the adapters.
 */
#include "parser/target.h"

#include <string.h>

bool xf_schema_name_ok(const char *s)
{
    if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '/' || *p == '\\' || *p == '"' || *p == '\'' || *p == '`' || *p < 0x20 ||
            *p == 0x7f)
            return false;
    return true;
}
