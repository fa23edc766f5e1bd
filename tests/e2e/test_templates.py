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
