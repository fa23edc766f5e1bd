# SPDX-License-Identifier: MIT
"""The walking skeleton on examples/jaffle_shop: `xform seed` then
`xform run` on the embedded SQLite default, every relation checked row by
row against answers computed in Python from the CSVs (jaffle.py)."""

import re

import pytest

from jaffle import Expected, normalize_rows

SEED_COUNTS = {"raw_customers": 100, "raw_orders": 99, "raw_payments": 113}


def table_rows(project, relation, schema="main"):
    rows, cols = project.query(f'select * from "{relation}" order by 1', schema=schema)
    return normalize_rows(rows), cols


def check_relation(project, expected, relation):
    rows, cols = table_rows(project, relation)
    assert cols == Expected.COLUMNS[relation], f"columns of {relation}"
    want = normalize_rows(expected.rows(relation))
    assert len(rows) == len(want), f"row count of {relation}"
    for got, exp in zip(rows, want):
        assert got == exp, f"{relation}: row {exp[0]} differs"


def node_lines(text, total):
    """{name: index} from console lines like `3 of 5 OK created ... stg_orders`."""
    seen = {}
    for line in text.splitlines():
        m = re.search(rf"\b(\d+) of {total}\b", line)
        if m:
            for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line):
                seen.setdefault(name, set()).add(int(m.group(1)))
    return seen


@pytest.mark.feature("version")
def test_version(run_in_sandbox):
    r = run_in_sandbox("--version", expect=0)
    assert re.search(r"\b0\.1\.0\b", r.text), r


@pytest.mark.feature("seed")
def test_seed_loads_every_csv_row(jaffle, expected):
    r = jaffle.xform("seed", expect=0)
    assert r.summary() == {"PASS": 3, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 3}
    assert jaffle.db_files() == ["jaffle_shop.db"]
    for seed, n in SEED_COUNTS.items():
        assert jaffle.scalar(f'select count(*) from "{seed}"') == n
        assert jaffle.relation_kind(seed) == "table"
        check_relation(jaffle, expected, seed)
        assert any(seed in ln and str(n) in ln for ln in r.text.splitlines()), \
            f"no console line reports {n} rows for {seed}:\n{r}"
    lines = node_lines(r.text, 3)
    assert {i for s in SEED_COUNTS for i in lines.get(s, ())} == {1, 2, 3}, r


@pytest.mark.feature("seed")
def test_seed_twice_replaces_rows(jaffle):
    jaffle.xform("seed", expect=0)
    jaffle.xform("seed", expect=0)
    for seed, n in SEED_COUNTS.items():
        assert jaffle.scalar(f'select count(*) from "{seed}"') == n
    amount_sum = sum(int(ln.rsplit(",", 1)[1])
                     for ln in jaffle.read("seeds/raw_payments.csv").splitlines()[1:])
    assert jaffle.scalar("select sum(amount) from raw_payments") == amount_sum


@pytest.mark.feature("run")
def test_run_builds_every_model(jaffle, expected):
    jaffle.xform("seed", expect=0)
    r = jaffle.xform("run", "--threads", "1", expect=0)
    assert r.summary() == {"PASS": 5, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 5}

    # one console line per model, numbered 1..5 in dependency order
    lines = node_lines(r.text, 5)
    idx = {m: min(lines[m]) for m in Expected.MODELS if m in lines}
    assert set(idx) == set(Expected.MODELS), f"not every model has an 'i of 5' line:\n{r}"
    assert sorted(idx.values()) == [1, 2, 3, 4, 5]
    for mart in Expected.MARTS:
        for stg in Expected.STAGING:
            if mart == "customers" or stg != "stg_customers":
                assert idx[stg] < idx[mart], f"{stg} must run before {mart}"

    # the relation kind follows the folder config
    rels = jaffle.relations()
    assert rels == {**{s: "table" for s in Expected.SEEDS},
                    **{s: "view" for s in Expected.STAGING},
                    **{m: "table" for m in Expected.MARTS}}
    for rel in Expected.SEEDS + Expected.MODELS:
        check_relation(jaffle, expected, rel)
    # nothing outside the project folder
    assert not any(jaffle.cwd.iterdir()), "xform wrote into the current directory"


@pytest.mark.feature("run")
def test_run_values_spot_checks(jaffle_built, expected):
    """A few numbers written out, so a wrong expectation cannot hide."""
    p = jaffle_built
    assert p.scalar("select count(*) from stg_payments") == 113
    cents = sum(r[3] for r in expected.raw_payments)
    assert round(p.scalar("select sum(amount) from stg_payments"), 2) == round(cents / 100, 2)
    assert round(p.scalar("select sum(amount) from orders"), 2) == round(cents / 100, 2)
    assert round(p.scalar("select sum(customer_lifetime_value) from customers"), 2) == \
        round(cents / 100, 2)
    assert p.scalar("select sum(number_of_orders) from customers") == 99
    without = 100 - len({r[1] for r in expected.raw_orders})
    assert p.scalar("select count(*) from customers where number_of_orders is null") == without
    assert without > 0
    # each order's method columns add up to its amount
    bad = p.rows("select order_id from orders where abs(credit_card_amount + coupon_amount + "
                 "bank_transfer_amount + gift_card_amount - amount) > 0.001")
    assert bad == []
    for method in ("credit_card", "coupon", "bank_transfer", "gift_card"):
        want = sum(r[3] for r in expected.raw_payments if r[2] == method) / 100
        got = p.scalar(f"select sum({method}_amount) from orders")
        assert round(got, 2) == round(want, 2), method


@pytest.mark.feature("run")
def test_run_is_repeatable(jaffle_built, expected):
    r = jaffle_built.xform("run", expect=0)
    assert r.summary()["PASS"] == 5
    assert set(jaffle_built.relations()) == set(Expected.SEEDS + Expected.MODELS), \
        "a second run left extra relations behind"
    for rel in Expected.MODELS:
        check_relation(jaffle_built, expected, rel)


@pytest.mark.feature("run.threads")
def test_run_with_threads_and_full_refresh(jaffle, expected):
    jaffle.xform("seed", "--threads", "4", expect=0)
    r = jaffle.xform("run", "--threads", "4", "--full-refresh", expect=0)
    assert r.summary() == {"PASS": 5, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 5}
    for rel in Expected.MODELS:
        check_relation(jaffle, expected, rel)


@pytest.mark.feature("run")
def test_run_without_seeds_fails_each_model(jaffle):
    r = jaffle.xform("run", expect=1)
    s = r.summary()
    # the staging views may or may not fail at create time (SQLite checks
    # views lazily), but something must fail and nothing may pass silently
    assert s["TOTAL"] == 5 and s["ERROR"] >= 1 and s["PASS"] + s["ERROR"] + s["SKIP"] == 5


@pytest.mark.feature("atomic")
def test_failing_table_keeps_previous_rows(jaffle_built, expected):
    p = jaffle_built
    p.edit("models/customers.sql", "select * from final", "select * from final_missing_cte")
    r = p.xform("run", expect=1)
    assert r.summary() == {"PASS": 4, "WARN": 0, "ERROR": 1, "SKIP": 0, "TOTAL": 5}
    assert "customers" in r.text and "final_missing_cte" in r.text, \
        f"the database error is not shown:\n{r}"
    check_relation(p, expected, "customers")
    assert set(p.relations()) == set(Expected.SEEDS + Expected.MODELS), \
        "a failed build left a temporary relation behind"
    res = {x["unique_id"]: x["status"] for x in p.json("target/run_results.json")["results"]}
    assert res["model.jaffle_shop.customers"] == "error"
    assert res["model.jaffle_shop.orders"] == "success"


@pytest.mark.feature("atomic")
def test_failing_view_skips_children_and_keeps_old_view(jaffle_built, expected):
    p = jaffle_built
    p.edit("models/staging/stg_orders.sql", "select * from renamed", "select * from renamed_nope")
    r = p.xform("run", "--threads", "1", expect=1)
    assert r.summary() == {"PASS": 2, "WARN": 0, "ERROR": 1, "SKIP": 2, "TOTAL": 5}
    assert p.relation_kind("stg_orders") == "view"
    check_relation(p, expected, "stg_orders")
    check_relation(p, expected, "customers")
    check_relation(p, expected, "orders")
    res = {x["unique_id"]: x["status"] for x in p.json("target/run_results.json")["results"]}
    assert res["model.jaffle_shop.stg_orders"] == "error"
    assert res["model.jaffle_shop.customers"] == "skipped"
    assert res["model.jaffle_shop.orders"] == "skipped"
    assert res["model.jaffle_shop.stg_payments"] == "success"


@pytest.mark.feature("errors.after_run")
def test_project_error_after_a_good_run_changes_nothing(jaffle_built):
    p = jaffle_built
    before = p.db_digest()
    results_before = p.read("target/run_results.json")
    p.edit("models/orders.sql", "ref('stg_orders')", "ref('stg_order')")
    r = p.xform("run", expect=2)
    assert "did you mean 'stg_orders'" in r.text, r
    assert "Done. PASS=" not in r.text, "a project error must stop before running anything"
    assert p.db_digest() == before
    assert p.read("target/run_results.json") == results_before
