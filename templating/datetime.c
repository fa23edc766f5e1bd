// SPDX-License-Identifier: MIT
/*
 * modules.datetime: the parts of Python's datetime module templates use
 * (datetime, date, timedelta; now/utcnow/today, strftime, isoformat,
 * arithmetic and comparison). Times are naive, held as microseconds since
 * 1970-01-01 on the proleptic Gregorian calendar; "aware" only marks UTC.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "templating/internal.h"

#define NATIVE(name)                                                                               \
    static int name(struct xf_value *out, struct xf_render *r, const struct xf_func *self,         \
                    const struct xf_args *args)

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

struct dt {
    int64_t us;
    bool date_only;
    bool utc;
};

struct td {
    int64_t us;
};

static const struct xf_obj_ops dt_ops, td_ops;

/* ---- calendar ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

struct parts {
    int64_t year;
    unsigned month, day, hour, minute, second, micro, wday, yday;
};

static void split(int64_t us, struct parts *p)
{
    int64_t days = floor_div(us, US_PER_DAY);
    int64_t rem = us - days * US_PER_DAY;
    civil_from_days(days, &p->year, &p->month, &p->day);
    p->hour = (unsigned)(rem / (3600 * US_PER_SEC));
    p->minute = (unsigned)(rem / (60 * US_PER_SEC) % 60);
    p->second = (unsigned)(rem / US_PER_SEC % 60);
    p->micro = (unsigned)(rem % US_PER_SEC);
    p->wday = (unsigned)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
    p->yday = (unsigned)(days - days_from_civil(p->year, 1, 1));
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

static int make_us(struct xf_render *r, int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi,
                   int64_t s, int64_t us, int64_t *out)
{
    if (y < 1 || y > 9999)
        return xf_render_error(r, "year %lld is out of range", (long long)y);
    if (mo < 1 || mo > 12)
        return xf_render_error(r, "month must be in 1..12");
    if (d < 1 || d > (int64_t)month_days(y, (unsigned)mo))
        return xf_render_error(r, "day is out of range for month");
    if (h < 0 || h > 23)
        return xf_render_error(r, "hour must be in 0..23");
    if (mi < 0 || mi > 59)
        return xf_render_error(r, "minute must be in 0..59");
    if (s < 0 || s > 59)
        return xf_render_error(r, "second must be in 0..59");
    if (us < 0 || us > 999999)
        return xf_render_error(r, "microsecond must be in 0..999999");
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * US_PER_DAY +
           ((h * 60 + mi) * 60 + s) * US_PER_SEC + us;
    return 0;
}

static struct xf_value dt_value(struct xf_arena *a, int64_t us, bool date_only, bool utc)
{
    struct dt *d = XF_ANEW(a, struct dt);
    d->us = date_only ? floor_div(us, US_PER_DAY) * US_PER_DAY : us;
    d->date_only = date_only;
    d->utc = utc;
    struct xf_obj *o = XF_ANEW(a, struct xf_obj);
    o->ops = &dt_ops;
    o->data = d;
    return xf_v_obj(o);
}

static struct xf_value td_value(struct xf_arena *a, int64_t us)
{
    struct td *t = XF_ANEW(a, struct td);
    t->us = us;
    struct xf_obj *o = XF_ANEW(a, struct xf_obj);
    o->ops = &td_ops;
    o->data = t;
    return xf_v_obj(o);
}

static const struct dt *as_dt(const struct xf_value *v)
{
    return v->t == XF_V_OBJ && v->u.o->ops == &dt_ops ? v->u.o->data : NULL;
}

static const struct td *as_td(const struct xf_value *v)
{
    return v->t == XF_V_OBJ && v->u.o->ops == &td_ops ? v->u.o->data : NULL;
}

/* ---- string forms ---- */

static void dt_text(struct xf_buf *out, const struct dt *d, char sep)
{
    struct parts p;
    split(d->us, &p);
    xf_buf_addf(out, "%04" PRId64 "-%02u-%02u", p.year, p.month, p.day);
    if (d->date_only)
        return;
    xf_buf_addf(out, "%c%02u:%02u:%02u", sep, p.hour, p.minute, p.second);
    if (p.micro)
        xf_buf_addf(out, ".%06u", p.micro);
    if (d->utc)
        xf_buf_adds(out, "+00:00");
}

static void dt_str(struct xf_buf *out, const struct xf_obj *o)
{
    dt_text(out, o->data, ' ');
}

static void td_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct td *t = o->data;
    int64_t days = floor_div(t->us, US_PER_DAY);
    int64_t rem = t->us - days * US_PER_DAY;
    int64_t secs = rem / US_PER_SEC, micro = rem % US_PER_SEC;
    if (days)
        xf_buf_addf(out, "%" PRId64 " day%s, ", days, days == 1 || days == -1 ? "" : "s");
    xf_buf_addf(out, "%" PRId64 ":%02" PRId64 ":%02" PRId64, secs / 3600, secs / 60 % 60,
                secs % 60);
    if (micro)
        xf_buf_addf(out, ".%06" PRId64, micro);
}

/* ---- instance methods ---- */

static const struct dt *self_dt(const struct xf_func *self)
{
    return ((const struct xf_obj *)self->data)->data;
}

NATIVE(dt_strftime)
{
    const struct dt *d = self_dt(self);
    const struct xf_value *f = xf_arg(args, 0, "format");
    if (!f || f->t != XF_V_STR)
        return xf_render_error(r, "strftime() needs a format string");
    struct parts p;
    split(d->us, &p);
    /* %f, %z and %Z are done here; the rest by the C library */
    struct xf_buf fmt = XF_BUF_INIT;
    for (size_t i = 0; i < f->u.s.len; i++) {
        char c = f->u.s.p[i];
        if (c == '%' && i + 1 < f->u.s.len) {
            char n = f->u.s.p[i + 1];
            if (n == 'f') {
                xf_buf_addf(&fmt, "%06u", p.micro);
                i++;
                continue;
            }
            if (n == 'z' || n == 'Z') {
                if (d->utc)
                    xf_buf_adds(&fmt, n == 'z' ? "+0000" : "UTC");
                i++;
                continue;
            }
            xf_buf_addch(&fmt, c);
            xf_buf_addch(&fmt, n);
            i++;
            continue;
        }
        xf_buf_addch(&fmt, c);
    }
    struct tm tm = {0};
    tm.tm_year = (int)(p.year - 1900);
    tm.tm_mon = (int)p.month - 1;
    tm.tm_mday = (int)p.day;
    tm.tm_hour = (int)p.hour;
    tm.tm_min = (int)p.minute;
    tm.tm_sec = (int)p.second;
    tm.tm_wday = (int)p.wday;
    tm.tm_yday = (int)p.yday;
    size_t cap = fmt.len * 4 + 64;
    char *buf = xf_arena_alloc(r->a, cap);
    size_t n = fmt.len ? strftime(buf, cap, fmt.ptr, &tm) : 0;
    buf[n] = 0;
    xf_buf_release(&fmt);
    *out = xf_v_str(xf_str_n(buf, n));
    return 0;
}

NATIVE(dt_isoformat)
{
    const struct dt *d = self_dt(self);
    const struct xf_value *sep = xf_arg(args, 0, "sep");
    char s = sep && sep->t == XF_V_STR && sep->u.s.len ? sep->u.s.p[0] : 'T';
    size_t mark = r->out->len;
    dt_text(r->out, d, s);
    size_t n = r->out->len - mark;
    *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, n), n));
    xf_buf_setlen(r->out, mark);
    return 0;
}

NATIVE(dt_date)
{
    (void)args;
    const struct dt *d = self_dt(self);
    *out = dt_value(r->a, d->us, true, false);
    return 0;
}

NATIVE(dt_timestamp)
{
    (void)args;
    (void)r;
    *out = xf_v_float((double)self_dt(self)->us / 1e6);
    return 0;
}

NATIVE(dt_weekday)
{
    (void)args;
    (void)r;
    struct parts p;
    split(self_dt(self)->us, &p);
    *out = xf_v_int((p.wday + 6) % 7);
    return 0;
}

NATIVE(dt_isoweekday)
{
    (void)args;
    (void)r;
    struct parts p;
    split(self_dt(self)->us, &p);
    *out = xf_v_int(p.wday == 0 ? 7 : p.wday);
    return 0;
}

static int int_kw(struct xf_render *r, const struct xf_args *args, size_t pos, const char *name,
                  int64_t def, int64_t *out)
{
    const struct xf_value *v = xf_arg(args, pos, name);
    if (!v || v->t == XF_V_NONE) {
        *out = def;
        return 0;
    }
    if (v->t != XF_V_INT && v->t != XF_V_BOOL)
        return xf_render_error(r, "'%s' must be an integer, not '%s'", name, xf_tpl_py_tname(v));
    *out = v->t == XF_V_INT ? v->u.i : v->u.b;
    return 0;
}

NATIVE(dt_replace)
{
    const struct dt *d = self_dt(self);
    struct parts p;
    split(d->us, &p);
    int64_t y = 0, mo = 0, da = 0, h = 0, mi = 0, s = 0, us = 0;
    if (int_kw(r, args, 0, "year", p.year, &y) < 0 ||
        int_kw(r, args, 1, "month", p.month, &mo) < 0 ||
        int_kw(r, args, 2, "day", p.day, &da) < 0 || int_kw(r, args, 3, "hour", p.hour, &h) < 0 ||
        int_kw(r, args, 4, "minute", p.minute, &mi) < 0 ||
        int_kw(r, args, 5, "second", p.second, &s) < 0 ||
        int_kw(r, args, 6, "microsecond", p.micro, &us) < 0)
        return -1;
    int64_t t = 0;
    if (make_us(r, y, mo, da, h, mi, s, us, &t) < 0)
        return -1;
    *out = dt_value(r->a, t, d->date_only, d->utc);
    return 0;
}

static int dt_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                      struct xf_str name)
{
    const struct dt *d = o->data;
    struct parts p;
    split(d->us, &p);
    static const struct class_method ms[] = {
        {"strftime", dt_strftime}, {"isoformat", dt_isoformat},
        {"date", dt_date},         {"timestamp", dt_timestamp},
        {"weekday", dt_weekday},   {"isoweekday", dt_isoweekday},
        {"replace", dt_replace},   {NULL, NULL},
    };
    for (const struct class_method *c = ms; c->name; c++) {
        if (xf_str_eqc(name, c->name)) {
            *out = xf_tpl_obj_method(r, o, c->fn, c->name);
            return 0;
        }
    }
    if (xf_str_eqc(name, "year"))
        *out = xf_v_int(p.year);
    else if (xf_str_eqc(name, "month"))
        *out = xf_v_int(p.month);
    else if (xf_str_eqc(name, "day"))
        *out = xf_v_int(p.day);
    else if (!d->date_only && xf_str_eqc(name, "hour"))
        *out = xf_v_int(p.hour);
    else if (!d->date_only && xf_str_eqc(name, "minute"))
        *out = xf_v_int(p.minute);
    else if (!d->date_only && xf_str_eqc(name, "second"))
        *out = xf_v_int(p.second);
    else if (!d->date_only && xf_str_eqc(name, "microsecond"))
        *out = xf_v_int(p.micro);
    else if (!d->date_only && xf_str_eqc(name, "tzinfo"))
        *out = d->utc ? xf_v_strc("UTC") : xf_v_none();
    else
        return 1;
    return 0;
}

static const struct xf_obj_ops dt_ops = {
    .type_name = "datetime", .getattr = dt_getattr, .str = dt_str};

NATIVE(td_total_seconds)
{
    (void)args;
    (void)r;
    const struct td *t = ((const struct xf_obj *)self->data)->data;
    *out = xf_v_float((double)t->us / 1e6);
    return 0;
}

static int td_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                      struct xf_str name)
{
    const struct td *t = o->data;
    int64_t days = floor_div(t->us, US_PER_DAY), rem = t->us - days * US_PER_DAY;
    if (xf_str_eqc(name, "days"))
        *out = xf_v_int(days);
    else if (xf_str_eqc(name, "seconds"))
        *out = xf_v_int(rem / US_PER_SEC);
    else if (xf_str_eqc(name, "microseconds"))
        *out = xf_v_int(rem % US_PER_SEC);
    else if (xf_str_eqc(name, "total_seconds"))
        *out = xf_tpl_obj_method(r, o, td_total_seconds, "total_seconds");
    else
        return 1;
    return 0;
}

static const struct xf_obj_ops td_ops = {
    .type_name = "timedelta", .getattr = td_getattr, .str = td_str};

/* ---- constructors and class methods ---- */

static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * US_PER_SEC + tv.tv_usec;
}

static int64_t local_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = tv.tv_sec;
    struct tm tm;
    localtime_r(&t, &tm);
    return (days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) *
                86400 +
            tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) *
               US_PER_SEC +
           tv.tv_usec;
}

NATIVE(c_datetime)
{
    (void)self;
    int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, us = 0, t;
    if (int_kw(r, args, 0, "year", -1, &y) < 0 || int_kw(r, args, 1, "month", -1, &mo) < 0 ||
        int_kw(r, args, 2, "day", -1, &d) < 0 || int_kw(r, args, 3, "hour", 0, &h) < 0 ||
        int_kw(r, args, 4, "minute", 0, &mi) < 0 || int_kw(r, args, 5, "second", 0, &s) < 0 ||
        int_kw(r, args, 6, "microsecond", 0, &us) < 0)
        return -1;
    if (y < 0 || mo < 0 || d < 0)
        return xf_render_error(r, "datetime() needs a year, a month and a day");
    if (make_us(r, y, mo, d, h, mi, s, us, &t) < 0)
        return -1;
    const struct xf_value *tz = xf_arg(args, 7, "tzinfo");
    *out = dt_value(r->a, t, false, tz && tz->t != XF_V_NONE);
    return 0;
}

NATIVE(c_date)
{
    (void)self;
    int64_t y = 0, mo = 0, d = 0, t;
    if (int_kw(r, args, 0, "year", -1, &y) < 0 || int_kw(r, args, 1, "month", -1, &mo) < 0 ||
        int_kw(r, args, 2, "day", -1, &d) < 0)
        return -1;
    if (y < 0 || mo < 0 || d < 0)
        return xf_render_error(r, "date() needs a year, a month and a day");
    if (make_us(r, y, mo, d, 0, 0, 0, 0, &t) < 0)
        return -1;
    *out = dt_value(r->a, t, true, false);
    return 0;
}

static int num_kw(struct xf_render *r, const struct xf_args *args, size_t pos, const char *name,
                  double *out)
{
    const struct xf_value *v = xf_arg(args, pos, name);
    if (!v) {
        *out = 0;
        return 0;
    }
    if (v->t == XF_V_INT)
        *out = (double)v->u.i;
    else if (v->t == XF_V_FLOAT)
        *out = v->u.f;
    else if (v->t == XF_V_BOOL)
        *out = v->u.b;
    else
        return xf_render_error(r, "'%s' must be a number, not '%s'", name, xf_tpl_py_tname(v));
    return 0;
}

NATIVE(c_timedelta)
{
    (void)self;
    static const char *const names[] = {"days",    "seconds", "microseconds", "milliseconds",
                                        "minutes", "hours",   "weeks"};
    static const double scale[] = {86400e6, 1e6, 1, 1e3, 60e6, 3600e6, 604800e6};
    double total = 0;
    for (size_t i = 0; i < 7; i++) {
        double v = 0;
        if (num_kw(r, args, i, names[i], &v) < 0)
            return -1;
        total += v * scale[i];
    }
    *out = td_value(r->a, xf_f2i(round(total)));
    return 0;
}

NATIVE(c_now)
{
    if (r->env->impure)
        *r->env->impure = true;
    (void)self;
    const struct xf_value *tz = xf_arg(args, 0, "tz");
    bool utc = tz && tz->t != XF_V_NONE;
    *out = dt_value(r->a, utc ? now_us() : local_now_us(), false, utc);
    return 0;
}

NATIVE(c_utcnow)
{
    if (r->env->impure)
        *r->env->impure = true;
    (void)self;
    (void)args;
    *out = dt_value(r->a, now_us(), false, false);
    return 0;
}

NATIVE(c_today)
{
    if (r->env->impure)
        *r->env->impure = true;
    (void)args;
    const struct xf_obj *cls = self->data;
    bool date_only = !strcmp(((const struct pyclass *)cls->data)->name, "date");
    int64_t t = local_now_us();
    *out = dt_value(r->a, date_only ? t : t, date_only, false);
    return 0;
}

static int parse_iso(struct xf_render *r, struct xf_str s, bool date_only, struct xf_value *out)
{
    char buf[64];
    if (s.len >= sizeof buf)
        return xf_render_error(r, "invalid isoformat string: '%.*s'", XF_STR_ARG(s));
    memcpy(buf, s.p, s.len);
    buf[s.len] = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
    long us = 0;
    if (sscanf(buf, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return xf_render_error(r, "invalid isoformat string: '%s'", buf);
    const char *p = buf + n;
    bool utc = false;
    if (*p && !date_only) {
        int k = 0;
        if ((*p == 'T' || *p == ' ') && sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) == 2) {
            p += 1 + k;
            if (*p == ':' && sscanf(p + 1, "%2d%n", &sec, &k) == 1)
                p += 1 + k;
            if (*p == '.') {
                char digits[7] = "000000";
                int nd = 0;
                p++;
                while (isdigit((unsigned char)*p)) {
                    if (nd < 6)
                        digits[nd++] = *p;
                    p++;
                }
                us = strtol(digits, NULL, 10);
            }
            if (*p == 'Z' || !strcmp(p, "+00:00")) {
                utc = true;
                p += *p == 'Z' ? 1 : 6;
            }
        }
    }
    if (*p)
        return xf_render_error(r, "invalid isoformat string: '%s'", buf);
    int64_t t = 0;
    if (make_us(r, y, mo, d, h, mi, sec, us, &t) < 0)
        return -1;
    *out = dt_value(r->a, t, date_only, utc);
    return 0;
}

NATIVE(c_fromisoformat)
{
    const struct xf_obj *cls = self->data;
    bool date_only = !strcmp(((const struct pyclass *)cls->data)->name, "date");
    const struct xf_value *s = xf_arg(args, 0, "date_string");
    if (!s || s->t != XF_V_STR)
        return xf_render_error(r, "fromisoformat() needs a string");
    return parse_iso(r, s->u.s, date_only, out);
}

NATIVE(c_strptime)
{
    (void)self;
    const struct xf_value *s = xf_arg(args, 0, "date_string"), *f = xf_arg(args, 1, "format");
    if (!s || s->t != XF_V_STR || !f || f->t != XF_V_STR)
        return xf_render_error(r, "strptime() needs a string and a format");
    char *str = xf_arena_strdups(r->a, s->u.s), *fmt = xf_arena_strdups(r->a, f->u.s);
    struct tm tm = {0};
    tm.tm_mday = 1;
    const char *end = strptime(str, fmt, &tm);
    if (!end || *end) {
        return xf_render_error(r, "time data '%s' does not match format '%s'", str, fmt);
    }
    int64_t t = 0;
    if (make_us(r, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                0, &t) < 0)
        return -1;
    *out = dt_value(r->a, t, false, false);
    return 0;
}

NATIVE(c_fromtimestamp)
{
    const struct xf_obj *cls = self->data;
    (void)cls;
    const struct xf_value *ts = xf_arg(args, 0, "timestamp");
    double v = 0;
    if (!ts || (ts->t != XF_V_INT && ts->t != XF_V_FLOAT))
        return xf_render_error(r, "fromtimestamp() needs a number");
    v = ts->t == XF_V_INT ? (double)ts->u.i : ts->u.f;
    *out = dt_value(r->a, xf_f2i(round(v * 1e6)), false, false);
    return 0;
}

static const struct class_method datetime_methods[] = {
    {"now", c_now},
    {"utcnow", c_utcnow},
    {"today", c_today},
    {"fromisoformat", c_fromisoformat},
    {"strptime", c_strptime},
    {"fromtimestamp", c_fromtimestamp},
    {"utcfromtimestamp", c_fromtimestamp},
    {NULL, NULL},
};

static const struct class_method date_methods[] = {
    {"today", c_today},
    {"fromisoformat", c_fromisoformat},
    {NULL, NULL},
};

static const struct pyclass datetime_class = {"datetime", c_datetime, datetime_methods};
static const struct pyclass date_class = {"date", c_date, date_methods};
static const struct pyclass timedelta_class = {"timedelta", c_timedelta, NULL};

static const struct xf_obj datetime_obj = {&xf_tpl_class_ops, (void *)&datetime_class};
static const struct xf_obj date_obj = {&xf_tpl_class_ops, (void *)&date_class};
static const struct xf_obj timedelta_obj = {&xf_tpl_class_ops, (void *)&timedelta_class};

struct xf_value xf_tpl_datetime_module(struct xf_arena *a)
{
    struct xf_value m = xf_v_dict(a, 4);
    xf_dict_set(a, m.u.d, XF_STR("datetime"), xf_v_obj(&datetime_obj));
    xf_dict_set(a, m.u.d, XF_STR("date"), xf_v_obj(&date_obj));
    xf_dict_set(a, m.u.d, XF_STR("timedelta"), xf_v_obj(&timedelta_obj));
    struct xf_value tz = xf_v_dict(a, 1);
    xf_dict_set(a, tz.u.d, XF_STR("utc"), xf_v_strc("UTC"));
    xf_dict_set(a, m.u.d, XF_STR("timezone"), tz);
    return m;
}

/* ---- arithmetic and comparison ---- */

int xf_tpl_datetime_arith(struct xf_render *r, struct xf_value *out, char op,
                          const struct xf_value *a, const struct xf_value *b, bool *handled)
{
    const struct dt *da = as_dt(a), *db = as_dt(b);
    const struct td *ta = as_td(a), *tb = as_td(b);
    *handled = true;
    if (da && tb && (op == '+' || op == '-')) {
        int64_t delta = tb->us;
        if (da->date_only)
            delta = floor_div(delta, US_PER_DAY) * US_PER_DAY;
        *out = dt_value(r->a, op == '+' ? da->us + delta : da->us - delta, da->date_only, da->utc);
        return 0;
    }
    if (ta && db && op == '+') {
        *out = dt_value(r->a, db->us + ta->us, db->date_only, db->utc);
        return 0;
    }
    if (da && db && op == '-') {
        *out = td_value(r->a, da->us - db->us);
        return 0;
    }
    if (ta && tb) {
        if (op == '+' || op == '-') {
            *out = td_value(r->a, op == '+' ? ta->us + tb->us : ta->us - tb->us);
            return 0;
        }
        if (op == '/') {
            if (!tb->us)
                return xf_render_error(r, "division by zero");
            *out = xf_v_float((double)ta->us / (double)tb->us);
            return 0;
        }
    }
    const struct td *t = ta ? ta : tb;
    const struct xf_value *n = ta ? b : a;
    if (t && (n->t == XF_V_INT || n->t == XF_V_FLOAT) && (op == '*' || (op == '/' && ta))) {
        double f = n->t == XF_V_INT ? (double)n->u.i : n->u.f;
        if (op == '/' && f == 0)
            return xf_render_error(r, "division by zero");
        double v = op == '*' ? (double)t->us * f : (double)t->us / f;
        *out = td_value(r->a, xf_f2i(round(v)));
        return 0;
    }
    *handled = false;
    return 0;
}

int xf_tpl_datetime_compare(const struct xf_value *a, const struct xf_value *b, int *cmp,
                            bool *handled)
{
    const struct dt *da = as_dt(a), *db = as_dt(b);
    const struct td *ta = as_td(a), *tb = as_td(b);
    int64_t x = 0, y = 0;
    if (da && db) {
        x = da->us;
        y = db->us;
    } else if (ta && tb) {
        x = ta->us;
        y = tb->us;
    } else {
        *handled = false;
        return 0;
    }
    *handled = true;
    *cmp = x < y ? -1 : x > y ? 1 : 0;
    return 0;
}

struct xf_value xf_jinja_datetime_utc(struct xf_arena *a, double unix_seconds)
{
    int64_t us = xf_f2i(unix_seconds * 1e6 + (unix_seconds >= 0 ? 0.5 : -0.5));
    return dt_value(a, us, false, true);
}
