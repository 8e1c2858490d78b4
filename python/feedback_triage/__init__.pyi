"""Type stubs of feedback_triage (see the module's docstrings)."""

from typing import Any, Iterable, Literal, Mapping, SupportsFloat, SupportsIndex, TypedDict

import pyarrow as pa

__version__: str
CLASSES: tuple[str, str, str, str, str]

ClassName = Literal["fault_correction", "necessity", "market_driven", "opportunistic", "responsiveness"]
BandName = Literal["high", "medium", "low"]

class Item(TypedDict, total=False):
    """An item: ``id`` is required; other keys are ignored. ``None``, a
    float NaN and pandas' ``NA`` / ``NaT`` mean a missing field; numbers may
    be NumPy scalars (``np.float32``, ``np.int64``), never bools."""

    id: str | int
    title: str | None
    body: str | None
    channel: str | None
    customer: str | None
    requester: str | None
    deal_value: SupportsFloat | None
    votes: SupportsIndex | float | None
    tags: list[str] | None
    created: str | None
    embedding: list[float] | None

class Result(TypedDict, total=False):
    """A classification, as a line of the ``classify`` example's JSON."""

    id: str
    # "class" is a keyword in Python: read it as result["class"].
    band: BandName
    confidence: float
    outcome: str
    secondary: list[ClassName]
    scores: dict[ClassName, float]
    evidence: list[dict[str, Any]]

class FeedbackTriageError(Exception): ...

class PolicyError(FeedbackTriageError, ValueError):
    errors: list[dict[str, Any]]
    rule: str | None
    def __init__(self, message: str, errors: list[dict] | None = ..., rule: str | None = ...) -> None: ...

class ItemError(FeedbackTriageError, ValueError):
    id: str | None
    field: str | None
    index: int | None
    def __init__(
        self, message: str, id: str | None = ..., field: str | None = ..., index: int | None = ...
    ) -> None: ...

class ParamsError(FeedbackTriageError, ValueError):
    field: str | None
    def __init__(self, message: str, field: str | None = ...) -> None: ...

class LabelError(FeedbackTriageError, ValueError): ...

class Classifier:
    def __init__(self) -> None: ...
    @classmethod
    def from_toml(cls, text: str) -> Classifier: ...
    @classmethod
    def from_json(cls, text: str) -> Classifier: ...
    def policy_json(self) -> str: ...
    def classify(self, item: Mapping[str, Any], *, evidence: bool = ...) -> dict[str, Any]: ...
    def classify_many(self, items: Any, *, evidence: bool = ...) -> Any:
        """A list of result dicts for a sequence of mappings (repeated ids
        accepted); a frame of the same kind (pandas, Polars, pyarrow) with
        result columns for a frame, whose own columns must not be named like
        a result column (ItemError)."""
    def classify_arrow(self, data: pa.Table | pa.RecordBatch, *, evidence: bool = ...) -> Any: ...

class Clustering(dict[str, Any]):
    def assignments(self) -> list[dict[str, Any]]: ...
    def to_frame(self, library: Literal["pandas", "polars", "pyarrow"] = ...) -> Any: ...

class Clusterer:
    def __init__(
        self,
        *,
        classifier: Classifier | None = ...,
        similarity_threshold: float = ...,
        min_distinct_customers: int = ...,
        max_candidates_per_item: int = ...,
        max_terms_per_item: int = ...,
        max_document_ratio: float = ...,
        max_postings_per_term: int = ...,
        max_search_terms_per_item: int = ...,
        label_terms: int = ...,
        duplicate_threshold: float = ...,
        review_threshold: float = ...,
        adaptive_weight: float = ...,
        adaptive_prior_items: int = ...,
        semantic_weight: float = ...,
        semantic_candidates_per_item: int = ...,
        embedding_candidates_per_item: int = ...,
        embedding_threshold_ratio: float = ...,
        embedding_neighbours: int = ...,
        shared_neighbours: int = ...,
    ) -> None: ...
    @property
    def params(self) -> dict[str, Any]: ...
    def cluster(self, items: Any) -> Clustering: ...

def triage(items: Any, *, classifier: Classifier | None = ..., **params: Any) -> dict[str, Any]: ...
def check_policy(text: str) -> list[dict[str, Any]]: ...
def lint_policy(text: str | None = ...) -> list[dict[str, Any]]: ...
def evaluate(
    items: Any,
    labels: Iterable[str | None] | None = ...,
    *,
    label_map: Mapping[str, Any] | str | None = ...,
    classifier: Classifier | None = ...,
    strict: bool = ...,
    max_misses: int = ...,
) -> dict[str, Any]: ...
