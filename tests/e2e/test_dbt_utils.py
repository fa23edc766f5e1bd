# SPDX-License-Identifier: MIT
"""Data tests in full (issue 4), on SQLite and on PostgreSQL.

fixtures/dbt_utils/utils: the dbt_utils generic tests run with no package
install step (no packages.yml, no dbt_packages/): all pass on good data,
and on broken data exactly the right ones fail with dbt_utils' failure
counts; the test names follow dbt's synthesize_generic_test_names (the
long ones shortened to 30 characters + md5 for the alias).

fixtures/dbt_utils/configs: severity, warn_if / error_if, where, limit,
store_failures, enabled, a custom name, tags, custom generic tests from
macros/ and tests/generic/, singular tests, and selection by test_type,
resource_type, tag and name."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from test_seeds_csv import custom_schema, drop_schemas, exact_rows, loaded_project, relations


def by_name(rr):
    """{test node name: result} of the tests in a run_results document
    (the name is the third part of test.<project>.<name>[.<hash>])."""
    return {r["unique_id"].split(".")[2]: r for r in rr["results"]
            if r["unique_id"].startswith("test.")}


def statuses(rr):
    return {n: (r["status"], r["failures"]) for n, r in by_name(rr).items()}


def dbt_short_name(full, test_type, target):
    """dbt's alias for a generic test whose full name is 64+ characters."""
    if len(full) < 64:
        return full
    return f"{(test_type + '_' + target)[:30]}_{hashlib.md5(full.encode()).hexdigest()}"


# ---------------------------------------------------------------- dbt_utils
EXPR_MODEL = "dbt_utils_expression_is_true_orders_amount_coalesce_discount_0_"  # 63 chars
EXPR_COLNAME = "dbt_utils_expression_is_true_orders_discount___0"  # column_name: argument
EXPR_COLUMN = "dbt_utils_expression_is_true_orders_amount___0"     # under columns:
UNIQUE_COMBO = "dbt_utils_unique_combination_of_columns_orders_customer_id__order_date"
ROWCOUNT = "dbt_utils_equal_rowcount_orders_ref_raw_shipments_"
RANGE_ID = "dbt_utils_accepted_range_orders_id__False__1000__0"
RANGE_AMOUNT = "dbt_utils_accepted_range_orders_amount__0"
REL_WHERE = "dbt_utils_relationships_where_orders_customer_id__id__status_test___ref_customers_"
NOT_EMPTY_STATUS = "dbt_utils_not_empty_string_orders_status"
NOT_CONSTANT_STATUS = "dbt_utils_not_constant_orders_status"
AT_LEAST_ONE_DISCOUNT = "dbt_utils_at_least_one_orders_discount"
NOT_EMPTY_NAME = "dbt_utils_not_empty_string_customers_name"
AT_LEAST_ONE_EMAIL = "dbt_utils_at_least_one_customers_email"
NOT_CONSTANT_TIER = "dbt_utils_not_constant_customers_tier"
RECENCY = "dbt_utils_recency_events_day__created_at__1"

UTILS_TESTS = [EXPR_MODEL, EXPR_COLNAME, EXPR_COLUMN, UNIQUE_COMBO, ROWCOUNT, RANGE_ID,
               RANGE_AMOUNT, REL_WHERE, NOT_EMPTY_STATUS, NOT_CONSTANT_STATUS,
               AT_LEAST_ONE_DISCOUNT, NOT_EMPTY_NAME, AT_LEAST_ONE_EMAIL, NOT_CONSTANT_TIER,
               RECENCY]

# What each test returns on the broken data below (dbt_utils 1.x semantics).
BROKEN = {
    EXPR_MODEL: ("fail", 2),       # orders 2 and 3: amount below the discount
    EXPR_COLNAME: ("fail", 1),     # order 3: discount -1
    EXPR_COLUMN: ("fail", 2),      # orders 2 and 3: amount < 0
    UNIQUE_COMBO: ("fail", 1),     # one duplicated (customer_id, order_date) group
    ROWCOUNT: ("fail", 3),         # 6 orders, 3 shipments: fail_calc sum(diff_count)
    RANGE_ID: ("fail", 1),         # id 1000 with inclusive: false
    RANGE_AMOUNT: ("fail", 2),     # orders 2 and 3
    REL_WHERE: ("fail", 1),        # customer 98; customer 99 is a 'test' order
    NOT_EMPTY_STATUS: ("fail", 2),  # '' and '  ' (trimmed)
    NOT_CONSTANT_STATUS: ("pass", 0),
    AT_LEAST_ONE_DISCOUNT: ("pass", 0),
    NOT_EMPTY_NAME: ("fail", 1),   # customer 2: ''
    AT_LEAST_ONE_EMAIL: ("fail", 1),  # every email is NULL
    NOT_CONSTANT_TIER: ("fail", 1),   # every tier is gold
    RECENCY: ("fail", 1),          # the newest event is 3 days old
}

BROKEN_ORDERS = """id,customer_id,order_date,amount,discount,status
1,1,2024-01-01,10.0,0,completed
2,1,2024-01-01,-20.5,1.5,completed
3,2,2024-01-02,-5,-1,returned
4,98,2024-01-03,0,,""
5,99,2024-01-04,7,0,test
1000,3,2024-01-05,1,,"  "
"""
BROKEN_CUSTOMERS = 'id,name,email,tier\n1,Ann,,gold\n2,"",,gold\n3,Cy,,gold\n'
BROKEN_SHIPMENTS = "order_id,carrier\n1,ups\n2,dhl\n3,ups\n"


def write_events(p, age):
    """raw_events.csv with its newest created_at `age` before now (UTC)."""
    now = datetime.now(timezone.utc)
    rows = [now - age - timedelta(days=5), now - age]
    p.write("seeds/raw_events.csv", "id,created_at\n" + "".join(
        f"{i},{t:%Y-%m-%d %H:%M:%S}\n" for i, t in enumerate(rows, 1)))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def utils(request, tmp_path_factory, xform_bin):
    """fixtures/dbt_utils/utils built on good data (.good: that `xform
    build`, .good_rr its run_results), then seeded with broken data and
    tested again (.broken, .broken_rr)."""
    w = loaded_project(request, tmp_path_factory, "dbt_utils/utils")
    try:
        assert not w.p.path("packages.yml").exists() and not w.p.path("dbt_packages").exists()
        write_events(w.p, timedelta(hours=1))
        w.good = w.xform("build")
        w.good_rr = w.p.json("target/run_results.json")
        w.p.write("seeds/raw_orders.csv", BROKEN_ORDERS)
        w.p.write("seeds/raw_customers.csv", BROKEN_CUSTOMERS)
        w.p.write("seeds/raw_shipments.csv", BROKEN_SHIPMENTS)
        write_events(w.p, timedelta(days=3))
        w.reseed = w.xform("seed")
        w.broken = w.xform("test")
        w.broken_rr = w.p.json("target/run_results.json")
        yield w
    finally:
        drop_schemas(w)


@pytest.mark.feature("data_tests.dbt_utils")
def test_dbt_utils_tests_pass_on_good_data_without_packages(utils):
    w = utils
    assert w.good.rc == 0, f"expected exit 0:\n{w.good}"
    assert statuses(w.good_rr) == {n: ("pass", 0) for n in UTILS_TESTS}
    assert w.good.summary() == {"PASS": 22, "WARN": 0, "ERROR": 0, "SKIP": 0, "TOTAL": 22}
    assert not w.p.path("dbt_packages").exists()


@pytest.mark.feature("data_tests.dbt_utils")
def test_dbt_utils_failures_on_broken_data(utils):
    w = utils
    assert w.reseed.rc == 0, str(w.reseed)
    assert w.broken.rc == 1, f"expected exit 1:\n{w.broken}"
    got = statuses(w.broken_rr)
    assert set(got) == set(UTILS_TESTS), w.broken
    wrong = {n: (got[n], BROKEN[n]) for n in UTILS_TESTS if got[n] != BROKEN[n]}
    assert not wrong, "test: (got, expected)\n" + "\n".join(
        f"  {n}: {g} != {e}" for n, (g, e) in wrong.items()) + f"\n{w.broken}"
    assert w.broken.summary() == {"PASS": 2, "WARN": 0, "ERROR": 13, "SKIP": 0, "TOTAL": 15}


@pytest.mark.feature("data_tests.names")
def test_dbt_utils_test_names_follow_dbt(utils):
    """Full names in unique_id, the 30-character + md5 aliases for the long
    ones (their compiled files are named by the alias, as in dbt)."""
    w = utils
    ids = [r["unique_id"] for r in w.good_rr["results"] if r["unique_id"].startswith("test.")]
    for uid in ids:
        parts = uid.split(".")
        assert len(parts) == 4 and parts[:2] == ["test", "utils"], uid
    compiled = {p.name for p in w.p.path("target/compiled/utils/models/schema.yml").glob("*.sql")}
    for full, ttype, target in [(UNIQUE_COMBO, "dbt_utils_unique_combination_of_columns",
                                 "orders"),
                                (REL_WHERE, "dbt_utils_relationships_where", "orders"),
                                (EXPR_MODEL, "dbt_utils_expression_is_true", "orders")]:
        short = dbt_short_name(full, ttype, target)
        assert f"{short}.sql" in compiled, (short, sorted(compiled))
    assert dbt_short_name(REL_WHERE, "dbt_utils_relationships_where", "orders").startswith(
        "dbt_utils_relationships_where__")
    nodes = w.p.json("target/manifest.json")["nodes"]
    combo = next(n for n in nodes.values() if n["name"] == UNIQUE_COMBO)
    assert combo["alias"] == dbt_short_name(UNIQUE_COMBO,
                                            "dbt_utils_unique_combination_of_columns", "orders")
    assert combo["test_metadata"]["name"] == "unique_combination_of_columns"
    assert combo["test_metadata"]["namespace"] == "dbt_utils"


# ---------------------------------------------------------------- configs
CONFIG_TESTS = {
    "is_even_payments_id": ("fail", 3),                             # macros/ test
    "payments_id_present": ("pass", 0),                             # name:
    "not_null_payments_order_id": ("pass", 0),                      # where; tags
    "unique_payments_order_id": ("fail", 1),                        # store_failures
    "accepted_values_payments_method__card__cash__gift": ("warn", 1),  # severity: warn
    "accepted_values_payments_method__card": ("warn", 2),            # limit: 2 of 3
    "max_length_payments_method__4": ("fail", 1),                   # tests/generic/
    "dbt_utils_accepted_range_payments_amount__0": ("warn", 3),      # 3: warn_if >0, not >5
    "dbt_utils_accepted_range_payments_amount___1": ("fail", 2),     # 2: error_if >1
    "assert_payments_total_positive": ("pass", 0),                  # singular
    "assert_no_refund_without_order": ("fail", 1),                  # singular
    "assert_few_cash_payments": ("warn", 1),                        # singular, config()
}
SINGULAR = {"assert_payments_total_positive", "assert_no_refund_without_order",
            "assert_few_cash_payments"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def configs(request, tmp_path_factory, xform_bin):
    """fixtures/dbt_utils/configs after one `xform build` (.built, .rr)."""
    w = loaded_project(request, tmp_path_factory, "dbt_utils/configs")
    try:
        w.built = w.xform("build")
        w.rr = w.p.json("target/run_results.json")
        yield w
    finally:
        drop_schemas(w, "_dbt_test__audit")


@pytest.mark.feature("data_tests.configs")
def test_configs_statuses_and_failures(configs):
    w = configs
    assert w.built.rc == 1, f"expected exit 1 (failing tests):\n{w.built}"
    assert statuses(w.rr) == CONFIG_TESTS
    # enabled: false: never run, not in the manifest's nodes
    assert "not_null_payments_note" not in w.built.text
    assert not any("not_null_payments_note" in k
                   for k in w.p.json("target/manifest.json")["nodes"])
    assert w.built.summary() == {"PASS": 5, "WARN": 4, "ERROR": 5, "SKIP": 0, "TOTAL": 14}


@pytest.mark.feature("data_tests.messages")
def test_failure_messages_name_the_threshold(configs):
    """As dbt: 'Got N results, configured to fail|warn if <error_if|warn_if>'."""
    res = by_name(configs.rr)
    want = {
        "unique_payments_order_id": "Got 1 result, configured to fail if != 0",
        "accepted_values_payments_method__card": "Got 2 results, configured to warn if != 0",
        "dbt_utils_accepted_range_payments_amount__0": "Got 3 results, configured to warn if >0",
        "dbt_utils_accepted_range_payments_amount___1":
            "Got 2 results, configured to fail if >1",
    }
    assert {n: res[n]["message"] for n in want} == want
    for msg in want.values():
        assert msg in configs.built.text


@pytest.mark.feature("data_tests.store_failures")
def test_store_failures_keeps_the_failing_rows(configs):
    w = configs
    audit = custom_schema(w, "dbt_test__audit")
    if w.kind == "sqlite":
        assert audit == "main_dbt_test__audit"
        assert "main_dbt_test__audit.db" in w.p.db_files()
        assert w.p.relations(audit) == {"unique_payments_order_id": "table"}
        rows = w.p.rows("select unique_field, n_records from unique_payments_order_id",
                        schema=audit)
    else:
        assert relations(w, audit) == {"unique_payments_order_id": "table"}
        rows = exact_rows(w, f'select unique_field, n_records from "{audit}".'
                             "unique_payments_order_id")
    assert rows == [(1, 2)]
    # only the test that asked for it is stored
    assert "unique_payments_order_id" not in relations(w)


@pytest.mark.feature("data_tests.select")
@pytest.mark.parametrize("selector, names, code", [
    ("test_type:singular", SINGULAR, 1),
    ("test_type:generic", set(CONFIG_TESTS) - SINGULAR, 1),
    ("resource_type:test", set(CONFIG_TESTS), 1),
    ("tag:finance", {"not_null_payments_order_id", "assert_few_cash_payments"}, 0),
    ("payments_id_present", {"payments_id_present"}, 0),
    ("test_name:accepted_values", {"accepted_values_payments_method__card__cash__gift",
                                   "accepted_values_payments_method__card"}, 0),  # warn: exit 0
])
def test_select_tests(configs, selector, names, code):
    w = configs
    r = w.xform("test", "--select", selector, expect=code)
    got = statuses(w.p.json("target/run_results.json"))
    assert got == {n: CONFIG_TESTS[n] for n in names}, r
