#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replays the SQL of an xform run with plain sqlite3, to compare.

    bench/replay.py PROJECT_DIR [--xform BIN] [--source compiled|run]

With --xform, first times `BIN run` on the project (seeds must be loaded
already, e.g. by `xform seed`). Then copies the project's SQLite file,
drops every model relation from the copy, and times building them again
with Python's sqlite3 module, one model after another in dependency order
(from target/manifest.json):
  --source compiled (default): `create table|view ... as <compiled_code>`
  --source run: the statements xform executed (target/run/<project>/...),
                as they are (temporary names and swaps included)
Prints both times and the ratio: what xform adds over the database work.
"""

import argparse
import json
import os
import shutil
import sqlite3
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project")
    ap.add_argument("--xform", help="xform binary: time `xform run` first")
    ap.add_argument("--source", choices=["compiled", "run"], default="compiled")
    args = ap.parse_args()
    proj = os.path.abspath(args.project)

    xform_time = None
    if args.xform:
        t0 = time.perf_counter()
        r = subprocess.run([args.xform, "run", "--project-dir", proj], stdout=subprocess.DEVNULL)
        xform_time = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit(f"xform run failed (exit {r.returncode})")

    with open(os.path.join(proj, "target", "manifest.json")) as f:
        manifest = json.load(f)
    project_name = manifest["metadata"].get("project_name") or \
        next(iter(manifest["nodes"].values()))["package_name"]
    models = topo_models(manifest)
    src_db = os.path.join(proj, project_name + ".db")
    if not os.path.exists(src_db):
        sys.exit(f"no {src_db}: run `xform seed` (and `xform run`) first")

    statements = []
    for m in models:
        name = m.get("alias") or m["name"]
        mat = m["config"].get("materialized")
        if mat == "ephemeral":
            continue  # inlined into the models that use it
        kind = "view" if mat == "view" else "table"
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

    with tempfile.TemporaryDirectory() as tmp:
        db_path = os.path.join(tmp, "replay.db")
        shutil.copyfile(src_db, db_path)
        con = sqlite3.connect(db_path, isolation_level=None)
        for name, kind, _ in reversed(statements):
            con.execute(f'drop {kind} if exists "main"."{name}"')
        con.execute("vacuum")
        t0 = time.perf_counter()
        for name, kind, sql in statements:
            con.executescript(sql)  # autocommit per statement, like a model build
        replay_time = time.perf_counter() - t0
        con.close()

    print(f"models:        {len(statements)}")
    if xform_time is not None:
        print(f"xform run:     {xform_time:.3f} s")
    print(f"sqlite3 replay ({args.source}): {replay_time:.3f} s")
    if xform_time is not None and replay_time > 0:
        print(f"ratio:         {xform_time / replay_time:.2f}x")


if __name__ == "__main__":
    main()
