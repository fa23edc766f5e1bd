#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replays the SQL of an xform run with plain sqlite3, to compare.

    bench/replay.py PROJECT_DIR [--xform BIN] [--source compiled|run]
    bench/replay.py PROJECT_DIR --build --xform BIN [--threads N] [--repeat R]

Seeds must be loaded already (`xform seed`). Both sides start from the
same database state, on the project's own file system:
  --source compiled (default): every model relation is dropped, then
      `xform run` is timed building them all from scratch (with --xform);
      then, on a copy with the models dropped again, Python's sqlite3 runs
      `create table|view ... as <compiled_code>` one model after another in
      dependency order (from target/manifest.json).
  --source run: `xform run` is timed over the existing relations (a
      rebuild); then a copy of the database replays the statements xform
      executed (target/run/<project>/..., drops and swaps included).
Prints both times (wall and CPU: the CPU figures hold on a busy machine)
and the ratios: what xform adds over the database work.
"""

import argparse
import csv
import glob
import hashlib
import json
import os
import resource
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time



def topo_models(manifest):
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    order, state = [], {}

    def visit(uid):  # iterative DFS: projects are deep
        stack = [(uid, iter(nodes[uid]["depends_on"]["nodes"]))]
        state[uid] = 1
        while stack:
            cur, it = stack[-1]
            for dep in it:
                if dep in nodes and dep not in state:
                    state[dep] = 1
                    stack.append((dep, iter(nodes[dep]["depends_on"]["nodes"])))
                    break
            else:
                stack.pop()
                order.append(cur)

    for uid in sorted(nodes):
        if uid not in state:
            visit(uid)
    return [nodes[u] for u in order]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def load_models(proj):
    """(project name, [(name, kind, model)] in dependency order) from the manifest."""
    with open(os.path.join(proj, "target", "manifest.json")) as f:
        manifest = json.load(f)
    project_name = manifest["metadata"].get("project_name") or \
        next(iter(manifest["nodes"].values()))["package_name"]
    out = []
    for m in topo_models(manifest):
        mat = m["config"].get("materialized")
        if mat != "ephemeral":  # inlined into the models that use it
            out.append((m.get("alias") or m["name"], "view" if mat == "view" else "table", m))
    return project_name, out


def drop_relations(con, models):
    for name, kind, _ in reversed(models):
        con.execute(f'drop {kind} if exists "main"."{name}"')
    con.execute("vacuum")


def remove_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def build_statements(proj, project_name, results):
    """[(kind, uid, sql, csv rows or None)] of a fresh build, in results order."""
    nodes = {}
    with open(os.path.join(proj, "target", "manifest.json")) as f:
        manifest = json.load(f)
    nodes.update(manifest["nodes"])
    out = []
    for res in results:
        uid = res["unique_id"]
        n = nodes[uid]
        kind = n["resource_type"]
        run = os.path.join(proj, "target", "run", project_name, n["original_file_path"])
        if kind == "test" and n.get("original_file_path", "").endswith((".yml", ".yaml")):
            run = os.path.join(run, n["path"].split("/")[-1])
        if kind == "model" and n["config"].get("materialized") == "ephemeral":
            continue
        with open(run) as f:
            sql = f.read()
        rows = None
        if kind == "seed":
            with open(os.path.join(proj, n["original_file_path"]), newline="") as f:
                rows = list(csv.reader(f))[1:]
        out.append((kind, uid, sql, rows))
    return out


def replay_build(db_path, statements):
    """Runs the statements serially on a fresh database: {test uid: failures}, wall, cpu."""
    remove_db(db_path)
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=normal")
    failures = {}
    c0 = time.process_time()
    t0 = time.perf_counter()
    for kind, uid, sql, rows in statements:
        if kind == "test":
            failures[uid] = con.execute(sql).fetchone()[0]
        elif rows is not None:
            # a seed: its CREATE ... then one prepared INSERT for every row, as xform
            for stmt in sql.split(";\n"):
                m = re.match(r"\s*(INSERT INTO .* VALUES \(.*\))", stmt)
                if m:
                    con.executemany(m.group(1), rows)
                elif stmt.strip():
                    con.execute(stmt)
        else:
            con.executescript(sql)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    con.close()
    return failures, wall, cpu


def table_digest(db_path, names):
    con = sqlite3.connect(db_path)
    out = {}
    for name in names:
        h = hashlib.sha256()
        for row in con.execute(f'select * from "main"."{name}" order by 1, 2'):
            h.update(repr(row).encode())
        out[name] = h.hexdigest()
    con.close()
    return out


def main_build(args, proj):
    """--build: xform build vs the serial replay of its statements, each on a fresh database."""
    with open(os.path.join(proj, "dbt_project.yml")) as f:
        project_name = re.search(r"^name:\s*'?([\w]+)", f.read(), re.M).group(1)
    db = os.path.join(proj, project_name + ".db")
    cmd = [args.xform, "build", "--project-dir", proj]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    xw, xc, rw, rc = [], [], [], []
    statements = None
    with tempfile.TemporaryDirectory(dir=proj) as tmp:
        rdb = os.path.join(tmp, "replay.db")
        for _ in range(args.repeat):
            remove_db(db)
            c0 = children_cpu()
            t0 = time.perf_counter()
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL)
            xw.append(time.perf_counter() - t0)
            xc.append(children_cpu() - c0)
            if r.returncode != 0:
                sys.exit(f"xform build failed (exit {r.returncode})")
            with open(os.path.join(proj, "target", "run_results.json")) as f:
                results = json.load(f)["results"]
            if statements is None:
                statements = build_statements(proj, project_name, results)
            failures, w, c = replay_build(rdb, statements)
            rw.append(w)
            rc.append(c)
        # identical results: every test's failures, every model table's rows
        xf = {res["unique_id"]: res["failures"] for res in results
              if res["unique_id"].startswith("test.")}
        if xf != failures:
            bad = sorted(k for k in xf if xf[k] != failures.get(k))[:5]
            sys.exit(f"results differ: test failures {bad}")
        tables = [uid.split(".")[-1] for kind, uid, _, _ in statements if kind == "model"]
        if table_digest(db, tables) != table_digest(rdb, tables):
            sys.exit("results differ: a model table's rows")
    tests = sum(1 for k, *_ in statements if k == "test")
    mx, mr = statistics.median(xw), statistics.median(rw)
    print(f"nodes:          {len(statements)} ({tests} tests), results identical")
    print(f"xform build:    {mx:.3f} s wall (median of {args.repeat}), "
          f"{statistics.median(xc):.3f} s cpu{' --threads ' + str(args.threads) if args.threads else ''}")
    print(f"sqlite3 replay: {mr:.3f} s wall, {statistics.median(rc):.3f} s cpu (serial)")
    print(f"ratio:          {mx / mr:.2f}x wall, {statistics.median(xc) / statistics.median(rc):.2f}x cpu")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project")
    ap.add_argument("--xform", help="xform binary: time `xform run` first")
    ap.add_argument("--source", choices=["compiled", "run"], default="compiled")
    ap.add_argument("--build", action="store_true",
                    help="time `xform build` against replaying every statement it ran")
    ap.add_argument("--threads", type=int, help="with --build: xform's --threads")
    ap.add_argument("--repeat", type=int, default=1, help="with --build: runs of each side")
    args = ap.parse_args()
    proj = os.path.abspath(args.project)
    if args.build:
        if not args.xform:
            sys.exit("--build needs --xform BIN")
        return main_build(args, proj)

    xform_time = None
    if args.xform:
        if args.source == "compiled":
            # a first run writes the manifest; then xform builds every model from none
            subprocess.run([args.xform, "run", "--project-dir", proj], check=True,
                           stdout=subprocess.DEVNULL)
            project_name, models = load_models(proj)
            con = sqlite3.connect(os.path.join(proj, project_name + ".db"), isolation_level=None)
            drop_relations(con, models)
            con.close()
        c0 = children_cpu()
        t0 = time.perf_counter()
        r = subprocess.run([args.xform, "run", "--project-dir", proj], stdout=subprocess.DEVNULL)
        xform_time = time.perf_counter() - t0
        xform_cpu = children_cpu() - c0
        if r.returncode != 0:
            sys.exit(f"xform run failed (exit {r.returncode})")

    project_name, models = load_models(proj)
    src_db = os.path.join(proj, project_name + ".db")
    if not os.path.exists(src_db):
        sys.exit(f"no {src_db}: run `xform seed` (and `xform run`) first")

    statements = []
    for name, kind, m in models:
        if args.source == "run":
            path = os.path.join(proj, "target", "run", project_name, m["original_file_path"])
            with open(path) as f:
                statements.append((name, kind, f.read()))
        else:
            code = m.get("compiled_code")
            if code is None:
                path = os.path.join(proj, "target", "compiled", project_name,
                                    m["original_file_path"])
                with open(path) as f:
                    code = f.read()
            statements.append((name, kind, f'create {kind} "main"."{name}" as\n{code}'))

    # next to the project: the same file system (and fsync cost) as xform's file
    with tempfile.TemporaryDirectory(dir=proj) as tmp:
        db_path = os.path.join(tmp, "replay.db")
        shutil.copyfile(src_db, db_path)
        con = sqlite3.connect(db_path, isolation_level=None)
        if args.source == "compiled":
            drop_relations(con, statements)
        c0 = time.process_time()
        t0 = time.perf_counter()
        for _, _, sql in statements:
            con.executescript(sql)  # autocommit per model, like a model build
        replay_time = time.perf_counter() - t0
        replay_cpu = time.process_time() - c0
        con.close()

    print(f"models:         {len(statements)}")
    if xform_time is not None:
        print(f"xform run:      {xform_time:.3f} s wall, {xform_cpu:.3f} s cpu")
    print(f"sqlite3 replay: {replay_time:.3f} s wall, {replay_cpu:.3f} s cpu ({args.source})")
    if xform_time is not None and replay_time > 0 and replay_cpu > 0:
        print(f"ratio:          {xform_time / replay_time:.2f}x wall, "
              f"{xform_cpu / replay_cpu:.2f}x cpu")


if __name__ == "__main__":
    main()
