//! Python bindings of `feedback-triage`, built with maturin into the
//! `feedback_triage._native` extension module. The Python package
//! (`feedback_triage/__init__.py`) wraps these in Python's idiom: frame
//! dispatch, keyword arguments, docstrings. Everything here is reachable
//! from Python only; the core crate knows nothing of Python.

mod arrow;
mod errors;
mod items;
mod results;
// The tools' policy reader: a policy that does not parse lists every
// problem, each rule by its place and id, here as in `policy check`.
#[allow(dead_code)]
#[path = "../../examples/common/policy_text.rs"]
mod policy_text;
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

/// Items per chunk of `classify_many` on dicts: classified on all cores
/// while the previous chunk's dicts are built.
const CHUNK: usize = 4096;

/// One item's classification, or why it is invalid.
type Classified = Result<ft::Classification, ft::ItemError>;

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
        let policy = policy_text::parse_text(text, policy_text::Format::Toml)
            .map_err(|e| errors::policy_parse(py, &e))?;
        Self::compile(py, &policy)
    }

    /// Compiles a policy written in JSON; raises PolicyError naming every
    /// problem.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let policy = policy_text::parse_text(text, policy_text::Format::Json)
            .map_err(|e| errors::policy_parse(py, &e))?;
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
        let mut dicts = Vec::with_capacity(items.len());
        let mut push = |base: usize, chunk: &[ft::FeedbackItem], out: Vec<Classified>| {
            for (k, (item, c)) in chunk.iter().zip(out).enumerate() {
                let c = c.map_err(|e| errors::item(py, &e, Some(base + k)))?;
                dicts.push(results::classification(py, &item.id, &c, evidence)?);
            }
            Ok::<(), PyErr>(())
        };
        if items.len() <= CHUNK {
            let out = py.detach(|| classifier.classify_batch(&items));
            push(0, &items, out)?;
            return PyList::new(py, dicts);
        }
        // A thread classifies chunk k + 1 (on all cores, without the GIL)
        // while this one builds the dicts of chunk k.
        std::thread::scope(|s| -> PyResult<()> {
            let (tx, mut rx) = std::sync::mpsc::sync_channel::<Vec<Classified>>(2);
            let all = &items;
            s.spawn(move || {
                for chunk in all.chunks(CHUNK) {
                    if tx.send(classifier.classify_batch(chunk)).is_err() {
                        break;
                    }
                }
            });
            for (n, chunk) in items.chunks(CHUNK).enumerate() {
                let (got, back) = py.detach(move || (rx.recv(), rx));
                rx = back;
                let out = got.map_err(|_| {
                    pyo3::exceptions::PyRuntimeError::new_err("the classifying thread stopped")
                })?;
                push(n * CHUNK, chunk, out)?;
            }
            Ok(())
        })?;
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
