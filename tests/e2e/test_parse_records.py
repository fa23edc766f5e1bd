# SPDX-License-Identifier: MIT
"""Parse records (target/partial_parse_nodes.xfc): each node's parse-mode
results (its ref()s, source()s and config() calls) are kept by every
command that loads the project and replayed by the next load for each node
whose own file, whose tested node's file and whose other inputs (macros,
YAML, the project file, the profile, vars, flags, the environment) are
unchanged. Never stale: for each kind of change, the build after it sees it
(the table contents say so) and its manifest is the one a build with
--no-partial-parse writes. A damaged file is ignored and rewritten;
--no-partial-parse and DBT_PARTIAL_PARSE=false neither read nor write it.
On SQLite and PostgreSQL."""

import re

from test_partial_parse import _strip
from warehouse import wh  # noqa: F401  (the fixture)

RECORDS = "target/partial_parse_nodes.xfc"
LINE = re.compile(r"parse-mode results of (\d+) of (\d+) nodes reused, (\d+) rendered(: .*)?$")

MODELS = {
    "models/pr/pr_a.sql": "{{ config(materialized='table', tags=['ta']) }}\nselect 1 as id\n",
    "models/pr/pr_b.sql": ("{{ config(materialized=var('pr_mat', 'view')) }}\n"
                           "select id from {{ ref('pr_a') }}\n"),
    "models/pr/pr_c.sql": "select 2 as id\n",
    "models/pr/pr_all.sql": "select 1 as id union all select 2 union all select 3\n",
    "models/pr/pr_d.sql": "select id from {{ ref(pr_pick()) }}\n",
    "models/pr/pr_e.sql": ("{{ config(alias=env_var('PR_ALIAS', 'pr_e'), materialized='table') }}\n"
                           "select 3 as id\n"),
    "macros/pr.sql": "{% macro pr_pick() %}{{ return('pr_a') }}{% endmacro %}\n",
    "models/pr/pr.yml": ("version: 2\nmodels:\n  - name: pr_a\n    columns:\n      - name: id\n"
                         "        tests: [unique]\n  - name: pr_b\n    columns:\n"
                         "      - name: id\n        tests:\n          - not_null\n"
                         "          - relationships:\n              to: ref('pr_all')\n"
                         "              field: id\n"),
}


def project(wh):
    w = wh("jaffle_shop")
    for path, text in MODELS.items():
        w.p.write(path, text)
    return w


def record_lines(w):
    log = w.p.path("logs/xform.log")
    if not log.exists():
        return []
    return [m for m in (LINE.search(l) for l in log.read_text().splitlines()) if m]


def build(w, *args, env=None, expect=0, command="build"):
    """Runs the command; (reused, total, rendered, why) of its parse records."""
    before = len(record_lines(w))
    r = w.xform(command, *args, expect=expect, env=env)
    new = record_lines(w)[before:]
    assert len(new) == 1, f"expected one parse-records line in the log:\n{new}\n{r}"
    m = new[0]
    reused, total, rendered = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert reused + rendered == total
    return reused, total, rendered, (m.group(4) or "")[2:]


def graph(w):
    """What parse-mode results decide, from the manifest: each node's
    dependencies, refs, sources and config."""
    m = w.p.json("target/manifest.json")
    return {uid: _strip({k: n.get(k) for k in ("depends_on", "refs", "sources", "config",
                                              "compiled_code", "tags", "alias")})
            for uid, n in m["nodes"].items()}


def cold_agrees(w, *args, env=None):
    """A build with --no-partial-parse writes the same graph as the one before it."""
    before = graph(w)
    w.xform("build", "--no-partial-parse", *args, expect=0, env=env)
    assert graph(w) == before, "the parse records gave another graph than a cold load"


def test_second_build_reuses_every_node(wh):
    w = project(wh)
    reused, total, rendered, why = build(w)
    assert reused == 0 and rendered == total and "no records yet" in why
    assert w.p.path(RECORDS).exists()
    reused, total, rendered, why = build(w)
    assert rendered == 0 and reused == total and total > 20, (reused, total, why)
    assert w.rows("select id from pr_b") == [(1,)]
    assert w.rows("select id from pr_d") == [(1,)]
    cold_agrees(w)
    # run and test load the project too, and reuse the same records
    reused, total, rendered, _ = build(w, command="run")
    assert rendered == 0 and reused == total
    reused, total, rendered, _ = build(w, command="test")
    assert rendered == 0 and reused == total


def test_model_ref_change_renders_it_and_its_tests_only(wh):
    w = project(wh)
    build(w)
    build(w)
    w.p.edit("models/pr/pr_b.sql", "ref('pr_a')", "ref('pr_c')")
    reused, total, rendered, _ = build(w)
    # pr_b, and its two tests (they read its config)
    assert rendered == 3 and reused == total - 3, (reused, total, rendered)
    assert w.rows("select id from pr_b") == [(2,)]
    deps = w.p.json("target/manifest.json")["nodes"]["model.jaffle_shop.pr_b"]["depends_on"]
    assert deps["nodes"] == ["model.jaffle_shop.pr_c"]
    cold_agrees(w)
    assert build(w)[2] == 0


def test_config_change_in_a_model_reaches_its_tests(wh):
    """A test's parse render reads the config of the node it tests: the
    model's own file is part of the test's record."""
    w = project(wh)
    build(w)
    w.p.edit("models/pr/pr_a.sql", "materialized='table'", "materialized='ephemeral'")
    reused, total, rendered, _ = build(w)
    assert rendered == 2, (reused, total, rendered)  # pr_a and its unique test
    node = w.p.json("target/manifest.json")["nodes"]["model.jaffle_shop.pr_a"]
    assert node["config"]["materialized"] == "ephemeral"
    assert w.rows("select id from pr_b") == [(1,)]
    cold_agrees(w)


def test_macro_change_renders_everything(wh):
    w = project(wh)
    build(w)
    w.p.edit("macros/pr.sql", "'pr_a'", "'pr_c'")
    reused, total, rendered, why = build(w)
    assert reused == 0 and rendered == total and "macro" in why, why
    assert w.rows("select id from pr_d") == [(2,)]
    deps = w.p.json("target/manifest.json")["nodes"]["model.jaffle_shop.pr_d"]["depends_on"]
    assert deps["nodes"] == ["model.jaffle_shop.pr_c"]
    cold_agrees(w)


def test_var_change(wh):
    w = project(wh)
    build(w, "--vars", "{pr_mat: view}")
    assert w.relations()["pr_b"] == "view"
    assert build(w, "--vars", "{pr_mat: view}")[2] == 0
    reused, total, rendered, _ = build(w, "--vars", "{pr_mat: table}")
    assert reused == 0 and rendered == total
    assert w.relations()["pr_b"] == "table"
    cold_agrees(w, "--vars", "{pr_mat: table}")


def test_env_var_change(wh):
    w = project(wh)
    build(w, env={"PR_ALIAS": "pr_first"})
    assert build(w, env={"PR_ALIAS": "pr_first"})[2] == 0
    reused, total, rendered, _ = build(w, env={"PR_ALIAS": "pr_second"})
    assert reused == 0 and rendered == total
    assert w.rows("select id from pr_second") == [(3,)]
    cold_agrees(w, env={"PR_ALIAS": "pr_second"})


def test_yaml_test_change(wh):
    w = project(wh)
    build(w)
    w.p.edit("models/pr/pr.yml", "tests: [unique]", "tests: [unique, not_null]")
    reused, total, rendered, _ = build(w)
    assert reused == 0 and rendered == total
    tests = [u for u in w.p.json("target/manifest.json")["nodes"] if u.startswith("test.")]
    assert any("not_null_pr_a_id" in u for u in tests), tests
    cold_agrees(w)


def test_profile_change(wh):
    w = project(wh)
    if w.kind == "sqlite":
        w.p.write("profiles.yml", "jaffle_shop:\n  target: dev\n  outputs:\n    dev:\n"
                  "      type: sqlite\n      path: jaffle_shop.db\n      schema: main\n"
                  "      threads: 2\n")
    build(w)
    assert build(w)[2] == 0
    w.p.edit("profiles.yml", "threads: 2", "threads: 1")
    reused, total, rendered, why = build(w)
    assert reused == 0 and rendered == total and "profile" in why, why


def test_flags_which_makes_the_command_an_input(wh):
    w = project(wh)
    w.p.write("models/pr/pr_w.sql", "{{ config(tags=[flags.WHICH]) }}\nselect 1 as id\n")
    build(w)
    assert build(w)[2] == 0
    r = w.xform("ls", "--select", "tag:ls", "--output", "name", expect=0)
    assert "pr_w" in r.out, r
    r = w.xform("ls", "--select", "tag:build", "--output", "name", expect=0)
    assert "pr_w" not in r.out, r


def test_a_render_that_warns_renders_and_warns_again(wh):
    w = project(wh)
    w.p.write("models/pr/pr_typo.sql", "{{ config(materialzed='table') }}\nselect 1 as id\n")
    r1 = w.xform("build", expect=0)
    r2 = w.xform("build", expect=0)
    for r in (r1, r2):
        assert "unknown config 'materialzed'" in r.out + r.err, r
    reused, total, rendered, _ = build(w)
    assert rendered == 1 and reused == total - 1


def test_damaged_records_are_ignored_and_rewritten(wh):
    w = project(wh)
    build(w)
    good = w.p.path(RECORDS).read_bytes()
    for bad, word in ((b"garbage", "format"), (good[:len(good) // 2], "damaged"),
                      (good[:-9] + bytes([good[-9] ^ 0x55]) + good[-8:], "damaged")):
        w.p.path(RECORDS).write_bytes(bad)
        reused, total, rendered, why = build(w)
        assert reused == 0 and rendered == total and word in why, why
        assert w.rows("select id from pr_d") == [(1,)]
        assert w.p.path(RECORDS).read_bytes() != bad
        assert build(w)[2] == 0


def test_no_partial_parse_neither_reads_nor_writes(wh):
    w = project(wh)
    w.xform("build", "--no-partial-parse", expect=0)
    assert not w.p.path(RECORDS).exists()
    w.xform("build", expect=0, env={"DBT_PARTIAL_PARSE": "false"})
    assert not w.p.path(RECORDS).exists()
    build(w)
    kept = w.p.path(RECORDS).read_bytes()
    w.p.edit("models/pr/pr_b.sql", "ref('pr_a')", "ref('pr_c')")
    w.xform("build", "--no-partial-parse", expect=0)
    assert w.p.path(RECORDS).read_bytes() == kept
    assert w.rows("select id from pr_b") == [(2,)]
    assert not [l for l in record_lines(w)[1:]]


def test_a_render_that_reads_the_clock_is_not_kept(wh):
    """dbt_utils' pretty_time reads the clock: the nodes whose parse render
    calls now() render every time (their result can change with no input
    changing); the others are still reused."""
    w = project(wh)
    w.p.write("models/pr/pr_clock.sql", "{{ config(tags=['t' ~ "
              "modules.datetime.datetime.now().strftime('%H%M%S%f')]) }}\nselect 1 as id\n")
    build(w)
    tags1 = w.p.json("target/manifest.json")["nodes"]["model.jaffle_shop.pr_clock"]["tags"]
    reused, total, rendered, _ = build(w)
    assert rendered == 1 and reused == total - 1, (reused, total, rendered)
    tags2 = w.p.json("target/manifest.json")["nodes"]["model.jaffle_shop.pr_clock"]["tags"]
    assert tags1 != tags2 and tags2[0].startswith("t"), (tags1, tags2)


def test_run_started_at_anywhere_switches_the_records_off(wh):
    w = project(wh)
    build(w)
    kept = w.p.path(RECORDS).read_bytes()
    before = len(record_lines(w))
    w.p.write("macros/stamp.sql", "{% macro stamp() %}{{ run_started_at }}{% endmacro %}\n")
    r = w.xform("build", expect=0)
    log = w.p.read("logs/xform.log")
    assert "node records: 'macros/stamp.sql' reads 'run_started_at'" in log, r
    # neither read (no reuse said) nor rewritten
    assert len(record_lines(w)) == before
    assert w.p.path(RECORDS).read_bytes() == kept
    assert w.rows("select id from pr_d") == [(1,)]
