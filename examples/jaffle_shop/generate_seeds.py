#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the jaffle shop seed CSVs (seeds/raw_*.csv) deterministically.

The data is ours, made up here with a fixed random seed, in the shape of
the classic demo: 100 customers, 99 orders, 113 payments (amounts in
cents). Every order has at least one payment; some customers have no
orders. Run it again and the files come out byte for byte the same.
"""

import csv
import datetime
import os
import random

FIRST = ["Ada", "Bram", "Cleo", "Dara", "Emil", "Fenna", "Gus", "Hana", "Ivo", "Juno",
         "Kai", "Lena", "Milo", "Nora", "Otto", "Pia", "Quinn", "Rosa", "Sami", "Tess",
         "Uma", "Vik", "Wren", "Xavi", "Yara", "Zeno"]
LAST = "ABCDEFGHIJKLMNOPRSTVWZ"
STATUSES = [("completed", 60), ("shipped", 12), ("placed", 12), ("return_pending", 6),
            ("returned", 9)]
METHODS = [("credit_card", 50), ("coupon", 20), ("bank_transfer", 25), ("gift_card", 8)]

N_CUSTOMERS, N_ORDERS, N_PAYMENTS = 100, 99, 113


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def main():
    rng = random.Random(20180101)
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
    os.makedirs(here, exist_ok=True)

    customers = [(i, rng.choice(FIRST), rng.choice(LAST) + ".")
                 for i in range(1, N_CUSTOMERS + 1)]

    start = datetime.date(2018, 1, 1)
    days = sorted(rng.randrange(0, 98) for _ in range(N_ORDERS))
    orders = [(i, rng.randrange(1, N_CUSTOMERS + 1),
               (start + datetime.timedelta(days=d)).isoformat(), weighted(rng, STATUSES))
              for i, d in zip(range(1, N_ORDERS + 1), days)]

    # one payment per order, then the rest on random orders (split payments)
    order_ids = list(range(1, N_ORDERS + 1))
    order_ids += [rng.randrange(1, N_ORDERS + 1) for _ in range(N_PAYMENTS - N_ORDERS)]
    order_ids.sort()
    payments = []
    for i, oid in enumerate(order_ids, start=1):
        method = weighted(rng, METHODS)
        amount = 0 if rng.random() < 0.04 else rng.randrange(100, 3100)
        payments.append((i, oid, method, amount))

    for name, header, rows in [
        ("raw_customers", ("id", "first_name", "last_name"), customers),
        ("raw_orders", ("id", "user_id", "order_date", "status"), orders),
        ("raw_payments", ("id", "order_id", "payment_method", "amount"), payments),
    ]:
        with open(os.path.join(here, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)


if __name__ == "__main__":
    main()
