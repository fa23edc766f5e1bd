#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmark of the docs site on a generated project (bench/gen.py):
`xform docs generate` wall time, then headless Chromium opening
index.html straight onto a focused lineage (#!/graph/+model+) and the
time until that graph is drawn. Targets: both under 2 s at 10,000 models.

    tests/browser/bench_docs.py [--models 10000] [--dir /tmp/xform-docs-bench]
                                [--runs 3] [--rebuild] [--tables-only]

XFORM_BIN picks the binary (default build-release/xform, else build/xform).
The project is seeded and run once (slow at 10,000 models: every model is
a table; --tables-only creates the tables directly) and reused while it
exists, unless --rebuild.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLAYWRIGHT = "playwright-core@1.56.1"


def xform_bin():
    env = os.environ.get("XFORM_BIN")
    if env:
        return Path(env).resolve()
    for cand in ("build-release/xform", "build/xform"):
        if (REPO / cand).is_file():
            return REPO / cand
    sys.exit("no xform binary: build one (meson setup build-release --buildtype=release) "
             "or set XFORM_BIN")


def run(cmd, cwd, quiet=True):
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=quiet, text=True)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=10000)
    ap.add_argument("--dir", default="/tmp/xform-docs-bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true", help="regenerate, seed and run again")
    ap.add_argument("--tables-only", action="store_true",
                    help="instead of `xform run` (slow at this size), create each model's "
                         "table (id, amount) with Python's sqlite3: the catalog reads the same")
    args = ap.parse_args()
    exe = xform_bin()
    proj = Path(args.dir) / f"p{args.models}"
    gen = REPO / "bench" / "gen.py"
    if not gen.is_file():
        sys.exit(f"no {gen}: the project generator comes with the bench tools")
    if args.rebuild or not (proj / "target" / "manifest.json").is_file():
        subprocess.run([sys.executable, str(gen), str(args.models), str(proj)], check=True)
        print(f"seed + run of {args.models} models (once) ...", flush=True)
        run([exe, "seed", "-q"], proj)
        if args.tables_only:
            import sqlite3
            con = sqlite3.connect(proj / "bench.db")
            with con:
                for i in range(args.models):
                    con.execute(f'create table if not exists "m{i:05d}" (id integer, amount integer)')
            con.close()
        else:
            dt = run([exe, "run", "-q"], proj)
            print(f"  run: {dt:.1f} s", flush=True)

    gen_times = [run([exe, "docs", "generate", "-q"], proj) for _ in range(args.runs)]
    html = proj / "target" / "index.html"
    catalog = json.loads((proj / "target" / "catalog.json").read_text())
    print(f"docs generate: {min(gen_times):.2f} s best, {statistics.median(gen_times):.2f} s "
          f"median of {args.runs}; index.html {html.stat().st_size / 1e6:.1f} MB; catalog "
          f"{len(catalog['nodes'])} nodes", flush=True)

    node = shutil.which("node")
    if not node:
        sys.exit("no node: cannot time the page")
    deps = exe.parent / "browser"
    if not (deps / "node_modules" / "playwright-core").is_dir():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save",
                        "--loglevel=error", "--prefix", str(deps), PLAYWRIGHT], check=True)
    focus = f"model.bench.m{args.models // 2:05d}"
    spec = {"modules": str(deps), "chromium": shutil.which("chromium") or "/usr/bin/chromium",
            "html": str(html), "out": str(exe.parent / "docs-bench"), "focus": focus,
            "bench": True}
    Path(spec["out"]).mkdir(exist_ok=True)
    spec_path = Path(spec["out"]) / "spec.json"
    spec_path.write_text(json.dumps(spec))
    page = []
    for _ in range(args.runs):
        r = subprocess.run([node, str(REPO / "tests" / "browser" / "docs_check.js"),
                            str(spec_path)], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            sys.exit(f"browser run failed:\n{r.stdout}{r.stderr}")
        page.append(json.loads(r.stdout.strip().splitlines()[-1]))
    best = min(page, key=lambda t: t["focused_lineage_ms"])
    print(f"page open to focused lineage of {focus}: "
          f"{min(t['focused_lineage_ms'] for t in page)} ms best, "
          f"{statistics.median(t['focused_lineage_ms'] for t in page):.0f} ms median "
          f"(best run: data read {best['parse_ms']} ms, app ready {best['app_ready_ms']} ms, "
          f"{best['nodes_in_manifest']} nodes); screenshot {spec['out']}/docs-lineage.png")
    ok = min(gen_times) < 2 and min(t["focused_lineage_ms"] for t in page) < 2000
    print("OK: both under 2 s" if ok else "SLOW: a target of 2 s was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
