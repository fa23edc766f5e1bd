// SPDX-License-Identifier: MIT
/*
 * Parse records (target/partial_parse_nodes.xfc): what each node's
 * parse-mode render did (the ref()s and source()s it recorded, the
 * config() and config.set() calls it made, in order), kept from one load to
 * the next, so that a load of a project whose node files mostly did not
 * change renders only the changed ones. Every command that loads a project
 * uses them (build, run, test, compile, ls ...); the whole-run replay of
 * parser/ppcache.h comes first for compile, ls and parse.
 *
 * Never stale by construction: a record is used only when
 *  - the fingerprint of everything but the nodes' own files is the same:
 *    the xform binary, the folder, the load options (vars, target,
 *    profile, threads, --full-refresh ...; the command only when a
 *    template reads flags.WHICH), the environment the templates can read,
 *    and the path and content of every other file the load read (macros,
 *    YAML, docs, seeds, the project file, profiles.yml, packages); and
 *  - the node's own file (its checksum) and, for a test, the file of the
 *    node it tests are the same (a test's parse render reads that node's
 *    config, which its config() calls set).
 * A render that said anything (a warning) is not recorded: it renders, and
 * says it, again. Templates that read run_started_at, invocation_id,
 * random ... (xf_ppcache_fingerprint_env) switch the records off. See
 * docs/performance.md, "Parse records".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "parser/ppcache.h"
#include "util/path.h"
#include "util/wire.h"

#define MAGIC "XFPPNODE"
#define FORMAT 2u

struct rec {
    uint64_t id; /* the hash of the node's unique id */
    uint64_t key;
    const char *ops; /* into old.ptr, or the node's new record */
    size_t len;
};

struct xf_precs {
    const char *path;
    uint64_t fp;         /* fingerprint of this load */
    struct xf_buf old;   /* the file as read */
    bool aligned;        /* record i is node i's (the usual case): no map */
    struct xf_map by_id; /* else: unique id's hash (8 bytes) -> struct rec * */
    struct xf_map files; /* path -> source, for locations */
    struct rec *recs;    /* the file's records */
    size_t nrecs;
    struct xf_buf *fresh; /* per node index: a record made by this load ... */
    bool *made;           /* ... when this is set (a render with no ops has none) */
    struct rec **used;    /* per node index: the file's record replayed */
    size_t nnodes;
    _Atomic size_t reused, rendered;
    const char *why; /* why nothing was reused, or NULL */
};

/* ---- encoding ---- */

/* A C string that may be absent: a flag byte, then the string. */
static void putcs(struct xf_buf *b, const char *s)
{
    xf_buf_addch(b, s ? 1 : 0);
    if (s)
        xf_wire_putstr(b, s, strlen(s));
}

/* Its reverse: NULL for an absent one (or a bad read). */
static const char *getcs(struct xf_wire *r, size_t *n)
{
    char f = 0;
    *n = 0;
    xf_wire_get(r, &f, 1);
    if (f != 1) {
        r->bad |= f != 0;
        return NULL;
    }
    const char *s = xf_wire_getstr(r, n);
    return r->bad ? NULL : s;
}

/* What is left to read: a count claims at least a byte per item. */
static size_t left(const struct xf_wire *r)
{
    return r->len - r->pos;
}

/* Values a config() call can hold: plain data. Anything else: false (not recordable). */
static bool put_value(struct xf_buf *b, const struct xf_value *v, int depth)
{
    if (depth > 64)
        return false;
    switch (v->t) {
    case XF_V_NONE:
        xf_buf_addch(b, 'N');
        return true;
    case XF_V_BOOL:
        xf_buf_addch(b, v->u.b ? 'T' : 'F');
        return true;
    case XF_V_INT:
        xf_buf_addch(b, 'I');
        xf_wire_put64(b, (uint64_t)v->u.i);
        return true;
    case XF_V_FLOAT:
        xf_buf_addch(b, 'D');
        xf_wire_put(b, &v->u.f, sizeof v->u.f);
        return true;
    case XF_V_STR:
        xf_buf_addch(b, 'S');
        xf_wire_putstr(b, v->u.s.p, v->u.s.len);
        return true;
    case XF_V_LIST:
        xf_buf_addch(b, v->u.l->tuple ? 'U' : 'L');
        xf_wire_put32(b, (uint32_t)v->u.l->n);
        for (size_t i = 0; i < v->u.l->n; i++)
            if (!put_value(b, &v->u.l->items[i], depth + 1))
                return false;
        return true;
    case XF_V_DICT:
        xf_buf_addch(b, 'M');
        xf_wire_put32(b, (uint32_t)v->u.d->n);
        for (size_t i = 0; i < v->u.d->n; i++) {
            const struct xf_dict_ent *e = &v->u.d->ents[i];
            xf_buf_addch(b, e->raw_key ? 1 : 0);
            xf_wire_putstr(b, e->key.p, e->key.len);
            if (!put_value(b, &e->val, depth + 1))
                return false;
        }
        return true;
    default: /* functions, relations, undefined: not data */
        return false;
    }
}

/* Decodes a value into `a` (NULL: only checks it). */
static struct xf_value get_value(struct xf_wire *r, struct xf_arena *a, int depth)
{
    char t = 0;
    if (depth > 64 || !xf_wire_get(r, &t, 1)) {
        r->bad = true;
        return xf_v_none();
    }
    switch (t) {
    case 'N':
        return xf_v_none();
    case 'T':
    case 'F':
        return xf_v_bool(t == 'T');
    case 'I':
        return xf_v_int((int64_t)xf_wire_get64(r));
    case 'D': {
        double f;
        xf_wire_get(r, &f, sizeof f);
        return xf_v_float(f);
    }
    case 'S': {
        size_t n;
        const char *s = xf_wire_getstr(r, &n);
        if (r->bad || !a)
            return xf_v_none();
        return xf_v_str((struct xf_str){xf_arena_strndup(a, s, n), n});
    }
    case 'L':
    case 'U': {
        uint32_t n = xf_wire_get32(r);
        if (left(r) < n) { /* each item takes a byte at least */
            r->bad = true;
            return xf_v_none();
        }
        struct xf_value l = a ? xf_v_list(a, n) : xf_v_none();
        if (a)
            l.u.l->tuple = t == 'U';
        for (uint32_t i = 0; i < n && !r->bad; i++) {
            struct xf_value it = get_value(r, a, depth + 1);
            if (a)
                xf_list_push(a, l.u.l, it);
        }
        return l;
    }
    case 'M': {
        uint32_t n = xf_wire_get32(r);
        if (left(r) < n) {
            r->bad = true;
            return xf_v_none();
        }
        struct xf_value d = a ? xf_v_dict(a, n) : xf_v_none();
        for (uint32_t i = 0; i < n && !r->bad; i++) {
            char raw = 0;
            xf_wire_get(r, &raw, 1);
            size_t kn;
            const char *k = xf_wire_getstr(r, &kn);
            struct xf_value v = get_value(r, a, depth + 1);
            if (a && !r->bad) {
                size_t before = d.u.d->n;
                xf_dict_set(a, d.u.d, (struct xf_str){xf_arena_strndup(a, k, kn), kn}, v);
                if (d.u.d->n > before)
                    d.u.d->ents[d.u.d->n - 1].raw_key = raw != 0;
            }
        }
        return d;
    }
    default:
        r->bad = true;
        return xf_v_none();
    }
}

/* ---- recording (parse mode, from engine/context.c) ---- */

/*
 * A location: 0 none, 1 the node's relation_loc (a YAML snapshot's), 4 in
 * the node's own file, 2 in another file the load read (its path), 3
 * elsewhere (a test argument's text): path and text.
 */
static void put_loc(struct xf_rctx *rc, struct xf_buf *b, struct xf_loc loc)
{
    const struct xf_node *n = rc->node;
    if (!loc.src) {
        xf_buf_addch(b, 0);
        return;
    }
    if (n->relation_loc.src == loc.src && n->relation_loc.off == loc.off &&
        n->relation_loc.len == loc.len) {
        xf_buf_addch(b, 1);
        return;
    }
    if (loc.src == n->src) { /* the node's own file, the usual case */
        xf_buf_addch(b, 4);
        xf_wire_put64(b, loc.off);
        xf_wire_put64(b, loc.len);
        return;
    }
    const struct xf_source *f =
        loc.src->path ? xf_map_getc(&rc->s->precs->files, loc.src->path) : NULL;
    xf_buf_addch(b, f == loc.src ? 2 : 3);
    putcs(b, loc.src->path);
    if (f != loc.src)
        xf_wire_putstr(b, loc.src->text, loc.src->len);
    xf_wire_put64(b, loc.off);
    xf_wire_put64(b, loc.len);
}

void xf_precs_dep(struct xf_rctx *rc, char op, const struct xf_dep *d)
{
    if (!rc->rec)
        return;
    struct xf_buf *b = &rc->rec->b;
    xf_buf_addch(b, op);
    putcs(b, d->package);
    putcs(b, d->name);
    putcs(b, d->version);
    put_loc(rc, b, d->loc);
}

void xf_precs_config(struct xf_rctx *rc, struct xf_str key, const struct xf_value *v)
{
    if (!rc->rec)
        return;
    xf_buf_addch(&rc->rec->b, 'C');
    xf_wire_putstr(&rc->rec->b, key.p, key.len);
    if (!put_value(&rc->rec->b, v, 0))
        rc->rec->bad = true;
}

/* ---- replaying ---- */

static struct xf_loc get_loc(struct xf_precs *pr, struct xf_wire *r, struct xf_node *n,
                             struct xf_arena *a)
{
    char t = 0;
    xf_wire_get(r, &t, 1);
    if (t == 0)
        return XF_NOLOC;
    if (t == 1)
        return n->relation_loc;
    if (t == 4) {
        struct xf_loc loc = {n->src, xf_wire_get64(r), xf_wire_get64(r)};
        if (!n->src || loc.off > n->src->len || loc.len > n->src->len - loc.off)
            r->bad = true;
        return r->bad ? XF_NOLOC : loc;
    }
    if (t != 2 && t != 3) {
        r->bad = true;
        return XF_NOLOC;
    }
    size_t pn, tn = 0;
    const char *path = getcs(r, &pn), *text = NULL;
    if (t == 3)
        text = xf_wire_getstr(r, &tn);
    struct xf_loc loc = {NULL, xf_wire_get64(r), xf_wire_get64(r)};
    if (r->bad || !a)
        return XF_NOLOC;
    if (t == 2) {
        loc.src = path ? xf_map_get(&pr->files, (struct xf_str){path, pn}) : NULL;
        if (!loc.src) { /* the file was read by the load that made the record: not now */
            r->bad = true;
            return XF_NOLOC;
        }
    } else {
        struct xf_source *src = XF_ANEW(a, struct xf_source);
        src->path = path ? xf_arena_strndup(a, path, pn) : NULL;
        src->text = text ? xf_arena_strndup(a, text, tn) : "";
        src->len = text ? tn : 0;
        loc.src = src;
    }
    if (loc.off > loc.src->len || loc.len > loc.src->len - loc.off) {
        r->bad = true;
        return XF_NOLOC;
    }
    return loc;
}

static char *dup_or_null(struct xf_arena *a, const char *s, size_t n)
{
    return s && a ? xf_arena_strndup(a, s, n) : NULL;
}

/* Applies a record's ops to `n` (a NULL arena: only checks them). 0, or -1 when malformed. */
static int apply(struct xf_precs *pr, const struct rec *rc, struct xf_node *n, struct xf_arena *a)
{
    struct xf_wire r = {rc->ops, rc->len, 0, false};
    while (r.pos < r.len && !r.bad) {
        char op = 0;
        xf_wire_get(&r, &op, 1);
        if (op == 'R' || op == 'S') {
            size_t pn, nn, vn;
            const char *pkg = getcs(&r, &pn), *name = getcs(&r, &nn), *ver = getcs(&r, &vn);
            struct xf_loc loc = get_loc(pr, &r, n, a);
            if (!name || (op == 'S' && !pkg))
                r.bad = true;
            if (r.bad || !a)
                continue;
            struct xf_dep d = {dup_or_null(a, pkg, pn), dup_or_null(a, name, nn), loc, NULL,
                               dup_or_null(a, ver, vn)};
            if (op == 'R')
                xf_avec_push(a, &n->refs, d);
            else
                xf_avec_push(a, &n->source_deps, d);
        } else if (op == 'C') {
            size_t kn;
            const char *k = xf_wire_getstr(&r, &kn);
            struct xf_value v = get_value(&r, a, 0);
            if (!r.bad && a)
                xf_node_config_set(a, n, (struct xf_str){xf_arena_strndup(a, k, kn), kn}, v);
        } else {
            r.bad = true;
        }
    }
    return r.bad ? -1 : 0;
}

static uint64_t id_hash(const struct xf_node *n)
{
    return xf_ppcache_content_hash(n->unique_id, strlen(n->unique_id));
}

static uint64_t node_key(const struct xf_node *n)
{
    /* the checksums are sha256 hex: their first 16 digits are plenty */
    char k[3 * 16];
    memset(k, 0, sizeof k);
    memcpy(k, n->checksum, strnlen(n->checksum, 16));
    if (n->attached)
        memcpy(k + 16, n->attached->checksum, strnlen(n->attached->checksum, 16));
    uint64_t id = id_hash(n);
    memcpy(k + 32, &id, sizeof id);
    return xf_ppcache_content_hash(k, sizeof k);
}

static struct rec *find(struct xf_precs *pr, const struct xf_node *n)
{
    if (pr->aligned)
        return n->index < pr->nrecs ? &pr->recs[n->index] : NULL;
    uint64_t id = id_hash(n);
    return xf_map_get(&pr->by_id, (struct xf_str){(const char *)&id, sizeof id});
}

bool xf_precs_replay(struct xf_session *s, struct xf_node *n, struct xf_arena *keep)
{
    struct xf_precs *pr = s->precs;
    if (!pr)
        return false;
    struct rec *rc = find(pr, n);
    if (!rc || rc->key != node_key(n) || apply(pr, rc, n, NULL) < 0) {
        atomic_fetch_add(&pr->rendered, 1);
        return false;
    }
    if (n->index >= pr->nnodes) {
        atomic_fetch_add(&pr->rendered, 1);
        return false;
    }
    apply(pr, rc, n, keep);
    pr->used[n->index] = rc;
    atomic_fetch_add(&pr->reused, 1);
    return true;
}

void xf_precs_keep(struct xf_session *s, struct xf_node *n, struct xf_precs_rec *rec)
{
    struct xf_precs *pr = s->precs;
    if (!pr || rec->bad || n->index >= pr->nnodes)
        return;
    /* the buffer moves to the node's slot (each node is rendered by one thread) */
    pr->fresh[n->index] = rec->b;
    pr->made[n->index] = true;
    rec->b = (struct xf_buf)XF_BUF_INIT;
}

/* ---- the file ---- */

static uint64_t fingerprint(struct xf_session *s, const struct xf_load_opts *lo, struct xf_buf *why)
{
    const struct xf_project *p = s->p;
    uint64_t env;
    bool which;
    if (!xf_ppcache_fingerprint_env(p, &env, &which, why))
        return 0;
    struct xf_buf b = XF_BUF_INIT;
    xf_ppcache_identity(&b);
    const char *strs[] = {
        lo->project_dir,           lo->profiles_dir, lo->target,           lo->vars,
        lo->target_path,           lo->profile,      lo->event_time_start, lo->event_time_end,
        which ? lo->command : NULL};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        xf_buf_addch(&b, '\x1f');
        xf_buf_adds(&b, strs[i] ? strs[i] : "\x01");
    }
    xf_buf_addf(&b, "\x1f%d %d %d %d %d %016llx\n", lo->threads, lo->full_refresh, lo->empty,
                lo->warn_error, lo->warn_error_notes, (unsigned long long)env);
    /* every file the load read but the nodes' own (their records are keyed by them) */
    struct xf_map own;
    xf_map_init(&own);
    for (size_t i = 0; i < p->nodes.n; i++) {
        const struct xf_node *n = p->nodes.v[i];
        if (n->src && n->tmpl)
            xf_map_put(&own, xf_str_c(n->src->path), (void *)n->src);
    }
    for (size_t i = 0; i < p->files.n; i++) {
        const struct xf_source *f = p->files.v[i];
        if (xf_map_getc(&own, f->path) == f)
            continue;
        xf_buf_adds(&b, f->path);
        xf_wire_put64(&b, xf_ppcache_content_hash(f->text, f->len));
    }
    xf_map_release(&own);
    uint64_t h = xf_ppcache_content_hash(b.ptr, b.len);
    xf_buf_release(&b);
    return h ? h : 1;
}

static const char *read_records(struct xf_precs *pr, const struct xf_session *s)
{
    if (xf_read_file(&pr->old, pr->path) < 0)
        return "no records yet";
    struct xf_wire r = {pr->old.ptr, pr->old.len, 0, false};
    char magic[8];
    xf_wire_get(&r, magic, 8);
    uint32_t format = xf_wire_get32(&r);
    uint64_t sum = xf_wire_get64(&r);
    if (r.bad || memcmp(magic, MAGIC, 8) || format != FORMAT)
        return "the records file is of another format";
    if (xf_ppcache_content_hash(r.p + r.pos, left(&r)) != sum)
        return "the records file is damaged";
    uint64_t fp = xf_wire_get64(&r);
    uint32_t n = xf_wire_get32(&r);
    if (r.bad || left(&r) / 20 < n)
        return "the records file is damaged";
    if (fp != pr->fp)
        return "an input other than the nodes' own files changed (a macro, a YAML file, the "
               "project file, the profile, vars, flags or the environment)";
    pr->recs = xf_calloc(n ? n : 1, sizeof *pr->recs);
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        struct rec *rc = &pr->recs[pr->nrecs];
        rc->id = xf_wire_get64(&r);
        rc->key = xf_wire_get64(&r);
        size_t len;
        rc->ops = xf_wire_getstr(&r, &len);
        rc->len = len;
        if (r.bad)
            break;
        pr->nrecs++;
    }
    if (r.bad) {
        pr->nrecs = 0;
        return "the records file is damaged";
    }
    /* the same nodes in the same order (nothing added, removed or renamed): by index */
    const struct xf_project *p = s->p;
    pr->aligned = pr->nrecs == p->nodes.n;
    for (size_t i = 0; i < pr->nrecs && pr->aligned; i++)
        pr->aligned = pr->recs[i].id == id_hash(p->nodes.v[i]);
    for (size_t i = 0; i < pr->nrecs && !pr->aligned; i++)
        xf_map_put(&pr->by_id,
                   (struct xf_str){(const char *)&pr->recs[i].id, sizeof pr->recs[i].id},
                   &pr->recs[i]);
    return NULL;
}

void xf_precs_open(struct xf_session *s, const struct xf_load_opts *lo)
{
    if (!lo->partial_parse)
        return;
    struct xf_precs *pr = xf_calloc(1, sizeof *pr);
    struct xf_buf why = XF_BUF_INIT;
    pr->fp = fingerprint(s, lo, &why);
    if (!pr->fp) { /* volatile templates: neither read nor written */
        s->precs_off = xf_arena_strndup(&s->arena, why.ptr, why.len);
        xf_buf_release(&why);
        free(pr);
        return;
    }
    xf_buf_release(&why);
    const struct xf_project *p = s->p;
    pr->path = xf_path_join(
        &s->arena, xf_path_join(&s->arena, p->root, p->target_path ? p->target_path : "target"),
        XF_PRECS_FILE);
    xf_map_init(&pr->by_id);
    xf_map_init(&pr->files);
    for (size_t i = 0; i < p->files.n; i++)
        xf_map_put(&pr->files, xf_str_c(p->files.v[i]->path), (void *)p->files.v[i]);
    pr->nnodes = p->nodes.n;
    pr->fresh = xf_calloc(pr->nnodes + 1, sizeof *pr->fresh);
    pr->made = xf_calloc(pr->nnodes + 1, sizeof *pr->made);
    pr->used = xf_calloc(pr->nnodes + 1, sizeof *pr->used);
    pr->why = read_records(pr, s);
    atomic_init(&pr->reused, 0);
    atomic_init(&pr->rendered, 0);
    s->precs = pr;
}

/* Writes the records of this load when they differ from the file's. */
static const char *save(struct xf_precs *pr, const struct xf_project *p)
{
    bool changed = pr->why != NULL;
    size_t kept = 0;
    for (size_t i = 0; i < pr->nnodes; i++) {
        if (pr->made[i])
            changed = true;
        kept += pr->made[i] || pr->used[i];
    }
    if (!changed && kept == pr->nrecs)
        return NULL; /* the file already says all this */
    struct xf_buf b;
    xf_buf_init(&b, pr->old.len + 4096); /* about the old file's size: no regrowing copies */
    xf_wire_put(&b, MAGIC, 8);
    xf_wire_put32(&b, FORMAT);
    xf_wire_put64(&b, 0); /* the checksum, below */
    size_t body = b.len;
    xf_wire_put64(&b, pr->fp);
    xf_wire_put32(&b, (uint32_t)kept);
    for (size_t i = 0; i < pr->nnodes; i++) {
        const struct xf_node *n = p->nodes.v[i];
        size_t k = n->index; /* the slots are by the node's index (its place in nodes) */
        if (k >= pr->nnodes)
            continue;
        if (pr->made[k]) {
            xf_wire_put64(&b, id_hash(n));
            xf_wire_put64(&b, node_key(n));
            xf_wire_putstr(&b, pr->fresh[k].ptr, pr->fresh[k].len);
        } else if (pr->used[k]) {
            xf_wire_put64(&b, pr->used[k]->id);
            xf_wire_put64(&b, pr->used[k]->key);
            xf_wire_putstr(&b, (const char *)pr->used[k]->ops, pr->used[k]->len);
        }
    }
    uint64_t sum = xf_ppcache_content_hash(b.ptr + body, b.len - body);
    memcpy(b.ptr + body - 8, &sum, 8);
    int e = xf_write_file(pr->path, b.ptr, b.len);
    xf_buf_release(&b);
    return e < 0 ? strerror(-e) : NULL;
}

void xf_precs_close(struct xf_session *s, bool loaded)
{
    struct xf_precs *pr = s->precs;
    if (!pr)
        return;
    s->precs_reused = atomic_load(&pr->reused);
    s->precs_rendered = atomic_load(&pr->rendered);
    s->precs_why = pr->why;
    if (loaded) {
        const char *err = save(pr, s->p);
        if (err)
            s->precs_off = xf_arena_printf(&s->arena, "%s not written: %s", pr->path, err);
    }
    for (size_t i = 0; i < pr->nnodes; i++)
        xf_buf_release(&pr->fresh[i]);
    free(pr->fresh);
    free(pr->made);
    free(pr->used);
    free(pr->recs);
    xf_map_release(&pr->by_id);
    xf_map_release(&pr->files);
    xf_buf_release(&pr->old);
    free(pr);
    s->precs = NULL;
}
