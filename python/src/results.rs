//! Classifications to Python dicts, built by hand with interned keys:
//! the same keys and values as a line of the `classify` example's JSON
//! output, and much cheaper than a generic serde conversion.

use feedback_triage as ft;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// An interned class name.
pub fn class_name<'py>(py: Python<'py>, c: ft::Class) -> &'py Bound<'py, PyString> {
    match c {
        ft::Class::FaultCorrection => intern!(py, "fault_correction"),
        ft::Class::Necessity => intern!(py, "necessity"),
        ft::Class::MarketDriven => intern!(py, "market_driven"),
        ft::Class::Opportunistic => intern!(py, "opportunistic"),
        ft::Class::Responsiveness => intern!(py, "responsiveness"),
    }
}

fn band_name<'py>(py: Python<'py>, b: ft::Band) -> &'py Bound<'py, PyString> {
    match b {
        ft::Band::High => intern!(py, "high"),
        ft::Band::Medium => intern!(py, "medium"),
        ft::Band::Low => intern!(py, "low"),
        _ => intern!(py, "unknown"),
    }
}

fn outcome_name<'py>(py: Python<'py>, o: ft::Outcome) -> Bound<'py, PyString> {
    PyString::new(py, o.as_str())
}

fn field_name<'py>(py: Python<'py>, f: ft::TextField) -> &'py Bound<'py, PyString> {
    match f {
        ft::TextField::Title => intern!(py, "title"),
        ft::TextField::Body => intern!(py, "body"),
    }
}

fn span<'py>(py: Python<'py>, r: &std::ops::Range<usize>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "end"), r.end)?;
    d.set_item(intern!(py, "start"), r.start)?;
    Ok(d)
}

/// One piece of evidence, flattened as in the example's JSON.
fn evidence<'py>(py: Python<'py>, e: &ft::Evidence) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "class"), class_name(py, e.class))?;
    d.set_item(intern!(py, "contribution"), e.contribution)?;
    d.set_item(intern!(py, "rule"), e.rule.as_ref())?;
    let kind = intern!(py, "kind");
    let phrase = intern!(py, "phrase");
    let field = intern!(py, "field");
    let at = intern!(py, "span");
    match &e.kind {
        ft::EvidenceKind::Keyword {
            phrase: p,
            field: f,
            span: s,
        } => {
            d.set_item(kind, intern!(py, "keyword"))?;
            d.set_item(phrase, p.as_ref())?;
            d.set_item(field, field_name(py, *f))?;
            d.set_item(at, span(py, s)?)?;
        }
        ft::EvidenceKind::Negated {
            phrase: p,
            field: f,
            span: s,
            cue,
        } => {
            d.set_item(kind, intern!(py, "negated"))?;
            d.set_item(phrase, p.as_ref())?;
            d.set_item(field, field_name(py, *f))?;
            d.set_item(at, span(py, s)?)?;
            d.set_item(intern!(py, "cue"), span(py, cue)?)?;
        }
        ft::EvidenceKind::Excluded {
            phrase: p,
            field: f,
            span: s,
        } => {
            d.set_item(kind, intern!(py, "excluded"))?;
            d.set_item(phrase, p.as_ref())?;
            d.set_item(field, field_name(py, *f))?;
            d.set_item(at, span(py, s)?)?;
        }
        ft::EvidenceKind::OtherKeywords { count } => {
            d.set_item(kind, intern!(py, "other_keywords"))?;
            d.set_item(intern!(py, "count"), *count)?;
        }
        ft::EvidenceKind::Condition { description } => {
            d.set_item(kind, intern!(py, "condition"))?;
            d.set_item(intern!(py, "description"), description.as_ref())?;
        }
        // A kind added to the library later: through its serde form.
        _ => {
            let v = pythonize::pythonize(py, e)
                .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
            return Ok(v.cast_into::<PyDict>()?);
        }
    }
    Ok(d)
}

/// One classification: `id`, `class` (`None` when nothing matched),
/// `band`, `confidence`, `outcome`, `secondary`, `scores`, and with
/// `with_evidence` the `evidence` list.
pub fn classification<'py>(
    py: Python<'py>,
    id: &str,
    c: &ft::Classification,
    with_evidence: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "id"), id)?;
    d.set_item(intern!(py, "class"), c.class.map(|c| class_name(py, c)))?;
    d.set_item(intern!(py, "band"), band_name(py, c.band))?;
    d.set_item(intern!(py, "confidence"), c.confidence)?;
    d.set_item(intern!(py, "outcome"), outcome_name(py, c.outcome))?;
    let secondary = PyList::new(py, c.secondary.iter().map(|&c| class_name(py, c)))?;
    d.set_item(intern!(py, "secondary"), secondary)?;
    let scores = PyDict::new(py);
    for (class, score) in c.scores.iter() {
        scores.set_item(class_name(py, class), score)?;
    }
    d.set_item(intern!(py, "scores"), scores)?;
    if with_evidence {
        let list = PyList::empty(py);
        for e in &c.evidence {
            list.append(evidence(py, e)?)?;
        }
        d.set_item(intern!(py, "evidence"), list)?;
    }
    Ok(d)
}

/// The evidence for the result's class in a few words, strongest first,
/// each once, at most four: keyword phrases and conditions (as the
/// `classify` example's table and CSV show them, without quotes).
pub fn strongest(c: &ft::Classification) -> Vec<&str> {
    let mut ev: Vec<&ft::Evidence> = c
        .evidence
        .iter()
        .filter(|e| Some(e.class) == c.class && e.contribution > 0.0)
        .filter(|e| {
            matches!(
                e.kind,
                ft::EvidenceKind::Keyword { .. } | ft::EvidenceKind::Condition { .. }
            )
        })
        .collect();
    // Stable: equal contributions keep the evidence's order.
    ev.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    let mut out: Vec<&str> = Vec::new();
    for e in ev {
        let s: &str = match &e.kind {
            ft::EvidenceKind::Keyword { phrase, .. } => phrase,
            ft::EvidenceKind::Condition { description } => description,
            _ => &e.rule,
        };
        if out.len() < 4 && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
