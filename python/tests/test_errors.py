"""Every error path: the exception class, its message naming the rule,
field or item, and its attributes."""

from __future__ import annotations

import pytest

import feedback_triage as ft


def test_hierarchy():
    for e in (ft.PolicyError, ft.ItemError, ft.ParamsError, ft.LabelError):
        assert issubclass(e, ft.FeedbackTriageError)
        assert issubclass(e, ValueError)


def test_missing_id(classifier):
    with pytest.raises(ft.ItemError, match="missing field `id`") as e:
        classifier.classify({"title": "crash"})
    assert e.value.field == "id"


def test_empty_id(classifier):
    with pytest.raises(ft.ItemError, match="`id` must not be empty") as e:
        classifier.classify({"id": "  ", "title": "crash"})
    assert e.value.field == "id"


def test_negative_deal_value_names_item_and_field(classifier):
    with pytest.raises(ft.ItemError, match="deal_value") as e:
        classifier.classify_many([{"id": "ok"}, {"id": "bad", "deal_value": -5}])
    assert (e.value.id, e.value.field, e.value.index) == ("bad", "deal_value", 1)


def test_nan_deal_value_is_missing(classifier):
    # NaN is pandas' marker of a gap (df.to_dict("records") gives it), and
    # the frame path reads it as missing: so does the dict path.
    nan = classifier.classify({"id": "x", "title": "crash", "deal_value": float("nan")})
    assert nan == classifier.classify({"id": "x", "title": "crash"})


def test_infinite_deal_value(classifier):
    with pytest.raises(ft.ItemError, match="deal_value") as e:
        classifier.classify({"id": "x", "deal_value": float("inf")})
    assert e.value.field == "deal_value"


@pytest.mark.parametrize(
    "field,value",
    [
        ("title", 3),
        ("body", ["a"]),
        ("channel", 1),
        ("customer", 2.5),
        ("requester", b"x"),
        ("created", 20260101),
        ("deal_value", "a lot"),
        ("votes", "many"),
        ("votes", 1.5),
        ("tags", "one"),
        ("tags", [1, 2]),
        ("embedding", ["x"]),
    ],
)
def test_wrong_type_names_the_field(classifier, field, value):
    with pytest.raises(ft.ItemError, match=f"field `{field}`") as e:
        classifier.classify({"id": "x", field: value})
    assert e.value.field == field
    assert e.value.id == "x"


def test_negative_votes(classifier):
    with pytest.raises(ft.ItemError, match="votes"):
        classifier.classify({"id": "x", "votes": -1})


def test_numpy_scalars_are_numbers(classifier):
    np = pytest.importorskip("numpy")
    plain = classifier.classify({"id": "7", "title": "we lose the deal", "deal_value": 2.5, "votes": 4})
    for deal, votes in [(np.float32(2.5), np.int64(4)), (np.float64(2.5), np.int32(4)), (np.int64(2), np.float32(4.0))]:
        got = classifier.classify({"id": np.int64(7), "title": "we lose the deal", "deal_value": deal, "votes": votes})
        if deal == 2.5:
            assert got == plain
        assert got["id"] == "7"


def test_numpy_bool_is_not_a_number(classifier):
    np = pytest.importorskip("numpy")
    with pytest.raises(ft.ItemError, match="field `votes`") as e:
        classifier.classify({"id": "x", "votes": np.True_})
    assert e.value.field == "votes"
    with pytest.raises(ft.ItemError, match="field `deal_value`"):
        classifier.classify({"id": "x", "deal_value": np.bool_(False)})
    with pytest.raises(ft.ItemError, match="field `deal_value`"):
        classifier.classify({"id": "x", "deal_value": True})


def test_bool_id_is_rejected(classifier):
    with pytest.raises(ft.ItemError, match="`id`"):
        classifier.classify({"id": True})


def test_unknown_channel(classifier):
    with pytest.raises(ft.ItemError, match="unknown channel \"fax\"") as e:
        classifier.classify({"id": "x", "channel": "fax"})
    assert e.value.field == "channel"


def test_item_must_be_a_mapping(classifier):
    with pytest.raises(ft.ItemError, match="must be a dict"):
        classifier.classify_many(["crash"])


def test_a_dict_is_not_a_batch(classifier):
    with pytest.raises(TypeError):
        classifier.classify_many({"id": "1"})


def test_policy_errors_are_all_listed():
    text = """
version = 1

[[rules]]
id = "dup"
class = "necessity"
keywords = ["gdpr"]

[[rules]]
id = "dup"
class = "necessity"
keywords = [""]
"""
    with pytest.raises(ft.PolicyError) as e:
        ft.Classifier.from_toml(text)
    assert len(e.value.errors) == 2
    assert all(p["rule"] == "dup" for p in e.value.errors)
    assert '"dup"' in str(e.value)
    assert e.value.rule == "dup"


def test_policy_unknown_class_names_rule():
    with pytest.raises(ft.PolicyError, match="unknown class") as e:
        ft.Classifier.from_toml('version = 1\n[[rules]]\nid = "a"\nclass = "bogus"\nkeywords = ["x"]\n')
    assert e.value.rule == "a"


def test_policy_unknown_key_names_rule():
    with pytest.raises(ft.PolicyError, match="keywrds") as e:
        ft.Classifier.from_json('{"version": 1, "rules": [{"id": "r1", "class": "necessity", "keywrds": ["x"]}]}')
    assert e.value.rule == "r1"


def test_a_policy_that_does_not_parse_lists_every_rule_at_fault():
    # As `policy check`: serde stops at the first problem; each rule is
    # read on its own after, so all three are listed.
    text = """
version = 1
[settings]
min_scor = 0.3
[[rules]]
id = "a"
class = "necessity"
keywrods = ["x"]
[[rules]]
id = "ok"
class = "necessity"
keywords = ["y"]
[[rules]]
id = "b"
class = "necesity"
keywords = ["y"]
"""
    for read in (ft.Classifier.from_toml, ft.check_policy):
        with pytest.raises(ft.PolicyError) as e:
            read(text)
        assert [p["rule"] for p in e.value.errors] == [None, "a", "b"]
        assert "min_scor" in str(e.value) and "rules[2]" in str(e.value)
        assert e.value.rule == "a"


def test_policy_bad_syntax():
    with pytest.raises(ft.PolicyError):
        ft.Classifier.from_json("{not json")
    with pytest.raises(ft.PolicyError):
        ft.Classifier.from_toml("[[rules]\n")


def test_lint_refuses_an_invalid_policy():
    # Parses, but does not validate: as `policy lint`, not linted.
    text = """
version = 1

[[rules]]
id = "dup"
class = "necessity"
keywords = ["gdpr"]

[[rules]]
id = "dup"
class = "necessity"
keywords = ["gdpr", ""]
weight = nan
"""
    problems = ft.check_policy(text)
    assert len(problems) >= 2
    with pytest.raises(ft.PolicyError, match="invalid policy .*: not linted") as e:
        ft.lint_policy(text)
    assert e.value.errors == problems
    assert e.value.rule == "dup"
    for p in problems:
        assert p["message"] in str(e.value)


def test_lint_refuses_an_invalid_json_policy():
    text = '{"version": 1, "rules": [{"id": "a", "class": "necessity", "keywords": [""]}]}'
    with pytest.raises(ft.PolicyError, match="not linted") as e:
        ft.lint_policy(text)
    assert e.value.rule == "a"
    assert len(e.value.errors) == 1


def test_policy_without_rules():
    with pytest.raises(ft.PolicyError, match="no rules"):
        ft.Classifier.from_json('{"version": 1, "rules": []}')


def test_params_out_of_range():
    with pytest.raises(ft.ParamsError, match="similarity_threshold") as e:
        ft.Clusterer(similarity_threshold=1.5)
    assert e.value.field == "similarity_threshold"


def test_params_unknown_name():
    with pytest.raises(ft.ParamsError, match="similarity_treshold") as e:
        ft.Clusterer(similarity_treshold=0.5)
    assert e.value.field == "similarity_treshold"


def test_params_wrong_type():
    with pytest.raises(ft.ParamsError, match="label_terms"):
        ft.Clusterer(label_terms="three")


def test_triage_params_out_of_range(sample):
    with pytest.raises(ft.ParamsError, match="max_jobs_per_feature") as e:
        ft.triage(sample, max_jobs_per_feature=101)
    assert e.value.field == "max_jobs_per_feature"
    with pytest.raises(ft.ParamsError, match="min_customers_per_month"):
        ft.triage(sample, min_customers_per_month=-1)


def test_duplicate_ids_in_clustering():
    with pytest.raises(ft.ItemError, match="more than once") as e:
        ft.Clusterer().cluster([{"id": "a", "title": "x"}, {"id": "a", "title": "y"}])
    assert e.value.id == "a"
    assert e.value.field == "id"


def test_empty_id_in_clustering_is_located():
    with pytest.raises(ft.ItemError, match=r"item #1 of the batch") as e:
        ft.Clusterer().cluster([{"id": "a", "title": "x"}, {"id": " ", "title": "y"}])
    assert (e.value.id, e.value.field, e.value.index) == (None, "id", 1)


def test_bad_label_map(sample):
    with pytest.raises(ft.LabelError, match="unknown class"):
        ft.evaluate(sample, label_map="Bug=bugfix")
    with pytest.raises(ft.LabelError, match="unknown class"):
        ft.evaluate(sample, label_map={"Bug": "bugfix"})
    with pytest.raises(ft.LabelError, match="names no class"):
        ft.evaluate(sample, label_map={"Bug": []})
    with pytest.raises(ft.LabelError, match="labels for"):
        ft.evaluate(sample, labels=["necessity"])


def test_strict_unknown_label(sample):
    with pytest.raises(ft.LabelError, match="\"Praise\""):
        ft.evaluate([{"id": "1", "title": "crash"}], labels=["Praise"], label_map={"Bug": "fault_correction"}, strict=True)


def test_evaluate_nan_label_is_no_label():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"id": ["1", "2"], "title": ["crash", "GDPR erasure"], "label": ["Bug", None]})
    records = df.to_dict("records")
    assert records[1]["label"] is None or records[1]["label"] != records[1]["label"]
    records[1]["label"] = float("nan")
    report = ft.evaluate(records, label_map={"Bug": "fault_correction"}, strict=True)
    assert (report["items"], report["skipped"]) == (1, 1)
    report = ft.evaluate(df.astype({"label": "string"}), label_map={"Bug": "fault_correction"}, strict=True)
    assert (report["items"], report["skipped"]) == (1, 1)
