# SPDX-License-Identifier: MIT
"""The walking skeleton on examples/jaffle_shop: `xform seed` then
`xform run`, on the embedded SQLite default and on PostgreSQL from the
same code, every relation checked row by row against answers computed in
Python from the CSVs (jaffle.py)."""

import re

import pytest

from jaffle import Expected, normalize_rows
from warehouse import shared_warehouse, wh  # noqa: F401  (wh: the fixture)

SEED_COUNTS = {"raw_customers": 100, "raw_orders": 99, "raw_payments": 113}
ALL_RELATIONS = {**{s: "table" for s in Expected.SEEDS},
                 **{s: "view" for s in Expected.STAGING},
                 **{m: "table" for m in Expected.MARTS}}


def check_relation(w, expected, relation):
    assert w.columns(relation) == Expected.COLUMNS[relation], f"columns of {relation}"
    rows = normalize_rows(w.rows(f'select * from "{relation}" order by 1'))
    want = normalize_rows(expected.rows(relation))
    assert len(rows) == len(want), f"row count of {relation}"
    for got, exp in zip(rows, want):
        assert got == exp, f"{relation}: row {exp[0]} differs"


def check_database_files(w, project_name="jaffle_shop"):
    """SQLite keeps the warehouse in <project>.db; a Postgres target must
    not create any SQLite file."""
    want = [f"{project_name}.db"] if w.kind == "sqlite" else []
    assert w.p.db_files() == want


def node_lines(text, total):
    """{name: index} from console lines like `3 of 5 OK created ... stg_orders`."""
    seen = {}
    for line in text.splitlines():
        m = re.search(rf"\b(\d+) of {total}\b", line)
        if m:
            for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line):
                seen.setdefault(name, set()).add(int(m.group(1)))
    return seen


def statuses(w):
    return {x["unique_id"]: x["status"] for x in w.p.json("target/run_results.json")["results"]}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def built(request, tmp_path_factory, xform_bin):
    """jaffle_shop after `seed` (.seed_result) and `run --threads 1`
    (.run_result), once per warehouse, for the tests that only read it."""
    w = shared_warehouse(request, tmp_path_factory, "jaffle_shop")
    try:
        w.seed_result = w.xform("seed", expect=0)
        w.run_result = w.xform("run", "--threads", "1", expect=0)
        yield w
    finally:
        w.drop()


@pytest.fixture
def fresh_built(wh):
    """A jaffle_shop of this test's own after `seed` and `run`."""
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    w.xform("run", expect=0)
    return w


@pytest.mark.feature("version")
def test_version(run_in_sandbox):
    r = run_in_sandbox("--version", expect=0)
    assert re.search(r"\b0\.1\.0\b", r.text), r


@pytest.mark.feature("seed")
def test_seed_loads_every_csv_row(built, expected):
    w, r = built, built.seed_result
    assert r.summary() == {"PASS": 3, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 3}
    check_database_files(w)
    rels = w.relations()
    for seed, n in SEED_COUNTS.items():
        assert w.scalar(f'select count(*) from "{seed}"') == n
        assert rels[seed] == "table"
        check_relation(w, expected, seed)
        assert any(seed in ln and str(n) in ln for ln in r.text.splitlines()), \
            f"no console line reports {n} rows for {seed}:\n{r}"
    lines = node_lines(r.text, 3)
    assert {i for s in SEED_COUNTS for i in lines.get(s, ())} == {1, 2, 3}, r


@pytest.mark.feature("seed")
def test_seed_twice_replaces_rows(wh):
    w = wh("jaffle_shop")
    w.xform("seed", expect=0)
    w.xform("seed", expect=0)
    for seed, n in SEED_COUNTS.items():
        assert w.scalar(f'select count(*) from "{seed}"') == n
    amount_sum = sum(int(ln.rsplit(",", 1)[1])
                     for ln in w.p.read("seeds/raw_payments.csv").splitlines()[1:])
    assert w.scalar("select sum(amount) from raw_payments") == amount_sum


@pytest.mark.feature("run")
def test_run_builds_every_model(built, expected):
    w, r = built, built.run_result
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
    assert w.relations() == ALL_RELATIONS
    for rel in Expected.SEEDS + Expected.MODELS:
        check_relation(w, expected, rel)
    check_database_files(w)
    # nothing outside the project folder
    assert not any(w.p.cwd.iterdir()), "xform wrote into the current directory"


@pytest.mark.feature("run")
def test_run_values_spot_checks(built, expected):
    """A few numbers written out, so a wrong expectation cannot hide."""
    w = built
    assert w.scalar("select count(*) from stg_payments") == 113
    cents = sum(r[3] for r in expected.raw_payments)
    assert round(w.scalar("select sum(amount) from stg_payments"), 2) == round(cents / 100, 2)
    assert round(w.scalar("select sum(amount) from orders"), 2) == round(cents / 100, 2)
    assert round(w.scalar("select sum(customer_lifetime_value) from customers"), 2) == \
        round(cents / 100, 2)
    assert w.scalar("select sum(number_of_orders) from customers") == 99
    without = 100 - len({r[1] for r in expected.raw_orders})
    assert w.scalar("select count(*) from customers where number_of_orders is null") == without
    assert without > 0
    # each order's method columns add up to its amount
    bad = w.rows("select order_id from orders where abs(credit_card_amount + coupon_amount + "
                 "bank_transfer_amount + gift_card_amount - amount) > 0.001")
    assert bad == []
    for method in ("credit_card", "coupon", "bank_transfer", "gift_card"):
        want = sum(r[3] for r in expected.raw_payments if r[2] == method) / 100
        got = w.scalar(f"select sum({method}_amount) from orders")
        assert round(got, 2) == round(want, 2), method


@pytest.mark.feature("run")
def test_run_is_repeatable(built, expected):
    """A second run replaces every model in place (on Postgres the views
    and tables that depend on each other too) and leaves nothing behind;
    seeding again afterwards keeps the views built on the seeds."""
    w = built
    r = w.xform("run", expect=0)
    assert r.summary()["PASS"] == 5
    assert w.relations() == ALL_RELATIONS, "a second run left extra relations behind"
    for rel in Expected.MODELS:
        check_relation(w, expected, rel)
    r = w.xform("seed", expect=0)
    assert r.summary()["PASS"] == 3
    assert w.relations() == ALL_RELATIONS, "seeding again dropped or added relations"
    for rel in Expected.SEEDS + Expected.STAGING:
        check_relation(w, expected, rel)


@pytest.mark.feature("run.threads")
def test_run_with_threads_and_full_refresh(wh, expected):
    w = wh("jaffle_shop")
    w.xform("seed", "--threads", "4", expect=0)
    r = w.xform("run", "--threads", "4", "--full-refresh", expect=0)
    assert r.summary() == {"PASS": 5, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 5}
    for rel in Expected.MODELS:
        check_relation(w, expected, rel)


@pytest.mark.feature("run")
def test_run_without_seeds_fails_each_model(wh):
    w = wh("jaffle_shop")
    r = w.xform("run", "--threads", "1", expect=1)
    # each staging view fails on its missing seed when it is created (on
    # SQLite too, which checks a view lazily), the marts on them are skipped
    assert r.summary() == {"PASS": 0, "WARN": 0, "ERROR": 3, "SKIP": 2, "TOTAL": 5}, r
    st = statuses(w)
    assert {st[f"model.jaffle_shop.{m}"] for m in Expected.STAGING} == {"error"}
    assert {st[f"model.jaffle_shop.{m}"] for m in Expected.MARTS} == {"skipped"}
    assert w.relations() == {}
    for seed in Expected.SEEDS:
        assert seed in r.text, f"the missing seed {seed} is not named:\n{r}"


@pytest.mark.feature("atomic")
def test_failing_table_keeps_previous_rows(fresh_built, expected):
    w = fresh_built
    w.p.edit("models/customers.sql", "select * from final", "select * from final_missing_cte")
    r = w.xform("run", expect=1)
    assert r.summary() == {"PASS": 4, "WARN": 0, "ERROR": 1, "SKIP": 0, "TOTAL": 5}
    assert "customers" in r.text and "final_missing_cte" in r.text, \
        f"the database error is not shown:\n{r}"
    check_relation(w, expected, "customers")
    assert w.relations() == ALL_RELATIONS, "a failed build left a temporary relation behind"
    res = statuses(w)
    assert res["model.jaffle_shop.customers"] == "error"
    assert res["model.jaffle_shop.orders"] == "success"


@pytest.mark.feature("atomic")
def test_failing_view_skips_children_and_keeps_old_view(fresh_built, expected):
    w = fresh_built
    w.p.edit("models/staging/stg_orders.sql", "select * from renamed",
             "select * from renamed_nope")
    r = w.xform("run", "--threads", "1", expect=1)
    assert r.summary() == {"PASS": 2, "WARN": 0, "ERROR": 1, "SKIP": 2, "TOTAL": 5}
    assert "renamed_nope" in r.text, f"the database error is not shown:\n{r}"
    assert w.relations() == ALL_RELATIONS, "a failed build left a temporary relation behind"
    check_relation(w, expected, "stg_orders")
    check_relation(w, expected, "customers")
    check_relation(w, expected, "orders")
    res = statuses(w)
    assert res["model.jaffle_shop.stg_orders"] == "error"
    assert res["model.jaffle_shop.customers"] == "skipped"
    assert res["model.jaffle_shop.orders"] == "skipped"
    assert res["model.jaffle_shop.stg_payments"] == "success"


@pytest.mark.feature("errors.after_run")
def test_project_error_after_a_good_run_changes_nothing(fresh_built):
    w = fresh_built
    before = w.digest()
    results_before = w.p.read("target/run_results.json")
    w.p.edit("models/orders.sql", "ref('stg_orders')", "ref('stg_order')")
    r = w.xform("run", expect=2)
    assert "did you mean 'stg_orders'" in r.text, r
    assert "Done. PASS=" not in r.text, "a project error must stop before running anything"
    assert w.digest() == before
    assert w.p.read("target/run_results.json") == results_before
