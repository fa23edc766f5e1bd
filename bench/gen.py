#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates a synthetic xform/dbt project for benchmarks.

    bench/gen.py N OUT_DIR [--seed S] [--rows R]

N models in folders of ten (models/f0000/m00000.sql ...). Each model is a
`select` unioned with a few refs to earlier models and uses what real
projects use: config(), a project macro, a for loop, an if and var().
Each folder has a schema.yml with unique, not_null and relationships
tests. Three seeds of R rows (default 10) feed the first models. Every
model returns the same R (id, amount) rows: with the default the project
runs quickly (`xform seed && xform run`) however large it is and shows
xform's own cost per model; with --rows 20000 each model does real work
in the database. Deterministic for a given N, --seed and --rows.
"""

import argparse
import os
import random
import shutil

SEEDS = 3
SEED_ROWS = 10
MAX_PARENTS = 3
WINDOW = 40  # parents are picked among the previous WINDOW models

PROJECT = """\
name: 'bench'
version: '1.0'
config-version: 2
profile: 'bench'

vars:
  bench_factor: 3
  bench_filter: true

models:
  bench:
    +materialized: table
"""

MACRO = """\
{#- (col * f) / f: integer arithmetic, so the value comes back unchanged #}
{% macro scaled(col, factor) -%}
    ({{ col }} * {{ factor }}) / {{ factor }}
{%- endmacro %}
"""

MODEL = """\
{{{{ config(materialized='table', tags=['{tag}']) }}}}
{{%- set columns = ['id', 'amount'] %}}

{parts}
"""

PART = """\
select
    {{% for c in columns -%}}
    {{% if c == 'amount' %}}{{{{ scaled('amount', var('bench_factor')) }}}} as amount{{% else %}}{{{{ c }}}}{{% endif %}}{{% if not loop.last %}},{{% endif %}}
    {{% endfor -%}}
from {{{{ ref('{parent}') }}}}
{{% if var('bench_filter', true) %}}where id > 0{{% endif %}}"""


def model_name(i):
    return f"m{i:05d}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of models")
    ap.add_argument("out", help="project folder to (re)create")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rows", type=int, default=SEED_ROWS, help="rows of each seed")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(os.path.join(args.out, "macros"))
    os.makedirs(os.path.join(args.out, "seeds"))
    with open(os.path.join(args.out, "dbt_project.yml"), "w") as f:
        f.write(PROJECT)
    with open(os.path.join(args.out, "macros", "scaled.sql"), "w") as f:
        f.write(MACRO)
    for s in range(SEEDS):
        with open(os.path.join(args.out, "seeds", f"seed_{s}.csv"), "w") as f:
            f.write("id,amount\n")
            for r in range(1, args.rows + 1):
                f.write(f"{r},{r * 100}\n")

    for folder in range((args.n + 9) // 10):
        fdir = os.path.join(args.out, "models", f"f{folder:04d}")
        os.makedirs(fdir)
        yml = ["version: 2", "", "models:"]
        for i in range(folder * 10, min(args.n, folder * 10 + 10)):
            name = model_name(i)
            if i < MAX_PARENTS:
                parents = [f"seed_{i % SEEDS}"]
            else:
                k = rng.randint(1, MAX_PARENTS)
                parents = [model_name(p) for p in rng.sample(range(max(0, i - WINDOW), i), k)]
            parts = "\n\nunion\n\n".join(PART.format(parent=p) for p in parents)
            with open(os.path.join(fdir, name + ".sql"), "w") as f:
                f.write(MODEL.format(tag=f"f{folder:04d}", parts=parts))
            yml += [
                f"  - name: {name}",
                f"    description: synthetic model {i} ({len(parents)} parents)",
                "    columns:",
                "      - name: id",
                "        tests:",
                "          - unique",
                "          - not_null",
                "          - relationships:",
                f"              to: ref('{parents[0]}')",
                "              field: id",
            ]
        with open(os.path.join(fdir, "schema.yml"), "w") as f:
            f.write("\n".join(yml) + "\n")


if __name__ == "__main__":
    main()
