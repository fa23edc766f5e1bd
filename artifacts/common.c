// SPDX-License-Identifier: MIT
/*
 * Shared pieces of the artifact writers: dbt-style time stamps (formatted
 * by hand: run_results has four a node), the common metadata block and
 * JSON strings repaired when they are not UTF-8.
 */
#include "artifacts/common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

static char *two(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

void xf_artifacts_iso8601_cached(struct xf_iso8601_cache *c, char out[96], double t)
{
    if (!(t >= 0) || !isfinite(t))
        t = 0;
    time_t secs = (time_t)t;
    int usec = (int)lround((t - (double)secs) * 1e6);
    if (usec >= 1000000) {
        secs++;
        usec -= 1000000;
    }
    if (secs >= 253402300800) { /* year 10000 and later: the slow general way */
        struct tm tm;
        gmtime_r(&secs, &tm);
        snprintf(out, 96, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
        return;
    }
    if ((long long)secs != c->secs) {
        /* days to a civil date (H. Hinnant's algorithm) */
        long long s = (long long)secs, z = s / 86400 + 719468;
        unsigned sod = (unsigned)(s % 86400);
        unsigned era = (unsigned)(z / 146097), doe = (unsigned)(z - (long long)era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
        unsigned day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
        unsigned year = yoe + era * 400 + (month <= 2);
        char *o = c->head;
        o = two(o, year / 100);
        o = two(o, year % 100);
        *o++ = '-';
        o = two(o, month);
        *o++ = '-';
        o = two(o, day);
        *o++ = 'T';
        o = two(o, sod / 3600);
        *o++ = ':';
        o = two(o, sod / 60 % 60);
        *o++ = ':';
        two(o, sod % 60);
        c->secs = (long long)secs;
    }
    memcpy(out, c->head, 19);
    char *o = out + 19;
    *o++ = '.';
    unsigned u = (unsigned)usec;
    o = two(o, u / 10000);
    o = two(o, u / 100 % 100);
    o = two(o, u % 100);
    *o++ = 'Z';
    *o = '\0';
}

void xf_artifacts_iso8601(char out[96], double t)
{
    struct xf_iso8601_cache c = XF_ISO8601_CACHE_INIT;
    xf_artifacts_iso8601_cached(&c, out, t);
}

double xf_artifacts_parse_time(const char *iso, double def)
{
    if (!iso)
        return def;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return def;
    double frac = 0;
    if (*rest == '.') {
        char *end;
        frac = strtod(rest, &end);
    }
    return (double)timegm(&tm) + frac;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *xf_artifacts_metadata(const char *schema_url, const struct xf_invocation *inv)
{
    static const char prefix[] = "DBT_ENV_CUSTOM_ENV_";
    json_t *m = json_object();
    json_object_set_new_nocheck(m, "dbt_schema_version", json_string(schema_url));
    json_object_set_new_nocheck(m, "dbt_version", json_string(XF_VERSION));
    json_object_set_new_nocheck(m, "generated_at", xf_artifacts_str(inv->generated_at));
    json_object_set_new_nocheck(m, "invocation_id", xf_artifacts_str(inv->invocation_id));
    json_t *env = json_object();
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n += strncmp(*e, prefix, sizeof prefix - 1) == 0;
    if (n) {
        const char **vars = xf_malloc(n * sizeof *vars);
        size_t k = 0;
        for (char **e = environ; e && *e && k < n; e++)
            if (strncmp(*e, prefix, sizeof prefix - 1) == 0)
                vars[k++] = *e + sizeof prefix - 1;
        qsort(vars, k, sizeof *vars, cmp_str);
        for (size_t i = 0; i < k; i++) {
            const char *eq = strchr(vars[i], '=');
            if (!eq || eq == vars[i])
                continue;
            char *key = xf_strndup(vars[i], (size_t)(eq - vars[i]));
            json_t *v = xf_artifacts_str(eq + 1);
            if (json_object_set_new(env, key, v) < 0) /* a key that is not UTF-8 */
                json_decref(v);
            free(key);
        }
        free(vars);
    }
    json_object_set_new_nocheck(m, "env", env);
    return m;
}

json_t *xf_artifacts_strn(const char *s, size_t len)
{
    if (!s)
        return json_null();
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    /* not UTF-8: keep the valid sequences, replace each bad byte */
    struct xf_buf b = XF_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t need = p[i] < 0x80             ? 1
                      : (p[i] & 0xe0) == 0xc0 ? 2
                      : (p[i] & 0xf0) == 0xe0 ? 3
                      : (p[i] & 0xf8) == 0xf0 ? 4
                                              : 0;
        bool ok = need && i + need <= len; /* NUL is valid: written \u0000 */
        for (size_t k = 1; ok && k < need; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && need > 1) {
            json_t *t = json_stringn(s + i, need); /* overlong forms and surrogates */
            ok = t != NULL;
            json_decref(t);
        }
        if (ok) {
            xf_buf_add(&b, s + i, need);
            i += need;
        } else {
            xf_buf_adds(&b, "\xef\xbf\xbd");
            i++;
        }
    }
    j = json_stringn(b.ptr, b.len);
    xf_buf_release(&b);
    return j ? j : json_string("");
}

json_t *xf_artifacts_str(const char *s)
{
    return s ? xf_artifacts_strn(s, strlen(s)) : json_null();
}
