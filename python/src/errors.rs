//! The crate's errors as the Python exceptions of
//! `feedback_triage._errors` (a small hierarchy under
//! `FeedbackTriageError`), carrying the crate's message and the rule,
//! field or item at fault as attributes.

use feedback_triage as ft;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Builds an exception of `feedback_triage._errors.<name>` with `message`
/// and the given attributes.
fn raise(py: Python<'_>, name: &str, message: &str, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = py.import("feedback_triage._errors")?.getattr(name)?;
        let err = class.call1((message,))?;
        for (k, v) in attrs {
            err.setattr(*k, v)?;
        }
        Ok(PyErr::from_value(err))
    };
    build().unwrap_or_else(|e| e)
}

fn opt_str(py: Python<'_>, s: Option<&str>) -> Py<PyAny> {
    s.map_or_else(
        || py.None(),
        |s| s.into_pyobject(py).unwrap().into_any().unbind(),
    )
}

fn opt_index(py: Python<'_>, i: Option<usize>) -> Py<PyAny> {
    i.map_or_else(
        || py.None(),
        |i| i.into_pyobject(py).unwrap().into_any().unbind(),
    )
}

/// An invalid item, from the crate (`index`: its position in the input).
pub fn item(py: Python<'_>, e: &ft::ItemError, index: Option<usize>) -> PyErr {
    let message = match index {
        // An error that locates the item itself says where already.
        Some(i) if e.index().is_none() => format!("item #{i}: {e}"),
        _ => e.to_string(),
    };
    raise(
        py,
        "ItemError",
        &message,
        &[
            ("id", opt_str(py, e.id())),
            ("field", opt_str(py, e.field().map(ft::ItemField::as_str))),
            ("index", opt_index(py, index)),
        ],
    )
}

/// An item that cannot be read from Python (a wrong type, an unknown
/// channel): `field` names the field, `index` the item's position.
pub fn item_field_error(
    py: Python<'_>,
    index: usize,
    id: Option<&str>,
    field: &str,
    what: &str,
) -> PyErr {
    let message = match id {
        Some(id) => format!("item #{index} ({id:?}): field `{field}`: {what}"),
        None => format!("item #{index}: field `{field}`: {what}"),
    };
    raise(
        py,
        "ItemError",
        &message,
        &[
            ("id", opt_str(py, id)),
            ("field", opt_str(py, Some(field))),
            ("index", opt_index(py, Some(index))),
        ],
    )
}

/// Every problem of a policy: the message lists them all; `errors` holds
/// one dict per problem (`message`, `rule`).
pub fn policy(py: Python<'_>, e: &ft::PolicyErrors) -> PyErr {
    policy_with(py, e, &e.to_string())
}

/// A policy that does not validate, so is not linted: as the `policy lint`
/// tool says it, with every problem listed.
pub fn policy_not_linted(py: Python<'_>, e: &ft::PolicyErrors) -> PyErr {
    let n = e.iter().count();
    let mut message = format!(
        "invalid policy ({n} error{}): not linted",
        if n == 1 { "" } else { "s" }
    );
    for p in e.iter() {
        message.push_str(&format!("\n  - {p}"));
    }
    policy_with(py, e, &message)
}

fn policy_with(py: Python<'_>, e: &ft::PolicyErrors, message: &str) -> PyErr {
    let list = PyList::empty(py);
    let mut first_rule = None;
    for p in e.iter() {
        let d = PyDict::new(py);
        let _ = d.set_item("message", p.to_string());
        let _ = d.set_item("rule", p.rule());
        if first_rule.is_none() {
            first_rule = p.rule();
        }
        let _ = list.append(d);
    }
    raise(
        py,
        "PolicyError",
        message,
        &[
            ("errors", list.into_any().unbind()),
            ("rule", opt_str(py, first_rule)),
        ],
    )
}

/// A policy text that is not valid TOML or JSON, or has bad values: every
/// problem found (each names its rule and key where it has one).
pub fn policy_parse(py: Python<'_>, problems: &[String]) -> PyErr {
    let list = PyList::empty(py);
    for p in problems {
        let d = PyDict::new(py);
        let _ = d.set_item("message", p);
        let _ = d.set_item("rule", named_rule(p));
        let _ = list.append(d);
    }
    let message = problems.join("\n");
    let rule = problems.iter().find_map(|p| named_rule(p));
    raise(
        py,
        "PolicyError",
        &message,
        &[
            ("errors", list.into_any().unbind()),
            ("rule", opt_str(py, rule)),
        ],
    )
}

/// The rule a parser's message names (`rule "id": ...`), if any.
fn named_rule(message: &str) -> Option<&str> {
    let start = message.find("rule \"")? + 6;
    let len = message[start..].find('"')?;
    Some(&message[start..start + len])
}

/// An out-of-range or unknown parameter.
pub fn params(py: Python<'_>, message: &str, field: Option<&str>) -> PyErr {
    raise(py, "ParamsError", message, &[("field", opt_str(py, field))])
}

/// A crate parameter error.
pub fn params_error(py: Python<'_>, e: &ft::ParamsError) -> PyErr {
    let field = match e {
        ft::ParamsError::OutOfRange { field, .. } => Some(*field),
        _ => None,
    };
    params(py, &e.to_string(), field)
}

/// A label map or label that cannot be used.
pub fn labels(py: Python<'_>, message: &str) -> PyErr {
    raise(py, "LabelError", message, &[])
}
