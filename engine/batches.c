// SPDX-License-Identifier: MIT
/*
 * The times of microbatch models: ISO dates and times read as UTC seconds,
 * batch boundaries (hour, day, month, year) computed in C, and the batch
 * a render sees as model.batch. Below both the model's build
 * (microbatch.c) and the Jinja context (context.c), which both use it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/internal.h"

const char *const xf_grain_names[] = {"hour", "day", "month", "year", NULL};

/* ---- UTC times ---- */

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

int xf_microbatch_parse_time(const char *text, long long *out)
{
    const char *p = text;
    while (*p == ' ')
        p++;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
        digits(&p, 2, &d) < 0)
        return -1;
    long offset = 0;
    if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
        p++;
        if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec) < 0)
                return -1;
            if (*p == '.') /* fractions of a second: batches start on whole seconds */
                for (p++; isdigit((unsigned char)*p); p++)
                    ;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
            if (digits(&p, 2, &oh) < 0)
                return -1;
            if (*p == ':')
                p++;
            if (isdigit((unsigned char)*p) && digits(&p, 2, &om) < 0)
                return -1;
            offset = sign * (oh * 3600L + om * 60L);
        }
    }
    while (*p == ' ')
        p++;
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    if (tm.tm_mday != d) /* 2024-02-30 rolled over into March */
        return -1;
    *out = (long long)t - offset;
    return 0;
}

long long xf_grain_trunc(long long t, enum xf_grain g)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    tm.tm_sec = tm.tm_min = 0;
    if (g >= XF_GRAIN_DAY)
        tm.tm_hour = 0;
    if (g >= XF_GRAIN_MONTH)
        tm.tm_mday = 1;
    if (g >= XF_GRAIN_YEAR)
        tm.tm_mon = 0;
    return (long long)timegm(&tm);
}

/* t (at a batch start) moved by k batches. */
long long xf_grain_add(long long t, enum xf_grain g, int k)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    switch (g) {
    case XF_GRAIN_HOUR:
        return t + 3600LL * k;
    case XF_GRAIN_DAY:
        tm.tm_mday += k;
        break;
    case XF_GRAIN_MONTH:
        tm.tm_mon += k;
        break;
    case XF_GRAIN_YEAR:
        tm.tm_year += k;
        break;
    }
    return (long long)timegm(&tm);
}

/* "YYYY-MM-DD HH:MM:SS" (UTC) into out (20 bytes). */
void xf_utc_text(char *out, long long t, char sep)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    /* years past 9999 do not fit dbt's format: the text is cut at 19 characters, on purpose */
    char full[64];
    snprintf(full, sizeof full, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(out, full, 19);
    out[19] = 0;
}

void xf_mb_batch_init(struct xf_mb_batch *b, struct xf_arena *a, long long start, long long end,
                      enum xf_grain g)
{
    char t[20];
    xf_utc_text(t, start, ' ');
    if (g != XF_GRAIN_HOUR)
        t[10] = 0; /* dbt's batch id: the start's date, with the time for hourly batches */
    b->start = start;
    b->end = end;
    b->id = xf_arena_strdup(a, t);
    b->value = xf_v_dict(a, 4);
    xf_dict_set(a, b->value.u.d, XF_STR("id"), xf_v_strc(b->id));
    xf_dict_set(a, b->value.u.d, XF_STR("event_time_start"),
                xf_jinja_datetime_utc(a, (double)start));
    xf_dict_set(a, b->value.u.d, XF_STR("event_time_end"), xf_jinja_datetime_utc(a, (double)end));
}

int xf_grain_of(const char *name, enum xf_grain *out)
{
    for (size_t k = 0; name && xf_grain_names[k]; k++) {
        if (!strcasecmp(name, xf_grain_names[k])) {
            *out = (enum xf_grain)k;
            return 0;
        }
    }
    return -1;
}

bool xf_mb_placeholder(const struct xf_node *n, struct xf_arena *a, struct xf_mb_batch *out)
{
    const char *strat = xf_node_config_str(n, "incremental_strategy", NULL);
    const struct xf_value *bv = xf_node_config(n, "begin");
    enum xf_grain g;
    long long begin;
    if (!strat || strcmp(strat, "microbatch") ||
        xf_grain_of(xf_node_config_str(n, "batch_size", NULL), &g) < 0 || !bv)
        return false;
    struct xf_buf b = XF_BUF_INIT;
    if (bv->t == XF_V_STR)
        xf_buf_add(&b, bv->u.s.p, bv->u.s.len);
    else
        xf_value_str(&b, bv);
    int e = xf_microbatch_parse_time(b.ptr, &begin);
    xf_buf_release(&b);
    if (e < 0)
        return false;
    long long start = xf_grain_trunc(begin, g);
    xf_mb_batch_init(out, a, start, xf_grain_add(start, g, 1), g);
    return true;
}
