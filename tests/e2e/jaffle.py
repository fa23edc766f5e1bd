# SPDX-License-Identifier: MIT
"""What the jaffle shop models must contain, worked out in plain Python
from the seed CSVs (never by running the project's SQL), so that the
end-to-end tests compare xform's tables with an independent answer."""

import csv
from collections import defaultdict
from pathlib import Path

METHODS = ["credit_card", "coupon", "bank_transfer", "gift_card"]
STATUSES = ["placed", "shipped", "completed", "return_pending", "returned"]


def _read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Expected:
    """Every relation of examples/jaffle_shop as lists of row tuples."""

    def __init__(self, seeds_dir):
        seeds_dir = Path(seeds_dir)
        self.raw_customers = [(int(r["id"]), r["first_name"], r["last_name"])
                              for r in _read(seeds_dir / "raw_customers.csv")]
        self.raw_orders = [(int(r["id"]), int(r["user_id"]), r["order_date"], r["status"])
                           for r in _read(seeds_dir / "raw_orders.csv")]
        self.raw_payments = [(int(r["id"]), int(r["order_id"]), r["payment_method"],
                              int(r["amount"]))
                             for r in _read(seeds_dir / "raw_payments.csv")]

        # staging: renames; payments in dollars
        self.stg_customers = list(self.raw_customers)
        self.stg_orders = list(self.raw_orders)
        self.stg_payments = [(i, o, m, cents / 100.0) for i, o, m, cents in self.raw_payments]

        # orders: one row per order, pivot of payment amounts by method
        paid = defaultdict(lambda: defaultdict(int))  # order -> method -> cents
        for _, oid, method, cents in self.raw_payments:
            paid[oid][method] += cents
        self.orders = []
        for oid, cid, date, status in self.raw_orders:
            if oid in paid:
                per = [paid[oid][m] / 100.0 for m in METHODS]
                total = sum(paid[oid].values()) / 100.0
            else:
                per, total = [None] * len(METHODS), None
            self.orders.append((oid, cid, date, status, *per, total))

        # customers: first/last order, count, lifetime value (null without orders)
        by_customer = defaultdict(list)
        for oid, cid, date, _ in self.raw_orders:
            by_customer[cid].append((oid, date))
        order_owner = {oid: cid for oid, cid, _, _ in self.raw_orders}
        ltv = defaultdict(int)
        for _, oid, _, cents in self.raw_payments:
            ltv[order_owner[oid]] += cents
        self.customers = []
        for cid, first, last in self.raw_customers:
            mine = by_customer.get(cid)
            if mine:
                dates = [d for _, d in mine]
                self.customers.append((cid, first, last, min(dates), max(dates), len(mine),
                                       ltv[cid] / 100.0))
            else:
                self.customers.append((cid, first, last, None, None, None, None))

    COLUMNS = {
        "raw_customers": ["id", "first_name", "last_name"],
        "raw_orders": ["id", "user_id", "order_date", "status"],
        "raw_payments": ["id", "order_id", "payment_method", "amount"],
        "stg_customers": ["customer_id", "first_name", "last_name"],
        "stg_orders": ["order_id", "customer_id", "order_date", "status"],
        "stg_payments": ["payment_id", "order_id", "payment_method", "amount"],
        "customers": ["customer_id", "first_name", "last_name", "first_order",
                      "most_recent_order", "number_of_orders", "customer_lifetime_value"],
        "orders": ["order_id", "customer_id", "order_date", "status"]
        + [m + "_amount" for m in METHODS] + ["amount"],
    }
    SEEDS = ["raw_customers", "raw_orders", "raw_payments"]
    STAGING = ["stg_customers", "stg_orders", "stg_payments"]
    MARTS = ["customers", "orders"]
    MODELS = STAGING + MARTS

    def rows(self, relation):
        return getattr(self, relation)


def normalize(value):
    """Makes a database value comparable with the expectation: dates as
    'YYYY-MM-DD' text, numbers rounded to cents."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):  # date / datetime from Postgres
        return value.isoformat()[:10]
    if isinstance(value, float):
        return round(value, 2)
    if type(value).__name__ == "Decimal":
        return round(float(value), 2)
    return value


def normalize_rows(rows):
    return [tuple(normalize(v) for v in r) for r in rows]
