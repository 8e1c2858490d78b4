"""Frames in and out: pandas, pyarrow (Table and RecordBatch), Polars when
installed; the same classes as the dict path."""

from __future__ import annotations

import pytest

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

import feedback_triage as ft  # noqa: E402

RESULT = ["class", "band", "confidence", "outcome", "secondary", "evidence"]


@pytest.fixture(scope="module")
def expected(classifier, sample):
    return classifier.classify_many(sample)


def test_pandas_in_and_out(classifier, sample, expected):
    df = pd.DataFrame(sample)
    out = classifier.classify_many(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(df.columns) + [c for c in RESULT if c not in df.columns]
    assert out["class"].tolist() == [r["class"] for r in expected]
    assert out["band"].tolist() == [r["band"] for r in expected]
    assert out["confidence"].tolist() == [r["confidence"] for r in expected]
    assert out["outcome"].tolist() == [r["outcome"] for r in expected]
    assert out["secondary"].tolist() == [r["secondary"] for r in expected]
    # The input frame is left alone.
    assert "class" not in df.columns


def test_pandas_index_is_kept(classifier, sample):
    df = pd.DataFrame(sample, index=[f"r{i}" for i in range(len(sample))])
    out = classifier.classify_many(df)
    assert list(out.index) == list(df.index)


def test_pandas_title_and_body_only(classifier):
    df = pd.DataFrame({"title": ["App crashes on login", "", None], "body": ["", "GDPR erasure request", None]})
    out = classifier.classify_many(df)
    assert out["class"].tolist()[:2] == ["fault_correction", "necessity"]
    assert out["class"].tolist()[2] is None


def test_pandas_evidence_lists_strongest_phrases(classifier):
    df = pd.DataFrame({"id": ["1"], "title": ["App crashes on startup"], "body": [""]})
    out = classifier.classify_many(df)
    assert "crash" in out["evidence"][0]
    assert len(out["evidence"][0]) <= 4


def test_pandas_evidence_false(classifier, sample):
    out = classifier.classify_many(pd.DataFrame(sample), evidence=False)
    assert "evidence" not in out.columns
    assert "class" in out.columns


def test_pandas_votes_with_gaps_and_deal_values(classifier):
    df = pd.DataFrame(
        {
            "id": [1, 2],
            "title": ["We lose the deal without SSO", "crash"],
            "votes": [3, None],
            "deal_value": [100000.0, float("nan")],
        }
    )
    out = classifier.classify_many(df)
    dicts = classifier.classify_many(
        [
            {"id": "1", "title": "We lose the deal without SSO", "votes": 3, "deal_value": 100000.0},
            {"id": "2", "title": "crash"},
        ]
    )
    assert out["class"].tolist() == [d["class"] for d in dicts]
    assert out["confidence"].tolist() == [d["confidence"] for d in dicts]


def test_pyarrow_table_in_and_out(classifier, sample, expected):
    table = pa.Table.from_pandas(pd.DataFrame(sample), preserve_index=False)
    out = classifier.classify_many(table)
    assert isinstance(out, pa.Table)
    assert out.column_names[: table.num_columns] == table.column_names
    assert out.column("class").to_pylist() == [r["class"] for r in expected]
    assert out.column("secondary").to_pylist() == [r["secondary"] for r in expected]


def test_pyarrow_chunked_and_sliced(classifier, sample, expected):
    whole = pa.Table.from_pandas(pd.DataFrame(sample), preserve_index=False)
    table = pa.Table.from_batches(whole.slice(0, 7).to_batches() + whole.slice(7).to_batches())
    assert table.column("title").num_chunks == 2
    out = classifier.classify_arrow(table.slice(3))
    assert out.column("class").to_pylist() == [r["class"] for r in expected[3:]]


def test_record_batch_gives_a_record_batch(classifier, sample, expected):
    batch = pa.RecordBatch.from_pandas(pd.DataFrame(sample), preserve_index=False)
    out = classifier.classify_arrow(batch)
    assert isinstance(out, pa.RecordBatch)
    assert out.num_rows == batch.num_rows
    assert out.schema.names == RESULT
    assert out.column(0).to_pylist() == [r["class"] for r in expected]


def test_record_batch_slice(classifier, sample, expected):
    batch = pa.RecordBatch.from_pandas(pd.DataFrame(sample), preserve_index=False).slice(5, 10)
    out = classifier.classify_arrow(batch, evidence=False)
    assert out.schema.names == RESULT[:-1]
    assert out.column("class").to_pylist() == [r["class"] for r in expected[5:15]]


def test_empty_frame(classifier):
    out = classifier.classify_many(pd.DataFrame({"title": pd.Series([], dtype=object), "body": pd.Series([], dtype=object)}))
    assert len(out) == 0
    assert "class" in out.columns


def test_dictionary_and_large_string_columns(classifier, expected, sample):
    titles = pa.array([i.get("title") for i in sample]).cast(pa.large_string())
    bodies = pa.array([i.get("body") for i in sample]).dictionary_encode()
    ids = pa.array([i["id"] for i in sample])
    channels = pa.array([i.get("channel") for i in sample])
    tags = pa.array([i.get("tags") for i in sample])
    table = pa.table({"id": ids, "title": titles, "body": bodies, "channel": channels, "tags": tags})
    out = classifier.classify_arrow(table)
    dicts = classifier.classify_many(
        [{k: i.get(k) for k in ("id", "title", "body", "channel", "tags")} for i in sample]
    )
    assert out.column("class").to_pylist() == [d["class"] for d in dicts]


def test_frame_errors_name_row_and_field(classifier):
    df = pd.DataFrame({"id": ["a", "b"], "title": ["x", "y"], "channel": ["sales", "fax"]})
    with pytest.raises(ft.ItemError, match="channel") as e:
        classifier.classify_many(df)
    assert (e.value.index, e.value.id, e.value.field) == (1, "b", "channel")


def test_frame_negative_deal_value(classifier):
    df = pd.DataFrame({"id": ["a"], "title": ["x"], "deal_value": [-1.0]})
    with pytest.raises(ft.ItemError, match="deal_value"):
        classifier.classify_many(df)


def test_frame_column_of_wrong_type(classifier):
    df = pd.DataFrame({"id": ["a"], "title": ["x"], "votes": ["many"]})
    with pytest.raises(ft.ItemError, match="votes") as e:
        classifier.classify_many(df)
    assert e.value.field == "votes"


def test_frame_null_id(classifier):
    df = pd.DataFrame({"id": ["a", None], "title": ["x", "y"]})
    with pytest.raises(ft.ItemError, match="id"):
        classifier.classify_many(df)


def test_polars_in_and_out(classifier, sample, expected):
    pl = pytest.importorskip("polars")
    df = pl.DataFrame(sample)
    out = classifier.classify_many(df)
    assert isinstance(out, pl.DataFrame)
    assert out["class"].to_list() == [r["class"] for r in expected]


def test_cluster_takes_a_frame(sample):
    a = ft.Clusterer().cluster(pd.DataFrame(sample))
    b = ft.Clusterer().cluster(sample)
    assert a == b


def test_clustering_to_frame(sample):
    c = ft.Clusterer().cluster(sample)
    df = c.to_frame()
    assert sorted(df["id"]) == sorted(i["id"] for i in sample)
    t = c.to_frame("pyarrow")
    assert t.num_rows == len(sample)


@pytest.mark.parametrize("evidence", [True, False])
def test_pandas_column_named_like_a_result_is_an_error(classifier, evidence):
    df = pd.DataFrame({"id": ["1"], "title": ["crash"], "class": ["human_label"], "band": ["x"]})
    with pytest.raises(ft.ItemError, match="`class`, `band`.*rename") as e:
        classifier.classify_many(df, evidence=evidence)
    assert e.value.field == "class"
    # The input is left alone, and renamed it goes through.
    assert df["class"].tolist() == ["human_label"]
    out = classifier.classify_many(df.rename(columns={"class": "label", "band": "b"}), evidence=evidence)
    assert out["label"].tolist() == ["human_label"]
    assert out["class"].tolist() == ["fault_correction"]


def test_evidence_column_clashes_only_with_evidence(classifier):
    df = pd.DataFrame({"id": ["1"], "title": ["crash"], "evidence": ["ticket 12"]})
    with pytest.raises(ft.ItemError, match="`evidence`"):
        classifier.classify_many(df)
    out = classifier.classify_many(df, evidence=False)
    assert out["evidence"].tolist() == ["ticket 12"]
    assert out["class"].tolist() == ["fault_correction"]


@pytest.mark.parametrize("batch", [False, True])
def test_pyarrow_column_named_like_a_result_is_an_error(classifier, batch):
    t = pa.table({"id": ["1"], "title": ["crash"], "confidence": [1.0], "secondary": [["x"]], "outcome": ["y"]})
    data = t.to_batches()[0] if batch else t
    with pytest.raises(ft.ItemError, match="`confidence`, `outcome`, `secondary`") as e:
        classifier.classify_many(data)
    assert e.value.field == "confidence"


def test_polars_column_named_like_a_result_is_an_error(classifier):
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"id": ["1"], "title": ["crash"], "class": ["human_label"]})
    with pytest.raises(ft.ItemError, match="`class`"):
        classifier.classify_many(df)


NAN = float("nan")

#: Items with gaps, as None (the reference).
GAPS = [
    {"id": "1", "title": "We lose the deal without SSO login", "customer": "Acme", "deal_value": 100000.0, "votes": 3},
    {"id": "2", "title": "SSO login for the whole team please", "customer": "Globex", "deal_value": None, "votes": None},
    {"id": "3", "title": "SSO login crash on export", "customer": "Initech", "deal_value": 5.0, "votes": None},
    {"id": "4", "title": "dark mode", "customer": None, "deal_value": None, "votes": 1},
]


def _gap_inputs():
    """The same items through every input path, gaps as pandas and pyarrow
    give them: NaN in records and in Arrow float columns, pandas' NA."""
    np = pytest.importorskip("numpy")
    df = pd.DataFrame(GAPS)
    records = df.to_dict("records")
    assert records[1]["deal_value"] != records[1]["deal_value"]  # NaN
    table = pa.table(
        {
            "id": [r["id"] for r in GAPS],
            "title": [r["title"] for r in GAPS],
            "customer": [r["customer"] for r in GAPS],
            "deal_value": pa.array([NAN if r["deal_value"] is None else r["deal_value"] for r in GAPS]),
            "votes": pa.array([NAN if r["votes"] is None else float(r["votes"]) for r in GAPS]),
        }
    )
    assert table.column("deal_value").null_count == 0  # NaN, not null
    nullable = df.astype({"votes": "Int64"})
    numpy_scalars = [
        {
            **r,
            "deal_value": np.float32("nan") if r["deal_value"] is None else np.float32(r["deal_value"]),
            "votes": pd.NA if r["votes"] is None else np.int64(r["votes"]),
        }
        for r in GAPS
    ]
    return {
        "pandas": df,
        "records": records,
        "pyarrow": table,
        "pyarrow_records": table.to_pylist(),
        "pandas_nullable_int": nullable,
        "nullable_records": nullable.to_dict("records"),
        "numpy_scalars": numpy_scalars,
    }


def _classes(out):
    if isinstance(out, list):
        return [(r["class"], r["confidence"]) for r in out]
    if isinstance(out, pd.DataFrame):
        return list(zip(out["class"], out["confidence"]))
    return list(zip(out.column("class").to_pylist(), out.column("confidence").to_pylist()))


@pytest.mark.parametrize(
    "path",
    ["pandas", "records", "pyarrow", "pyarrow_records", "pandas_nullable_int", "nullable_records", "numpy_scalars"],
)
def test_gaps_are_missing_on_every_path(classifier, path):
    data = _gap_inputs()[path]
    ref_classes = _classes(classifier.classify_many(GAPS))
    assert _classes(classifier.classify_many(data)) == ref_classes
    params = {"min_distinct_customers": 2}
    assert ft.Clusterer(**params).cluster(data) == ft.Clusterer(**params).cluster(GAPS)
    assert ft.triage(data, **params) == ft.triage(GAPS, **params)
