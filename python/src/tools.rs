//! Clustering, the triage report, and the policy tools (check, lint,
//! evaluate). Their results go to Python through their serde form, so the
//! dicts have the same keys as the examples' JSON.

use feedback_triage as ft;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Serialize;

use crate::{NativeClassifier, errors, items};

fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize::pythonize(py, value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// The parameter named in a serde message (`unknown field `x``).
fn named_field(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Clustering parameters from keyword arguments; unknown names and bad
/// types are a ParamsError naming the parameter.
fn cluster_params(
    py: Python<'_>,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<ft::ClusterParams> {
    let Some(params) = params else {
        return Ok(ft::ClusterParams::default());
    };
    pythonize::depythonize::<ft::ClusterParams>(params).map_err(|e| {
        let m = e.to_string();
        // A type error does not say which parameter: find it one by one.
        let field = named_field(&m).map(str::to_owned).or_else(|| {
            params.iter().find_map(|(k, v)| {
                let one = PyDict::new(py);
                one.set_item(&k, v).ok()?;
                pythonize::depythonize::<ft::ClusterParams>(&one)
                    .is_err()
                    .then(|| k.to_string())
            })
        });
        let message = match &field {
            Some(f) if !m.contains(f.as_str()) => format!("parameter `{f}`: {m}"),
            _ => format!("clustering parameters: {m}"),
        };
        errors::params(py, &message, field.as_deref())
    })
}

fn clusterer(
    py: Python<'_>,
    params: Option<&Bound<'_, PyDict>>,
    classifier: Option<&Bound<'_, NativeClassifier>>,
) -> PyResult<ft::Clusterer> {
    let c = ft::Clusterer::new(cluster_params(py, params)?)
        .map_err(|e| errors::params_error(py, &e))?;
    Ok(match classifier {
        Some(k) => c.with_classifier(k.get().inner.clone()),
        None => c,
    })
}

fn batch_error(py: Python<'_>, e: &ft::ItemError, items: &[ft::FeedbackItem]) -> PyErr {
    if let Some(index) = e.index() {
        // An empty id: the error locates the item itself.
        return errors::item(py, e, Some(index));
    }
    // A repeated id is reported where it repeats: its second occurrence.
    let index = e.id().and_then(|id| {
        let mut at = items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.id == id)
            .map(|(k, _)| k);
        let first = at.next();
        at.next().or(first)
    });
    errors::item(py, e, index)
}

/// Groups items (mappings) into candidate features and special cases.
#[pyfunction]
#[pyo3(signature = (items, params = None, classifier = None))]
pub fn cluster<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    params: Option<&Bound<'py, PyDict>>,
    classifier: Option<&Bound<'py, NativeClassifier>>,
) -> PyResult<Bound<'py, PyAny>> {
    let clusterer = clusterer(py, params, classifier)?;
    let items = items::items(py, items)?;
    let clustering = py
        .detach(|| clusterer.cluster(&items))
        .map_err(|e| batch_error(py, &e, &items))?;
    to_py(py, &clustering)
}

/// The triage report over items (mappings). `params` holds clustering
/// parameters and the report's own (`min_customers_per_month`,
/// `max_jobs_per_feature`).
#[pyfunction]
#[pyo3(signature = (items, params = None, classifier = None))]
pub fn triage<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    params: Option<&Bound<'py, PyDict>>,
    classifier: Option<&Bound<'py, NativeClassifier>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut tparams = ft::TriageParams::default();
    let rest = PyDict::new(py);
    if let Some(params) = params {
        for (k, v) in params.iter() {
            let name: String = k.extract()?;
            let whole = |v: &Bound<'_, PyAny>| {
                v.extract::<usize>().map_err(|_| {
                    errors::params(
                        py,
                        &format!("parameter `{name}` must be a whole number >= 0, got {v}"),
                        Some(&name),
                    )
                })
            };
            match name.as_str() {
                "min_customers_per_month" => tparams.min_customers_per_month = whole(&v)?,
                "max_jobs_per_feature" => tparams.max_jobs_per_feature = whole(&v)?,
                _ => rest.set_item(k, v)?,
            }
        }
    }
    let clusterer = clusterer(py, Some(&rest), classifier)?;
    let triage = ft::Triage::new(clusterer, tparams).map_err(|e| errors::params_error(py, &e))?;
    let items = items::items(py, items)?;
    let report = py
        .detach(|| triage.report(&items))
        .map_err(|e| batch_error(py, &e, &items))?;
    to_py(py, &report)
}

/// Reads a policy from JSON or TOML text (JSON when it starts with `{`).
fn parse_policy(py: Python<'_>, text: &str) -> PyResult<ft::Policy> {
    let format = if text.trim_start().starts_with('{') {
        crate::policy_text::Format::Json
    } else {
        crate::policy_text::Format::Toml
    };
    crate::policy_text::parse_text(text, format).map_err(|e| errors::policy_parse(py, &e))
}

/// Every problem of a policy (JSON or TOML text) as dicts (`message`,
/// `rule`); empty when it is valid. Text that is not a policy at all
/// raises PolicyError.
#[pyfunction]
pub fn check_policy<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyList>> {
    let policy = parse_policy(py, text)?;
    let list = PyList::empty(py);
    if let Err(errors) = policy.validate() {
        for e in errors.iter() {
            let d = PyDict::new(py);
            d.set_item("message", e.to_string())?;
            d.set_item("rule", e.rule())?;
            list.append(d)?;
        }
    }
    Ok(list)
}

/// Likely mistakes in a valid policy (JSON or TOML text; `None`: the
/// embedded default): one dict per warning, with `kind`, its fields,
/// `rules` and `message`. A policy that does not validate is not linted
/// (as the `policy lint` tool): PolicyError listing its problems.
#[pyfunction]
#[pyo3(signature = (text = None))]
pub fn lint_policy<'py>(py: Python<'py>, text: Option<&str>) -> PyResult<Bound<'py, PyList>> {
    let policy = match text {
        Some(t) => {
            let policy = parse_policy(py, t)?;
            policy
                .validate()
                .map_err(|e| errors::policy_not_linted(py, &e))?;
            policy
        }
        None => ft::Policy::builtin(),
    };
    let list = PyList::empty(py);
    for w in ft::lint(&policy) {
        let d = to_py(py, &w)?.cast_into::<PyDict>()?;
        d.set_item("rules", w.rules())?;
        d.set_item("message", w.to_string())?;
        list.append(d)?;
    }
    Ok(list)
}

/// A label map from its text (`Bug=fault_correction,...`), from a list of
/// `(label, [class, ...])` pairs (labels may then hold any character), or
/// the class names themselves when absent.
fn label_map_of(py: Python<'_>, m: Option<&Bound<'_, PyAny>>) -> PyResult<ft::LabelMap> {
    let Some(m) = m else {
        return Ok(ft::LabelMap::identity());
    };
    if let Ok(text) = m.extract::<String>() {
        return text
            .parse()
            .map_err(|e: ft::LabelMapError| errors::labels(py, &e.to_string()));
    }
    let pairs: Vec<(String, Vec<String>)> = m.extract().map_err(|_| {
        errors::labels(
            py,
            "label_map: expected a str or a list of (label, [class, ...]) pairs",
        )
    })?;
    let mut map = ft::LabelMap::default();
    for (label, names) in pairs {
        let classes = names
            .iter()
            .map(|n| {
                n.parse::<ft::Class>().map_err(|_| {
                    errors::labels(
                        py,
                        &format!("label map entry {label:?}: unknown class {n:?}"),
                    )
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        if classes.is_empty() {
            return Err(errors::labels(
                py,
                &format!("label map entry {label:?} names no class"),
            ));
        }
        map.insert(label, classes);
    }
    Ok(map)
}

/// Evaluates a classifier on items with their labels (`None`: no label,
/// counted as skipped), mapped to classes by `label_map`
/// (text `Bug=fault_correction,...`, or `(label, [class, ...])` pairs;
/// `None`: the class names themselves).
#[pyfunction]
#[pyo3(signature = (classifier, items, labels, label_map = None, strict = false, max_misses = 1000))]
pub fn evaluate<'py>(
    py: Python<'py>,
    classifier: &Bound<'py, NativeClassifier>,
    items: &Bound<'py, PyAny>,
    labels: Vec<Option<String>>,
    label_map: Option<&Bound<'py, PyAny>>,
    strict: bool,
    max_misses: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let map = label_map_of(py, label_map)?;
    let items = items::items(py, items)?;
    if labels.len() != items.len() {
        return Err(errors::labels(
            py,
            &format!("{} labels for {} items", labels.len(), items.len()),
        ));
    }
    let unknown = if strict {
        ft::UnknownLabels::Error
    } else {
        ft::UnknownLabels::Skip
    };
    let classifier = &classifier.get().inner;
    let results = py.detach(|| classifier.classify_batch(&items));
    let mut eval = ft::Evaluation::new().max_misses(max_misses);
    for (i, ((item, label), c)) in items.iter().zip(&labels).zip(results).enumerate() {
        let c = c.map_err(|e| errors::item(py, &e, Some(i)))?;
        let truth = map
            .resolve(label.as_deref(), unknown)
            .map_err(|e| errors::labels(py, &format!("item #{i} ({:?}): {e}", item.id)))?;
        match truth {
            Some(t) => eval.add(&item.id, t, &c),
            None => eval.skip(),
        }
    }
    to_py(py, &eval.finish())
}
