#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""How much --threads buys on PostgreSQL: generates a project of wide
layers over one large seed, starts a private PostgreSQL cluster
(tests/e2e/pgcluster.py), seeds once per schema, then times
`xform run --threads 1` and `xform run --threads 4` (each --repeat times,
--full-refresh, alternating), prints the medians and their ratio, and
checks that both schemas hold exactly the same rows.

    /usr/bin/python3 bench/threads.py [--models 200 --rows 100000]
    /usr/bin/python3 bench/threads.py --generate DIR --models 30 --rows 3000

--generate only writes the project (fixtures/threads is made that way).
The binary is $XFORM_BIN, else build/xform. Every model does real work
(group by, joins, window functions) and every ordering is total, so the
results do not depend on the order the models ran in.
"""

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.dont_write_bytecode = True  # no __pycache__ in tests/e2e

CATEGORIES = 8
KEYS = "customer_id, category"

PROJECT = """\
# Wide layers of models over one seed, for --threads tests and benchmarks.
# Generated: /usr/bin/python3 bench/threads.py --generate DIR --models {models} --rows {rows}{flags}
name: 'threads'
version: '1.0'
config-version: 2
profile: 'threads'

models:
  threads:
    +materialized: table
"""

# layer 0 reads the seed: events(id, customer_id, product_id, category,
# qty, price_cents, day); every model returns (customer_id, category, n,
# revenue, score), one row per customer and category
LAYER0 = [
    """\
-- totals per customer and category over a slice of the events
select customer_id, category, count(*) as n, sum(qty * price_cents) as revenue,
       max(day) - min(day) as score
from {{{{ ref('events') }}}}
where id % {m} <> {r}
group by customer_id, category
""",
    """\
-- a running total per customer (window), then its peak per category
with w as (
    select customer_id, category, qty * price_cents as amount,
           sum(qty * price_cents) over (
               partition by customer_id order by day, id
               rows between unbounded preceding and current row) as running
    from {{{{ ref('events') }}}}
    where product_id % {m} <> {r}
)
select customer_id, category, count(*) as n, sum(amount) as revenue, max(running) as score
from w
group by customer_id, category
""",
    """\
-- product statistics joined back to the events they come from
with p as (
    select product_id, sum(qty) as sold, count(distinct customer_id) as buyers
    from {{{{ ref('events') }}}}
    group by product_id
)
select e.customer_id, e.category, count(*) as n, sum(e.qty * e.price_cents) as revenue,
       sum(p.buyers) + max(p.sold) as score
from {{{{ ref('events') }}}} e
join p on p.product_id = e.product_id
where e.day % {m} <> {r}
group by e.customer_id, e.category
""",
]


def upper(kind, parents):
    """A model of layer 1+ over its parents (same columns in and out)."""
    refs = [f"{{{{ ref('{p}') }}}}" for p in parents]
    if len(refs) == 1:
        refs = refs * 2  # a layer of one model below: join it with itself
    if kind == 0:  # joins
        lines = ["-- the first parent, joined with the others on the keys",
                 "select a.customer_id, a.category,",
                 "       a.n" + "".join(f" + coalesce(p{i}.n, 0)" for i in range(1, len(refs)))
                 + " as n,",
                 "       a.revenue" + "".join(
                     f" {'+' if i % 2 else '-'} coalesce(p{i}.revenue, 0)"
                     for i in range(1, len(refs))) + " as revenue,",
                 "       case when a.score > coalesce(p1.score, 0) then a.score "
                 "else coalesce(p1.score, 0) end as score",
                 f"from {refs[0]} a"]
        for i, r in enumerate(refs[1:], 1):
            lines.append(f"left join {r} p{i} on p{i}.customer_id = a.customer_id "
                         f"and p{i}.category = a.category")
        return "\n".join(lines) + "\n"
    if kind == 1:  # union, group by, window
        union = "\n    union all\n".join(
            f"    select customer_id, category, n, revenue from {r}" for r in refs)
        return (
            "-- every parent's rows summed, then ranked within each category\n"
            f"with u as (\n{union}\n), g as (\n"
            "    select customer_id, category, sum(n) as n, sum(revenue) as revenue\n"
            "    from u\n    group by customer_id, category\n)\n"
            "select customer_id, category, n, revenue,\n"
            "       rank() over (partition by category order by revenue desc, customer_id) "
            "as score\nfrom g\n")
    # kind 2: an aggregate per customer joined back, filtered by the others
    lines = ["-- per-customer totals of one parent joined to the rows of another",
             "with c as (",
             "    select customer_id, sum(revenue) as total, count(*) as cats",
             f"    from {refs[0]}", "    group by customer_id", ")",
             "select x.customer_id, x.category, x.n + c.cats as n, x.revenue,",
             "       c.total - x.score as score",
             f"from {refs[1]} x",
             "join c on c.customer_id = x.customer_id"]
    for i, r in enumerate(refs[2:]):
        lines.append(f"{'and' if i else 'where'} exists (select 1 from {r} y{i} "
                     f"where y{i}.customer_id = x.customer_id and y{i}.category = x.category)")
    return "\n".join(lines) + "\n"


def layer_sizes(models, layers):
    base, extra = divmod(models, layers)
    return [base + (1 if i < extra else 0) for i in range(layers)]


def name(layer, j):
    return f"l{layer}_{j:03d}"


def parents_of(j, width):
    """Two or three parents in the layer below, spread over its width."""
    picks = []
    for p in (j % width, (j * 7 + 3) % width, (j * 3 + 1) % width):
        if p not in picks:
            picks.append(p)
    return picks


def generate(dest, models, rows, layers=4, views=False, seed=7):
    """Writes the project into dest (replaced). Returns {model: [parents]}."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "models").mkdir(parents=True)
    (dest / "seeds").mkdir()
    (dest / "dbt_project.yml").write_text(PROJECT.format(
        models=models, rows=rows, flags=(" --layers %d" % layers if layers != 4 else "")
        + (" --views" if views else "")))

    rnd = random.Random(seed)
    customers = max(10, rows // 20)
    products = 40
    with open(dest / "seeds" / "events.csv", "w") as f:
        f.write("id,customer_id,product_id,category,qty,price_cents,day\n")
        for i in range(1, rows + 1):
            f.write(f"{i},{rnd.randint(1, customers)},{rnd.randint(1, products)},"
                    f"c{rnd.randrange(CATEGORIES)},{rnd.randint(1, 10)},"
                    f"{rnd.randint(100, 9999)},{rnd.randint(1, 365)}\n")

    graph = {}
    sizes = layer_sizes(models, layers)
    for k, width in enumerate(sizes):
        for j in range(width):
            kind = (k + j) % 3
            if k == 0:
                sql = LAYER0[kind].format(m=5 + j % 7, r=j % 5)
                graph[name(k, j)] = ["events"]
            else:
                ps = [name(k - 1, p) for p in parents_of(j, sizes[k - 1])]
                sql = upper(kind, ps)
                graph[name(k, j)] = ps
            if views and (k + 2 * j) % 7 == 3 and k < layers - 1:
                sql = "{{ config(materialized='view') }}\n" + sql
            (dest / "models" / f"{name(k, j)}.sql").write_text(sql)
    return graph


# ------------------------------------------------------------------ bench
def xform_bin():
    raw = os.environ.get("XFORM_BIN") or str(REPO / "build" / "xform")
    return str(Path(raw).resolve())


def run(argv, project, timeout=3600):
    t = time.monotonic()
    r = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=timeout,
                       env={k: v for k, v in os.environ.items() if not k.startswith("PG")})
    took = time.monotonic() - t
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed (exit {r.returncode}):\n{r.stdout[-3000:]}"
                 f"{r.stderr[-3000:]}")
    return took, r.stdout


def checksums(cluster, schema, relations):
    """{relation: (rows, md5 of its rows in a total order)} in one query."""
    parts = [f"select '{rel}', count(*), md5(coalesce(string_agg(t::text, E'\\n' "
             f"order by t::text), '')) from \"{schema}\".\"{rel}\" t" for rel in relations]
    out = {}
    for i in range(0, len(parts), 100):
        for rel, n, md5 in cluster.psql("\nunion all\n".join(parts[i:i + 100])):
            out[rel] = (int(n), md5)
    return out


def machine():
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines()
                      if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1048576:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem} RAM, {platform.system()} {platform.release()}"


def bench(args):
    from pgcluster import PgCluster

    xf = xform_bin()
    version = subprocess.run([xf, "--version"], capture_output=True, text=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="xform-bench-threads."))
    try:
        proj = work / "threads"
        t = time.monotonic()
        graph = generate(proj, args.models, args.rows, args.layers)
        print(f"xform: {xf} ({version})")
        print(f"machine: {machine()}")
        print(f"project: {args.models} models in {args.layers} layers of "
              f"{layer_sizes(args.models, args.layers)}, seed of {args.rows} rows "
              f"(generated in {time.monotonic() - t:.1f}s)")
        # wal_level=minimal: CREATE TABLE AS writes no WAL, so the disk
        # (shared with whatever else runs here) matters less
        with PgCluster(settings={"max_connections": "40", "wal_level": "minimal",
                                 "max_wal_senders": "0", "shared_buffers": "256MB"}) as pg:
            server = pg.psql("show server_version")[0][0]
            print(f"postgres: {server} on 127.0.0.1:{pg.port} (fsync=off, wal_level=minimal)")
            outputs = "".join(
                f"    t{n}:\n      type: postgres\n      host: 127.0.0.1\n"
                f"      port: {pg.port}\n      user: postgres\n      dbname: postgres\n"
                f"      schema: bench_t{n}\n      threads: {n}\n" for n in (1, args.threads))
            (proj / "profiles.yml").write_text(f"threads:\n  target: t1\n  outputs:\n{outputs}")
            base = [xf]
            dirs = ["--project-dir", str(proj), "--profiles-dir", str(proj)]
            for n in (1, args.threads):
                took, _ = run(base + ["seed"] + dirs + ["-t", f"t{n}"], proj)
                print(f"seeded bench_t{n} in {took:.1f}s (not timed)")
            pg.psql("vacuum analyze")

            times = {1: [], args.threads: []}
            loads = [os.getloadavg()[0]]
            for i in range(args.repeat):
                # alternate which goes first, so that neither always
                # inherits the other's checkpoint or a busy neighbour
                for n in (1, args.threads) if i % 2 == 0 else (args.threads, 1):
                    took, out = run(base + ["run", "--threads", str(n), "--full-refresh"] + dirs
                                    + ["-t", f"t{n}"], proj)
                    if f"PASS={args.models} " not in out:
                        sys.exit(f"run --threads {n} did not pass every model:\n{out[-2000:]}")
                    times[n].append(took)
                    loads.append(os.getloadavg()[0])
                    print(f"  run {i + 1}: --threads {n}: {took:.2f}s "
                          f"(load average {loads[-1]:.1f})", flush=True)

            a = checksums(pg, "bench_t1", sorted(graph))
            b = checksums(pg, f"bench_t{args.threads}", sorted(graph))
            differ = [r for r in graph if a[r] != b[r]]
            empty = [r for r in graph if a[r][0] == 0]
            total = sum(n for n, _ in a.values())
        m1 = statistics.median(times[1])
        mn = statistics.median(times[args.threads])
        print()
        print(f"median of {args.repeat}: --threads 1: {m1:.2f}s, --threads {args.threads}: "
              f"{mn:.2f}s, speed-up x{m1 / mn:.2f}")
        print(f"best of {args.repeat}: --threads 1: {min(times[1]):.2f}s, --threads "
              f"{args.threads}: {min(times[args.threads]):.2f}s, speed-up "
              f"x{min(times[1]) / min(times[args.threads]):.2f}")
        print(f"load average (1 min) during the runs: {min(loads):.1f} to {max(loads):.1f} "
              f"on {os.cpu_count()} cores" + (" -- the machine was busy: figures are noisy"
                                              if max(loads) > (os.cpu_count() or 1) else ""))
        print(f"results: {len(graph)} relations, {total} rows, "
              + ("identical in both schemas" if not differ else
                 f"{len(differ)} DIFFER: {', '.join(sorted(differ)[:10])}"))
        if empty:
            print(f"warning: {len(empty)} relations are empty: {', '.join(sorted(empty)[:10])}")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "models": args.models, "rows": args.rows, "layers": args.layers,
                "threads": args.threads, "times": {str(k): v for k, v in times.items()},
                "median": {"1": m1, str(args.threads): mn}, "ratio": m1 / mn,
                "identical": not differ, "load_average": loads, "machine": machine(), "postgres": server,
                "xform": version}, indent=2) + "\n")
        return 1 if differ else 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, default=200)
    ap.add_argument("--rows", type=int, default=100000, help="rows of the seed")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4, help="compared with --threads 1")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--generate", metavar="DIR", help="only write the project to DIR")
    ap.add_argument("--views", action="store_true",
                    help="with --generate: make some inner models views")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    ap.add_argument("--keep", action="store_true", help="keep the generated project")
    args = ap.parse_args()
    if args.models < args.layers:
        ap.error("--models must be at least --layers")
    if args.generate:
        generate(args.generate, args.models, args.rows, args.layers, views=args.views)
        return 0
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
