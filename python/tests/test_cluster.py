"""Clustering, the triage report and the policy tools."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import feedback_triage as ft

from conftest import SAMPLE, SHARED, read_jsonl


def members(clustering):
    return [m for key in ("features", "special_cases") for g in clustering[key] for m in g["members"]]


def test_clustering_ids_cover_the_input_once(sample):
    c = ft.Clusterer().cluster(sample)
    assert Counter(members(c)) == Counter(i["id"] for i in sample)


def test_clustering_is_deterministic_whatever_the_order(sample):
    a = ft.Clusterer().cluster(sample)
    b = ft.Clusterer().cluster(list(reversed(sample)))
    assert a == b


def test_the_crate_example():
    c = ft.Clusterer().cluster(
        [
            {"id": "1", "title": "Export invoices to Excel", "customer": "Acme"},
            {"id": "2", "title": "Excel export of invoices", "customer": "Globex"},
            {"id": "3", "title": "Dark mode", "customer": "Acme"},
        ]
    )
    assert c["features"][0]["members"] == ["1", "2"]
    assert c["features"][0]["distinct_customers"] == 2
    assert c["special_cases"][0]["members"] == ["3"]


def test_min_distinct_customers_moves_features_to_special_cases(sample):
    loose = ft.Clusterer(min_distinct_customers=1).cluster(sample)
    strict = ft.Clusterer(min_distinct_customers=50).cluster(sample)
    assert strict["features"] == []
    assert len(loose["features"]) >= 1
    assert Counter(members(strict)) == Counter(members(loose))


def test_assignments(sample):
    c = ft.Clusterer().cluster(sample)
    rows = c.assignments()
    assert len(rows) == len(sample)
    assert {r["kind"] for r in rows} <= {"feature", "special_case"}


def test_params_property():
    assert ft.Clusterer(similarity_threshold=0.3).params == {"similarity_threshold": 0.3}


def test_cluster_with_own_classifier(sample):
    clf = ft.Classifier.from_json(ft.Classifier().policy_json())
    assert ft.Clusterer(classifier=clf).cluster(sample) == ft.Clusterer().cluster(sample)


def test_cluster_empty():
    assert ft.Clusterer().cluster([]) == {"features": [], "special_cases": []}


def test_triage_report_keys(sample):
    report = ft.triage(sample)
    assert set(report) == {"items", "class_mix", "features", "special_cases", "abstained", "signals"}
    assert report["items"] == len(sample)


def test_triage_same_json_as_the_example(sample):
    import subprocess

    from conftest import ROOT

    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--example", "triage", "--", str(SAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    # Through JSON: a pair (top_customer) is a tuple in Python, a list in JSON.
    assert json.loads(json.dumps(ft.triage(sample))) == json.loads(out.stdout)


def test_triage_params(sample):
    report = ft.triage(sample, max_jobs_per_feature=0, similarity_threshold=0.3)
    assert all(f["jobs"] == [] for f in report["features"])


def test_check_policy_valid_and_invalid():
    assert ft.check_policy(ft.Classifier().policy_json()) == []
    problems = ft.check_policy('{"version": 1, "rules": [{"id": "a", "class": "necessity", "keywords": [""]}]}')
    assert problems and problems[0]["rule"] == "a"


def test_check_policy_toml():
    assert ft.check_policy('version = 1\n[[rules]]\nid = "a"\nclass = "necessity"\nkeywords = ["gdpr"]\n') == []


def test_lint_finds_a_keyword_in_two_classes():
    text = json.dumps(
        {
            "version": 1,
            "rules": [
                {"id": "a", "class": "necessity", "keywords": ["audit"]},
                {"id": "b", "class": "fault_correction", "keywords": ["audits"]},
            ]
        }
    )
    warnings = ft.lint_policy(text)
    assert [w["kind"] for w in warnings] == ["keyword_in_several_classes"]
    assert warnings[0]["rules"] == ["a", "b"]
    assert "audit" in warnings[0]["message"]


def test_lint_default_policy_runs():
    assert isinstance(ft.lint_policy(), list)


def test_evaluate_on_the_sample(sample):
    report = ft.evaluate(sample)
    assert report["items"] + report["skipped"] == len(sample)
    assert 0.0 <= report["macro_f1"] <= 1.0
    assert len(report["per_class"]) == 5
    assert len(report["confusion"]) == 5
    # Lists, as the docs say, not the tuples serde's fixed-size arrays become:
    # the report survives a JSON round trip unchanged.
    assert isinstance(report["confusion"], list) and isinstance(report["confusion"][0], list)
    assert isinstance(report["per_class"], list) and isinstance(report["bands"], list)
    assert json.loads(json.dumps(report)) == report


def test_evaluate_label_map_dict_and_text_agree():
    items = [{"id": "1", "title": "App crashes"}, {"id": "2", "title": "Please add dark mode"}]
    labels = ["Bug", "Feature"]
    a = ft.evaluate(items, labels, label_map={"Bug": "fault_correction", "Feature": ["market_driven", "responsiveness"]})
    b = ft.evaluate(items, labels, label_map="Bug=fault_correction,Feature=market_driven|responsiveness")
    assert a == b
    assert a["items"] == 2


def test_evaluate_label_map_dict_takes_any_label():
    items = [{"id": "1", "title": "App crashes"}, {"id": "2", "title": "Please add dark mode"}]
    labels = ["Bug, crash", "a=b|c"]
    report = ft.evaluate(items, labels, label_map={"Bug, crash": "fault_correction", "a=b|c": ["market_driven", "responsiveness"]}, strict=True)
    assert report["items"] == 2 and report["skipped"] == 0


def test_evaluate_skips_unknown_labels():
    report = ft.evaluate([{"id": "1", "title": "crash", "label": "Praise"}], label_map={"Bug": "fault_correction"})
    assert report["skipped"] == 1


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not present")
def test_clustering_covers_a_shared_data_set():
    items = read_jsonl(SHARED / "app_reviews" / "maalej.jsonl")[:1500]
    c = ft.Clusterer().cluster(items)
    assert Counter(members(c)) == Counter(i["id"] for i in items)
