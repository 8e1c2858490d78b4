"""The Spark jobs (feedback_triage.spark) in local mode: skipped when
pyspark (or Java) is not there."""

from __future__ import annotations

import random

import pytest

pyspark = pytest.importorskip("pyspark")

import feedback_triage as ft  # noqa: E402
from feedback_triage import spark as fts  # noqa: E402

from conftest import SAMPLE, read_jsonl  # noqa: E402

WORDS = (
    "export invoices excel crash login dark mode password reset slow sync calendar api "
    "webhook gdpr delete account refund billing payment card arrival report dashboard"
).split()


def rows(n: int, seed: int = 7) -> list[dict]:
    """``n`` synthetic requests built from the bundled sample and a small
    vocabulary, with customers and deal values; ids are not in row order."""
    rng = random.Random(seed)
    base = read_jsonl(SAMPLE)
    out = []
    for i in range(n):
        b = base[i % len(base)]
        extra = " ".join(rng.choice(WORDS) for _ in range(3))
        out.append(
            {
                "id": f"r{(i * 7919) % 100003:06d}",
                "title": b.get("title") or "",
                "body": f"{b.get('body') or ''} {extra}",
                "customer": f"c{rng.randrange(40)}",
                "deal_value": float(rng.randrange(0, 5000)),
            }
        )
    return out


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    import os

    from pyspark.sql import SparkSession

    # Spark's Python workers run `python -m` in the JVM's directory: start
    # it away from python/, whose feedback_triage has no built extension.
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("spark"))
    s = (
        SparkSession.builder.master("local[2]")
        .appName("feedback-triage-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    os.chdir(here)
    yield s
    s.stop()


def test_classify_matches_single_process(spark):
    data = rows(3000)
    df = spark.createDataFrame(data).repartition(6)
    out = {r["id"]: r for r in fts.classify(df).collect()}
    want = ft.Classifier().classify_many(data, evidence=False)
    assert len(out) == len(data)
    for w in want:
        got = out[w["id"]]
        assert got["error"] is None
        assert got["class"] == w["class"], w["id"]
        assert got["band"] == w["band"]
        assert got["confidence"] == pytest.approx(w["confidence"])
        assert got["outcome"] == w["outcome"]
        assert list(got["secondary"] or []) == list(w["secondary"])
        assert got["customer"] is not None  # input columns are kept


def test_bad_rows_land_in_error(spark):
    data = rows(200)
    data[5]["id"] = None
    data[17]["deal_value"] = -3.0
    df = spark.createDataFrame(data, "id string, title string, body string, customer string, deal_value double")
    out = fts.classify(df.coalesce(1)).collect()
    assert len(out) == 200
    bad = [r for r in out if r["error"] is not None]
    assert len(bad) == 2
    assert all(r["class"] is None and r["band"] is None for r in bad)
    assert any("deal_value" in r["error"] for r in bad), [r["error"] for r in bad]
    assert sum(r["class"] is not None for r in out) >= 150


def test_classify_with_a_policy(spark):
    policy = ft.Classifier().policy_json()
    df = spark.createDataFrame(rows(50))
    out = fts.classify(df, policy).collect()
    assert all(r["error"] is None for r in out)
    with pytest.raises(ft.PolicyError):
        fts.classify(df, "{}")


def test_classify_without_evidence(spark):
    data = rows(100)
    data[3]["deal_value"] = -1.0
    df = spark.createDataFrame(data, "id string, title string, body string, customer string, deal_value double")
    out = fts.classify(df.coalesce(1), evidence=False)
    assert "evidence" not in out.columns and out.columns[-1] == "error"
    got = {r["id"]: r for r in out.collect()}
    full = {r["id"]: r for r in fts.classify(df.coalesce(1)).collect()}
    assert sorted(got) == sorted(full)
    assert all((got[i]["class"], got[i]["band"]) == (full[i]["class"], full[i]["band"]) for i in got)
    assert got[data[3]["id"]]["error"] is not None and got[data[3]["id"]]["class"] is None


def groups(assignments) -> dict[str, frozenset]:
    by: dict[str, set] = {}
    for r in assignments.collect():
        by.setdefault(r["feature_id"], set()).add(r["id"])
    return {k: frozenset(v) for k, v in by.items()}


def test_cluster_is_independent_of_partitioning_and_order(spark):
    data = rows(2000)
    a, fa = fts.cluster(spark.createDataFrame(data), partitions=8)
    ga = groups(a)
    ids = [r["id"] for r in a.collect()]
    assert sorted(ids) == sorted(d["id"] for d in data)  # every id exactly once
    shuffled = list(data)
    random.Random(1).shuffle(shuffled)
    b, fb = fts.cluster(spark.createDataFrame(shuffled).repartition(5), partitions=3)
    assert groups(b) == ga
    assert fa == fb
    assert any(len(m) > 1 for m in ga.values())
    for f in fa:
        assert f["distinct_customers"] >= 2
        assert f["id"] in ga


def test_customers_in_several_spellings_count_once(spark):
    # One request asked four times: "Acme" in three spellings and a blank
    # name (a customer of its own) make two customers, as the crate counts.
    names = ["Acme", " ACME", "acme\u00a0 ", "  "]
    data = [
        {"id": f"r{i}", "title": "export invoices to excel", "body": "", "customer": c, "deal_value": None}
        for i, c in enumerate(names)
    ]
    df = spark.createDataFrame(data, "id string, title string, body string, customer string, deal_value double")
    _, features = fts.cluster(df, partitions=2)
    assert [f["distinct_customers"] for f in features] == [2]
    single = ft.Clusterer().cluster([{k: v for k, v in d.items() if v is not None} for d in data])
    assert single["features"][0]["distinct_customers"] == 2


def test_triage_class_mix_matches_single_process(spark):
    data = rows(500)
    report = fts.triage(spark.createDataFrame(data), partitions=4)
    want = ft.triage(data)
    assert report["items"] == want["items"] == 500
    assert [(m["class"], m["items"]) for m in report["class_mix"]] == [
        (m["class"], m["items"]) for m in want["class_mix"]
    ]
    assert report["errors"] == 0
    for f in report["features"]:
        assert sum(f["class_mix"].values()) == len(f["members"]) == f["size"]


def test_classify_command_counts_errors_and_takes_a_schema(spark, tmp_path, capsys):
    import json

    data = rows(300)
    data[7]["deal_value"] = -1.0
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
    outs = []
    for name, extra in (("inferred", []), ("given", ["--schema", "body string, customer string, deal_value double, id string, title string"])):
        out = tmp_path / name
        assert fts.main(["classify", str(inp), str(out), *extra]) == 0
        assert "rows with an error: 1" in capsys.readouterr().err
        got = spark.read.parquet(str(out))
        assert got.columns[:5] == ["body", "customer", "deal_value", "id", "title"]
        outs.append(sorted(tuple(r) for r in got.collect()))
    assert outs[0] == outs[1]
    assert len(outs[0]) == 300
    bad = [r for r in spark.read.parquet(str(tmp_path / "given")).collect() if r["error"] is not None]
    assert [r["id"] for r in bad] == [data[7]["id"]] and "deal_value" in bad[0]["error"]


def test_classify_command_matches_the_rust_example(spark, tmp_path, sample_rust):
    out = tmp_path / "out"
    assert fts.main(["classify", str(SAMPLE), str(out)]) == 0
    got = {r["id"]: r for r in spark.read.parquet(str(out)).collect()}
    assert sorted(got) == sorted(sample_rust)
    for i, want in sample_rust.items():
        assert got[i]["class"] == want["class"], i
        assert got[i]["band"] == want["band"], i
