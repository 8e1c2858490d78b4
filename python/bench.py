"""Throughput of feedback_triage from Python, against a pure-Python keyword
loop of the same vocabulary and the Rust ``classify`` example's whole
process.

    python python/bench.py N REPEAT

builds N real requests from ../shared/data (all its JSON Lines files, in a
fixed order, repeated with fresh ids until there are N), then times, best of
REPEAT runs each, in MB/s of title + body text:

* a pure-Python keyword loop: the default policy's keywords (as many as
  ``policy dump`` lists) in a dict, each white-space separated lower-cased
  word looked up, hits counted per class;
* ``classify_many`` on a list of dicts, with and without evidence;
* ``classify_many`` on a pandas DataFrame, a pyarrow Table (and a Polars
  DataFrame when Polars is installed);
* the Rust example ``classify`` (``--threads 0``: all cores, built with
  ``--features parallel``) over the same items as JSON Lines, the whole
  process (reading, parsing, classifying, writing JSON to /dev/null).

Frames are built before the clock starts; results are checked to be the
same classes on every path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import feedback_triage as ft

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
FIELDS = ("title", "body", "channel", "customer", "requester", "votes", "tags", "created")


def load(n: int) -> list[dict]:
    files = sorted(DATA.glob("*/*.jsonl"))
    if not files:
        sys.exit(f"no data in {DATA}")
    per_file = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        per_file.append([{k: r[k] for k in FIELDS if r.get(k) is not None} for r in rows])
    # Round robin over the files, so that any N is a mix of all of them.
    base = []
    for i in range(max(len(rows) for rows in per_file)):
        base.extend(rows[i] for rows in per_file if i < len(rows))
    items = []
    while len(items) < n:
        for item in base[: n - len(items)]:
            d = dict(item)
            d["id"] = f"b{len(items)}"
            items.append(d)
    return items


def keyword_table(clf: ft.Classifier) -> dict[str, str]:
    """The default policy's keywords (as written, lower-cased), each to its
    rule's class: the same vocabulary size as the policy."""
    policy = json.loads(clf.policy_json())
    table: dict[str, str] = {}
    for rule in policy["rules"]:
        for kw in rule.get("keywords", []):
            text = kw if isinstance(kw, str) else kw["text"]
            table[text.lower()] = rule["class"]
    return table


def python_loop(items: list[dict], table: dict[str, str]) -> list:
    """The simplest keyword loop: split on white space, look each word up,
    count per class, take the most counted class."""
    out = []
    for item in items:
        counts: dict[str, int] = {}
        for w in (item.get("title", "") + " " + item.get("body", "")).lower().split():
            c = table.get(w)
            if c is not None:
                counts[c] = counts.get(c, 0) + 1
        out.append(max(counts, key=counts.get) if counts else None)
    return out


def best(repeat: int, f):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - t)
    return min(times), result


def rust_example() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(
        ["cargo", "build", "--release", "--features", "parallel", "--example", "classify"],
        cwd=ROOT,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return target / "release" / "examples" / "classify"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    items = load(n)
    mb = sum(len(i.get("title", "").encode()) + len(i.get("body", "").encode()) for i in items) / 1e6
    clf = ft.Classifier()
    table = keyword_table(clf)
    vocab = sum(len(r.get("keywords", [])) for r in json.loads(clf.policy_json())["rules"])
    print(f"{n} items, {mb:.1f} MB of title + body; default policy: {vocab} keywords "
          f"({len(table)} distinct); best of {repeat}")
    rows = []

    def row(name, seconds):
        rows.append((name, seconds))
        print(f"{name:<42} {seconds:8.2f} s {mb / seconds:8.1f} MB/s", flush=True)

    t, _ = best(repeat, lambda: python_loop(items, table))
    row("pure-Python keyword loop", t)
    t, dicts = best(repeat, lambda: clf.classify_many(items))
    row("classify_many(list of dicts)", t)
    t, _ = best(repeat, lambda: clf.classify_many(items, evidence=False))
    row("classify_many(list of dicts, evidence=False)", t)
    expected = [d["class"] for d in dicts]
    import pandas as pd
    import pyarrow as pa

    df = pd.DataFrame(items)
    t, out = best(repeat, lambda: clf.classify_many(df))
    row("classify_many(pandas DataFrame)", t)
    assert [None if c is None else c for c in out["class"].tolist()] == expected
    tbl = pa.Table.from_pandas(df, preserve_index=False)
    t, out = best(repeat, lambda: clf.classify_many(tbl))
    row("classify_many(pyarrow Table)", t)
    assert out.column("class").to_pylist() == expected
    t, _ = best(repeat, lambda: clf.classify_arrow(tbl, evidence=False))
    row("classify_arrow(pyarrow Table, evidence=False)", t)
    try:
        import polars as pl
    except ImportError:
        pl = None
    if pl is not None:
        pdf = pl.from_arrow(tbl)
        t, out = best(repeat, lambda: clf.classify_many(pdf))
        row("classify_many(Polars DataFrame)", t)
        assert out["class"].to_list() == expected
    exe = rust_example()
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for i in items:
            fh.write(json.dumps(i) + "\n")
        path = fh.name
    try:

        def run():
            with open(os.devnull, "w") as null:
                subprocess.run([exe, "--threads", "0", path], stdout=null, check=True)

        t, _ = best(repeat, run)
        row("Rust example classify --threads 0 (process)", t)
    finally:
        os.unlink(path)
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
