# SPDX-License-Identifier: MIT
"""Template engine behaviour seen through the real binary
(fixtures/projects/templates): arguments of generic tests are fresh per
render, and the limits on what one template may allocate."""

import glob

import pytest

TEST_SQL = """\
select *
from (
    select field,  count(value) as filler_column
    from "main"."readings"
    group by field
    having count(value) = 0
) validation_errors
-- field,value
"""


@pytest.fixture
def tpl(make_project):
    return make_project("projects/templates")


def compiled_test(p):
    files = glob.glob(str(p.path("target/compiled/templates/models/schema.yml/*.sql")))
    assert len(files) == 1, files
    with open(files[0]) as f:
        return "\n".join(line for line in f.read().split("\n") if line.strip()) + "\n"


def test_generic_test_list_argument_is_fresh_per_render(tpl):
    # compile renders the test twice (parse mode, then execute mode); the
    # macro appends 'value' to group_by_columns each time, so a list shared
    # between renders would come out as field,value,value (or worse)
    tpl.xform("compile", expect=0)
    assert compiled_test(tpl) == TEST_SQL
    tpl.xform("compile", expect=0)
    assert compiled_test(tpl) == TEST_SQL


def test_generic_test_unknown_argument_points_at_the_yaml(tpl):
    tpl.write("macros/recency_by.sql",
              "{% test recency_by(model, field, datepart, interval) %}\n"
              "select max({{ field }}) from {{ model }}\n"
              "{% endtest %}\n")
    tpl.write("models/other.sql", "select 1 as value\n")
    tpl.write("models/more.yml",
              "version: 2\n"
              "models:\n"
              "  - name: other\n"
              "    tests:\n"
              "      - recency_by:\n"
              "          field: value\n"
              "          datepart: day\n"
              "          interval: 1\n"
              "          group_by_columns: ['field']\n")
    r = tpl.xform("compile", "--no-color", expect=2)
    assert ("models/more.yml:5:9: error: macro 'test_recency_by' takes no keyword argument "
            "'group_by_columns'") in r.text, r.text
    assert ("hint: 'test_recency_by' is defined at macros/recency_by.sql:1:1 as "
            "'test_recency_by(model, field, datepart, interval)'") in r.text, r.text


LIMIT = {"XFORM_MAX_RENDER_BYTES": "1M"}


def test_loop_temporaries_are_freed_per_iteration(tpl):
    # 300 x 1000 iterations, each outer one building a 24 kB range list:
    # 7 MB if nothing were freed, far under 1M when each iteration's
    # temporaries go back to the arena
    tpl.write("models/loops.sql",
              "select 1 as x\n"
              "{% for i in range(300) %}{% for j in range(1000) %}"
              "{% set s = 'y' ~ j %}{% endfor %}{% endfor %}\n")
    tpl.xform("compile", "--select", "loops", expect=0, env=LIMIT)
    assert tpl.read("target/compiled/templates/models/loops.sql") == "select 1 as x\n\n"


def test_values_kept_across_iterations_count_against_the_limit(tpl):
    tpl.write("models/hoard.sql",
              "{% set ns = namespace(rows=[]) %}\n"
              "{% for i in range(1000) %}{% do ns.rows.append('x' * 10000) %}{% endfor %}\n"
              "select {{ ns.rows | length }} as n\n")
    r = tpl.xform("compile", "--no-color", expect=2, env=LIMIT)
    assert ("models/hoard.sql:2:48: error: a value of 10000 bytes would take the render past "
            "its limit of 1048576 bytes") in r.text, r.text
    assert "hint: XFORM_MAX_RENDER_BYTES (default 256M)" in r.text


def test_rendered_text_is_capped(tpl):
    tpl.write("models/big.sql",
              "select 1 as x\n"
              "{% for i in range(200) %}-- {{ 'x' * 10000 }}\n{% endfor %}\n")
    r = tpl.xform("compile", "--no-color", expect=2, env=LIMIT)
    assert ("models/big.sql:2:29: error: the rendered text is over the limit of 1048576 "
            "bytes of a render") in r.text, r.text
    # raised, the same model compiles
    tpl.xform("compile", expect=0, env={"XFORM_MAX_RENDER_BYTES": "4M"})


def test_execute_time_limit_fails_the_node(tpl):
    tpl.write("models/late.sql",
              "select 1 as x\n"
              "{% if execute %}-- {{ 'x' * 2000000 }}{% endif %}\n")
    r = tpl.xform("run", "--select", "late", "--no-color", expect=1, env=LIMIT)
    assert "repeating a str of 1 bytes 2000000 times is over the limit of 1048576" in r.text, r.text
    assert r.summary()["ERROR"] == 1


def test_bad_limit_is_an_error(tpl):
    r = tpl.xform("compile", "--no-color", expect=2, env={"XFORM_MAX_RENDER_BYTES": "lots"})
    assert "error: XFORM_MAX_RENDER_BYTES='lots' is not a size in bytes" in r.text, r.text
