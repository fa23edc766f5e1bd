# SPDX-License-Identifier: MIT
"""--threads on PostgreSQL: fixtures/threads (30 models in wide layers over
a 3,000-row seed, made by bench/threads.py) built with one thread into one
schema and with four into another must give the same tables, the same
run_results.json, the same summary and whole console lines; a failing
model skips only what depends on it while the other branches complete."""

import os
import re
import shutil
import subprocess
import uuid

import pytest

PSQL = shutil.which("psql") or "/usr/bin/psql"

TS = r"\d\d:\d\d:\d\d  "
DOTS = r" \.+ "
# every line xform run prints, with dbt's shape
LINE_SHAPES = [re.compile(TS + p + "$") for p in (
    r"",
    r"Running with xform=\S+",
    r"Found \d+ models, .*",
    r"Concurrency: \d+ threads?.*",
    r"\d+ of \d+ START sql (table|view) model \w+\.\w+" + DOTS + r"\[RUN\]",
    r"\d+ of \d+ OK created sql (table|view) model \w+\.\w+" + DOTS
    + r"\[[A-Z][A-Z ]*(\d+ )?in \d+\.\d\ds\]",
    r"\d+ of \d+ ERROR creating sql (table|view) model \w+\.\w+" + DOTS
    + r"\[ERROR in \d+\.\d\ds\]",
    r"\d+ of \d+ SKIP relation \w+\.\w+" + DOTS + r"\[SKIP\]",
    r"Finished running .* in \d+ hours \d+ minutes and \d+\.\d\d seconds \(\d+\.\d\ds\)\.",
    r"Completed successfully",
    r"Completed with \d+ errors? and \d+ warnings?:",
    r"Error in model \w+ \(models/\w+\.sql\)",
    r"  \S.*",  # the lines of one error, under its "Error in model"
    r"   \d+ \| .*",  # a database error's failing SQL line ...
    r"   +\| *\^~*",  # ... the caret under its token ...
    r"   at models/\w+\.sql:\d+(:\d+)? in the model's source( \(rendered from Jinja there\))?",
    r"Done\. PASS=\d+ WARN=\d+ ERROR=\d+ SKIP=\d+ TOTAL=\d+",
)]
PROGRESS = re.compile(TS + r"(\d+) of (\d+) (START|OK|ERROR|SKIP) .*?\w+\.(\w+) \.+ \[")


def psql(pg, sql):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    info = " ".join(f"{k}={v}" for k, v in pg.items())
    r = subprocess.run([PSQL, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        "-d", info, "-c", sql], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return [tuple(line.split("\t")) for line in r.stdout.splitlines()]


def model_graph(project):
    """{model: [models and seeds it refs]}, read from the model files."""
    return {p.stem: re.findall(r"ref\('(\w+)'\)", p.read_text())
            for p in sorted(project.path("models").glob("*.sql"))}


def descendants(graph, roots):
    children = {}
    for m, parents in graph.items():
        for p in parents:
            children.setdefault(p, set()).add(m)
    seen, todo = set(), list(roots)
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return seen


@pytest.fixture
def threads_project(make_project, pg_conninfo):
    """fixtures/threads with two targets: t1 and t4, one schema each."""
    p = make_project("threads")
    tag = uuid.uuid4().hex[:8]
    p.schemas = {n: f"e2e_thr{n}_{tag}" for n in (1, 4)}
    outputs = "".join(
        f"    t{n}:\n      type: postgres\n      host: {pg_conninfo['host']}\n"
        f"      port: {pg_conninfo['port']}\n      user: {pg_conninfo.get('user', 'postgres')}\n"
        f"      dbname: {pg_conninfo.get('dbname', 'postgres')}\n"
        f"      schema: {s}\n      threads: 1\n" for n, s in p.schemas.items())
    p.write("profiles.yml", f"threads:\n  target: t1\n  outputs:\n{outputs}")
    p.pg = pg_conninfo
    yield p
    psql(pg_conninfo, "; ".join(f'drop schema if exists "{s}" cascade'
                                for s in p.schemas.values()))


def build(p, threads, expect=0):
    """seed + run into the schema of target t<threads>, with --threads."""
    dirs = ["--profiles-dir", str(p.dir), "-t", f"t{threads}"]
    p.xform("seed", *dirs, expect=0)
    r = p.xform("run", *dirs, "--threads", str(threads), expect=expect)
    return r, p.json("target/run_results.json")


def contents(p, schema):
    """{relation: (kind, rows, md5 of the rows in a total order)}."""
    kinds = dict(psql(p.pg, "select table_name, table_type from information_schema.tables "
                            f"where table_schema = '{schema}'"))
    if not kinds:
        return {}
    sums = psql(p.pg, "\nunion all\n".join(
        f"select '{rel}', count(*), md5(coalesce(string_agg(t::text, E'\\n' order by t::text), "
        f"'')) from \"{schema}\".\"{rel}\" t" for rel in sorted(kinds)))
    return {rel: (kinds[rel], int(n), md5) for rel, n, md5 in sums}


def check_lines(r, models):
    """Every console line is whole and has dbt's shape; every model has one
    START (unless skipped) and one result line, with the same index."""
    # (valgrind's own notes, under XFORM_WRAPPER, are not xform's output)
    err = [ln for ln in r.err.splitlines() if not re.match(r"==\d+==", ln)]
    assert not err, f"unexpected stderr:\n{r}"
    bad = [ln for ln in r.out.splitlines() if not any(s.match(ln) for s in LINE_SHAPES)]
    assert not bad, "lines that are not whole dbt-shaped lines:\n" + "\n".join(bad) + f"\n{r}"
    start, result, columns = {}, {}, set()
    for ln in r.out.splitlines():
        m = PROGRESS.match(ln)
        if not m:
            continue
        i, total, what, model = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        assert total == len(models), ln
        columns.add(ln.index(" ["))
        book = start if what == "START" else result
        assert model not in book, f"two {what} lines for {model}:\n{r}"
        book[model] = (i, what)
    assert set(result) == set(models), f"result lines for {sorted(result)}"
    assert sorted(i for i, _ in result.values()) == list(range(1, len(models) + 1))
    for model, (i, what) in result.items():
        if what == "SKIP":
            assert model not in start, f"skipped {model} was started"
        else:
            assert start.get(model, (None,))[0] == i, f"{model}: START and {what} indexes differ"
    assert len(columns) == 1, f"the '[' of the progress lines is not aligned: {columns}"
    return {m: what for m, (_, what) in result.items()}


def end_summary(r):
    """The text after 'Finished running', timestamps and durations removed,
    and the target's schema (each thread count builds into its own; a
    database error quotes the compiled SQL line, which names it)."""
    lines = [re.sub(r"^\d\d:\d\d:\d\d  ", "", ln) for ln in r.out.splitlines()]
    lines = [re.sub(r"\be2e_thr\d+_", "e2e_thr<n>_", ln) for ln in lines]
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Finished running"))
    head = re.sub(r" in .*", "", lines[at])
    return "\n".join([head] + lines[at + 1:])


def statuses(results):
    out = {}
    for res in results["results"]:
        assert res["unique_id"] not in out, f"{res['unique_id']} listed twice"
        out[res["unique_id"]] = res["status"]
    return out


@pytest.mark.feature("postgres.threads")
def test_four_threads_build_the_same_tables_as_one(threads_project):
    p = threads_project
    models = sorted(model_graph(p))
    assert len(models) == 30

    r1, rr1 = build(p, 1)
    r4, rr4 = build(p, 4)
    assert "Concurrency: 1 thread" in r1.out
    assert "Concurrency: 4 threads" in r4.out
    for r in (r1, r4):
        assert r.summary() == {"PASS": 30, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 30}
        assert set(check_lines(r, models).values()) == {"OK"}
    assert end_summary(r1) == end_summary(r4)

    # the same relations with the same rows
    one, four = contents(p, p.schemas[1]), contents(p, p.schemas[4])
    assert sorted(one) == sorted(models + ["events"])
    assert {k for k, _, _ in one.values()} == {"BASE TABLE", "VIEW"}
    for rel in sorted(one):
        assert one[rel][1] > 0, f"{rel} is empty: the comparison would prove nothing"
        assert one[rel] == four[rel], f"{rel} differs between --threads 1 and --threads 4"

    # the same nodes and statuses in run_results.json; four threads used
    assert statuses(rr1) == statuses(rr4) == {f"model.threads.{m}": "success" for m in models}
    assert len({res["thread_id"] for res in rr1["results"]}) == 1
    assert len({res["thread_id"] for res in rr4["results"]}) > 1, "one thread did all the work"


def break_two_models(p):
    """Makes two layer-1 models fail: l1_004 late (after a nap),
    l1_006 at once, so that with four threads they finish in the other
    order than with one. Returns ({model: OK/ERROR/SKIP}, graph)."""
    graph = model_graph(p)
    nap = 3 if os.environ.get("XFORM_WRAPPER") else 0.5  # valgrind starts slowly
    p.write("models/l1_004.sql",
            "select count(*) / (count(*) - count(*)) as boom\n"
            f"from {{{{ ref('l0_000') }}}} cross join (select pg_sleep({nap}) as z) s\n")
    p.write("models/l1_006.sql", "select no_such_column from {{ ref('l0_000') }}\n")
    failed = {"l1_004", "l1_006"}
    skipped = descendants(graph, failed)
    passed = set(graph) - failed - skipped
    # the choice of failures leaves independent models in every layer
    assert {m[:2] for m in passed} == {"l0", "l1", "l2", "l3"}, passed
    assert skipped and not skipped & failed
    return {**{m: "OK" for m in passed}, **{m: "ERROR" for m in failed},
            **{m: "SKIP" for m in skipped}}, graph


@pytest.mark.feature("postgres.threads")
def test_a_failure_skips_only_its_descendants_with_four_threads(threads_project):
    p = threads_project
    want, graph = break_two_models(p)
    passed = {m for m, w in want.items() if w == "OK"}
    skipped = {m for m, w in want.items() if w == "SKIP"}

    r1, rr1 = build(p, 1, expect=1)
    r4, rr4 = build(p, 4, expect=1)
    for r in (r1, r4):
        assert check_lines(r, sorted(graph)) == want
        assert r.summary() == {"PASS": len(passed), "WARN": 0, "ERROR": 2,
                               "SKIP": len(skipped), "TOTAL": 30}
        assert "division by zero" in r.out and '"no_such_column" does not exist' in r.out
    # the end is the same, whatever order the models finished in (with one
    # thread l1_004 ends before l1_006, with four after it)
    def ended(rr, model):
        x = next(x for x in rr["results"] if x["unique_id"] == f"model.threads.{model}")
        return max(t["completed_at"] for t in x["timing"])
    assert ended(rr1, "l1_004") < ended(rr1, "l1_006")
    assert ended(rr4, "l1_006") < ended(rr4, "l1_004")
    assert end_summary(r1) == end_summary(r4)
    assert end_summary(r4).count("Error in model ") == 2

    status = {"OK": "success", "ERROR": "error", "SKIP": "skipped"}
    assert statuses(rr1) == statuses(rr4) == {
        f"model.threads.{m}": status[w] for m, w in want.items()}

    # the other branches really ran beside the slow failure
    res = {x["unique_id"].split(".")[-1]: x for x in rr4["results"]}
    slow = next(t for t in res["l1_004"]["timing"] if t["name"] == "execute")
    beside = [m for m in passed if m.startswith(("l1", "l2")) and any(
        t["name"] == "execute" and slow["started_at"] < t["started_at"] < slow["completed_at"]
        for t in res[m]["timing"])]
    assert beside, "nothing ran while l1_004 was sleeping"

    # only the independent models exist in the fresh schema, same rows
    built = contents(p, p.schemas[4])
    assert set(built) == passed | {"events"}
    assert built == contents(p, p.schemas[1])


@pytest.mark.feature("postgres.threads")
def test_error_summary_does_not_depend_on_finish_order(threads_project):
    p = threads_project
    break_two_models(p)
    r1, _ = build(p, 1, expect=1)
    r4, _ = build(p, 4, expect=1)
    # with one thread l1_004 ends first, with four l1_006 (l1_004 sleeps)
    assert end_summary(r1) == end_summary(r4)
