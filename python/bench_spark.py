"""Grouping quality and time of the Spark cluster job against the
single-process Clusterer, on a mix of shared data sets (read at run time):

    PYSPARK_PYTHON=$VENV/bin/python $VENV/bin/python python/bench_spark.py [PARTITIONS] [DATA_DIR] [common|rare] [MAX_BLOCK_RATIO]

and the classify job's time per stage on a JSON Lines file (each stage its
own Spark action, in one session; wall time and the CPU time of the whole
process tree: driver, JVM, Python workers):

    PYSPARK_PYTHON=$VENV/bin/python $VENV/bin/python python/bench_spark.py classify FILE [OUT]

and the cluster job's Spark jobs, each with its wall time:

    PYSPARK_PYTHON=$VENV/bin/python $VENV/bin/python python/bench_spark.py cluster FILE [OUT] [PARTITIONS]

Ids are replaced by deterministic random-looking ones (a hash of the
original), and each request gets a customer (one of 500, by hash), so
features need distinct customers as in real use. Prints ARI and pairwise
F1 of each grouping against the data sets' labels, and of the Spark
grouping against the single-process one.
"""

from __future__ import annotations

import hashlib
import json
import os
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


class TreeCpu:
    """CPU seconds (user + system) of process ``root`` and every descendant
    it ever had, sampled from /proc (Linux) every 0.1 s by a background
    thread, whose own time is left out. Each process counts with the most it
    was seen to have used, so one that exits keeps its count whoever reaps
    it (summing the live processes' times with their reaped children's lost
    the workers that exited unreaped, and the total could fall), and it is
    followed after it leaves the tree. The last tenth of a second of each
    process is missed, and a process that lives less than that may be
    missed whole (Spark reuses its Python workers by default)."""

    def __init__(self, root: int) -> None:
        import threading

        self.root = root
        self.seen: dict[tuple[int, str], float] = {}
        self.lock = threading.Lock()
        self.overhead = 0.0
        self.stopped = threading.Event()
        self.sample()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.stopped.wait(0.1):
            t = time.thread_time()
            self.sample()
            with self.lock:
                self.overhead += time.thread_time() - t

    def stop(self) -> None:
        self.stopped.set()

    def sample(self) -> None:
        with self.lock:
            known = {pid for pid, _ in self.seen}
        # Once seen, a process is followed even after it leaves the tree (an
        # orphan is adopted by init).
        tree = set(_tree(self.root))
        for pid in known | tree:
            try:
                stat = open(f"/proc/{pid}/stat").read()
            except OSError:
                continue
            rest = stat[stat.rfind(")") + 2 :].split()
            # (pid, start time): a pid used again is another process.
            key, cpu = (pid, rest[19]), sum(int(x) for x in rest[11:13]) / os.sysconf("SC_CLK_TCK")
            with self.lock:
                if pid not in tree and key not in self.seen:
                    continue
                self.seen[key] = max(self.seen.get(key, 0.0), cpu)

    def total(self) -> float:
        self.sample()
        with self.lock:
            return sum(self.seen.values()) - self.overhead


class Stages:
    """Wall and CPU time of consecutive stages, printed as they end."""

    def __init__(self, rows: int | None = None) -> None:
        self.rows = rows
        self.cpu = TreeCpu(os.getpid())
        self.t, self.c = time.time(), self.cpu.total()

    def done(self, name: str) -> None:
        t, c = time.time(), self.cpu.total()
        wall, cpu = t - self.t, c - self.c
        rate = f", {self.rows / cpu:,.0f} rows per CPU-second" if self.rows and cpu > 0 else ""
        print(f"{name:<58} wall {wall:7.2f} s  cpu {cpu:7.2f} s{rate}", flush=True)
        self.t, self.c = time.time(), self.cpu.total()


def classify_stages(path: str, out: str) -> None:
    """The package alone on ``path`` (JSON Lines; pyarrow's JSON reader,
    Arrow batches of 10,000 rows), then the classify job's stages, then the
    whole command in a process of its own (without and with ``--schema``)."""
    import pyarrow as pa
    import pyarrow.json as pj

    from feedback_triage import _arrow

    rows = sum(1 for line in open(path, "rb") if line.strip())
    print(f"{rows} rows, {os.path.getsize(path) / 1e6:.1f} MB, load {os.getloadavg()[0]:.1f}")
    st = Stages(rows)
    table = pj.read_json(path)
    st.done("package alone: pyarrow.json.read_json")
    # Through an Arrow IPC stream, as Spark hands them over: each batch owns
    # its buffers (a slice of the table would carry the whole chunk's).
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        for b in table.to_batches(max_chunksize=10_000):
            w.write_batch(b)
    batches = list(pa.ipc.open_stream(sink.getvalue()))
    native = ft.Classifier()._native
    for b in batches:
        _arrow.classify_record_batch(native, b, False)
    st.done("package alone: classify_record_batch, no evidence")
    for b in batches:
        _arrow.classify_record_batch(native, b, True)
    st.done("package alone: classify_record_batch, evidence")
    del table, batches

    spark = fts.session("bench-classify")
    st.done("spark: session (JVM start)")
    df = fts.read(spark, path)
    st.done("spark: read JSON, schema inference")
    noop = lambda d: d.write.format("noop").mode("overwrite").save()  # noqa: E731
    noop(df)
    st.done("spark: read JSON, rows (noop write)")
    noop(df.mapInArrow(lambda it: it, df.schema))
    st.done("spark: + mapInArrow passing batches through")
    noop(fts.classify(df, evidence=False))
    st.done("spark: + classify, no evidence")
    noop(fts.classify(df))
    st.done("spark: + classify, evidence")
    fts.classify(df).write.mode("overwrite").parquet(out)
    st.done("spark: + classify, evidence, Parquet write")
    errors = spark.read.parquet(out).where("error IS NOT NULL").count()
    st.done(f"spark: a second pass counting errors ({errors})")
    observed, obs = fts.observe_errors(fts.classify(df))
    observed.write.mode("overwrite").parquet(out)
    st.done(f"spark: classify, Parquet write, errors observed ({obs.get['errors']})")
    ddl = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in df.schema.fields)
    df = fts.read(spark, path, schema=ddl)
    st.done("spark: read JSON, schema given")
    noop(df)
    st.done("spark: read JSON, schema given, rows (noop write)")
    spark.stop()
    st.cpu.stop()
    command = [sys.executable, "-m", "feedback_triage.spark", "classify", path, out]
    for name, cmd in (("", command), (", --schema", command + ["--schema", ddl])):
        wall, cpu = whole_process(cmd)
        print(
            f"{'the whole classify command, its own process' + name:<58} wall {wall:7.2f} s  cpu {cpu:7.2f} s, "
            f"{rows / cpu:,.0f} rows per CPU-second, {rows / wall:,.0f} rows/s",
            flush=True,
        )


def whole_process(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``cmd`` and every process it starts (the JVM
    and its Python workers, which ``time`` does not see: they are not
    waited for), sampled from /proc every 0.1 s (the last tenth of a second
    of each process is missed)."""
    import subprocess

    t = time.time()
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    seen: dict[int, float] = {}
    while proc.poll() is None:
        for pid in _tree(proc.pid):
            seen[pid] = max(seen.get(pid, 0.0), _cpu(pid))
        time.sleep(0.1)
    return time.time() - t, sum(seen.values())


def _cpu(pid: int) -> float:
    """A process's own CPU seconds (user + system, its children not
    included: they are sampled in their turn)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0.0
    rest = stat[stat.rfind(")") + 2 :].split()
    return sum(int(x) for x in rest[11:13]) / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                stat = open(f"/proc/{p}/stat").read()
            except OSError:
                continue
            kids.setdefault(int(stat[stat.rfind(")") + 2 :].split()[1]), []).append(int(p))
    out, todo = [], [root]
    while todo:
        q = todo.pop()
        out.append(q)
        todo += kids.get(q, [])
    return out


def cluster_stages(path: str, out: str, partitions: int) -> None:
    """The cluster job on ``path`` (JSON Lines), as the command runs it, and
    then each of its Spark jobs (from the web UI's REST API) with the line of
    ``spark.py`` that started it and its wall time, in order."""
    import urllib.request

    from pyspark.sql import SparkSession

    rows = sum(1 for line in open(path, "rb") if line.strip())
    print(f"{rows} rows, {os.path.getsize(path) / 1e6:.1f} MB, load {os.getloadavg()[0]:.1f}")
    spark = (
        SparkSession.builder.appName("bench-cluster")
        .master("local[*]")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
        .getOrCreate()
    )
    st = Stages(rows)
    df = fts.read(spark, path)
    st.done("read JSON, schema inference")
    t = time.time()
    assignments, features = fts.cluster(df, partitions)
    t_cluster, t_returned = time.time() - t, time.time()
    st.done(f"cluster() ({len(features)} features)")
    assignments.write.mode("overwrite").parquet(out)
    st.done("assignments written (Parquet)")
    ui = spark.sparkContext.uiWebUrl
    app = spark.sparkContext.applicationId
    with urllib.request.urlopen(f"{ui}/api/v1/applications/{app}/jobs") as r:
        jobs = sorted(json.load(r), key=lambda j: j["jobId"])

    def secs(stamp: str) -> float:
        from datetime import datetime

        return datetime.strptime(stamp.replace("GMT", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()

    # Jobs by the call that started them (a job started by Spark itself, a
    # broadcast or an adaptive re-plan, goes with the call before it); each
    # call's span from its first job's start to its last job's end, and the
    # gap before it (the driver's own work).
    calls: list[list] = []
    for j in jobs:
        name = j.get("name") or ""
        where = name.split(" at ")[0] + " at " + name.rsplit("/", 1)[-1] if "spark.py" in name else None
        if name.startswith("json at"):
            where = "read JSON (schema inference), count"
        if secs(j["submissionTime"]) >= t_returned:
            where = "assignments written (Parquet)"
        if where is not None and (not calls or calls[-1][0] != where):
            calls.append([where, secs(j["submissionTime"]), secs(j["completionTime"]), 0])
        elif not calls:
            calls.append(["(Spark's own)", secs(j["submissionTime"]), secs(j["completionTime"]), 0])
        calls[-1][2] = max(calls[-1][2], secs(j["completionTime"]))
        calls[-1][3] += 1
    end = None
    for where, a, b, n in calls:
        gap = f", {a - end:5.2f} s on the driver before" if end is not None else ""
        print(f"  {where:<40} {b - a:7.2f} s, {n:>3} Spark jobs{gap}")
        end = b
    print(f"cluster() {t_cluster:.1f} s wall")
    spark.stop()
    st.cpu.stop()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "cluster":
        parts = int(sys.argv[4]) if len(sys.argv) > 4 else 8
        cluster_stages(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "/tmp/bench-cluster-out", parts)
        return
    if len(sys.argv) > 2 and sys.argv[1] == "classify":
        classify_stages(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "/tmp/bench-classify-out")
        return
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
