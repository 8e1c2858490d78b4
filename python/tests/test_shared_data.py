"""The same classes as the Rust `classify` example on every shared data set
(skipped when ../shared/data is absent), through dicts and through a frame."""

from __future__ import annotations

import pytest

from conftest import SHARED, read_jsonl, rust_classify

FILES = sorted(SHARED.glob("*/*.jsonl")) if SHARED.is_dir() else []


@pytest.mark.skipif(not FILES, reason="../shared/data not present")
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_classes_as_the_rust_example(classifier, path):
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    items = read_jsonl(path)
    rust = rust_classify(path)
    results = classifier.classify_many(items, evidence=False)
    table = classifier.classify_arrow(pa.Table.from_pandas(pd.DataFrame(items), preserve_index=False), evidence=False)
    compared = 0
    for r, frame_class, frame_conf in zip(
        results, table.column("class").to_pylist(), table.column("confidence").to_pylist()
    ):
        line = rust.get(r["id"])
        if line is None:  # a line the example rejected (a repeated id)
            continue
        compared += 1
        assert (r["class"], r["band"], r["confidence"]) == (line["class"], line["band"], line["confidence"]), r["id"]
        assert (frame_class, frame_conf) == (line["class"], line["confidence"]), r["id"]
    assert compared >= len(items) * 0.9
