# SPDX-License-Identifier: MIT
"""The microbatch incremental strategy (dbt 1.9), on SQLite and Postgres.

The fixture fixtures/microbatch has events (seed raw_events) on 31 August,
1, 2, 3 and 4 September 2024, read through stg_events (event_time: ts, so
a batch reads only its window of it) and customers (no event_time: read
whole); events_mb is a daily microbatch model from 2024-09-01 whose query
fails for the batch named by $MB_FAIL_BATCH."""

import datetime as dt
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, parse_diags
from warehouse import wh  # noqa: F401  (the fixture)

SEPT = ["--event-time-start", "2024-09-01", "--event-time-end", "2024-09-04"]


@pytest.fixture
def mb(wh):
    w = wh("microbatch")
    w.xform("seed", expect=0)
    return w


def batch_lines(out):
    """The result line of each batch (each has a START line before it)."""
    lines = [re.sub(r" \.+ \[[^]]*\]$", "", ln.split("  ", 1)[-1])
             for ln in out.splitlines() if " Batch " in ln]
    starts = [ln for ln in lines if " START batch " in ln]
    done = [ln for ln in lines if " START batch " not in ln]
    assert [s.replace(" START batch ", " ") for s in starts] == \
        [d.replace(" OK created batch ", " ").replace(" ERROR creating batch ", " ") for d in done]
    return done


def table(w):
    return w.rows("select id, amount, name, batch_id from events_mb order by id")


def valid_for_dbt(doc):
    """run_results.json against dbt's published run-results v6 schema, when
    it is beside the clone (see tests/e2e/test_artifacts.py)."""
    path = Path(os.environ.get("XF_DBT_SCHEMAS") or REPO.parent / "shared" / "dbt-schemas")
    path = path / "run-results_v6.json"
    if path.is_file():
        schema = json.loads(path.read_text())
        jsonschema.validators.validator_for(schema)(schema).validate(doc)


def batch_results(w, name="events_mb"):
    rr = w.p.json("target/run_results.json")
    (r,) = [x for x in rr["results"] if x["unique_id"] == f"model.mb.{name}"]
    return r


@pytest.mark.feature("incremental.microbatch")
def test_backfill_builds_exactly_the_days_asked_for_from_filtered_upstreams(mb):
    r = mb.xform("run", *SEPT, expect=0)
    assert batch_lines(r.out) == [
        f"Batch {i} of 3 OK created batch 2024-09-0{i} of {mb.schema}.events_mb" for i in (1, 2, 3)
    ]
    # 31 August and 4 September are in stg_events, outside every window: not pulled in;
    # customers declares no event_time: every batch joins all of it
    assert table(mb) == [
        (2, 10, "ada", "2024-09-01"),
        (3, 20, "bob", "2024-09-01"),
        (4, 30, "bob", "2024-09-02"),
        (5, 40, "ada", "2024-09-03"),
    ]
    res = batch_results(mb)
    assert res["status"] == "success"
    assert res["batch_results"] == {
        "successful": [[f"2024-09-0{d}T00:00:00Z", f"2024-09-0{d + 1}T00:00:00Z"] for d in (1, 2, 3)],
        "failed": [],
    }
    cfg = mb.p.json("target/manifest.json")["nodes"]["model.mb.events_mb"]["config"]
    assert (cfg["incremental_strategy"], cfg["event_time"], cfg["batch_size"], cfg["begin"],
            cfg["lookback"]) == ("microbatch", "ts", "day", "2024-09-01", 1)
    # the staging model is filtered, the dimension is not (dbt's subquery and alias)
    run_sql = mb.p.read("target/run/mb/models/events_mb.sql")
    assert "_dbt_et_filter_subq_stg_events" in run_sql
    assert "2024-09-03 00:00:00" in run_sql and "_dbt_et_filter_subq_customers" not in run_sql
    # a second backfill of one day replaces that day only, idempotently
    mb.p.write("seeds/raw_events.csv", mb.p.read("seeds/raw_events.csv").replace(
        "4,2,2024-09-02 07:00:00,30", "4,2,2024-09-02 07:00:00,33\n7,1,2024-09-02 08:00:00,70"))
    mb.xform("seed", expect=0)
    r = mb.xform("run", "-s", "stg_events", "events_mb", "--event-time-start", "2024-09-02",
                 "--event-time-end", "2024-09-03", expect=0)
    assert batch_lines(r.out) == [f"Batch 1 of 1 OK created batch 2024-09-02 of {mb.schema}.events_mb"]
    assert table(mb) == [
        (2, 10, "ada", "2024-09-01"),
        (3, 20, "bob", "2024-09-01"),
        (4, 33, "bob", "2024-09-02"),
        (5, 40, "ada", "2024-09-03"),
        (7, 70, "ada", "2024-09-02"),
    ]


@pytest.mark.feature("incremental.microbatch")
def test_failed_batch_is_reported_the_others_commit_and_retry_runs_it_alone(mb):
    junit = mb.p.dir.parent / "junit.xml"
    r = mb.xform("run", *SEPT, "--junit-xml", str(junit), expect=1,
                 env={"MB_FAIL_BATCH": "2024-09-02"})
    # CI sees the partial success as an error
    assert 'errors="1"' in junit.read_text() and "batches failed" in junit.read_text()
    assert batch_lines(r.out) == [
        f"Batch 1 of 3 OK created batch 2024-09-01 of {mb.schema}.events_mb",
        f"Batch 2 of 3 ERROR creating batch 2024-09-02 of {mb.schema}.events_mb",
        f"Batch 3 of 3 OK created batch 2024-09-03 of {mb.schema}.events_mb",
    ]
    assert "PARTIAL SUCCESS (2/3) sql microbatch model" in r.out
    assert "1 of 3 batches failed (2024-09-02; retry runs them again); the first: batch " \
        "2024-09-02:" in r.out and "no_such_column" in r.out
    assert table(mb) == [
        (2, 10, "ada", "2024-09-01"),
        (3, 20, "bob", "2024-09-01"),
        (5, 40, "ada", "2024-09-03"),
    ]
    valid_for_dbt(mb.p.json("target/run_results.json"))
    res = batch_results(mb)
    assert res["status"] == "partial success"
    assert res["batch_results"]["failed"] == [["2024-09-02T00:00:00Z", "2024-09-03T00:00:00Z"]]
    assert len(res["batch_results"]["successful"]) == 2
    # fixed (the variable is gone): retry runs the one failed batch, nothing else
    r = mb.xform("retry", expect=0)
    assert batch_lines(r.out) == [f"Batch 1 of 1 OK created batch 2024-09-02 of {mb.schema}.events_mb"]
    assert "1 of 1 START" in r.out  # only the microbatch model, not stg_events
    assert table(mb) == [
        (2, 10, "ada", "2024-09-01"),
        (3, 20, "bob", "2024-09-01"),
        (4, 30, "bob", "2024-09-02"),
        (5, 40, "ada", "2024-09-03"),
    ]
    assert batch_results(mb)["status"] == "success"


@pytest.mark.feature("incremental.microbatch")
def test_first_build_from_begin_then_lookback_then_full_refresh(mb):
    """Days relative to today (UTC): the first build runs every batch from
    begin to today, a later run today and `lookback` batches before it,
    --full-refresh everything from begin again."""
    today = dt.datetime.now(dt.timezone.utc).date()
    d = [today - dt.timedelta(days=k) for k in (3, 2, 1, 0)]  # d[0]: before begin
    rows = ["id,customer_id,ts,amount"] + [
        f"{i + 1},1,{day} 12:00:00,{10 * (i + 1)}" for i, day in enumerate(d)
    ]
    mb.p.write("seeds/raw_events.csv", "\n".join(rows) + "\n")
    mb.p.edit("models/events_mb.sql", "begin='2024-09-01'", f"begin='{d[1]}'")
    mb.xform("seed", expect=0)
    r = mb.xform("run", expect=0)
    assert [ln.split(" batch ")[1].split(" of ")[0] for ln in batch_lines(r.out)] == \
        [str(x) for x in d[1:]]
    assert [x[0] for x in table(mb)] == [2, 3, 4]
    # late rows for two days ago and yesterday; lookback 1 reprocesses yesterday only
    mb.p.write("seeds/raw_events.csv", "\n".join(rows + [
        f"5,2,{d[1]} 13:00:00,50", f"6,2,{d[2]} 13:00:00,60"]) + "\n")
    mb.xform("seed", expect=0)
    r = mb.xform("run", "-s", "stg_events", "events_mb", expect=0)
    assert [ln.split(" batch ")[1].split(" of ")[0] for ln in batch_lines(r.out)] == \
        [str(x) for x in d[2:]]
    assert [x[0] for x in table(mb)] == [2, 3, 4, 6]
    # lookback: 2 reaches the day before yesterday
    mb.p.edit("models/events_mb.sql", "batch_size='day',", "batch_size='day', lookback=2,")
    r = mb.xform("run", "-s", "events_mb", expect=0)
    assert len(batch_lines(r.out)) == 3
    assert [x[0] for x in table(mb)] == [2, 3, 4, 5, 6]
    # --full-refresh: rebuilt from begin (a row deleted upstream goes)
    mb.p.write("seeds/raw_events.csv", "\n".join(rows[:2] + rows[3:]) + "\n")
    mb.xform("seed", expect=0)
    r = mb.xform("run", "-s", "stg_events", "events_mb", "--full-refresh", expect=0)
    assert len(batch_lines(r.out)) == 3
    assert [x[0] for x in table(mb)] == [3, 4]


@pytest.mark.feature("incremental.microbatch")
def test_sources_with_event_time_are_filtered_and_hourly_batches(mb):
    mb.p.write("models/sources.yml", f"""
version: 2
sources:
  - name: raw
    schema: "{{{{ target.schema }}}}"
    tables:
      - name: raw_events
        config:
          event_time: ts
""")
    mb.p.write("models/hourly.sql", """
{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts',
          batch_size='hour', begin='2024-09-01', concurrent_batches=false) }}
select id, ts, 'h{{ model.batch.event_time_start.strftime("%H") }}' as hour
from {{ source('raw', 'raw_events') }}
""")
    r = mb.xform("run", "-s", "hourly", "--event-time-start", "2024-09-01T17:00:00",
                 "--event-time-end", "2024-09-01T19:00:00Z", expect=0)
    assert batch_lines(r.out) == [
        f"Batch 1 of 2 OK created batch 2024-09-01 17:00:00 of {mb.schema}.hourly",
        f"Batch 2 of 2 OK created batch 2024-09-01 18:00:00 of {mb.schema}.hourly",
    ]
    assert mb.rows("select id, hour from hourly") == [(3, "h18")]


@pytest.mark.feature("incremental.microbatch")
@pytest.mark.parametrize("args,msg", [
    (["--event-time-start", "2024-09-01"], "--event-time-start needs --event-time-end"),
    (["--event-time-start", "2024-09-01", "--event-time-end", "soon"],
     "--event-time-end 'soon' is not an ISO date"),
    (["--event-time-start", "2024-09-04", "--event-time-end", "2024-09-01"],
     "is not before --event-time-end"),
    (["--event-time-start", "2024-02-30", "--event-time-end", "2024-03-01"],
     "--event-time-start '2024-02-30' is not an ISO date"),
])
def test_bad_event_time_flags_exit_2_before_anything_runs(wh, args, msg):
    w = wh("microbatch")
    r = w.xform("run", *args, expect=2)
    assert msg in r.err and "hint:" in r.err
    assert w.untouched()


@pytest.mark.feature("incremental.microbatch")
@pytest.mark.parametrize("edit,msg,hint", [
    (("event_time='ts',", ""), "microbatch model 'events_mb' has no event_time", "event_time="),
    (("batch_size='day',", ""), "microbatch model 'events_mb' has no batch_size",
     "hour, day, month or year"),
    (("batch_size='day',", "batch_size='days',"),
     "batch_size 'days' of microbatch model 'events_mb' is not hour, day, month or year "
     "(did you mean 'day'?)", "one hour, day"),
    (("begin='2024-09-01',", ""), "microbatch model 'events_mb' has no begin", "begin="),
    (("begin='2024-09-01',", "begin='first of may',"),
     "begin 'first of may' of microbatch model 'events_mb' is not an ISO date", "2024-01-01"),
    (("begin='2024-09-01',", "begin='2024-09-01', lookback=-1,"),
     "lookback of microbatch model 'events_mb' must be a whole number", "lookback: 1"),
    (("begin='2024-09-01',", "begin='2024-09-01', concurrent_batches='yes',"),
     "concurrent_batches of microbatch model 'events_mb' must be true or false",
     "one after another"),
])
def test_bad_microbatch_config_is_a_located_error(wh, edit, msg, hint):
    w = wh("microbatch")
    w.p.edit("models/events_mb.sql", *edit)
    r = w.xform("run", expect=2)
    diags = [x for x in parse_diags(r.err) if msg in x.msg]
    assert diags, r.err
    assert diags[0].path.endswith("models/events_mb.sql") and diags[0].src_line is not None
    assert "hint:" in r.err and hint in r.err
    assert w.untouched()


@pytest.mark.feature("incremental.microbatch")
def test_microbatch_configs_are_not_reported_as_unsupported(mb):
    mb.p.edit("models/events_mb.sql", "begin='2024-09-01',",
              "begin='2024-09-01', lookback=2, concurrent_batches=true,")
    r = mb.xform("run", *SEPT, expect=0)
    assert "not supported by xform yet" not in r.out + r.err
    # accepted, but batches run one after another: said where it is set
    assert "concurrent_batches: true, but xform builds its batches one after another" in r.err
    assert json.loads(mb.p.read("target/run_results.json"))["results"][-1]["status"] == "success"


@pytest.mark.feature("incremental.microbatch")
def test_merge_settings_on_a_microbatch_model_warn_where_set(mb):
    """incremental_predicates and merge_*_columns mean nothing to a batch that
    replaces its window: said where they are set, not ignored in silence."""
    mb.p.edit("models/events_mb.sql", "begin='2024-09-01',",
              "begin='2024-09-01', incremental_predicates=['1 = 1'], "
              "merge_update_columns=['payload'],")
    r = mb.xform("run", *SEPT, expect=0)
    for key in ("incremental_predicates", "merge_update_columns"):
        assert (f"models/events_mb.sql:" in r.err and
                f"warning: {key} of microbatch model 'events_mb' is not applied: each batch "
                "deletes its window of event_time and inserts the batch's rows") in r.err, r
    assert "merge_exclude_columns" not in r.err
    assert len(batch_lines(r.out)) >= 3


@pytest.mark.feature("incremental.microbatch")
def test_event_time_that_is_not_a_column_fails_every_batch_and_creates_nothing(mb):
    mb.p.edit("models/events_mb.sql", "event_time='ts',", "event_time='happened_at',")
    r = mb.xform("run", *SEPT, expect=1)
    assert ("event_time 'happened_at' of microbatch model 'events_mb' is not one of the columns "
            "its query returns; nothing was changed") in r.out
    assert len([ln for ln in batch_lines(r.out) if "ERROR creating batch" in ln]) == 3
    assert "events_mb" not in mb.relations()
    assert batch_results(mb)["status"] == "error"
    assert len(batch_results(mb)["batch_results"]["failed"]) == 3


@pytest.mark.feature("incremental.microbatch")
def test_on_schema_change_is_said_to_be_not_applied(mb):
    mb.p.edit("models/events_mb.sql", "begin='2024-09-01',",
              "begin='2024-09-01', on_schema_change='append_new_columns',")
    r = mb.xform("run", *SEPT, expect=0)
    diags = [x for x in parse_diags(r.err.replace(": warning: ", ": error: "))
             if "on_schema_change 'append_new_columns' of microbatch model" in x.msg]
    assert diags and diags[0].path.endswith("models/events_mb.sql"), r.err


@pytest.mark.feature("incremental.microbatch")
def test_retry_refuses_batch_results_that_are_not_times(mb):
    mb.xform("run", *SEPT, expect=1, env={"MB_FAIL_BATCH": "2024-09-02"})
    rr = mb.p.json("target/run_results.json")
    for x in rr["results"]:
        if x["batch_results"]:
            x["batch_results"]["failed"] = [["yesterday", "today"]]
    mb.p.write("target/run_results.json", json.dumps(rr))
    r = mb.xform("retry", expect=2)
    assert ("the failed batches of 'model.mb.events_mb' in the last run_results.json are not "
            "[start, end] times") in r.err


@pytest.mark.feature("incremental.microbatch")
def test_full_refresh_whose_first_batch_fails_keeps_the_old_table(mb):
    mb.xform("run", *SEPT, expect=0)
    before = table(mb)
    r = mb.xform("run", "-s", "events_mb", "--full-refresh", *SEPT, expect=1,
                 env={"MB_FAIL_BATCH": "2024-09-01"})
    assert [ln.split(" batch ")[0] for ln in batch_lines(r.out)] == [
        f"Batch {i} of 3 ERROR creating" for i in (1, 2, 3)]
    assert "batch 2024-09-01: " in r.out
    assert "(the other 2 batches were not run: that batch creates the table)" in r.out
    assert table(mb) == before  # not replaced by the second day alone
    assert batch_results(mb)["status"] == "error"
    r = mb.xform("retry", expect=0)
    assert len(batch_lines(r.out)) == 3
    assert table(mb) == before


def parsed(w):
    return [(i, str(p)) for i, p in w.rows("select id, parsed from parsed order by id")]


@pytest.mark.feature("incremental.microbatch")
def test_a_bad_row_on_one_day_fails_that_batch_only_until_the_data_is_fixed(mb):
    """A data error, not a template one: the second day holds a payload that
    is not JSON, so parsing it fails in that batch only (on either warehouse).
    The seed declares event_time itself; build takes the flags too."""
    mb.p.write("seeds/payloads.csv", "id,ts,payload\n"
               "1,2024-09-01 10:00:00,1\n2,2024-09-02 10:00:00,oops\n3,2024-09-03 10:00:00,3\n")
    mb.p.write("seeds/payloads.yml", "version: 2\nseeds:\n  - name: payloads\n"
               "    config:\n      event_time: ts\n")
    mb.p.write("models/parsed.sql", """
{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts',
          batch_size='day', begin='2024-09-01') }}
select id, ts, {{ 'json(payload)' if target.type == 'sqlite' else 'cast(cast(payload as text) as json)::text' }}
    as parsed
from {{ ref('payloads') }}
""")
    r = mb.xform("build", "-s", "payloads", "parsed", *SEPT, expect=1)
    assert [ln.split(" batch ")[0] for ln in batch_lines(r.out)] == [
        "Batch 1 of 3 OK created", "Batch 2 of 3 ERROR creating", "Batch 3 of 3 OK created"]
    assert parsed(mb) == [(1, "1"), (3, "3")]
    res = batch_results(mb, "parsed")
    assert res["status"] == "partial success"
    assert res["batch_results"]["failed"] == [["2024-09-02T00:00:00Z", "2024-09-03T00:00:00Z"]]
    # the data is fixed upstream; retry runs the one failed batch
    mb.p.write("seeds/payloads.csv", "id,ts,payload\n"
               "1,2024-09-01 10:00:00,1\n2,2024-09-02 10:00:00,2\n3,2024-09-03 10:00:00,3\n")
    build_results = mb.p.read("target/run_results.json")
    mb.xform("seed", "-s", "payloads", expect=0)
    # seed wrote its own run_results: retry is to read the build's
    mb.p.write("target/run_results.json", build_results)
    r = mb.xform("retry", expect=0)
    assert batch_lines(r.out) == [f"Batch 1 of 1 OK created batch 2024-09-02 of {mb.schema}.parsed"]
    assert parsed(mb) == [(1, "1"), (2, "2"), (3, "3")]
