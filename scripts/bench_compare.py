#!/usr/bin/env python3
"""Checks that mosaic and DuckDB computed the same benchmark attributes (scripts/bench-duckdb.sh).

Usage: bench_compare.py MOSAIC_PROFILES.jsonl DUCKDB.jsonl [--sample N] [--seed S]

Compares a deterministic sample of N profiles that have events (all of them with N=0), and
checks that every mosaic profile without events (e.g. a CRM record only) has no spend, no
largest order and no page views. Exit status 1 on any disagreement.
"""
import argparse
import json
import math
import random
import sys

ATTRS = ("totalSpend30d", "pageViews7d", "largestOrder90d")


def load(path, where):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            attrs = where(o) or {}
            out[o["profileId"]] = {a: attrs.get(a) for a in ATTRS}
    return out


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mosaic")
    ap.add_argument("duckdb")
    ap.add_argument("--sample", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    mosaic = load(args.mosaic, lambda o: o.get("entity", {}).get("computedAttributes"))
    duck = load(args.duckdb, lambda o: o.get("computedAttributes"))

    ids = sorted(duck)
    if args.sample and args.sample < len(ids):
        ids = sorted(random.Random(args.seed).sample(ids, args.sample))
    bad = []
    for pid in ids:
        m = mosaic.get(pid)
        if m is None:
            bad.append((pid, "missing in mosaic", None, duck[pid]))
            continue
        for a in ATTRS:
            mv = 0 if a == "pageViews7d" and m[a] is None else m[a]
            if not same(mv, duck[pid][a]):
                bad.append((pid, a, m[a], duck[pid][a]))
    eventless = [pid for pid in mosaic if pid not in duck]
    for pid in eventless:
        m = mosaic[pid]
        if m["totalSpend30d"] is not None or m["largestOrder90d"] is not None or (m["pageViews7d"] or 0) != 0:
            bad.append((pid, "has event attributes but no events in DuckDB", m, None))
    print(f"compared {len(ids)} profiles with events ({len(duck)} in DuckDB, {len(mosaic)} in mosaic, "
          f"{len(eventless)} without events): {len(bad)} disagreements")
    for row in bad[:10]:
        print("  ", *row)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
