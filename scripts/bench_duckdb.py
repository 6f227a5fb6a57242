#!/usr/bin/env python3
"""The DuckDB side of scripts/bench-duckdb.sh: the three benchmark attributes in SQL.

Usage: bench_duckdb.py PROJECT OUT.jsonl [--threads 2] [--as-of 2026-11-01T00:00:00Z]

Computes, per profile (= the primary identity of each event, as mosaic does with
`identityGraph: none`):
  totalSpend30d   = SUM(commerce.order.priceTotal) of purchases in the 30 days up to the as-of
  pageViews7d     = COUNT of page views in the 7 days up to the as-of
  largestOrder90d = MAX(commerce.order.priceTotal) of purchases in the 90 days up to the as-of
and writes one JSON object per profile, sorted by profileId, like mosaic's profiles.jsonl
(null attributes left out; the count always present).
"""
import argparse
import json
import sys
import time

import duckdb

# The primary identity of an event (SPEC 1.4): the identity of the highest-priority namespace
# present, after normalization, dropping invalid values. Namespaces, priorities, normalization
# and patterns mirror the generated project's policies/identity.yaml.
NAMESPACES = [  # (code, SQL normalization of `x`, pattern or None), by priority
    ("CRMID", "lower(trim(x))", "^c-[0-9]+$"),
    ("Email", "lower(trim(x))", None),
    ("LOYALTY", "upper(trim(x))", "^L[0-9]{6,9}$"),
    ("Phone", "trim(x)", r"^\+[0-9]{8,15}$"),
    ("ECID", "x", None),
]


def first_valid(code, norm, pattern):
    """SQL for the first valid, normalized id of namespace `code` in the event's identityMap."""
    ok = "v IS NOT NULL AND v <> '' AND length(v) <= 1024 AND lower(v) NOT IN ('null', 'anonymous', 'invalid')"
    if pattern:
        ok += f" AND regexp_full_match(v, '{pattern}')"
    normalized = norm.replace("x", "i.id")
    return (f"list_filter(list_transform(identityMap.\"{code}\", lambda i: {normalized}), "
            f"lambda v: {ok})[1]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("project")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--as-of", default="2026-11-01T00:00:00Z")
    args = ap.parse_args()

    id_struct = "STRUCT(id VARCHAR, \"primary\" BOOLEAN)[]"
    columns = {
        "_id": "VARCHAR",
        "timestamp": "VARCHAR",
        "eventType": "VARCHAR",
        "identityMap": "STRUCT(" + ", ".join(f'"{c}" {id_struct}' for c, _, _ in NAMESPACES) + ")",
        "commerce": "STRUCT(\"order\" STRUCT(priceTotal DOUBLE))",
    }
    # `'CRMID:' || NULL` is NULL, so COALESCE picks the best namespace present.
    primary = "COALESCE(" + ", ".join(f"'{c}:' || {first_valid(c, n, p)}" for c, n, p in NAMESPACES) + ")"
    files = [f"{args.project}/data/web/*.jsonl", f"{args.project}/data/commerce/*.jsonl"]

    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute("SET TimeZone = 'UTC'")
    start = time.perf_counter()
    sql = f"""
    WITH raw AS (
      SELECT regexp_extract(filename, '/data/([^/]+)/', 1) AS dataset, filename, _id, eventType,
             TRY_CAST("timestamp" AS TIMESTAMPTZ) AS ts, commerce."order".priceTotal AS price,
             {primary} AS profileId
      FROM read_json({files!r}, format = 'newline_delimited', ignore_errors = true,
                     columns = {columns!r}, filename = true)
    ),
    events AS (  -- rejected lines are left out; one event per (dataset, _id), the last file wins
      SELECT * FROM raw
      WHERE ts IS NOT NULL AND profileId IS NOT NULL
      QUALIFY _id IS NULL OR row_number() OVER (PARTITION BY dataset, _id ORDER BY filename DESC) = 1
    ),
    clock AS (SELECT CAST('{args.as_of}' AS TIMESTAMPTZ) AS t)
    SELECT profileId,
      SUM(price) FILTER (WHERE eventType = 'commerce.purchases'
                         AND ts BETWEEN clock.t - INTERVAL 30 DAY AND clock.t) AS totalSpend30d,
      COUNT(*) FILTER (WHERE eventType = 'web.webpagedetails.pageViews'
                       AND ts BETWEEN clock.t - INTERVAL 7 DAY AND clock.t) AS pageViews7d,
      MAX(price) FILTER (WHERE eventType = 'commerce.purchases'
                         AND ts BETWEEN clock.t - INTERVAL 90 DAY AND clock.t) AS largestOrder90d
    FROM events, clock
    GROUP BY profileId, clock.t
    ORDER BY profileId
    """
    rows = con.execute(sql).fetchall()
    query_secs = time.perf_counter() - start
    with open(args.out, "w", encoding="utf-8") as f:
        for pid, spend, views, largest in rows:
            attrs = {"pageViews7d": views}
            if spend is not None:
                attrs["totalSpend30d"] = spend
            if largest is not None:
                attrs["largestOrder90d"] = largest
            f.write(json.dumps({"profileId": pid, "computedAttributes": attrs}) + "\n")
    print(f"duckdb {duckdb.__version__}: {len(rows)} profiles with events, query {query_secs:.3f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
