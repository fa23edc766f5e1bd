# SPDX-License-Identifier: MIT
"""`xform compile` writes the rendered SQL of every model under
target/compiled/<project>/<path>; `xform run` writes what it executed
under target/run/<project>/<path>."""

from pathlib import Path

import pytest

from jaffle import Expected

GOLDEN = Path(__file__).resolve().parent / "golden" / "compiled"
MODEL_PATHS = {
    "stg_customers": "models/staging/stg_customers.sql",
    "stg_orders": "models/staging/stg_orders.sql",
    "stg_payments": "models/staging/stg_payments.sql",
    "customers": "models/customers.sql",
    "orders": "models/orders.sql",
}


@pytest.mark.feature("compile")
def test_compile_renders_every_model(jaffle):
    r = jaffle.xform("compile", expect=0)
    base = jaffle.path("target/compiled/jaffle_shop")
    for name, rel in MODEL_PATHS.items():
        f = base / rel
        assert f.is_file(), f"no {f.relative_to(jaffle.dir)}:\n{r}"
        sql = f.read_text()
        for mark in ("{{", "}}", "{%", "%}", "{#", "#}"):
            assert mark not in sql, f"{rel}: template text left in compiled SQL"
    assert '"main"."raw_orders"' in (base / MODEL_PATHS["stg_orders"]).read_text()
    assert '"main"."raw_payments"' in (base / MODEL_PATHS["stg_payments"]).read_text()
    customers = (base / MODEL_PATHS["customers"]).read_text()
    for stg in Expected.STAGING:
        assert f'"main"."{stg}"' in customers
    # compile does not need the seeds loaded and builds nothing
    assert not jaffle.path("jaffle_shop.db").exists() or jaffle.relations() == {}


@pytest.mark.feature("compile.golden")
@pytest.mark.parametrize("name", sorted(MODEL_PATHS))
def test_compiled_sql_matches_jinja(jaffle, name):
    """Byte for byte what Jinja renders (whitespace control included),
    apart from trailing newlines. The golden files were rendered by
    Jinja2 itself with ref() as "main"."name"."""
    jaffle.xform("compile", expect=0)
    got = jaffle.read(f"target/compiled/jaffle_shop/{MODEL_PATHS[name]}")
    want = (GOLDEN / f"{name}.sql").read_text()
    assert got.rstrip("\n") == want.rstrip("\n")


@pytest.mark.feature("compile")
def test_compile_pivot_loop_with_trim(jaffle):
    jaffle.xform("compile", expect=0)
    sql = jaffle.read("target/compiled/jaffle_shop/models/orders.sql")
    for m in ("credit_card", "coupon", "bank_transfer", "gift_card"):
        line = (f"        sum(case when payment_method = '{m}' then amount else 0 end)"
                f" as {m}_amount,\n")
        assert line in sql
        assert f"        order_payments.{m}_amount,\n" in sql
    assert "payment_methods" not in sql


@pytest.mark.feature("compile.select")
def test_compile_select_one_model(jaffle):
    jaffle.xform("compile", "--select", "stg_orders", expect=0)
    base = jaffle.path("target/compiled/jaffle_shop")
    assert (base / MODEL_PATHS["stg_orders"]).is_file()
    assert not (base / MODEL_PATHS["orders"]).exists()


@pytest.mark.feature("run.target_run")
def test_run_writes_executed_sql(jaffle_built):
    base = jaffle_built.path("target/run/jaffle_shop")
    for name, rel in MODEL_PATHS.items():
        f = base / rel
        assert f.is_file(), f"no target/run/jaffle_shop/{rel}"
        sql = f.read_text()
        assert "create" in sql.lower(), f"{rel}: no create statement in the executed SQL"
        assert "{{" not in sql and "{%" not in sql
    assert '"main"."raw_orders"' in (base / MODEL_PATHS["stg_orders"]).read_text()
    compiled = jaffle_built.path("target/compiled/jaffle_shop") / MODEL_PATHS["orders"]
    assert compiled.is_file(), "run must also write the compiled SQL"
