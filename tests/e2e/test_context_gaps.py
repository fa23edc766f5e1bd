# SPDX-License-Identifier: MIT
"""dbt context functions that were missing (issue 14.6), inside a real
model on SQLite and PostgreSQL: run_started_at is a UTC datetime
(strftime, isoformat), load_relation() finds a built relation and gives
none for a missing one, local_md5, set_strict, modules.itertools and a
recursive for loop. The engine-free ones also have golden cases."""

import datetime
import hashlib

import pytest

from warehouse import wh  # noqa: F401  (the fixture)


@pytest.mark.feature("jinja.globals")
def test_context_gaps_in_a_model(wh):
    w = wh("projects/context_gaps")
    before = datetime.datetime.now(datetime.timezone.utc)
    w.xform("run", expect=0)
    after = datetime.datetime.now(datetime.timezone.utc)
    (day, iso, md5, distinct, pairs, base, missing, tree), = w.rows(
        "select started_day, started_iso, md5, distinct_ids, pairs, base_rel, missing_rel, tree "
        "from probe")
    started = datetime.datetime.fromisoformat(iso)
    assert started.tzinfo is not None and started.utcoffset() == datetime.timedelta(0)
    assert before - datetime.timedelta(seconds=1) <= started <= after
    assert day == started.strftime("%Y-%m-%d")
    assert md5 == hashlib.md5(b"xform").hexdigest()
    assert distinct == "1,2"
    assert pairs == "ab ac bc"
    assert (base, missing) == ("found", "none")
    assert tree == "1(23)"
