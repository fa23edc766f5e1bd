// SPDX-License-Identifier: MIT
/*
 * Semantic versions and the requirements hub entries write (">=1.0.0",
 * "<2.0.0", "1.1.1"), with dbt's rules: three numbers, an optional
 * prerelease that sorts before its release, and a requirement list that
 * is the intersection of its parts.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "deps/deps.h"

static int parse_num(const char **p, long *out)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s))
        return -1;
    if (*s == '0' && isdigit((unsigned char)s[1]))
        return -1; /* no leading zeros */
    long v = 0;
    while (isdigit((unsigned char)*s)) {
        if (v > 100000000L)
            return -1;
        v = v * 10 + (*s++ - '0');
    }
    *p = s;
    *out = v;
    return 0;
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.';
}

int xf_semver_parse(struct xf_semver *out, const char *s)
{
    memset(out, 0, sizeof *out);
    const char *p = s;
    if (parse_num(&p, &out->major) < 0 || *p++ != '.' || parse_num(&p, &out->minor) < 0 ||
        *p++ != '.' || parse_num(&p, &out->patch) < 0)
        return -1;
    if (*p == '-' || isalpha((unsigned char)*p)) { /* dbt takes "1.0.0a1" as well as "-a1" */
        if (*p == '-')
            p++;
        const char *b = p;
        while (ident_char(*p))
            p++;
        if (p == b || p[-1] == '.')
            return -1;
        out->pre = b;
        out->pre_len = (size_t)(p - b);
    }
    if (*p == '+') {
        p++;
        const char *b = p;
        while (ident_char(*p))
            p++;
        if (p == b)
            return -1;
    }
    return *p ? -1 : 0;
}

int xf_semver_req_parse(struct xf_semver_req *out, const char *s)
{
    while (*s == ' ')
        s++;
    out->op = XF_SV_EQ;
    if (!strncmp(s, ">=", 2))
        out->op = XF_SV_GE, s += 2;
    else if (!strncmp(s, "<=", 2))
        out->op = XF_SV_LE, s += 2;
    else if (*s == '>')
        out->op = XF_SV_GT, s++;
    else if (*s == '<')
        out->op = XF_SV_LT, s++;
    else if (*s == '=')
        s++;
    while (*s == ' ')
        s++;
    return xf_semver_parse(&out->v, s);
}

/* Prerelease identifiers: numbers compare as numbers and sort before words. */
static int cmp_pre(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    while (i < an && j < bn) {
        size_t ie = i, je = j;
        while (ie < an && a[ie] != '.')
            ie++;
        while (je < bn && b[je] != '.')
            je++;
        bool ad = true, bd = true;
        for (size_t k = i; k < ie; k++)
            ad = ad && isdigit((unsigned char)a[k]);
        for (size_t k = j; k < je; k++)
            bd = bd && isdigit((unsigned char)b[k]);
        int c;
        if (ad && bd) {
            c = (ie - i > je - j) - (ie - i < je - j);
            if (!c)
                c = strncmp(a + i, b + j, ie - i);
        } else if (ad || bd) {
            c = ad ? -1 : 1;
        } else {
            size_t n = ie - i < je - j ? ie - i : je - j;
            c = strncmp(a + i, b + j, n);
            if (!c)
                c = (ie - i > je - j) - (ie - i < je - j);
        }
        if (c)
            return c < 0 ? -1 : 1;
        i = ie < an ? ie + 1 : ie;
        j = je < bn ? je + 1 : je;
    }
    return (i < an) - (j < bn);
}

int xf_semver_cmp(const struct xf_semver *a, const struct xf_semver *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    if (!a->pre || !b->pre)
        return (a->pre == NULL) - (b->pre == NULL);
    return cmp_pre(a->pre, a->pre_len, b->pre, b->pre_len);
}

bool xf_semver_satisfies(const struct xf_semver *v, const struct xf_semver_req *r)
{
    int c = xf_semver_cmp(v, &r->v);
    switch (r->op) {
    case XF_SV_EQ:
        return c == 0;
    case XF_SV_GT:
        return c > 0;
    case XF_SV_GE:
        return c >= 0;
    case XF_SV_LT:
        return c < 0;
    case XF_SV_LE:
        return c <= 0;
    }
    return false;
}

/* The bounds a requirement puts on versions: lower and upper, each inclusive or not. */
struct bound {
    const struct xf_semver *v; /* NULL: unbounded */
    bool incl;
};

static void bounds(const struct xf_semver_req *r, struct bound *lo, struct bound *hi)
{
    *lo = (struct bound){NULL, false};
    *hi = (struct bound){NULL, false};
    if (r->op == XF_SV_EQ || r->op == XF_SV_GE || r->op == XF_SV_GT)
        *lo = (struct bound){&r->v, r->op != XF_SV_GT};
    if (r->op == XF_SV_EQ || r->op == XF_SV_LE || r->op == XF_SV_LT)
        *hi = (struct bound){&r->v, r->op != XF_SV_LT};
}

bool xf_semver_compatible(const struct xf_semver_req *a, const struct xf_semver_req *b)
{
    struct bound alo, ahi, blo, bhi;
    bounds(a, &alo, &ahi);
    bounds(b, &blo, &bhi);
    /* the greater lower bound against the smaller upper bound */
    struct bound lo = alo, hi = ahi;
    if (blo.v &&
        (!lo.v || xf_semver_cmp(blo.v, lo.v) > 0 || (xf_semver_cmp(blo.v, lo.v) == 0 && !blo.incl)))
        lo = blo;
    if (bhi.v &&
        (!hi.v || xf_semver_cmp(bhi.v, hi.v) < 0 || (xf_semver_cmp(bhi.v, hi.v) == 0 && !bhi.incl)))
        hi = bhi;
    if (!lo.v || !hi.v)
        return true;
    int c = xf_semver_cmp(lo.v, hi.v);
    return c < 0 || (c == 0 && lo.incl && hi.incl);
}
