"""feedback_triage: classify product requests into five input classes with an
explainable rule-plus-keyword policy, group similar requests into candidate
common features, and report on a whole backlog. The work is done by the Rust
crate ``feedback-triage``; batches run on all cores with the GIL released.

Quick start::

    import feedback_triage as ft

    clf = ft.Classifier()                      # the embedded default policy
    clf.classify({"id": "1", "title": "App crashes on login"})["class"]
    # 'fault_correction'
    df = clf.classify_many(df)                 # pandas / Polars / pyarrow: adds result columns
    report = ft.triage(items)                  # a list of dicts -> the triage report (a dict)

Items are mappings (or frame rows) with an ``id`` and any of ``title``,
``body``, ``channel``, ``customer``, ``requester``, ``deal_value``,
``votes``, ``tags``, ``created``, ``embedding``; other keys are ignored.
A field whose value is ``None``, a float NaN (Python's or NumPy's) or
pandas' ``NA`` / ``NaT`` is missing, on every path (dicts, pandas, Polars,
pyarrow; ``classify``, ``classify_many``, ``Clusterer.cluster``,
``triage``, ``evaluate``): pandas marks gaps so, and
``df.to_dict("records")`` hands them on. A number is a Python or NumPy
int or float (any scalar with ``__index__`` or ``__float__``), not a bool.

Errors are :class:`FeedbackTriageError` subclasses (:class:`PolicyError`,
:class:`ItemError`, :class:`ParamsError`, :class:`LabelError`; all but the
base are also ``ValueError``) carrying the crate's message with the rule,
field or item at fault.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from . import _native
from ._errors import FeedbackTriageError, ItemError, LabelError, ParamsError, PolicyError

__all__ = [
    "Classifier",
    "Clusterer",
    "Clustering",
    "triage",
    "check_policy",
    "lint_policy",
    "evaluate",
    "FeedbackTriageError",
    "PolicyError",
    "ItemError",
    "ParamsError",
    "LabelError",
    "CLASSES",
    "__version__",
]

__version__: str = _native.__version__

#: The five classes, in the crate's order.
CLASSES = ("fault_correction", "necessity", "market_driven", "opportunistic", "responsiveness")


def _frame_kind(data: Any) -> str | None:
    """``"pandas"``, ``"polars"``, ``"arrow_table"``, ``"arrow_batch"`` or
    ``None`` (a plain sequence of mappings), without importing a library
    the caller does not use."""
    module = type(data).__module__ or ""
    name = type(data).__name__
    if module.startswith("pandas") and name == "DataFrame":
        return "pandas"
    if module.startswith("polars") and name == "DataFrame":
        return "polars"
    if module.startswith("pyarrow"):
        if name == "Table":
            return "arrow_table"
        if name == "RecordBatch":
            return "arrow_batch"
    return None


def _to_arrow(data: Any, kind: str):
    import pyarrow as pa

    if kind == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    if kind == "polars":
        return data.to_arrow()
    return data


def _rows(items: Any) -> Any:
    """Items as a list of dicts when they come as a frame."""
    kind = _frame_kind(items)
    if kind is None:
        return items
    return _to_arrow(items, kind).to_pylist()


class Classifier:
    """A policy validated and compiled once, to classify requests.

    ``Classifier()`` is the embedded default policy;
    :meth:`from_toml` and :meth:`from_json` read a policy of your own (the
    format of ``cargo run --example policy -- dump``). A classifier is
    immutable and can be shared between threads.

    Example::

        >>> clf = Classifier()
        >>> r = clf.classify({"id": "7", "title": "GDPR: please delete my account data"})
        >>> r["class"], r["band"]
        ('necessity', 'high')

    Results (:meth:`classify`, and :meth:`classify_many` on dicts) are dicts
    with the keys of the ``classify`` example's JSON lines: ``id``,
    ``class`` (``None`` when nothing matched), ``band`` (``high``,
    ``medium``, ``low``), ``confidence`` (0 to 1), ``outcome``
    (``matched``, ``ambiguous``, ``no_match``, ...), ``secondary`` (other
    classes that fit, best first), ``scores`` (per class) and ``evidence``
    (every rule that fired: ``rule``, ``class``, ``contribution``, ``kind``,
    ``phrase``, ``field``, ``span`` ...).
    """

    __slots__ = ("_native",)

    def __init__(self) -> None:
        self._native = _native.NativeClassifier()

    @classmethod
    def from_toml(cls, text: str) -> "Classifier":
        """A classifier for a policy written in TOML.

        Raises:
            PolicyError: the text is not a policy, or the policy does not
                validate; ``errors`` lists every problem with its rule.
        """
        self = cls.__new__(cls)
        self._native = _native.NativeClassifier.from_toml(text)
        return self

    @classmethod
    def from_json(cls, text: str) -> "Classifier":
        """A classifier for a policy written in JSON (as ``policy dump``
        writes it, or :meth:`policy_json` returns).

        Raises:
            PolicyError: as for :meth:`from_toml`.
        """
        self = cls.__new__(cls)
        self._native = _native.NativeClassifier.from_json(text)
        return self

    def policy_json(self) -> str:
        """The classifier's policy as JSON text (feed it to
        :meth:`from_json`, or edit it)."""
        return self._native.policy_json()

    def classify(self, item: Mapping[str, Any], *, evidence: bool = True) -> dict:
        """Classifies one item (a mapping with an ``id``; see the module
        docs for its fields) into a result dict (see the class docs).
        ``evidence=False`` leaves out the ``evidence`` list.

        Raises:
            ItemError: the item has no ``id``, a field of the wrong type,
                an unknown ``channel`` or a negative ``deal_value``.
        """
        return self._native.classify(item, evidence)

    def classify_many(self, items: Any, *, evidence: bool = True) -> Any:
        """Classifies a batch on all cores, with the GIL released.

        ``items`` is either a sequence of mappings, giving a list of result
        dicts in input order (as :meth:`classify` gives), or a data frame
        (pandas or Polars) or a pyarrow Table or RecordBatch with ``title``
        and ``body`` columns (and ``id``, ``channel``, ``customer``,
        ``requester``, ``deal_value``, ``votes``, ``tags``, ``created``
        where present; without ``id`` the row number is the id), giving a
        frame of the same kind: the input's columns and the result columns
        ``class``, ``band``, ``confidence``, ``outcome``, ``secondary`` (a
        list of classes) and ``evidence`` (the strongest phrases and
        conditions for the class, at most four, as the ``classify``
        example's table shows). An input column named like a result column
        is never replaced: it is an :class:`ItemError` (``field``: the
        first such column) naming them all, before any work; rename or drop
        them first (``df.rename(columns={"class": "label"})``, or
        ``table.rename_columns`` / ``drop_columns``). Frames go through
        Arrow buffers, without a Python object per row.

        ``evidence=False`` leaves out the evidence (faster; an input
        ``evidence`` column is then kept).

        Each row is classified on its own, so repeated ids are accepted
        (each row gets its result), unlike :class:`Clusterer` and
        :func:`triage`, which reject them.

        Raises:
            ItemError: naming the item (``index``: its position) and field,
                or (frames) the input columns named like result columns.
        """
        kind = _frame_kind(items)
        if kind is None:
            return self._native.classify_many(items, evidence)
        _check_no_result_columns(items, kind, evidence)
        results = self.classify_arrow(_to_arrow(items, kind), evidence=evidence)
        return _attach(items, kind, results)

    def classify_arrow(self, data: Any, *, evidence: bool = True) -> Any:
        """The result columns alone for a pyarrow Table (a Table back) or
        RecordBatch (a RecordBatch back), one row per input row:
        ``class``, ``band``, ``confidence``, ``outcome``, ``secondary`` and
        (with ``evidence``) ``evidence``. The building block for engines
        that hand out Arrow batches (Spark's ``mapInArrow``)."""
        from . import _arrow

        kind = _frame_kind(data)
        if kind == "arrow_batch":
            return _arrow.classify_record_batch(self._native, data, evidence)
        if kind == "arrow_table":
            return _arrow.classify_table(self._native, data, evidence)
        raise TypeError(f"expected a pyarrow Table or RecordBatch, got {type(data).__name__}")

    def __repr__(self) -> str:
        return "<feedback_triage.Classifier>"


#: The result columns :meth:`Classifier.classify_many` adds to a frame
#: (``evidence`` only with ``evidence=True``).
_RESULT_COLUMNS = ("class", "band", "confidence", "outcome", "secondary", "evidence")


def _check_no_result_columns(items: Any, kind: str, evidence: bool) -> None:
    """Raises :class:`ItemError` when a column of the frame ``items`` has
    the name of a result column: attaching the results would replace it,
    and the caller's data (a label column called ``class``) would be lost
    without a word."""
    names = items.schema.names if kind in ("arrow_table", "arrow_batch") else list(items.columns)
    produced = [n for n in _RESULT_COLUMNS if evidence or n != "evidence"]
    present = set(n for n in names if isinstance(n, str))
    clash = [n for n in produced if n in present]
    if not clash:
        return
    listed = ", ".join(f"`{n}`" for n in clash)
    raise ItemError(
        f"input column{'s' if len(clash) > 1 else ''} {listed} "
        f"{'have' if len(clash) > 1 else 'has'} the name of a result column "
        f"({', '.join(produced)}) and would be replaced by the results: "
        "rename or drop "
        f"{'them' if len(clash) > 1 else 'it'} before classify_many "
        "(pandas: df.rename(columns={'class': 'label'}); pyarrow: table.rename_columns(...) "
        "or table.drop_columns(...); Polars: df.rename({'class': 'label'}))",
        field=clash[0],
    )


def _attach(items: Any, kind: str, results: Any) -> Any:
    """The input frame with the result columns added (none of them is in
    the input: see :func:`_check_no_result_columns`)."""
    if kind == "pandas":
        out = items.copy(deep=False)
        for name in results.column_names:
            col = results.column(name)
            import pyarrow as pa

            if pa.types.is_list(col.type):
                values = col.to_pylist()
            else:
                values = col.to_numpy(zero_copy_only=False)
            out[name] = values
        return out
    if kind == "polars":
        import polars as pl

        return items.with_columns(pl.from_arrow(results).get_columns())
    for name in results.column_names:
        col = results.column(name)
        if name in items.schema.names:
            items = items.set_column(items.schema.get_field_index(name), name, col)
        else:
            items = items.append_column(name, col)
    return items


class Clustering(dict):
    """The result of :meth:`Clusterer.cluster`: a dict with ``features``
    (candidate common features, ranked: distinct customers, deal value,
    size) and ``special_cases`` (lone requests and groups from too few
    customers), as the crate's JSON. Every input id is in exactly one
    ``members`` list."""

    def assignments(self) -> list[dict]:
        """One dict per item: ``id``, ``group`` (the feature's or special
        case's id), ``kind`` (``feature`` or ``special_case``), ``name`` and
        ``rank`` (0-based within its kind), ordered by kind, rank, id."""
        rows = []
        for kind, key in (("feature", "features"), ("special_case", "special_cases")):
            for rank, group in enumerate(self.get(key, [])):
                for member in group["members"]:
                    rows.append(
                        {"id": member, "group": group["id"], "kind": kind, "name": group["name"], "rank": rank}
                    )
        return rows

    def to_frame(self, library: str = "pandas") -> Any:
        """:meth:`assignments` as a frame: ``"pandas"`` (default),
        ``"polars"`` or ``"pyarrow"`` (a Table)."""
        rows = self.assignments()
        if library == "pandas":
            import pandas as pd

            return pd.DataFrame(rows, columns=["id", "group", "kind", "name", "rank"])
        if library == "polars":
            import polars as pl

            return pl.DataFrame(rows)
        if library == "pyarrow":
            import pyarrow as pa

            return pa.Table.from_pylist(rows)
        raise ValueError(f"library must be pandas, polars or pyarrow, got {library!r}")


class Clusterer:
    """Groups near-duplicate and paraphrased requests into candidate common
    features.

    Keyword arguments are the crate's clustering parameters (defaults in
    brackets): ``similarity_threshold`` [0.12], ``min_distinct_customers``
    [2], ``max_candidates_per_item`` [30], ``max_terms_per_item`` [32],
    ``max_document_ratio`` [0.05], ``max_postings_per_term`` [400],
    ``max_search_terms_per_item`` [8], ``label_terms`` [3],
    ``duplicate_threshold`` [0.75], ``review_threshold`` [0.4],
    ``adaptive_weight`` [0.8], ``adaptive_prior_items`` [500],
    ``semantic_weight`` [1.0], ``semantic_candidates_per_item`` [20],
    ``embedding_candidates_per_item`` [10],
    ``embedding_threshold_ratio`` [0.54], ``embedding_neighbours`` [5],
    ``shared_neighbours`` [10].
    ``classifier`` (a :class:`Classifier`) gives the features' class mix.

    Raises:
        ParamsError: a parameter is unknown, of the wrong type or out of
            range (``field`` names it).

    Example::

        >>> c = Clusterer(min_distinct_customers=2).cluster([
        ...     {"id": "1", "title": "Export invoices to Excel", "customer": "Acme"},
        ...     {"id": "2", "title": "Excel export of invoices", "customer": "Globex"},
        ...     {"id": "3", "title": "Dark mode"},
        ... ])
        >>> c["features"][0]["members"]
        ['1', '2']
    """

    __slots__ = ("_params", "_classifier")

    def __init__(self, *, classifier: Classifier | None = None, **params: Any) -> None:
        self._params = dict(params)
        self._classifier = classifier
        # Fails now, not at the first batch, on a bad parameter.
        _native.cluster([], self._params, None)

    @property
    def params(self) -> dict:
        """The parameters given (the others take their defaults)."""
        return dict(self._params)

    def cluster(self, items: Any) -> Clustering:
        """Clusters items: a sequence of mappings, or a pandas / Polars
        frame or pyarrow Table (one row per item, with an ``id`` column).

        Raises:
            ItemError: an invalid item, or two items with one id.
        """
        native = self._classifier._native if self._classifier is not None else None
        return Clustering(_native.cluster(_rows(items), self._params, native))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"Clusterer({args})"


def triage(items: Any, *, classifier: Classifier | None = None, **params: Any) -> dict:
    """The triage report over a backlog, as a dict (the same JSON as the
    ``triage`` example): ``items``, ``class_mix``, ``features`` (with the
    jobs their members state), ``special_cases``, ``abstained`` and
    ``signals``.

    ``items``: a sequence of mappings or a frame. ``params``: the
    :class:`Clusterer` parameters and the report's own,
    ``min_customers_per_month`` [4] and ``max_jobs_per_feature`` [5].

    Raises:
        ItemError, ParamsError.
    """
    native = classifier._native if classifier is not None else None
    return _native.triage(_rows(items), params, native)


def check_policy(text: str) -> list[dict]:
    """Every problem of a policy (JSON or TOML text), as dicts with
    ``message`` and ``rule``; an empty list when it is valid.

    Raises:
        PolicyError: the text is not a policy at all (bad syntax, an
            unknown key, a value of the wrong type).
    """
    return _native.check_policy(text)


def lint_policy(text: str | None = None) -> list[dict]:
    """Likely mistakes in a valid policy (JSON or TOML text; ``None``: the
    embedded default): a keyword voting for several classes, a keyword
    listed twice, an exclusion that cancels a keyword, a shadowed rule,
    conditions that never hold. One dict per warning, with ``kind``, its
    fields, ``rules`` (the rules it names) and ``message``.

    A policy that does not validate is not linted, as the ``policy lint``
    tool refuses it: :func:`check_policy` lists its problems.

    Raises:
        PolicyError: the text is not a policy, or the policy does not
            validate (``errors`` lists every problem, as
            :func:`check_policy` gives them; the message says "invalid
            policy (N errors): not linted" and lists them).
    """
    return _native.lint_policy(text)


def _is_gap(value: Any) -> bool:
    """``None``, a float NaN or pandas' ``NA`` / ``NaT``: a missing value,
    as the native side reads an item's fields (a label from
    ``df.to_dict("records")`` is NaN where the frame has none)."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    t = type(value)
    if (t.__module__ or "").startswith("pandas") and t.__name__ in ("NAType", "NaTType"):
        return True
    return (t.__module__ or "").startswith("numpy") and getattr(value, "dtype", None) is not None and (
        value.dtype.kind in "fc" and value != value
    )


def _label_map_arg(label_map: Mapping[str, Any] | str | None) -> Any:
    """The label map as the native side takes it: its text, or a list of
    (label, [class, ...]) pairs (so a label may hold ``,``, ``=`` or ``|``)."""
    if label_map is None or isinstance(label_map, str):
        return label_map
    pairs = []
    for label, classes in label_map.items():
        if isinstance(classes, str):
            classes = [classes]
        pairs.append((str(label), [str(c) for c in classes]))
    return pairs


def evaluate(
    items: Any,
    labels: Iterable[str | None] | None = None,
    *,
    label_map: Mapping[str, Any] | str | None = None,
    classifier: Classifier | None = None,
    strict: bool = False,
    max_misses: int = 1000,
) -> dict:
    """Precision, recall and F1 per class, macro-F1, accuracy, coverage,
    the confusion matrix, per-band precision and the misses, as a dict (the
    crate's ``EvaluationReport``).

    ``labels``: one label per item (``None``, NaN or pandas' ``NA``:
    skipped and counted); by default each item's ``label`` key. ``label_map`` turns a data set's
    labels into classes: ``{"Bug": "fault_correction", "Feature":
    ["market_driven", "responsiveness"]}`` or the same as text
    (``"Bug=fault_correction,Feature=market_driven|responsiveness"``); by
    default the labels are class names. Labels not in the map are skipped,
    unless ``strict``.

    Raises:
        LabelError: a bad label map, a label count that is not the item
            count, or (``strict``) an unknown label.
        ItemError: an invalid item.
    """
    rows = _rows(items)
    if not isinstance(rows, list):
        rows = list(rows)
    if labels is None:
        labels = [r.get("label") if isinstance(r, Mapping) else None for r in rows]
    labels = [None if _is_gap(l) else str(l) for l in labels]
    clf = classifier if classifier is not None else Classifier()
    report = _native.evaluate(clf._native, rows, labels, _label_map_arg(label_map), strict, max_misses)
    return _lists(report)


def _lists(value: Any) -> Any:
    """``value`` with every tuple made a list: the crate's fixed-size arrays
    (the confusion matrix, per-class and per-band figures) arrive as tuples,
    and a report reads, compares and round-trips through JSON as lists."""
    if isinstance(value, (tuple, list)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value
