# SPDX-License-Identifier: MIT
"""Nothing accepted and ignored (issue 11.7): every dbt key, file and flag
that xform knows but does not act on yet (parser/features.c) gets one
located warning, "not supported by xform yet: <kind> '<name>'", and the
rest of the project still builds. --selector on a command that cannot
use it (show, docs) is refused (exit 2) rather than ignored."""

import pytest

from warehouse import wh  # noqa: F401  (the fixture)

W = "warning: not supported by xform yet:"


def located(r, path, line, col, what, src):
    """The exact warning at path:line:col, with its source line."""
    head = f"{path}:{line}:{col}: {W} {what}\n {line} | {src}\n"
    assert head in r.text, f"missing {head!r} in:\n{r}"
    assert r.text.count(f"{W} {what}") == 1, f"warned more than once:\n{r}"


def props(p, text):
    p.write("models/extra_model.sql", "select 1 as id\n")
    p.write("models/extra.yml", "version: 2\n" + text)


# (id, how to change jaffle_shop, expected path, line, col, what, source line)
def _transient(p):
    """A Snowflake config: nothing to act on here (grants, persist_docs and
    query-comment are built now: test_pg_extras.py)."""
    p.edit("dbt_project.yml", "    materialized: table\n",
           "    materialized: table\n    +transient: true\n")


def _snapshot(p, key, value):
    p.write("snapshots/cust_snap.sql",
            "{% snapshot cust_snap %}\n{{ config(target_schema=target.schema, "
            "unique_key='customer_id', strategy='check', check_cols='all') }}\n"
            "select * from {{ ref('stg_customers') }}\n{% endsnapshot %}\n")
    p.write("snapshots/snap.yml", "version: 2\nsnapshots:\n  - name: cust_snap\n    config:\n"
            f"      {key}: {value}\n")


def _top(key):
    return lambda p: props(p, f"{key}:\n  - name: x\n")


def _node(key, value):
    return lambda p: props(p, f"models:\n  - name: extra_model\n    {key}: {value}\n")


CASES = [
    ("transient", _transient, "dbt_project.yml", 21, 5, "config 'transient'",
     "    +transient: true"),
]


@pytest.mark.feature("unsupported.warn")
@pytest.mark.parametrize("change, path, line, col, what, src",
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_not_yet_warns_where_it_is_used(jaffle, change, path, line, col, what, src):
    change(jaffle)
    r = jaffle.xform("parse", expect=0)
    located(r, path, line, col, what, src)


@pytest.mark.feature("unsupported.warn")
def test_not_yet_keys_warn_and_the_build_goes_on(wh):
    """Several at once, on both warehouses: each warned once, tables built."""
    w = wh("jaffle_shop")
    for c in CASES:
        if c[0] in ("transient",):
            continue  # several edit the same file; these are covered above
        c[1](w.p)
    _transient(w.p)
    # supported since dbt 1.9's snapshots were built (test_snapshot_yaml.py): no warning
    _snapshot(w.p, "snapshot_meta_column_names", "{dbt_valid_from: valid_from}")
    r = w.xform("build", expect=0)
    located(r, "dbt_project.yml", 21, 5, "config 'transient'", "    +transient: true")
    assert "snapshot_meta_column_names" not in r.text, r
    assert "valid_from" in w.columns("cust_snap")
    assert w.scalar("select count(*) from customers") == 100
    assert w.scalar("select count(*) from orders") == 99
    assert w.scalar("select count(*) from cust_snap") == 100


@pytest.mark.feature("unsupported.selector")
@pytest.mark.parametrize("command", [["show", "--select", "customers"], ["docs", "generate"]])
def test_selector_where_a_command_cannot_use_it_is_refused(jaffle, command):
    jaffle.write("selectors.yml", "selectors:\n  - name: nightly\n    definition: 'tag:nightly'\n")
    r = jaffle.xform(*command, "--selector", "nightly", expect=2)
    assert (f"error: 'xform {command[0]}' does not take --selector yet\n"
            "  hint: name the nodes with --select\n") in r.err, r
    assert jaffle.db_files() == [], "nothing may run"


@pytest.mark.feature("unsupported.warn")
def test_not_yet_config_in_a_config_call_warns_at_the_call(jaffle):
    text = jaffle.read("models/customers.sql")
    jaffle.write("models/customers.sql",
                 "{{ config(transient=true, copy_grants=false) }}\n" + text)
    r = jaffle.xform("build", expect=0)
    head = ("models/customers.sql:1:4: warning: not supported by xform yet: config 'transient' "
            "(a Snowflake config: it means nothing on SQLite or PostgreSQL)\n"
            " 1 | {{ config(transient=true, copy_grants=false) }}\n")
    assert head in r.text, r
    assert r.text.count(W) == 1, f"copy_grants=false asks for nothing; transient once:\n{r}"
    assert jaffle.scalar("select count(*) from customers") == 100
