// SPDX-License-Identifier: MIT
/*
 * modules.itertools, as dbt exposes Python's: chain, product, combinations
 * and permutations. Python returns iterators; here each returns a list (of
 * tuples), which templates iterate and `| list` the same way. The result
 * size is capped so that a template cannot ask for billions of tuples.
 */
#include <string.h>

#include "templating/internal.h"

#define NATIVE(name)                                                                               \
    static int name(struct xf_value *out, struct xf_render *r, const struct xf_func *self,         \
                    const struct xf_args *args)

#define MAX_ITEMS 1000000

static int too_many(struct xf_render *r, const char *fn)
{
    return xf_render_error(r, "itertools.%s() would make more than %d items", fn, MAX_ITEMS);
}

NATIVE(it_chain)
{
    (void)self;
    if (args->nkw)
        return xf_render_error(r, "itertools.chain() takes no keyword arguments");
    *out = xf_v_list(r->a, 8);
    for (size_t i = 0; i < args->npos; i++) {
        struct xf_value l;
        if (xf_tpl_to_list(r, &l, &args->pos[i]) < 0)
            return -1;
        if (out->u.l->n + l.u.l->n > MAX_ITEMS)
            return too_many(r, "chain");
        for (size_t k = 0; k < l.u.l->n; k++)
            xf_list_push(r->a, out->u.l, l.u.l->items[k]);
    }
    return 0;
}

NATIVE(it_product)
{
    (void)self;
    long long repeat = 1;
    for (size_t k = 0; k < args->nkw; k++) {
        if (!xf_str_eqc(args->kwnames[k], "repeat") || args->kwvals[k].t != XF_V_INT)
            return xf_render_error(r, "itertools.product() takes only repeat=<int>");
        repeat = args->kwvals[k].u.i;
    }
    if (repeat < 0)
        return xf_render_error(r, "itertools.product(): repeat must be 0 or more");
    size_t npools = args->npos * (size_t)repeat;
    struct xf_value *pools = XF_ANEWN(r->a, struct xf_value, npools + 1);
    double total = 1;
    for (size_t i = 0; i < args->npos; i++) {
        if (xf_tpl_to_list(r, &pools[i], &args->pos[i]) < 0)
            return -1;
    }
    for (size_t i = args->npos; i < npools; i++)
        pools[i] = pools[i % args->npos];
    for (size_t i = 0; i < npools; i++)
        total *= (double)pools[i].u.l->n;
    if (total > MAX_ITEMS)
        return too_many(r, "product");
    *out = xf_v_list(r->a, (size_t)total);
    if (total == 0)
        return 0;
    size_t *at = XF_ANEWN(r->a, size_t, npools + 1);
    for (;;) {
        struct xf_value t = xf_tpl_new_tuple(r->a, npools);
        for (size_t i = 0; i < npools; i++)
            xf_list_push(r->a, t.u.l, pools[i].u.l->items[at[i]]);
        xf_list_push(r->a, out->u.l, t);
        size_t i = npools;
        while (i > 0 && ++at[i - 1] == pools[i - 1].u.l->n)
            at[--i] = 0;
        if (i == 0)
            return 0;
    }
}

/* combinations (distinct, in order) or permutations of r items. */
static int choose(struct xf_render *r, struct xf_value *out, const struct xf_args *args,
                  const char *fn, bool perm)
{
    static const char *const names[] = {"iterable", "r"};
    const struct xf_value *p[2];
    if (xf_tpl_bind_params(r, p, fn, names, 2, args, false) < 0)
        return -1;
    if (!p[0])
        return xf_render_error(r, "itertools.%s() needs an iterable", fn);
    struct xf_value pool;
    if (xf_tpl_to_list(r, &pool, p[0]) < 0)
        return -1;
    size_t n = pool.u.l->n;
    if (p[1] && p[1]->t != XF_V_INT && p[1]->t != XF_V_NONE)
        return xf_render_error(r, "itertools.%s(): r must be an integer", fn);
    if (!perm && (!p[1] || p[1]->t != XF_V_INT))
        return xf_render_error(r, "itertools.combinations() needs r");
    long long k = p[1] && p[1]->t == XF_V_INT ? p[1]->u.i : (long long)n;
    if (k < 0)
        return xf_render_error(r, "itertools.%s(): r must be 0 or more", fn);
    *out = xf_v_list(r->a, 8);
    if ((size_t)k > n)
        return 0;
    double total = 1;
    for (long long i = 0; i < k; i++)
        total = perm ? total * (double)(n - (size_t)i)
                     : total * (double)(n - (size_t)i) / (double)(i + 1);
    if (total > MAX_ITEMS)
        return too_many(r, fn);
    size_t *idx = XF_ANEWN(r->a, size_t, (size_t)k + 1);
    bool *used = XF_ANEWN(r->a, bool, n + 1);
    /* depth-first over index choices: lexicographic order, as Python's */
    size_t depth = 0;
    if (k == 0) {
        xf_list_push(r->a, out->u.l, xf_tpl_new_tuple(r->a, 0));
        return 0;
    }
    idx[0] = 0;
    for (;;) {
        if (idx[depth] >= n) { /* this level is exhausted: back up */
            if (depth == 0)
                return 0;
            depth--;
            used[idx[depth]] = false;
            idx[depth]++;
            continue;
        }
        if (perm && used[idx[depth]]) {
            idx[depth]++;
            continue;
        }
        if (depth + 1 == (size_t)k) {
            struct xf_value t = xf_tpl_new_tuple(r->a, (size_t)k);
            for (size_t i = 0; i < (size_t)k; i++)
                xf_list_push(r->a, t.u.l, pool.u.l->items[idx[i]]);
            xf_list_push(r->a, out->u.l, t);
            idx[depth]++;
            continue;
        }
        used[idx[depth]] = true;
        idx[depth + 1] = perm ? 0 : idx[depth] + 1;
        depth++;
    }
}

NATIVE(it_combinations)
{
    (void)self;
    return choose(r, out, args, "combinations", false);
}

NATIVE(it_permutations)
{
    (void)self;
    return choose(r, out, args, "permutations", true);
}

static const struct xf_func f_chain = {"chain", it_chain, NULL, NULL};
static const struct xf_func f_product = {"product", it_product, NULL, NULL};
static const struct xf_func f_combinations = {"combinations", it_combinations, NULL, NULL};
static const struct xf_func f_permutations = {"permutations", it_permutations, NULL, NULL};

static int it_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                      struct xf_str name)
{
    (void)r;
    (void)o;
    static const struct xf_func *const fs[] = {&f_chain, &f_product, &f_combinations,
                                               &f_permutations};
    for (size_t i = 0; i < sizeof fs / sizeof *fs; i++) {
        if (xf_str_eqc(name, fs[i]->name)) {
            *out = xf_v_func(fs[i]);
            return 0;
        }
    }
    return 1;
}

static void it_str(struct xf_buf *out, const struct xf_obj *o)
{
    (void)o;
    xf_buf_adds(out, "<module 'itertools'>");
}

static const struct xf_obj_ops it_module_ops = {
    .type_name = "module", .getattr = it_getattr, .str = it_str};
static const struct xf_obj it_module_obj = {&it_module_ops, NULL};

struct xf_value xf_tpl_itertools_module(struct xf_arena *a)
{
    (void)a;
    return xf_v_obj(&it_module_obj);
}
