"""Grouping quality and time of the Spark cluster job against the
single-process Clusterer, on a mix of shared data sets (read at run time):

    PYSPARK_PYTHON=$VENV/bin/python $VENV/bin/python python/bench_spark.py [PARTITIONS] [DATA_DIR] [common|rare] [MAX_BLOCK_RATIO]

Ids are replaced by deterministic random-looking ones (a hash of the
original), and each request gets a customer (one of 500, by hash), so
features need distinct customers as in real use. Prints ARI and pairwise
F1 of each grouping against the data sets' labels, and of the Spark
grouping against the single-process one.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from math import comb
from pathlib import Path

import feedback_triage as ft
from feedback_triage import spark as fts

FILES = ["banking77/train.jsonl", "clinc150/val.jsonl", "duplicate_bugs/hadoop.jsonl"]


def load(data: Path) -> tuple[list[dict], dict[str, str]]:
    items, labels = [], {}
    for f in FILES:
        p = data / f
        if not p.exists():
            continue
        for line in open(p, encoding="utf-8"):
            if not line.strip():
                continue
            r = json.loads(line)
            h = hashlib.sha1(r["id"].encode()).hexdigest()
            rid = f"x{h[:12]}"
            cust = f"c{int(h[12:16], 16) % 500}"
            items.append({"id": rid, "title": r.get("title") or "", "body": r.get("body") or "", "customer": cust})
            labels[rid] = f"{f}:{r.get('label')}"
    return items, labels


def ari_f1(a: dict[str, str], b: dict[str, str]) -> tuple[float, float]:
    """Adjusted Rand index and pairwise F1 of grouping ``a`` against ``b``
    (both: id -> group)."""
    ids = sorted(a)
    n = len(ids)
    cont = Counter((a[i], b[i]) for i in ids)
    sa = Counter(a[i] for i in ids)
    sb = Counter(b[i] for i in ids)
    both = sum(comb(c, 2) for c in cont.values())
    pa_ = sum(comb(c, 2) for c in sa.values())
    pb = sum(comb(c, 2) for c in sb.values())
    total = comb(n, 2)
    expected = pa_ * pb / total
    mx = (pa_ + pb) / 2
    ari = (both - expected) / (mx - expected) if mx != expected else 1.0
    prec = both / pa_ if pa_ else 0.0
    rec = both / pb if pb else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return ari, f1


def main() -> None:
    parts = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    block_by = sys.argv[3] if len(sys.argv) > 3 else "common"
    ratio = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    data = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parents[2] / "shared" / "data")
    items, labels = load(data)
    print(f"{len(items)} requests from {FILES}")
    t = time.time()
    single = ft.Clusterer().cluster(items)
    t_single = time.time() - t
    g_single = {r["id"]: r["group"] for r in single.assignments()}
    spark = fts.session("bench")
    df = spark.createDataFrame(items).repartition(parts)
    df.cache().count()
    t = time.time()
    assignments, features = fts.cluster(df, partitions=parts, block_by=block_by, max_block_ratio=ratio)
    g_spark = {r["id"]: r["feature_id"] for r in assignments.collect()}
    t_spark = time.time() - t
    assert sorted(g_spark) == sorted(g_single)
    for name, g, secs in (("single process", g_single, t_single), (f"spark, {parts} partitions, block_by={block_by}, max_block_ratio={ratio}", g_spark, t_spark)):
        ari, f1 = ari_f1(g, labels)
        print(f"{name}: ARI {ari:.4f}, pairwise F1 {f1:.4f} against labels; {secs:.1f} s")
    ari, f1 = ari_f1(g_spark, g_single)
    print(f"spark against single process: ARI {ari:.4f}, pairwise F1 {f1:.4f}")
    print(f"features: single {len(single['features'])}, spark {len(features)}")


if __name__ == "__main__":
    main()
