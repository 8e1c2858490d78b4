//! Python bindings of `feedback-triage`, built with maturin into the
//! `feedback_triage._native` extension module. The Python package
//! (`feedback_triage/__init__.py`) wraps these in Python's idiom: frame
//! dispatch, keyword arguments, docstrings. Everything here is reachable
//! from Python only; the core crate knows nothing of Python.

mod arrow;
mod errors;
mod items;
mod results;
mod tools;

use feedback_triage as ft;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// A compiled policy (the embedded default, or one read from TOML or
/// JSON). Immutable and safe to share between threads.
#[pyclass(module = "feedback_triage._native", name = "NativeClassifier", frozen)]
pub struct NativeClassifier {
    pub(crate) inner: ft::Classifier,
}

#[pymethods]
impl NativeClassifier {
    /// The embedded default policy.
    #[new]
    fn new() -> Self {
        NativeClassifier {
            inner: ft::Classifier::builtin(),
        }
    }

    /// Compiles a policy written in TOML; raises PolicyError naming every
    /// problem.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Self> {
        let policy: ft::Policy = toml::from_str(text).map_err(|e| errors::policy_parse(py, e))?;
        Self::compile(py, &policy)
    }

    /// Compiles a policy written in JSON; raises PolicyError naming every
    /// problem.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let policy: ft::Policy =
            serde_json::from_str(text).map_err(|e| errors::policy_parse(py, e))?;
        Self::compile(py, &policy)
    }

    /// The policy as JSON text (the same as `policy dump`).
    fn policy_json(&self) -> PyResult<String> {
        serde_json::to_string_pretty(self.inner.policy())
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    }

    /// Classifies one item (a mapping) into a dict.
    #[pyo3(signature = (item, evidence = true))]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        item: &Bound<'py, PyAny>,
        evidence: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let item = items::item(py, item, 0)?;
        let c = self
            .inner
            .classify(&item)
            .map_err(|e| errors::item(py, &e, Some(0)))?;
        results::classification(py, &item.id, &c, evidence)
    }

    /// Classifies a sequence of mappings, in parallel with the GIL
    /// released, into a list of dicts in input order.
    #[pyo3(signature = (items, evidence = true))]
    fn classify_many<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
        evidence: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let items = items::items(py, items)?;
        let classifier = &self.inner;
        let out = py.detach(|| classifier.classify_batch(&items));
        let mut dicts = Vec::with_capacity(out.len());
        for (i, (item, c)) in items.iter().zip(out).enumerate() {
            let c = c.map_err(|e| errors::item(py, &e, Some(i)))?;
            dicts.push(results::classification(py, &item.id, &c, evidence)?);
        }
        PyList::new(py, dicts)
    }

    /// Classifies Arrow columns given as buffers (see
    /// `feedback_triage._arrow`): `columns` maps field names to buffer
    /// tuples. Returns the result columns as buffer tuples.
    #[pyo3(signature = (rows, columns, evidence = true))]
    fn classify_columns<'py>(
        &self,
        py: Python<'py>,
        rows: usize,
        columns: &Bound<'py, PyDict>,
        evidence: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        arrow::classify_columns(py, &self.inner, rows, columns, evidence)
    }
}

impl NativeClassifier {
    fn compile(py: Python<'_>, policy: &ft::Policy) -> PyResult<Self> {
        ft::Classifier::new(policy)
            .map(|inner| NativeClassifier { inner })
            .map_err(|e| errors::policy(py, &e))
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeClassifier>()?;
    m.add_function(wrap_pyfunction!(tools::cluster, m)?)?;
    m.add_function(wrap_pyfunction!(tools::triage, m)?)?;
    m.add_function(wrap_pyfunction!(tools::check_policy, m)?)?;
    m.add_function(wrap_pyfunction!(tools::lint_policy, m)?)?;
    m.add_function(wrap_pyfunction!(tools::evaluate, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
