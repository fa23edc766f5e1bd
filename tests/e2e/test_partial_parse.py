# SPDX-License-Identifier: MIT
"""The partial-parse cache (target/partial_parse.xfc) is never stale: for
each kind of change (a model's SQL, a macro body, a var, an env var read
with env_var(), a YAML test, a YAML description or config, a profile
field templates read, a new, deleted or renamed file, a package), the
compile after the change sees it, the compile after that one reuses the
cache and gives the same result, and a cold compile (--no-partial-parse)
gives the same result again. A corrupt cache is ignored and rebuilt;
--no-partial-parse and DBT_PARTIAL_PARSE=false neither read nor write it;
a hit is said in logs/xform.log at debug level. On SQLite and PostgreSQL."""

import os
import re
import shutil
import time

import pytest

from warehouse import wh  # noqa: F401  (the fixture)

CACHE = "target/partial_parse.xfc"
PP_MODEL = ("{{ config(materialized='view') }}\n"
            "select '{{ target.schema }}' as s, {{ target.threads }} as t, "
            "{{ pp_macro() }} as m, '{{ var(\"pp_var\", \"v0\") }}' as v, "
            "'{{ env_var(\"PP_COLOR\", \"none\") }}' as c\n")
PP_MACRO = "{% macro pp_macro() %}41{% endmacro %}\n"


def pp_project(w):
    """jaffle_shop with a model that reads the target, a macro, a var and
    an env var; on SQLite a profiles.yml (Postgres has one already)."""
    if w.kind == "sqlite":
        w.p.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
                  "      type: sqlite\n      path: jaffle_shop.db\n      schema: main\n"
                  "      threads: 2\n")
    w.p.write("models/pp_model.sql", PP_MODEL)
    w.p.write("macros/pp.sql", PP_MACRO)
    w.p.write("models/pp_extra.sql", "select 1 as x\n")
    return w


def pp_lines(w):
    log = w.p.path("logs/xform.log")
    return [l for l in log.read_text().splitlines() if "partial parse:" in l] if log.exists() else []


def last_pp(w):
    lines = pp_lines(w)
    return lines[-1] if lines else ""


def compile_(w, *args, env=None, hit=None):
    before = len(pp_lines(w))
    r = w.xform("compile", *args, expect=0, env=env)
    new = pp_lines(w)[before:]
    reused = [l for l in new if re.search(r"partial parse: (\d+) of \1 files reused", l)]
    if hit is True:
        assert reused, f"expected the cache to be used:\n{new}\n{r}"
    if hit is False:
        assert not reused, f"expected a cold compile:\n{new}\n{r}"
    assert "Compiled" in r.out or "-q" in args, r
    return r


def _strip(v):
    if isinstance(v, dict):
        return {k: _strip(x) for k, x in v.items() if k not in ("created_at", "metadata")}
    if isinstance(v, list):
        return [_strip(x) for x in v]
    return v


def snapshot(w):
    """What a compile produced: each compiled file's text and the manifest
    (without its metadata and times)."""
    base = w.p.path("target/compiled")
    files = {str(f.relative_to(base)): f.read_text() for f in sorted(base.rglob("*"))
             if f.is_file()}
    return files, _strip(w.p.json("target/manifest.json"))


def compiled(w, name):
    return w.p.read(f"target/compiled/jaffle_shop/models/{name}.sql")


def roundtrip(w, change, *args, env_before=None, env_after=None):
    """Cold compile, hit, the change, then: the compile sees it (no reuse),
    the next one reuses and agrees, a cold one agrees. The snapshot after."""
    compile_(w, *args, env=env_before)
    compile_(w, *args, env=env_before, hit=True)
    change()
    compile_(w, *args, env=env_after, hit=False)
    first = snapshot(w)
    compile_(w, *args, env=env_after, hit=True)
    assert snapshot(w) == first, "the cache hit gave another result than the compile before"
    compile_(w, "--no-partial-parse", *args, env=env_after)
    assert snapshot(w) == first, "a cold compile gives another result than the cached one"
    return first


def test_model_sql_change(wh):
    w = pp_project(wh("jaffle_shop"))
    roundtrip(w, lambda: w.p.edit("models/pp_extra.sql", "select 1", "select 2"))
    assert "select 2 as x" in compiled(w, "pp_extra")


def test_same_size_edit_within_the_clock_tick(wh):
    """An edit that keeps the size, right after the compile: the times may
    not move on a coarse clock, the content hash of a racy file decides."""
    w = pp_project(wh("jaffle_shop"))
    compile_(w)
    w.p.edit("models/pp_extra.sql", "select 1", "select 7")
    compile_(w, hit=False)
    assert "select 7 as x" in compiled(w, "pp_extra")


def test_macro_body_change(wh):
    w = pp_project(wh("jaffle_shop"))
    roundtrip(w, lambda: w.p.edit("macros/pp.sql", "41", "42"))
    assert "42 as m" in compiled(w, "pp_model")


def test_cli_vars_change(wh):
    w = pp_project(wh("jaffle_shop"))
    compile_(w, "--vars", "{pp_var: one}")
    compile_(w, "--vars", "{pp_var: one}", hit=True)
    assert "'one' as v" in compiled(w, "pp_model")
    compile_(w, "--vars", "{pp_var: two}", hit=False)
    assert "'two' as v" in compiled(w, "pp_model")
    compile_(w, "--vars", "{pp_var: two}", hit=True)
    assert "'two' as v" in compiled(w, "pp_model")


def test_project_vars_change(wh):
    w = pp_project(wh("jaffle_shop"))
    w.p.write("dbt_project.yml", w.p.read("dbt_project.yml") + "\nvars:\n  pp_var: p1\n")
    roundtrip(w, lambda: w.p.edit("dbt_project.yml", "pp_var: p1", "pp_var: p2"))
    assert "'p2' as v" in compiled(w, "pp_model")


def test_env_var_change(wh):
    w = pp_project(wh("jaffle_shop"))
    roundtrip(w, lambda: None, env_before={"PP_COLOR": "red"}, env_after={"PP_COLOR": "blue"})
    assert "'blue' as c" in compiled(w, "pp_model")
    # unset: the default again
    compile_(w, hit=False)
    assert "'none' as c" in compiled(w, "pp_model")


def test_yaml_test_added_and_removed(wh):
    w = pp_project(wh("jaffle_shop"))
    yml = ("version: 2\nmodels:\n  - name: pp_extra\n    columns:\n      - name: x\n"
           "        tests:\n          - not_null\n")
    _, m = roundtrip(w, lambda: w.p.write("models/pp.yml", yml))
    assert "test.jaffle_shop.not_null_pp_extra_x.7d6b8b3b4d" in m["nodes"] or any(
        k.startswith("test.jaffle_shop.not_null_pp_extra_x") for k in m["nodes"])
    ls = w.xform("ls", "--resource-type", "test", "-s", "pp_extra", expect=0).out
    assert "not_null_pp_extra_x" in ls
    _, m = roundtrip(w, lambda: w.p.edit("models/pp.yml", "          - not_null\n",
                                         "          - unique\n"))
    assert not any("not_null_pp_extra_x" in k for k in m["nodes"])
    assert any(k.startswith("test.jaffle_shop.unique_pp_extra_x") for k in m["nodes"])


def test_yaml_description_and_config(wh):
    w = pp_project(wh("jaffle_shop"))
    w.p.write("models/pp.yml", "version: 2\nmodels:\n  - name: pp_extra\n"
              "    description: first words\n")
    _, m = roundtrip(w, lambda: w.p.edit("models/pp.yml", "first words",
                                         "second words\n    config:\n      materialized: table"))
    node = m["nodes"]["model.jaffle_shop.pp_extra"]
    assert node["description"] == "second words"
    assert node["config"]["materialized"] == "table"


def test_profile_field_change(wh):
    w = pp_project(wh("jaffle_shop"))
    roundtrip(w, lambda: w.p.edit("profiles.yml", "threads: 2", "threads: 3"))
    assert "3 as t" in compiled(w, "pp_model")


def test_new_deleted_and_renamed_files(wh):
    w = pp_project(wh("jaffle_shop"))
    _, m = roundtrip(w, lambda: w.p.write("models/pp_new.sql", "select 5 as y\n"))
    assert "model.jaffle_shop.pp_new" in m["nodes"]
    _, m = roundtrip(w, lambda: w.p.path("models/pp_new.sql").unlink())
    assert "model.jaffle_shop.pp_new" not in m["nodes"]
    _, m = roundtrip(w, lambda: w.p.path("models/pp_extra.sql").rename(
        w.p.path("models/pp_moved.sql")))
    assert "model.jaffle_shop.pp_moved" in m["nodes"]
    assert "model.jaffle_shop.pp_extra" not in m["nodes"]
    # a new folder with a model in it
    _, m = roundtrip(w, lambda: w.p.write("models/sub/pp_deep.sql", "select 6 as z\n"))
    assert "model.jaffle_shop.pp_deep" in m["nodes"]


def test_package_change(wh):
    w = pp_project(wh("jaffle_shop"))
    w.p.write("dbt_packages/pp_pkg/dbt_project.yml",
              "name: pp_pkg\nversion: '1.0'\nconfig-version: 2\nmacro-paths: ['macros']\n")
    w.p.write("dbt_packages/pp_pkg/macros/m.sql", "{% macro pkg_m() %}100{% endmacro %}\n")
    w.p.write("models/pp_pkg_user.sql", "select {{ pp_pkg.pkg_m() }} as p\n")
    roundtrip(w, lambda: w.p.edit("dbt_packages/pp_pkg/macros/m.sql", "100", "200"))
    assert "200 as p" in w.p.read("target/compiled/jaffle_shop/models/pp_pkg_user.sql")
    # a package removed: its macro is gone, the compile says so
    shutil.rmtree(w.p.path("dbt_packages/pp_pkg"))
    r = w.xform("compile", expect=2)
    assert "pp_pkg" in r.text


def test_corrupt_truncated_and_other_version_caches_are_rebuilt(wh):
    w = pp_project(wh("jaffle_shop"))
    compile_(w)
    good = w.p.path(CACHE).read_bytes()
    bad = [b"", b"garbage" * 100, good[: len(good) // 2], good[:8] + b"\x63\x00\x00\x00" + good[12:],
           good[:-1] + bytes([good[-1] ^ 0xFF]), good[:40]]
    for data in bad:
        w.p.path(CACHE).write_bytes(data)
        compile_(w, hit=False)
        assert "partial parse: not used" in "\n".join(pp_lines(w)[-3:])
        assert "select 1 as x" in compiled(w, "pp_extra")
        compile_(w, hit=True)  # rebuilt by the compile before


def test_no_partial_parse_neither_reads_nor_writes(wh):
    w = pp_project(wh("jaffle_shop"))
    compile_(w, "--no-partial-parse")
    assert not w.p.path(CACHE).exists()
    compile_(w, env={"DBT_PARTIAL_PARSE": "false"})
    assert not w.p.path(CACHE).exists()
    w.p.write(CACHE, "not a cache")
    st = os.stat(w.p.path(CACHE))
    compile_(w, "--no-partial-parse")
    compile_(w, env={"DBT_PARTIAL_PARSE": "false"})
    assert w.p.read(CACHE) == "not a cache"
    assert os.stat(w.p.path(CACHE)).st_mtime_ns == st.st_mtime_ns
    assert pp_lines(w) == []
    compile_(w)  # and without the flag it is used again: rebuilt, then hit
    compile_(w, hit=True)


def test_volatile_templates_are_not_cached(wh):
    """A template reading run_started_at gives another result every run:
    no cache is written for such a project."""
    w = pp_project(wh("jaffle_shop"))
    w.p.write("models/pp_time.sql", "select '{{ run_started_at }}' as t\n")
    compile_(w)
    assert not w.p.path(CACHE).exists()
    assert "run_started_at" in last_pp(w)
    first = w.p.read("target/compiled/jaffle_shop/models/pp_time.sql")
    time.sleep(0.01)
    compile_(w, hit=False)
    assert w.p.read("target/compiled/jaffle_shop/models/pp_time.sql") != first


def test_build_between_compiles(wh):
    """A build between two compiles rewrites run_results.json: the compile
    after it is cold (its outputs changed), and the tables are right."""
    w = pp_project(wh("jaffle_shop"))
    compile_(w)
    compile_(w, hit=True)
    r = w.xform("build", expect=0)
    assert "ERROR=0" in r.out
    assert w.scalar("select count(*) from customers") == 100
    assert w.scalar("select m from pp_model") == 41
    compile_(w, hit=False)
    compile_(w, hit=True)
    results = w.p.json("target/run_results.json")
    assert all(x["status"] == "success" for x in results["results"])


def test_ls_reuses_and_sees_changes(wh):
    """ls keeps its own record beside compile's: each is reused, and a
    YAML test added shows in the next ls."""
    w = pp_project(wh("jaffle_shop"))

    def ls(*args, hit=None):
        before = len(pp_lines(w))
        r = w.xform("ls", "-s", "pp_extra+", "--output", "name", *args, expect=0)
        new = pp_lines(w)[before:]
        reused = [l for l in new if re.search(r"partial parse: (\d+) of \1 files reused", l)]
        if hit is not None:
            assert bool(reused) == hit, f"{new}\n{r}"
        return r.out

    first = ls()
    assert ls(hit=True) == first
    compile_(w)
    compile_(w, hit=True)
    assert ls(hit=True) == first  # compile's record did not push ls's out
    w.p.write("models/pp.yml", "version: 2\nmodels:\n  - name: pp_extra\n    columns:\n"
              "      - name: x\n        tests:\n          - not_null\n")
    after = ls(hit=False)
    assert "not_null_pp_extra_x" in after and "not_null_pp_extra_x" not in first
    assert ls(hit=True) == after
    assert ls("--no-partial-parse") == after


def _lines(text):
    """Console lines without their time stamps and the compile's duration."""
    out = []
    for l in text.splitlines():
        l = re.sub(r"^\d\d:\d\d:\d\d  ", "", l)
        out.append(re.sub(r" in \d+\.\d\ds$", " in Xs", l))
    return out


def test_a_hit_prints_what_the_cold_compile_printed(wh):
    """The replay is the cold compile's console output, line for line, in
    text and in dbt's JSON log lines (event names, levels, messages, data);
    with --quiet nothing but what --quiet prints."""
    w = pp_project(wh("jaffle_shop"))
    cold = compile_(w, "--no-partial-parse")
    compile_(w)
    hit = compile_(w, hit=True)
    assert _lines(hit.out) == _lines(cold.out)
    assert "Found" in hit.out and "Concurrency" in hit.out

    def events(r):
        import json
        out = []
        for l in r.out.splitlines():
            e = json.loads(l)
            msg = re.sub(r" in \d+\.\d\ds$", " in Xs", e["info"]["msg"])
            out.append((e["info"]["name"], e["info"]["level"], msg, json.dumps(e["data"])
                        if e["info"]["name"] != "Note" else msg))
        ids = {json.loads(l)["info"]["invocation_id"] for l in r.out.splitlines()}
        assert len(ids) == 1 and "" not in ids, ids
        return out, ids

    cold_j, cold_id = events(w.xform("compile", "--log-format", "json", "--no-partial-parse",
                                     expect=0))
    compile_(w, "--log-format", "json")
    r = w.xform("compile", "--log-format", "json", expect=0)
    hit_j, hit_id = events(r)
    assert "partial parse: " in last_pp(w) and "reused" in last_pp(w)
    assert hit_j == cold_j
    assert hit_id != cold_id  # a new invocation, not the recorded one

    compile_(w, "-q")
    q = compile_(w, "-q", hit=True)
    assert q.out.strip() == ""


def test_outputs_rewritten_by_another_command_then_edit_undone(wh):
    """run --no-write-json of an edited model rewrites its compiled file and
    no artifact; the edit undone, the inputs match the record again, but the
    compiled file is the edited one: the compile must not replay."""
    w = pp_project(wh("jaffle_shop"))
    compile_(w, "--no-write-json")
    compile_(w, "--no-write-json", hit=True)
    w.p.edit("models/pp_extra.sql", "select 1", "select 3")
    w.xform("run", "--no-write-json", "-s", "pp_extra", expect=0)
    assert "select 3 as x" in compiled(w, "pp_extra")
    w.p.edit("models/pp_extra.sql", "select 3", "select 1")
    compile_(w, "--no-write-json", hit=False)
    assert "select 1 as x" in compiled(w, "pp_extra")
    compile_(w, "--no-write-json", hit=True)


def test_parse_reuses_and_sees_changes(wh):
    """parse keeps its record too: a hit leaves the manifest of the parse
    that computed it and says so with the same line; a change is seen."""
    w = pp_project(wh("jaffle_shop"))

    def parse(*args, hit=None):
        before = len(pp_lines(w))
        r = w.xform("parse", *args, expect=0)
        new = pp_lines(w)[before:]
        reused = [l for l in new if re.search(r"partial parse: (\d+) of \1 files reused", l)]
        if hit is not None:
            assert bool(reused) == hit, f"{new}\n{r}"
        assert re.search(r"Parsed \d+ nodes and \d+ sources in \d+\.\d\ds; wrote target/manifest.json",
                         r.out), r
        return r, _strip(w.p.json("target/manifest.json"))

    r1, m1 = parse()
    r2, m2 = parse(hit=True)
    assert m2 == m1

    def plain(r):
        return re.sub(r" in \d+\.\d\ds", "", re.sub(r"^\d\d:\d\d:\d\d  ", "", r.out, flags=re.M))

    assert plain(r2) == plain(r1)
    w.p.write("models/pp_new.sql", "select 9 as n\n")
    _, m3 = parse(hit=False)
    assert "model.jaffle_shop.pp_new" in m3["nodes"]
    _, m4 = parse(hit=True)
    assert m4 == m3
    _, m5 = parse("--no-partial-parse")
    assert m5 == m3


def test_an_edit_during_a_compile_is_never_lost(wh):
    """A model edited (same size each time) while a compile is loading: in
    every interleaving, the compile after it shows the last edit."""
    w = pp_project(wh("jaffle_shop"))
    for i in range(300):
        w.p.write(f"models/many/m{i:03d}.sql", "select {{ pp_macro() }} as x\n")
    compile_(w)
    for k, delay in enumerate([0.0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4]):
        p = w.popen("compile")
        time.sleep(delay)
        w.p.write("models/pp_extra.sql", f"select {100 + k} as x\n")
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        compile_(w)
        assert f"select {100 + k} as x" in compiled(w, "pp_extra"), k
        compile_(w, hit=True)
        assert f"select {100 + k} as x" in compiled(w, "pp_extra"), k


def test_project_flags_partial_parse_false(wh):
    """dbt_project.yml `flags: {partial_parse: false}` turns the cache off
    (not read, not written) without a "not yet" warning; --partial-parse
    wins over it, as in dbt; another flag there still warns."""
    w = pp_project(wh("jaffle_shop"))
    compile_(w)
    w.p.write(CACHE, "not a cache")
    w.p.write("dbt_project.yml", w.p.read("dbt_project.yml") + "\nflags:\n  partial_parse: false\n")
    before = len(pp_lines(w))
    r = compile_(w)
    assert "warning" not in r.text, r
    assert w.p.read(CACHE) == "not a cache"
    assert pp_lines(w)[before:] == []
    compile_(w, "--partial-parse")
    compile_(w, "--partial-parse", hit=True)
    w.p.edit("dbt_project.yml", "  partial_parse: false\n",
             "  partial_parse: false\n  send_anonymous_usage_stats: false\n")
    r = w.xform("compile", expect=0)
    assert "not supported by xform yet: project key 'flags'" in r.text, r
