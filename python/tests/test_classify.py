"""Classifying dicts: results, round trips, and the same output as the Rust
`classify` example."""

from __future__ import annotations

import json

import pytest

import feedback_triage as ft

KEYS = {"id", "class", "band", "confidence", "outcome", "secondary", "scores", "evidence"}


def test_default_classifier_classifies_a_gdpr_request(classifier):
    r = classifier.classify({"id": "7", "title": "GDPR: please delete my account data"})
    assert r["class"] == "necessity"
    assert r["id"] == "7"


def test_result_has_the_example_keys(classifier):
    r = classifier.classify({"id": "1", "title": "App crashes on startup"})
    assert set(r) == KEYS
    assert r["class"] == "fault_correction"
    assert r["band"] in ("high", "medium", "low")
    assert 0.0 <= r["confidence"] <= 1.0
    assert set(r["scores"]) == set(ft.CLASSES)


def test_evidence_spans_point_at_the_text(classifier):
    title = "App crashes on startup"
    r = classifier.classify({"id": "1", "title": title})
    hits = [e for e in r["evidence"] if e["kind"] == "keyword" and e["field"] == "title"]
    assert hits
    for e in hits:
        assert title[e["span"]["start"] : e["span"]["end"]].lower() != ""
    assert any(title[e["span"]["start"] : e["span"]["end"]] == "crashes" for e in hits)


def test_evidence_sums_to_the_class_score(classifier):
    r = classifier.classify({"id": "1", "title": "Export to Excel please", "body": "we need it for finance"})
    for cls in ft.CLASSES:
        total = sum(e["contribution"] for e in r["evidence"] if e["class"] == cls)
        assert total == pytest.approx(r["scores"][cls], abs=1e-9)


def test_evidence_false_leaves_evidence_out(classifier):
    r = classifier.classify({"id": "1", "title": "App crashes"}, evidence=False)
    assert "evidence" not in r
    assert r["class"] == "fault_correction"


def test_nothing_matched_is_none_not_a_guess(classifier):
    r = classifier.classify({"id": "1", "title": "", "body": ""})
    assert r["class"] is None
    assert r["outcome"] == "no_match"
    assert r["band"] == "low"


def test_integer_ids_become_strings(classifier):
    assert classifier.classify({"id": 42, "title": "crash"})["id"] == "42"


def test_unknown_keys_are_ignored(classifier):
    a = classifier.classify({"id": "1", "title": "crash", "label": "x", "rating": 3, "all_labels": [1]})
    b = classifier.classify({"id": "1", "title": "crash"})
    assert a == b


def test_none_means_absent(classifier):
    a = classifier.classify({"id": "1", "title": "crash", "body": None, "channel": None, "tags": None})
    b = classifier.classify({"id": "1", "title": "crash"})
    assert a == b


def test_metadata_counts(classifier):
    plain = classifier.classify({"id": "1", "title": "Audit log"})
    regulator = classifier.classify({"id": "1", "title": "Audit log", "channel": "regulator"})
    assert regulator["class"] == "necessity"
    assert plain["scores"] != regulator["scores"]


def test_all_item_fields_are_read(classifier):
    item = {
        "id": "x",
        "title": "We lose the deal without SSO",
        "body": "The prospect will sign if we have it",
        "channel": "sales",
        "customer": "Acme",
        "requester": "Ann",
        "deal_value": 120000.0,
        "votes": 3,
        "tags": ["sso", "deal"],
        "created": "2026-03-01",
        "embedding": [0.1, 0.2],
    }
    assert classifier.classify(item)["class"] == "opportunistic"


def test_any_mapping_is_an_item(classifier):
    from types import MappingProxyType

    r = classifier.classify(MappingProxyType({"id": "1", "title": "App crashes"}))
    assert r["class"] == "fault_correction"


def test_classify_many_keeps_input_order(classifier, sample):
    results = classifier.classify_many(sample)
    assert [r["id"] for r in results] == [i["id"] for i in sample]


def test_classify_many_equals_classify_one_by_one(classifier, sample):
    assert classifier.classify_many(sample) == [classifier.classify(i) for i in sample]


def test_classify_many_takes_any_iterable(classifier, sample):
    assert classifier.classify_many(iter(sample), evidence=False) == classifier.classify_many(
        sample, evidence=False
    )


def test_classify_many_of_nothing(classifier):
    assert classifier.classify_many([]) == []


def test_results_survive_a_json_round_trip(classifier, sample):
    results = classifier.classify_many(sample)
    assert json.loads(json.dumps(results)) == results


def test_same_output_as_the_rust_example_on_the_sample(classifier, sample, sample_rust):
    results = classifier.classify_many(sample)
    assert len(sample_rust) == len(results)
    for r in results:
        assert r == sample_rust[r["id"]], r["id"]


def test_policy_json_round_trip(classifier, sample):
    again = ft.Classifier.from_json(classifier.policy_json())
    assert again.classify_many(sample) == classifier.classify_many(sample)


SMALL_TOML = """
version = 1

[[rules]]
id = "acme-churn"
class = "opportunistic"
keywords = ["churn risk", "renewal at risk"]

[[rules]]
id = "crash"
class = "fault_correction"
keywords = ["crash"]
"""


def test_policy_from_toml(sample):
    clf = ft.Classifier.from_toml(SMALL_TOML)
    r = clf.classify({"id": "1", "title": "Renewal at risk", "body": ""})
    assert r["class"] == "opportunistic"
    assert r["evidence"][0]["rule"] == "acme-churn"
    assert clf.classify({"id": "2", "title": "Dark mode"})["class"] is None


def test_toml_and_json_policies_agree(sample):
    a = ft.Classifier.from_toml(SMALL_TOML)
    b = ft.Classifier.from_json(a.policy_json())
    assert a.classify_many(sample) == b.classify_many(sample)


def test_help_reads_well():
    assert "embedded default policy" in ft.Classifier.__doc__
    assert "Raises" in ft.Classifier.classify_many.__doc__
    assert ft.Clusterer.__doc__ and ft.triage.__doc__ and ft.evaluate.__doc__
    assert ft.__version__


def _many(sample, n):
    return [dict(sample[i % len(sample)], id=f"m{i}") for i in range(n)]


def test_classify_many_past_one_chunk_keeps_order(classifier, sample):
    items = _many(sample, 9000)  # three chunks of 4,096 items
    results = classifier.classify_many(items, evidence=False)
    assert [r["id"] for r in results] == [i["id"] for i in items]
    for k in (0, 4095, 4096, 8191, 8999):
        assert results[k] == classifier.classify(items[k], evidence=False)


def test_error_in_a_later_chunk_names_its_item(classifier, sample):
    items = _many(sample, 9000)
    items[5000] = dict(items[5000], deal_value=-1.0)
    items[7000] = dict(items[7000], deal_value=-2.0)
    with pytest.raises(ft.ItemError) as e:
        classifier.classify_many(items)
    assert (e.value.index, e.value.id) == (5000, "m5000")


def test_classify_many_accepts_repeated_ids(classifier):
    # Each row is classified on its own (documented); the Clusterer and
    # triage, which group items by id, reject repeats.
    out = classifier.classify_many([{"id": "1", "title": "crash"}, {"id": "1", "title": "GDPR erasure request"}])
    assert [r["id"] for r in out] == ["1", "1"]
    assert [r["class"] for r in out] == ["fault_correction", "necessity"]
    with pytest.raises(ft.ItemError, match="more than once"):
        ft.Clusterer().cluster([{"id": "1"}, {"id": "1"}])
