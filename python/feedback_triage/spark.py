"""Apache Spark jobs on top of :mod:`feedback_triage`: classify and group a
backlog too big for one process, with Spark doing the scheduling, shuffles
and I/O (nothing of the kind is written here).

From a notebook::

    from feedback_triage import spark as fts
    out = fts.classify(df)                      # df: a Spark DataFrame with title/body (id, ...)
    groups, features = fts.cluster(df, partitions=16)

From a shell (local mode, or ``spark-submit -m``-style with a cluster)::

    python -m feedback_triage.spark classify INPUT OUTPUT [--policy FILE] [--format parquet|csv|jsonl] [--schema DDL]
    python -m feedback_triage.spark cluster INPUT OUTPUT --partitions N [--features FEATURES_OUT]
    python -m feedback_triage.spark triage INPUT [--partitions N] [--policy FILE] > report.json

Classification runs inside ``DataFrame.mapInArrow``: each Arrow batch goes
through the crate's column path (no Python object per row), with one
classifier per worker process, compiled from the policy's JSON text the
first time a task of that process sees it. A row the crate rejects (no id,
a negative or unreadable ``deal_value``, an unknown ``channel``) keeps its
input columns, gets null results and the crate's message in ``error``; the
command counts such rows while it writes (:func:`observe_errors`).

Grouping: see :func:`cluster`.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from typing import Any, Iterator

import pyarrow as pa

from . import Classifier, Clusterer, FeedbackTriageError
from . import _arrow

#: Compiled classifiers of this (worker) process, by policy JSON text
#: (``None``: the embedded default policy).
_CLASSIFIERS: dict[str | None, Classifier] = {}

#: The columns :func:`classify` adds, with their Arrow types: the
#: package's result columns, then ``error``.
RESULT_FIELDS = [(f.name, f.type) for f in _arrow.RESULT_SCHEMA] + [("error", pa.string())]


def _classifier(policy: str | None) -> Classifier:
    """The process's classifier for ``policy`` (JSON text), built once."""
    clf = _CLASSIFIERS.get(policy)
    if clf is None:
        clf = Classifier() if policy is None else Classifier.from_json(policy)
        _CLASSIFIERS[policy] = clf
    return clf


def _result_fields(evidence: bool) -> list[tuple[str, pa.DataType]]:
    """:data:`RESULT_FIELDS`, without ``evidence`` unless asked for."""
    return [(n, t) for n, t in RESULT_FIELDS if evidence or n != "evidence"]


def _results(native: Any, batch: pa.RecordBatch, evidence: bool = True) -> tuple[list[pa.Array], list[str | None]]:
    """The result arrays for ``batch`` and one error (or ``None``) per row.
    A batch the crate rejects is split in halves until the bad rows are
    alone, so good rows keep their results (a few extra calls per bad row)."""
    try:
        res = _arrow.classify_record_batch(native, batch, evidence)
        return list(res.columns), [None] * batch.num_rows
    except FeedbackTriageError as e:
        if batch.num_rows == 1:
            nulls = [pa.nulls(1, t) for _, t in _result_fields(evidence)[:-1]]
            return nulls, [str(e)]
    half = batch.num_rows // 2
    left, lerr = _results(native, batch.slice(0, half), evidence)
    right, rerr = _results(native, batch.slice(half), evidence)
    arrays = [pa.concat_arrays([a, b.cast(a.type)]) for a, b in zip(left, right)]
    return arrays, lerr + rerr


def classify_batches(
    batches: Iterator[pa.RecordBatch], policy: str | None, keep: list[str], evidence: bool = True
) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function: each batch's ``keep`` columns plus the
    result columns (``evidence`` only when asked for) and ``error``."""
    native = _classifier(policy)._native
    fields = _result_fields(evidence)
    names = keep + [n for n, _ in fields]
    for batch in batches:
        if batch.num_rows == 0:
            continue
        arrays, errors = _results(native, batch, evidence)
        arrays = [a.cast(t) for a, (_, t) in zip(arrays, fields)]
        cols = [batch.column(n) for n in keep] + arrays + [pa.array(errors, pa.string())]
        yield pa.RecordBatch.from_arrays(cols, names=names)


def _spark_result_fields(evidence: bool = True):
    from pyspark.sql import types as T

    s, d, ls = T.StringType(), T.DoubleType(), T.ArrayType(T.StringType())
    kinds = {"class": s, "band": s, "confidence": d, "outcome": s, "secondary": ls, "evidence": ls, "error": s}
    return [T.StructField(n, kinds[n], True) for n, _ in _result_fields(evidence)]


def classify(df: Any, policy: str | Classifier | None = None, evidence: bool = True) -> Any:
    """``df`` (a Spark DataFrame with ``title``/``body`` and ``id``,
    ``channel``, ``customer``, ``requester``, ``deal_value``, ``votes``,
    ``tags``, ``created`` where present) with the result columns ``class``,
    ``band``, ``confidence``, ``outcome``, ``secondary``, ``evidence`` and
    ``error`` (the crate's message for a row it rejects; the results are
    then null). A result column replaces an input column of the same name.

    ``policy``: a :class:`Classifier`, a policy's JSON text, or ``None``
    (the embedded default). Only the text travels to the workers.
    ``evidence=False`` leaves out the ``evidence`` column."""
    from pyspark.sql import types as T

    if isinstance(policy, Classifier):
        policy = policy.policy_json()
    elif policy is not None:
        Classifier.from_json(policy)  # fails here, on the driver, on a bad policy
    result_names = {n for n, _ in RESULT_FIELDS}
    keep_fields = [f for f in df.schema.fields if f.name not in result_names]
    keep = [f.name for f in keep_fields]
    schema = T.StructType(keep_fields + _spark_result_fields(evidence))
    return df.select(*keep).mapInArrow(lambda it: classify_batches(it, policy, keep, evidence), schema)


def observe_errors(classified: Any) -> tuple[Any, Any]:
    """``classified`` (the output of :func:`classify`) counting its rows
    with an ``error`` as they go by, and the ``pyspark.sql.Observation``
    whose ``get["errors"]`` holds the count once an action (a write) has run:
    the count without a second pass over the data."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    obs = Observation("feedback_triage_errors")
    return classified.observe(obs, F.count(F.col("error")).alias("errors")), obs


# ---------------------------------------------------------------- grouping

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "the and for with that this from have has not are was were you your our can how what when where which "
    "who why would could should will there their they them into about after before does did just been being "
    "also than then its it's any all some more most very get got please want need like".split()
)


def _terms(title: str | None, body: str | None) -> list[str]:
    """An item's distinct words (lowercased, at least 3 letters, no stop
    words): the blocking vocabulary."""
    text = f"{title or ''} {body or ''}".lower()
    return sorted({w for w in _WORD.findall(text) if len(w) >= 3 and w not in _STOP})


def _group_id(members: list[str]) -> str:
    """A group's id from its sorted member ids: the same whatever the
    partitioning or row order."""
    h = hashlib.sha1("\x1f".join(sorted(members)).encode("utf-8")).hexdigest()
    return f"g{h[:16]}"


def _customer_key(col):
    """A customer name as the crate counts it (``FeedbackItem::customer_key``):
    runs of white space one space, trimmed, lower-cased; null when blank."""
    from pyspark.sql import functions as F

    key = F.translate(F.lower(F.trim(F.regexp_replace(col, r"(?U)\s+", " "))), "ς", "σ")
    return F.when(key != F.lit(""), key)


ITEM_COLUMNS = ("id", "title", "body", "channel", "customer", "requester", "deal_value", "votes", "tags", "created")


def cluster(
    df: Any,
    partitions: int = 8,
    max_block_ratio: float = 0.1,
    block_by: str = "common",
    **params: Any,
) -> tuple[Any, list[dict]]:
    """Groups the requests of ``df`` into candidate common features.

    Returns ``(assignments, features)``: a Spark DataFrame with one row per
    request (``id``, ``feature_id``, ``special_case``) and the features as
    a list of dicts (``id``, ``name``, ``key_terms``, ``representative``,
    ``distinct_customers``, ``deal_value``, ``size``), ranked as the crate
    ranks them (customers, deal value, size).

    Stages:

    1. Blocking (Spark): each request's words; their document frequency
       (an explode and a group-by); a request's block is its most common
       word (``block_by="rare"``: its rarest) among the words that at
       least one other request has and at most ``max_block_ratio`` of the
       requests have (a request with none is a block of its own).
    2. Local grouping (``groupBy(block).applyInPandas``, shuffled into
       ``partitions`` partitions): the crate's :class:`Clusterer` on each
       block. A block depends on the data alone, never on the partitioning.
    3. Merge (driver, one process): one representative per local group
       (its lowest id's text) clustered again by the crate; local groups
       whose representatives fall together are one group.
    4. Assignment (Spark join): every request gets the id of its group,
       derived from the group's sorted member ids; a group is a feature when
       its members come from at least ``min_distinct_customers`` customers
       (requests without a customer count as their own).

    A feature's ``name``, ``key_terms`` and ``representative`` are the
    crate's for the merged representatives (stage 3); its customers and
    deal value are counted over all its members (stage 4).

    ``params``: the :class:`Clusterer` parameters, used in stages 2 and 3.
    Sets the session's ``spark.sql.shuffle.partitions`` to ``partitions``.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    Clusterer(**params)  # a bad parameter fails on the driver
    if block_by not in ("common", "rare"):
        raise ValueError(f"block_by must be common or rare, got {block_by!r}")
    df.sparkSession.conf.set("spark.sql.shuffle.partitions", str(partitions))
    min_customers = int(params.get("min_distinct_customers", 2))
    cols = [c for c in ITEM_COLUMNS if c in df.columns]
    items = df.select(*cols).withColumn("id", F.col("id").cast("string"))
    if "title" not in cols:
        items = items.withColumn("title", F.lit(None).cast("string"))
    if "body" not in cols:
        items = items.withColumn("body", F.lit(None).cast("string"))
    n = items.count()
    terms_udf = F.udf(_terms, T.ArrayType(T.StringType()))
    with_terms = items.withColumn("_terms", terms_udf("title", "body")).cache()
    df_limit = max(2, int(max_block_ratio * n))
    freq = (
        with_terms.select("id", F.explode("_terms").alias("term"))
        .groupBy("term")
        .agg(F.count("*").alias("df"))
        .where((F.col("df") >= 2) & (F.col("df") <= df_limit))
    )
    # The most (or least) common shared word; ties broken by the word, so
    # the block is determined by the data alone.
    pick = F.max if block_by == "common" else F.min
    best = (
        with_terms.select("id", F.explode("_terms").alias("term"))
        .join(freq, "term")
        .groupBy("id")
        .agg(pick(F.struct("df", "term")).alias("best"))
        .select("id", F.col("best.term").alias("block"))
    )
    blocked = with_terms.drop("_terms").join(best, "id", "left").withColumn(
        "block", F.coalesce(F.col("block"), F.concat(F.lit("\x00"), F.col("id")))
    )
    local_schema = T.StructType(
        [
            T.StructField("id", T.StringType()),
            T.StructField("local", T.StringType()),
            T.StructField("rep", T.BooleanType()),
        ]
    )
    pcols = [c for c in blocked.columns if c != "block"]

    def local_groups(pdf):
        import pandas as pd

        rows = pdf[pcols].to_dict("records")
        for r in rows:
            for k, v in list(r.items()):
                if v is None or (isinstance(v, float) and v != v):
                    del r[k]
                elif k == "tags":
                    r[k] = list(v)
        if len(rows) == 1:
            groups = [[rows[0]["id"]]]
        else:
            c = Clusterer(**params).cluster(rows)
            groups = [g["members"] for key in ("features", "special_cases") for g in c[key]]
        out = []
        for members in groups:
            ms = sorted(members)
            gid = _group_id(ms)
            out.extend({"id": m, "local": gid, "rep": i == 0} for i, m in enumerate(ms))
        return pd.DataFrame(out, columns=["id", "local", "rep"])

    local = (
        blocked.repartition(partitions, "block")
        .groupBy("block")
        .applyInPandas(local_groups, local_schema)
        .cache()
    )
    # Stage 3: the representatives, clustered again on the driver.
    reps = local.where("rep").join(items, "id").select(*pcols).collect()
    rep_rows = []
    for r in reps:
        d = {k: v for k, v in r.asDict().items() if v is not None}
        if "tags" in d:
            d["tags"] = list(d["tags"])
        rep_rows.append(d)
    local_of_rep = {r["id"]: r["local"] for r in local.where("rep").select("id", "local").collect()}
    merged = Clusterer(**params).cluster(rep_rows) if rep_rows else {}
    spark = df.sparkSession
    mapping = []
    meta = {}
    for key in ("features", "special_cases"):
        for g in merged.get(key, []):
            locals_ = sorted(local_of_rep[m] for m in g["members"])
            root = locals_[0]
            for lg in locals_:
                mapping.append((lg, root))
            meta[root] = g
    map_df = spark.createDataFrame(mapping, "local string, root string")
    joined = local.join(map_df, "local", "left").withColumn("root", F.coalesce("root", "local"))
    joined = joined.join(items, "id")
    cust = F.coalesce(_customer_key(F.col("customer")), F.concat(F.lit("\x00"), F.col("id"))) if "customer" in cols else F.col("id")
    deal = F.col("deal_value").cast("double") if "deal_value" in cols else F.lit(None).cast("double")
    per_group = joined.groupBy("root").agg(
        F.sort_array(F.collect_list("id")).alias("members"),
        F.countDistinct(cust).alias("distinct_customers"),
        F.sum(deal).alias("deal_value"),
    )
    gid_udf = F.udf(_group_id, T.StringType())
    per_group = per_group.withColumn("feature_id", gid_udf("members")).withColumn(
        "special_case", F.col("distinct_customers") < F.lit(min_customers)
    ).cache()
    assignments = (
        joined.join(per_group.select("root", "feature_id", "special_case"), "root")
        .select("id", "feature_id", "special_case")
    )
    features = []
    for g in per_group.where(~F.col("special_case")).collect():
        m = meta.get(g["root"], {})
        rep = min(g["members"])
        features.append(
            {
                "id": g["feature_id"],
                "name": m.get("name"),
                "key_terms": list(m.get("key_terms", []) or []),
                "representative": m.get("representative", rep),
                "distinct_customers": int(g["distinct_customers"]),
                "deal_value": float(g["deal_value"] or 0.0),
                "size": len(g["members"]),
            }
        )
    features.sort(key=lambda f: (-f["distinct_customers"], -f["deal_value"], -f["size"], f["id"]))
    return assignments, features


#: The order of the triage report's class mix (the crate's), ``None`` last.
MIX_ORDER = ("necessity", "opportunistic", "fault_correction", "market_driven", "responsiveness", None)


def triage(df: Any, partitions: int = 8, policy: str | Classifier | None = None, **params: Any) -> dict:
    """A triage report of ``df`` computed with Spark aggregations: ``items``,
    ``class_mix`` (per class: ``items``, ``share``, ``deal_value``; as the
    ``triage`` example), ``features`` (ranked, as :func:`cluster` gives
    them, with ``members`` and their ``class_mix``), ``special_cases``
    (their count) and ``errors`` (rows the crate rejects, left out). The
    example's ``signals``, ``abstained``, ``jobs`` and ``cohesion`` are not
    computed here."""
    from pyspark.sql import functions as F

    classified = classify(df, policy).cache()
    good = classified.where(F.col("error").isNull())
    n = good.count()
    errors = classified.count() - n
    deal = F.col("deal_value").cast("double") if "deal_value" in df.columns else F.lit(0.0)
    mix = {
        r["class"]: r
        for r in good.groupBy("class").agg(F.count("*").alias("items"), F.sum(deal).alias("deal")).collect()
    }
    class_mix = []
    for c in MIX_ORDER:
        r = mix.get(c)
        items = int(r["items"]) if r else 0
        class_mix.append(
            {
                "class": c,
                "items": items,
                "share": items / n if n else 0.0,
                "deal_value": float((r["deal"] if r else 0.0) or 0.0),
            }
        )
    good_ids = good.select("id", "class")
    assignments, features = cluster(good.drop(*[c for c, _ in RESULT_FIELDS]), partitions, **params)
    per = (
        assignments.where(~F.col("special_case"))
        .join(good_ids, "id")
        .groupBy("feature_id")
        .agg(F.sort_array(F.collect_list("id")).alias("members"), F.collect_list("class").alias("classes"))
        .collect()
    )
    by_id = {r["feature_id"]: r for r in per}
    for f in features:
        r = by_id[f["id"]]
        f["members"] = list(r["members"])
        counts = {c: 0 for c in MIX_ORDER if c is not None}
        counts["unclassified"] = 0
        for c in r["classes"]:
            counts[c if c is not None else "unclassified"] += 1
        f["class_mix"] = counts
    specials = assignments.where("special_case").select("feature_id").distinct().count()
    return {"items": n, "class_mix": class_mix, "features": features, "special_cases": specials, "errors": errors}


# ---------------------------------------------------------------- command line


def read(spark: Any, path: str, fmt: str | None = None, schema: str | None = None) -> Any:
    """A DataFrame of Parquet, CSV (with a header) or JSON Lines; the format
    from ``fmt`` or the path's extension (Parquet otherwise).

    ``schema`` (DDL, e.g. ``"body string, id string, title string"``):
    the input's columns and types. Without it Spark infers a JSON Lines
    file's schema in a pass of its own over the whole input (its columns in
    alphabetical order); CSV columns are then all strings."""
    if fmt is None:
        low = path.lower().rstrip("/")
        fmt = "csv" if low.endswith(".csv") else "jsonl" if low.endswith((".jsonl", ".json", ".ndjson")) else "parquet"
    reader = spark.read if schema is None else spark.read.schema(schema)
    if fmt == "csv":
        return reader.option("header", True).option("multiLine", True).option("escape", '"').csv(path)
    if fmt == "jsonl":
        return reader.json(path)
    if fmt == "parquet":
        return reader.parquet(path)
    raise ValueError(f"--format must be parquet, csv or jsonl, got {fmt!r}")


def session(app: str = "feedback-triage") -> Any:
    """The active Spark session, or a local one on every core.

    The local one starts light: no web UI, and the JVM compiles with its
    quick compiler only (``-XX:TieredStopAtLevel=1``). For a job of a few
    hundred thousand rows the optimising compiler's threads cost more CPU
    than they save (classify on 200,000 rows: 22 -> 16 CPU-seconds; the
    cost of each further row was the same up to 600,000 rows; the cluster
    job on 200,000 rows took as long either way). A session
    that already runs (a notebook's, ``spark-submit``'s) is used as it is."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.appName(app)
        .master("local[*]")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
        .getOrCreate()
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m feedback_triage.spark", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("classify", help="classify every request; Parquet out with the result columns and `error`")
    c.add_argument("input")
    c.add_argument("output")
    c.add_argument("--policy", help="a policy file (JSON or TOML); default: the embedded policy")
    c.add_argument("--format", choices=["parquet", "csv", "jsonl"])
    g = sub.add_parser("cluster", help="group requests into candidate features; Parquet of (id, feature_id, special_case)")
    g.add_argument("input")
    g.add_argument("output")
    g.add_argument("--partitions", type=int, default=8)
    g.add_argument("--features", help="write the features (one row each) as Parquet here")
    g.add_argument("--format", choices=["parquet", "csv", "jsonl"])
    g.add_argument("--min-distinct-customers", type=int, default=2)
    g.add_argument("--similarity-threshold", type=float)
    g.add_argument("--max-block-ratio", type=float, default=0.1, help="the largest block word's share of requests")
    g.add_argument("--block-by", choices=["common", "rare"], default="common")
    t = sub.add_parser("triage", help="the triage report (class mix, ranked features) as JSON on stdout")
    t.add_argument("input")
    t.add_argument("--partitions", type=int, default=8)
    t.add_argument("--policy")
    t.add_argument("--format", choices=["parquet", "csv", "jsonl"])
    for sp in (c, g, t):
        sp.add_argument(
            "--schema",
            metavar="DDL",
            help="the input's columns and types (e.g. 'body string, id string, title string'); "
            "saves JSON Lines a pass inferring them",
        )
    args = p.parse_args(argv)
    spark = session()
    df = read(spark, args.input, args.format, args.schema)
    if args.command == "classify":
        policy = None
        if args.policy:
            text = open(args.policy, encoding="utf-8").read()
            clf = Classifier.from_json(text) if text.lstrip().startswith("{") else Classifier.from_toml(text)
            policy = clf.policy_json()
        out, errors = observe_errors(classify(df, policy))
        out.write.mode("overwrite").parquet(args.output)
        errors = errors.get["errors"]
        print(f"classified into {args.output}; rows with an error: {errors}", file=sys.stderr)
        return 0
    if args.command == "triage":
        import json

        policy = None
        if args.policy:
            text = open(args.policy, encoding="utf-8").read()
            clf = Classifier.from_json(text) if text.lstrip().startswith("{") else Classifier.from_toml(text)
            policy = clf.policy_json()
        json.dump(triage(df, args.partitions, policy), sys.stdout, indent=2)
        print()
        return 0
    params: dict[str, Any] = {"min_distinct_customers": args.min_distinct_customers}
    if args.similarity_threshold is not None:
        params["similarity_threshold"] = args.similarity_threshold
    assignments, features = cluster(
        df, args.partitions, max_block_ratio=args.max_block_ratio, block_by=args.block_by, **params
    )
    assignments.write.mode("overwrite").parquet(args.output)
    if args.features:
        pa_table = pa.Table.from_pylist(features) if features else pa.table({"id": pa.array([], pa.string())})
        import pyarrow.parquet as pq
        import os

        os.makedirs(args.features, exist_ok=True)
        pq.write_table(pa_table, os.path.join(args.features, "part-0.parquet"))
    print(f"{len(features)} features; assignments in {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
