"""The Arrow batch path: an Arrow RecordBatch of items in, a RecordBatch of
results out, through the arrays' buffers (no Python object per row).

:func:`classify_record_batch` is the reusable core: the frame paths of
:meth:`feedback_triage.Classifier.classify_many` and any engine that hands
out Arrow batches (Spark's ``mapInArrow``) go through it.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ._errors import ItemError

#: Item fields read from string columns.
STRING_FIELDS = ("id", "title", "body", "channel", "customer", "requester", "created")

#: The result columns, in order (``evidence`` only when asked for).
RESULT_COLUMNS = ("class", "band", "confidence", "outcome", "secondary", "evidence")

RESULT_SCHEMA = pa.schema(
    [
        ("class", pa.string()),
        ("band", pa.string()),
        ("confidence", pa.float64()),
        ("outcome", pa.string()),
        ("secondary", pa.list_(pa.string())),
        ("evidence", pa.list_(pa.string())),
    ]
)


def _bytes(buf: pa.Buffer | None) -> bytes | None:
    return None if buf is None else buf.to_pybytes()


def _cast(arr: pa.Array, name: str, to: pa.DataType) -> pa.Array:
    try:
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if name == "votes" and pa.types.is_floating(arr.type):
            # pandas turns an int column with gaps into floats with NaN.
            arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, arr.type), arr)
        if name == "id" and (pa.types.is_integer(arr.type)):
            arr = pc.cast(arr, pa.string())
        return pc.cast(arr, to) if arr.type != to else arr
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
        raise ItemError(
            f"column `{name}`: cannot read {arr.type} as {to}: {e}", field=name
        ) from None


def _str_spec(arr: pa.Array) -> tuple:
    validity, offsets, data = arr.buffers()[:3]
    return (
        "str",
        arr.offset,
        _bytes(validity) if arr.null_count else None,
        _bytes(offsets),
        _bytes(data) or b"",
    )


def columns(batch: pa.RecordBatch) -> dict[str, tuple]:
    """The buffer specs of the item columns of ``batch`` that the native
    classifier reads (see the Rust module ``arrow``)."""
    names = set(batch.schema.names)
    specs: dict[str, tuple] = {}
    for name in STRING_FIELDS:
        if name in names:
            specs[name] = _str_spec(_cast(batch.column(name), name, pa.large_string()))
    for name, to, kind in (("deal_value", pa.float64(), "f64"), ("votes", pa.int64(), "i64")):
        if name in names:
            arr = _cast(batch.column(name), name, to)
            validity, values = arr.buffers()[:2]
            specs[name] = (
                kind,
                arr.offset,
                _bytes(validity) if arr.null_count else None,
                _bytes(values),
            )
    if "tags" in names:
        arr = _cast(batch.column("tags"), "tags", pa.large_list(pa.large_string()))
        validity, offsets = arr.buffers()[:2]
        specs["tags"] = ("list", arr.offset, _bytes(validity) if arr.null_count else None, _bytes(offsets))
        specs["tags.values"] = _str_spec(arr.values)
    return specs


def _string_array(spec: tuple, rows: int) -> pa.Array:
    _, _, validity, offsets, data = spec
    arr = pa.Array.from_buffers(
        pa.large_string(),
        rows,
        [None if validity is None else pa.py_buffer(validity), pa.py_buffer(offsets), pa.py_buffer(data)],
    )
    return arr.cast(pa.string())


def _list_array(spec: tuple, rows: int) -> pa.Array:
    _, _, _, offsets, value_offsets, data = spec
    count = len(value_offsets) // 8 - 1
    values = pa.Array.from_buffers(
        pa.large_string(), count, [None, pa.py_buffer(value_offsets), pa.py_buffer(data)]
    )
    arr = pa.Array.from_buffers(
        pa.large_list(pa.large_string()), rows, [None, pa.py_buffer(offsets)], children=[values]
    )
    return arr.cast(pa.list_(pa.string()))


def classify_record_batch(native: Any, batch: pa.RecordBatch, evidence: bool = True) -> pa.RecordBatch:
    """Classifies the rows of ``batch`` (columns ``title`` and ``body``, and
    ``id``, ``channel``, ``customer``, ``requester``, ``deal_value``,
    ``votes``, ``tags``, ``created`` where present) and returns a
    RecordBatch of the results, one row per input row: ``class``, ``band``,
    ``confidence``, ``outcome``, ``secondary`` and (with ``evidence``)
    ``evidence``."""
    schema = RESULT_SCHEMA if evidence else RESULT_SCHEMA.remove(RESULT_SCHEMA.get_field_index("evidence"))
    rows = batch.num_rows
    if rows == 0:
        return pa.RecordBatch.from_pylist([], schema=schema)
    out = native.classify_columns(rows, columns(batch), evidence)
    arrays = []
    for field in schema:
        spec = out[field.name]
        if spec[0] == "str":
            arrays.append(_string_array(spec, rows))
        elif spec[0] == "f64":
            arrays.append(pa.Array.from_buffers(pa.float64(), rows, [None, pa.py_buffer(spec[3])]))
        else:
            arrays.append(_list_array(spec, rows))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def classify_table(native: Any, table: pa.Table, evidence: bool = True) -> pa.Table:
    """:func:`classify_record_batch` over every batch of ``table``."""
    batches = table.combine_chunks().to_batches()
    if not batches:
        batches = [pa.RecordBatch.from_pylist([], schema=table.schema)]
    return pa.Table.from_batches([classify_record_batch(native, b, evidence) for b in batches])
