//! The Arrow path: columns arrive as their Arrow buffers (Python `bytes`
//! of a pyarrow array's validity bitmap, 64-bit offsets and data), are read
//! in place without a Python object per row, classified on all cores with
//! the GIL released, and the result columns go back as Arrow buffers that
//! `feedback_triage._arrow` wraps into pyarrow arrays without a copy per
//! row.
//!
//! Column specs (built by `feedback_triage._arrow.columns`), by name:
//! `("str", offset, validity, offsets, data)` for `large_string`;
//! `("f64", offset, validity, values)`; `("i64", offset, validity, values)`;
//! `("list", offset, validity, offsets)` for `large_list`, whose values are
//! the `"str"` column named `"<name>.values"`.

use feedback_triage as ft;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use rayon::prelude::*;

use crate::{errors, results};

/// One column, borrowed from its Python buffers.
struct Col<'a> {
    offset: usize,
    validity: Option<&'a [u8]>,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Str { offsets: &'a [u8], data: &'a [u8] },
    F64(&'a [u8]),
    I64(&'a [u8]),
    List { offsets: &'a [u8] },
}

/// A row that cannot be read or classified.
enum RowError {
    Field {
        index: usize,
        id: Option<String>,
        field: &'static str,
        what: String,
    },
    Item {
        index: usize,
        error: ft::ItemError,
    },
}

type Fail = (&'static str, String);

impl<'a> Col<'a> {
    fn parse(spec: &'a Bound<'_, PyTuple>, name: &str) -> PyResult<Col<'a>> {
        let bad = |what: &str| {
            pyo3::exceptions::PyValueError::new_err(format!("column `{name}`: {what}"))
        };
        let kind: String = spec.get_borrowed_item(0)?.extract()?;
        let offset: usize = spec.get_borrowed_item(1)?.extract()?;
        let validity = spec.get_borrowed_item(2)?;
        let validity = if validity.is_none() {
            None
        } else {
            Some(validity.extract::<&[u8]>()?)
        };
        let buf =
            |i: usize| -> PyResult<&'a [u8]> { Ok(spec.get_borrowed_item(i)?.extract::<&[u8]>()?) };
        let kind = match kind.as_str() {
            "str" => Kind::Str {
                offsets: buf(3)?,
                data: buf(4)?,
            },
            "f64" => Kind::F64(buf(3)?),
            "i64" => Kind::I64(buf(3)?),
            "list" => Kind::List { offsets: buf(3)? },
            other => return Err(bad(&format!("unknown column kind {other:?}"))),
        };
        Ok(Col {
            offset,
            validity,
            kind,
        })
    }

    /// Checks that `rows` rows fit the buffers, so that reading never
    /// goes out of bounds.
    fn check(&self, rows: usize, name: &str) -> PyResult<()> {
        // Checked: the offset and row count come from the caller, and an
        // overflow must read as "too short", not wrap into a pass.
        let needed = |width: usize, extra: usize| {
            self.offset
                .checked_add(rows)
                .and_then(|end| end.checked_add(extra))
                .and_then(|n| n.checked_mul(width))
        };
        let fits = |buf: &[u8], width: usize, extra: usize| {
            needed(width, extra).is_some_and(|n| buf.len() >= n)
        };
        let ok = self
            .validity
            .is_none_or(|v| needed(1, 0).is_some_and(|end| v.len().saturating_mul(8) >= end))
            && match &self.kind {
                Kind::Str { offsets, .. } | Kind::List { offsets } => fits(offsets, 8, 1),
                Kind::F64(v) | Kind::I64(v) => fits(v, 8, 0),
            };
        if ok {
            Ok(())
        } else {
            Err(pyo3::exceptions::PyValueError::new_err(format!(
                "column `{name}`: its buffers hold fewer than {rows} rows"
            )))
        }
    }

    fn valid(&self, i: usize) -> bool {
        let j = self.offset + i;
        self.validity.is_none_or(|v| v[j / 8] & (1 << (j % 8)) != 0)
    }

    fn word(buf: &[u8], j: usize) -> [u8; 8] {
        let mut w = [0u8; 8];
        w.copy_from_slice(&buf[j * 8..j * 8 + 8]);
        w
    }

    /// The range of row `i` in the data (strings) or the values (lists).
    fn range(&self, offsets: &[u8], i: usize, limit: usize) -> Result<(usize, usize), String> {
        let j = self.offset + i;
        let a = i64::from_le_bytes(Self::word(offsets, j));
        let b = i64::from_le_bytes(Self::word(offsets, j + 1));
        match (usize::try_from(a), usize::try_from(b)) {
            (Ok(a), Ok(b)) if a <= b && b <= limit => Ok((a, b)),
            _ => Err(format!("offsets {a}..{b} out of range (invalid buffers)")),
        }
    }

    fn str(&self, i: usize) -> Result<Option<&'a str>, String> {
        let Kind::Str { offsets, data } = self.kind else {
            return Err("expected a string column".into());
        };
        if !self.valid(i) {
            return Ok(None);
        }
        let (a, b) = self.range(offsets, i, data.len())?;
        std::str::from_utf8(&data[a..b])
            .map(Some)
            .map_err(|e| format!("not UTF-8: {e}"))
    }

    fn f64(&self, i: usize) -> Option<f64> {
        match self.kind {
            Kind::F64(v) if self.valid(i) => {
                Some(f64::from_le_bytes(Self::word(v, self.offset + i)))
            }
            _ => None,
        }
    }

    fn i64(&self, i: usize) -> Option<i64> {
        match self.kind {
            Kind::I64(v) if self.valid(i) => {
                Some(i64::from_le_bytes(Self::word(v, self.offset + i)))
            }
            _ => None,
        }
    }
}

/// The item columns of one batch.
#[derive(Default)]
struct Columns<'a> {
    id: Option<Col<'a>>,
    title: Option<Col<'a>>,
    body: Option<Col<'a>>,
    channel: Option<Col<'a>>,
    customer: Option<Col<'a>>,
    requester: Option<Col<'a>>,
    created: Option<Col<'a>>,
    deal_value: Option<Col<'a>>,
    votes: Option<Col<'a>>,
    tags: Option<Col<'a>>,
    tag_values: Option<Col<'a>>,
}

fn text<'a>(col: &Option<Col<'a>>, i: usize, field: &'static str) -> Result<Option<&'a str>, Fail> {
    match col {
        Some(c) => c.str(i).map_err(|e| (field, e)),
        None => Ok(None),
    }
}

impl Columns<'_> {
    /// Row `i` as an item (its id is the row number when there is no `id`
    /// column).
    fn item(&self, i: usize) -> Result<ft::FeedbackItem, RowError> {
        let id = match text(&self.id, i, "id") {
            Ok(Some(id)) => id.to_owned(),
            Ok(None) if self.id.is_none() => i.to_string(),
            Ok(None) => {
                return Err(RowError::Item {
                    index: i,
                    error: ft::ItemError::MissingId,
                });
            }
            Err((field, what)) => {
                return Err(RowError::Field {
                    index: i,
                    id: None,
                    field,
                    what,
                });
            }
        };
        let mut item = ft::FeedbackItem::new(id);
        self.fill(&mut item, i)
            .map_err(|(field, what)| RowError::Field {
                index: i,
                id: Some(item.id.clone()),
                field,
                what,
            })?;
        Ok(item)
    }

    fn fill(&self, item: &mut ft::FeedbackItem, i: usize) -> Result<(), Fail> {
        item.title = text(&self.title, i, "title")?.unwrap_or("").to_owned();
        item.body = text(&self.body, i, "body")?.unwrap_or("").to_owned();
        if let Some(c) = text(&self.channel, i, "channel")? {
            item.channel = c
                .parse()
                .map_err(|e: ft::ParseChannelError| ("channel", e.to_string()))?;
        }
        item.customer = text(&self.customer, i, "customer")?.map(str::to_owned);
        item.requester = text(&self.requester, i, "requester")?.map(str::to_owned);
        item.created = text(&self.created, i, "created")?.map(str::to_owned);
        // A missing deal value in a frame is a null or a NaN.
        item.deal_value = self
            .deal_value
            .as_ref()
            .and_then(|c| c.f64(i))
            .filter(|v| !v.is_nan());
        if let Some(v) = self.votes.as_ref().and_then(|c| c.i64(i)) {
            item.votes = u32::try_from(v).map_err(|_| {
                (
                    "votes",
                    format!("expected a whole number from 0 to {}, got {v}", u32::MAX),
                )
            })?;
        }
        if let (Some(list), Some(values)) = (&self.tags, &self.tag_values)
            && let Kind::List { offsets } = list.kind
            && list.valid(i)
        {
            let limit = values.offset_limit();
            let (a, b) = list.range(offsets, i, limit).map_err(|e| ("tags", e))?;
            for k in a..b {
                if let Some(t) = values.str(k).map_err(|e| ("tags", e))? {
                    item.tags.push(t.to_owned());
                }
            }
        }
        Ok(())
    }
}

impl Col<'_> {
    /// How many rows past its offset a values column holds.
    fn offset_limit(&self) -> usize {
        match self.kind {
            Kind::Str { offsets, .. } => {
                (offsets.len() / 8).saturating_sub(self.offset.saturating_add(1))
            }
            _ => 0,
        }
    }
}

/// One classified row, as the result columns need it.
struct Row {
    class: Option<ft::Class>,
    band: ft::Band,
    outcome: ft::Outcome,
    confidence: f64,
    secondary: Vec<ft::Class>,
    evidence: Vec<String>,
}

/// Arrow buffers of a `large_string` column being built.
#[derive(Default)]
struct StrBuf {
    offsets: Vec<u8>,
    data: Vec<u8>,
}

impl StrBuf {
    fn new() -> Self {
        StrBuf {
            offsets: 0i64.to_le_bytes().to_vec(),
            data: Vec::new(),
        }
    }
    fn push(&mut self, s: &str) {
        self.data.extend_from_slice(s.as_bytes());
        self.offsets
            .extend_from_slice(&(self.data.len() as i64).to_le_bytes());
    }
    fn len(&self) -> usize {
        self.offsets.len() / 8 - 1
    }
}

/// A `large_list<large_string>` column being built.
struct ListBuf {
    offsets: Vec<u8>,
    values: StrBuf,
}

impl ListBuf {
    fn new() -> Self {
        ListBuf {
            offsets: 0i64.to_le_bytes().to_vec(),
            values: StrBuf::new(),
        }
    }
    fn push<'s>(&mut self, items: impl IntoIterator<Item = &'s str>) {
        for s in items {
            self.values.push(s);
        }
        self.offsets
            .extend_from_slice(&(self.values.len() as i64).to_le_bytes());
    }
}

const NAMES: [&str; 11] = [
    "id",
    "title",
    "body",
    "channel",
    "customer",
    "requester",
    "created",
    "deal_value",
    "votes",
    "tags",
    "tags.values",
];

/// Classifies `rows` rows of the columns given; see the module docs.
pub fn classify_columns<'py>(
    py: Python<'py>,
    classifier: &ft::Classifier,
    rows: usize,
    columns: &Bound<'py, PyDict>,
    evidence: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let mut specs: Vec<(&'static str, Bound<'py, PyTuple>)> = Vec::new();
    for name in NAMES {
        if let Some(spec) = columns.get_item(name)? {
            specs.push((name, spec.cast_into::<PyTuple>()?));
        }
    }
    let cols = read_columns(&specs, rows)?;
    let cols = &cols;
    let out: Vec<Result<Row, RowError>> = py.detach(|| {
        (0..rows)
            .into_par_iter()
            .map(|i| classify_row(classifier, cols, i, evidence))
            .collect()
    });
    result_columns(py, out, rows, evidence)
}

/// The columns given, each checked to hold `rows` rows.
fn read_columns<'a>(
    specs: &'a [(&'static str, Bound<'_, PyTuple>)],
    rows: usize,
) -> PyResult<Columns<'a>> {
    let mut cols = Columns::default();
    for (name, spec) in specs {
        let col = Col::parse(spec, name)?;
        if *name != "tags.values" {
            col.check(rows, name)?;
        }
        let slot = match *name {
            "id" => &mut cols.id,
            "title" => &mut cols.title,
            "body" => &mut cols.body,
            "channel" => &mut cols.channel,
            "customer" => &mut cols.customer,
            "requester" => &mut cols.requester,
            "created" => &mut cols.created,
            "deal_value" => &mut cols.deal_value,
            "votes" => &mut cols.votes,
            "tags" => &mut cols.tags,
            _ => &mut cols.tag_values,
        };
        *slot = Some(col);
    }
    if let Some(values) = &cols.tag_values {
        values.check(values.offset_limit(), "tags.values")?;
    }
    Ok(cols)
}

/// Row `i`'s result (no Python object: this runs without the GIL).
fn classify_row(
    classifier: &ft::Classifier,
    cols: &Columns<'_>,
    i: usize,
    evidence: bool,
) -> Result<Row, RowError> {
    let item = cols.item(i)?;
    let c = classifier
        .classify(&item)
        .map_err(|error| RowError::Item { index: i, error })?;
    Ok(Row {
        class: c.class,
        band: c.band,
        outcome: c.outcome,
        confidence: c.confidence,
        evidence: if evidence {
            results::strongest(&c)
                .into_iter()
                .map(str::to_owned)
                .collect()
        } else {
            Vec::new()
        },
        secondary: c.secondary,
    })
}

/// The result columns as Arrow buffers, or the first row's error.
fn result_columns<'py>(
    py: Python<'py>,
    out: Vec<Result<Row, RowError>>,
    rows: usize,
    evidence: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let mut class = StrBuf::new();
    let mut class_valid = vec![0u8; rows.div_ceil(8)];
    let mut band = StrBuf::new();
    let mut outcome = StrBuf::new();
    let mut confidence = Vec::with_capacity(rows * 8);
    let mut secondary = ListBuf::new();
    let mut strongest = ListBuf::new();
    for (i, r) in out.into_iter().enumerate() {
        let r = r.map_err(|e| row_error(py, e))?;
        match r.class {
            Some(c) => {
                class.push(c.as_str());
                class_valid[i / 8] |= 1 << (i % 8);
            }
            None => class.push(""),
        }
        band.push(r.band.as_str());
        outcome.push(r.outcome.as_str());
        confidence.extend_from_slice(&r.confidence.to_le_bytes());
        secondary.push(r.secondary.iter().map(|c| c.as_str()));
        if evidence {
            strongest.push(r.evidence.iter().map(String::as_str));
        }
    }
    let d = PyDict::new(py);
    let b = |v: &[u8]| PyBytes::new(py, v);
    let str_col = |s: &StrBuf, valid: Option<&[u8]>| {
        ("str", 0usize, valid.map(&b), b(&s.offsets), b(&s.data))
    };
    d.set_item("class", str_col(&class, Some(&class_valid)))?;
    d.set_item("band", str_col(&band, None))?;
    d.set_item("confidence", ("f64", 0usize, py.None(), b(&confidence)))?;
    d.set_item("outcome", str_col(&outcome, None))?;
    let list_col = |l: &ListBuf| {
        (
            "list",
            0usize,
            py.None(),
            b(&l.offsets),
            b(&l.values.offsets),
            b(&l.values.data),
        )
    };
    d.set_item("secondary", list_col(&secondary))?;
    if evidence {
        d.set_item("evidence", list_col(&strongest))?;
    }
    Ok(d)
}

fn row_error(py: Python<'_>, e: RowError) -> PyErr {
    match e {
        RowError::Field {
            index,
            id,
            field,
            what,
        } => errors::item_field_error(py, index, id.as_deref(), field, &what),
        RowError::Item { index, error } => errors::item(py, &error, Some(index)),
    }
}
