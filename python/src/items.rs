//! Python mappings to `FeedbackItem`s: the known fields are read with
//! direct type checks (no generic conversion), unknown keys are ignored
//! (data comes from other tools), and a value of the wrong type is an
//! `ItemError` naming the item and the field.
//!
//! A field is absent when its key is missing or its value is `None`, a
//! float NaN (a NumPy one too) or pandas' `NA` / `NaT`: the markers pandas
//! puts in a gap, which `df.to_dict("records")` and pyarrow's `to_pylist`
//! hand on, and which the frame path (through Arrow) reads as null. A
//! number is a Python int or float or any scalar with `__index__` or
//! `__float__` (NumPy's `int64`, `float32`, ...), never a bool.

use feedback_triage as ft;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::errors;

/// Reads the field `key` of a mapping: `None` when missing or a missing
/// value (see [`is_missing`]).
fn get<'py>(
    obj: &Bound<'py, PyAny>,
    dict: Option<&Bound<'py, PyDict>>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let v = match dict {
        Some(d) => d.get_item(key)?,
        None => Some(obj.call_method1(intern!(obj.py(), "get"), (key,))?),
    };
    Ok(v.filter(|v| !is_missing(v)))
}

/// `None`, a float NaN (Python's or NumPy's) or pandas' `NA` / `NaT`: the
/// value of a gap in a frame, read as an absent field (as the frame path
/// reads a null).
fn is_missing(v: &Bound<'_, PyAny>) -> bool {
    if v.is_none() {
        return true;
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return f.value().is_nan();
    }
    if v.is_instance_of::<PyString>()
        || v.is_instance_of::<PyInt>()
        || v.is_instance_of::<PyList>()
        || v.is_instance_of::<PyTuple>()
    {
        return false;
    }
    let t = v.get_type();
    if t.module()
        .is_ok_and(|m| m.to_str().is_ok_and(|m| m.starts_with("pandas")))
        && t.name()
            .is_ok_and(|n| n.to_str().is_ok_and(|n| n == "NAType" || n == "NaTType"))
    {
        return true;
    }
    float_like(v) && v.extract::<f64>().is_ok_and(f64::is_nan)
}

/// A Python bool or a NumPy bool (whose `dtype.kind` is `"b"`): not a
/// number here, though both convert to one.
fn is_bool(v: &Bound<'_, PyAny>) -> bool {
    let py = v.py();
    v.is_instance_of::<PyBool>()
        || v.getattr(intern!(py, "dtype"))
            .and_then(|d| d.getattr(intern!(py, "kind")))
            .is_ok_and(|k| k.eq("b").unwrap_or(false))
}

/// A scalar (no length) other than a str or a bool with the method `name`.
fn scalar_with(v: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> bool {
    let py = v.py();
    !v.is_instance_of::<PyString>()
        && v.hasattr(name).unwrap_or(false)
        && !v.hasattr(intern!(py, "__len__")).unwrap_or(true)
        && !is_bool(v)
}

/// A whole number: a Python int or a scalar with `__index__` (NumPy's
/// integers), not a bool.
fn int_like(v: &Bound<'_, PyAny>) -> bool {
    if v.is_instance_of::<PyInt>() {
        return !v.is_instance_of::<PyBool>();
    }
    scalar_with(v, intern!(v.py(), "__index__"))
}

/// A scalar with `__float__` (NumPy's floats, `Decimal`), not a bool.
fn float_like(v: &Bound<'_, PyAny>) -> bool {
    scalar_with(v, intern!(v.py(), "__float__"))
}

/// Reads a text field.
fn text(
    py: Python<'_>,
    v: &Bound<'_, PyAny>,
    index: usize,
    id: Option<&str>,
    field: &str,
) -> PyResult<String> {
    match v.cast::<PyString>() {
        Ok(s) => s.to_str().map(str::to_owned).map_err(|_| {
            errors::item_field_error(
                py,
                index,
                id,
                field,
                "not valid Unicode text (a lone surrogate?)",
            )
        }),
        Err(_) => Err(errors::item_field_error(
            py,
            index,
            id,
            field,
            &format!("expected a str, got {}", type_name(v)),
        )),
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// Reads one item from a mapping; `index` is its position in the input.
pub fn item(py: Python<'_>, obj: &Bound<'_, PyAny>, index: usize) -> PyResult<ft::FeedbackItem> {
    let dict = obj.cast::<PyDict>().ok();
    if dict.is_none() && !obj.hasattr(intern!(py, "get"))? {
        return Err(errors::item_field_error(
            py,
            index,
            None,
            "id",
            &format!(
                "an item must be a dict (or mapping), got {}",
                type_name(obj)
            ),
        ));
    }
    let id = match get(obj, dict, intern!(py, "id"))? {
        None => {
            return Err(errors::item(py, &ft::ItemError::MissingId, Some(index)));
        }
        Some(v) => {
            if let Ok(s) = v.cast::<PyString>() {
                s.to_str()?.to_owned()
            } else if int_like(&v) {
                v.str()?.to_str()?.to_owned()
            } else {
                return Err(errors::item_field_error(
                    py,
                    index,
                    None,
                    "id",
                    &format!("expected a str or an int, got {}", type_name(&v)),
                ));
            }
        }
    };
    let mut item = ft::FeedbackItem::new(id);
    // The id, for messages, while `item` is filled in.
    let id_copy = item.id.clone();
    let idr = Some(id_copy.as_str());
    if let Some(v) = get(obj, dict, intern!(py, "title"))? {
        item.title = text(py, &v, index, idr, "title")?;
    }
    if let Some(v) = get(obj, dict, intern!(py, "body"))? {
        item.body = text(py, &v, index, idr, "body")?;
    }
    if let Some(v) = get(obj, dict, intern!(py, "channel"))? {
        let s = text(py, &v, index, idr, "channel")?;
        item.channel = s.parse().map_err(|e: ft::ParseChannelError| {
            errors::item_field_error(py, index, idr, "channel", &e.to_string())
        })?;
    }
    if let Some(v) = get(obj, dict, intern!(py, "customer"))? {
        item.customer = Some(text(py, &v, index, idr, "customer")?);
    }
    if let Some(v) = get(obj, dict, intern!(py, "requester"))? {
        item.requester = Some(text(py, &v, index, idr, "requester")?);
    }
    if let Some(v) = get(obj, dict, intern!(py, "created"))? {
        item.created = Some(text(py, &v, index, idr, "created")?);
    }
    if let Some(v) = get(obj, dict, intern!(py, "deal_value"))? {
        item.deal_value = Some(number(py, &v, index, idr, "deal_value")?);
    }
    if let Some(v) = get(obj, dict, intern!(py, "votes"))? {
        item.votes = votes(py, &v, index, idr)?;
    }
    if let Some(v) = get(obj, dict, intern!(py, "tags"))? {
        item.tags = strings(py, &v, index, idr, "tags")?;
    }
    if let Some(v) = get(obj, dict, intern!(py, "embedding"))? {
        let mut e = Vec::new();
        for x in sequence(py, &v, index, idr, "embedding")? {
            e.push(number(py, &x, index, idr, "embedding")? as f32);
        }
        item.embedding = Some(e);
    }
    Ok(item)
}

/// A float or an int, Python's or NumPy's (not a bool).
fn number(
    py: Python<'_>,
    v: &Bound<'_, PyAny>,
    index: usize,
    id: Option<&str>,
    field: &str,
) -> PyResult<f64> {
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(f.value());
    }
    if int_like(v) {
        return v.extract::<f64>().map_err(|_| {
            errors::item_field_error(py, index, id, field, "the int is too large for a number")
        });
    }
    if float_like(v) {
        return v.extract::<f64>().map_err(|e| {
            errors::item_field_error(py, index, id, field, &format!("not a number: {e}"))
        });
    }
    Err(errors::item_field_error(
        py,
        index,
        id,
        field,
        &format!("expected a number, got {}", type_name(v)),
    ))
}

fn votes(py: Python<'_>, v: &Bound<'_, PyAny>, index: usize, id: Option<&str>) -> PyResult<u32> {
    // A whole float (3.0) too: frames turn int columns with gaps into floats.
    let float = if let Ok(f) = v.cast::<PyFloat>() {
        Some(f.value())
    } else if !int_like(v) && float_like(v) {
        v.extract::<f64>().ok()
    } else {
        None
    };
    if let Some(x) = float {
        if x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) {
            return Ok(x as u32);
        }
        return Err(errors::item_field_error(
            py,
            index,
            id,
            "votes",
            &format!("expected a whole number from 0 to {}, got {x}", u32::MAX),
        ));
    }
    if int_like(v) {
        if let Ok(n) = v.extract::<u32>() {
            return Ok(n);
        }
        return Err(errors::item_field_error(
            py,
            index,
            id,
            "votes",
            &format!(
                "expected a whole number from 0 to {}, got {}",
                u32::MAX,
                v.str()?
            ),
        ));
    }
    Err(errors::item_field_error(
        py,
        index,
        id,
        "votes",
        &format!("expected an int, got {}", type_name(v)),
    ))
}

/// The elements of a list or tuple (not a str).
fn sequence<'py>(
    py: Python<'py>,
    v: &Bound<'py, PyAny>,
    index: usize,
    id: Option<&str>,
    field: &str,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(l) = v.cast::<PyList>() {
        return Ok(l.iter().collect());
    }
    if let Ok(t) = v.cast::<PyTuple>() {
        return Ok(t.iter().collect());
    }
    if !v.is_instance_of::<PyString>()
        && let Ok(it) = v.try_iter()
    {
        return it.collect();
    }
    Err(errors::item_field_error(
        py,
        index,
        id,
        field,
        &format!("expected a list, got {}", type_name(v)),
    ))
}

fn strings(
    py: Python<'_>,
    v: &Bound<'_, PyAny>,
    index: usize,
    id: Option<&str>,
    field: &str,
) -> PyResult<Vec<String>> {
    sequence(py, v, index, id, field)?
        .iter()
        .map(|x| text(py, x, index, id, field))
        .collect()
}

/// Reads a list (or any iterable) of mappings.
pub fn items(py: Python<'_>, seq: &Bound<'_, PyAny>) -> PyResult<Vec<ft::FeedbackItem>> {
    if let Ok(list) = seq.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for (i, obj) in list.iter().enumerate() {
            out.push(item(py, &obj, i)?);
        }
        return Ok(out);
    }
    if seq.is_instance_of::<PyDict>() || seq.is_instance_of::<PyString>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "expected a list of items (dicts), a data frame or an Arrow table",
        ));
    }
    let mut out = Vec::new();
    for (i, obj) in seq.try_iter()?.enumerate() {
        out.push(item(py, &obj?, i)?);
    }
    Ok(out)
}
