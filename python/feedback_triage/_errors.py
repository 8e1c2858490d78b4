"""The exceptions of feedback_triage: a small hierarchy under
:class:`FeedbackTriageError`. Each carries the Rust crate's message, which
names the rule, field or item at fault, and the same facts as attributes."""

from __future__ import annotations

__all__ = [
    "FeedbackTriageError",
    "PolicyError",
    "ItemError",
    "ParamsError",
    "LabelError",
]


class FeedbackTriageError(Exception):
    """Base class of every error raised by feedback_triage."""


class PolicyError(FeedbackTriageError, ValueError):
    """A policy that cannot be read or does not validate.

    Attributes:
        errors: every problem found, in rule order, as dicts with
            ``message`` and ``rule`` (the rule's id, or ``None`` for a
            problem of the whole policy or text that is not a policy).
        rule: the id of the rule of the first problem that names one.
    """

    errors: list[dict]
    rule: str | None

    def __init__(self, message: str, errors: list[dict] | None = None, rule: str | None = None):
        super().__init__(message)
        self.errors = errors if errors is not None else [{"message": message, "rule": rule}]
        self.rule = rule


class ItemError(FeedbackTriageError, ValueError):
    """An item that cannot be read or is invalid (no ``id``, a negative
    ``deal_value``, a value of the wrong type, an unknown ``channel``), or
    a frame's column that cannot be used (of a type that cannot be read,
    or named like a result column of ``classify_many``).

    Attributes:
        id: the item's id, when known.
        field: the field at fault (``"id"``, ``"deal_value"``, ...).
        index: the item's position in the input (row number of a frame;
            ``None`` for a problem of a whole column).
    """

    id: str | None
    field: str | None
    index: int | None

    def __init__(
        self,
        message: str,
        id: str | None = None,
        field: str | None = None,
        index: int | None = None,
    ):
        super().__init__(message)
        self.id = id
        self.field = field
        self.index = index


class ParamsError(FeedbackTriageError, ValueError):
    """A clustering or triage parameter out of range, unknown or of the
    wrong type.

    Attributes:
        field: the parameter's name.
    """

    field: str | None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class LabelError(FeedbackTriageError, ValueError):
    """A label map that cannot be read, or (with ``strict=True``) a label
    that is not in it."""
