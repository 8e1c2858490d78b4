//! Streaming input for the command-line examples: JSON Lines or CSV, each
//! line parsed once straight into a [`FeedbackItem`], bad lines kept with
//! their line numbers, repeated ids caught with constant memory per id.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io::{BufRead, BufReader, Read};

use feedback_triage::{FeedbackItem, ItemField};

use super::BadLine;

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// One JSON object per line.
    Jsonl,
    /// A header row naming the item fields, then one item per row.
    Csv,
}

impl InputFormat {
    /// The format named by `--input`, else by the file's extension
    /// (`.csv` is CSV, anything else and stdin JSON Lines).
    pub fn detect(given: Option<InputFormat>, path: Option<&str>) -> InputFormat {
        given.unwrap_or(match path {
            Some(p) if p.to_ascii_lowercase().ends_with(".csv") => InputFormat::Csv,
            _ => InputFormat::Jsonl,
        })
    }
}

/// One record: an item read, or a bad line.
pub enum Record {
    /// A good item and its 1-based line number (row number for CSV, the
    /// header being row 1).
    Item(usize, FeedbackItem),
    /// A line that could not be read as an item.
    Bad(BadLine),
}

/// One record as [`Items::read_into`] gives it: an item read (into the
/// caller's slot), or a bad line.
pub enum Next {
    /// A good item and its 1-based line number, as in [`Record::Item`].
    Item(usize),
    /// A line that could not be read as an item.
    Bad(BadLine),
}

/// Opens a path, or stdin for `-` or no path.
pub fn open(path: Option<&str>) -> std::io::Result<Box<dyn Read>> {
    Ok(match path {
        None | Some("-") => Box::new(std::io::stdin()),
        Some(p) => Box::new(std::fs::File::open(p)?),
    })
}

/// Streams records from a reader, in input order, one at a time.
pub struct Items {
    inner: Source,
    seen: HashSet<u64, BuildHasherDefault<Hashed>>,
}

/// The hasher of [`Items::seen`], whose keys are already 64-bit hashes of
/// the ids: it keeps the key as it is instead of hashing it a second time.
#[derive(Default)]
struct Hashed(u64);

impl Hasher for Hashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else is folded in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

enum Source {
    Jsonl {
        reader: BufReader<Box<dyn Read>>,
        buf: Vec<u8>,
        line: usize,
    },
    Csv {
        reader: csv::Reader<QuoteWatch<Box<dyn Read>>>,
        columns: Vec<Option<ItemField>>,
        record: csv::StringRecord,
        header_error: Option<String>,
    },
}

/// The item field a CSV header cell names (trimmed, any case), if it is
/// one a cell can fill (not `embedding`).
fn column(name: &str) -> Option<ItemField> {
    ItemField::from_key(&name.trim().to_ascii_lowercase()).filter(|f| *f != ItemField::Embedding)
}

/// The item field of each header cell, or an error when two cells name the
/// same field (`id` and `ID`: which one is meant cannot be told, so no
/// column is read).
fn header_columns(header: &csv::StringRecord) -> (Vec<Option<ItemField>>, Option<String>) {
    let columns: Vec<Option<ItemField>> = header.iter().map(column).collect();
    for (j, f) in columns.iter().enumerate() {
        let Some(f) = f else { continue };
        if let Some(i) = columns[..j].iter().position(|g| g == &Some(*f)) {
            let name = |k: usize| header.get(k).unwrap_or_default();
            let message = format!(
                "invalid CSV header: columns {} ({:?}) and {} ({:?}) both name the field `{f}`",
                i + 1,
                name(i),
                j + 1,
                name(j)
            );
            return (Vec::new(), Some(message));
        }
    }
    (columns, None)
}

impl Items {
    /// Reads `format` from `reader`.
    pub fn new(reader: Box<dyn Read>, format: InputFormat) -> Items {
        let inner = match format {
            InputFormat::Jsonl => Source::Jsonl {
                reader: BufReader::with_capacity(1 << 16, reader),
                buf: Vec::with_capacity(4096),
                line: 0,
            },
            InputFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .flexible(true)
                    .from_reader(QuoteWatch::new(reader));
                let (columns, header_error) = match reader.headers() {
                    Ok(h) => header_columns(h),
                    Err(e) => (Vec::new(), Some(format!("invalid CSV header: {e}"))),
                };
                // A header row that never closes its quote holds the whole
                // input: nothing can be read.
                let (columns, header_error) = if reader.get_ref().unterminated() {
                    (
                        Vec::new(),
                        Some(format!("invalid CSV header: {UNTERMINATED}")),
                    )
                } else {
                    (columns, header_error)
                };
                Source::Csv {
                    reader,
                    columns,
                    record: csv::StringRecord::new(),
                    header_error,
                }
            }
        };
        Items {
            inner,
            seen: HashSet::default(),
        }
    }

    /// Takes a parsed item through the repeated-id check. Ids are kept as
    /// 64-bit hashes, so memory stays small on large inputs.
    fn unique(&mut self, line: usize, item: &FeedbackItem) -> Next {
        let mut h = std::hash::DefaultHasher::new();
        item.id.hash(&mut h);
        if self.seen.insert(h.finish()) {
            Next::Item(line)
        } else {
            Next::Bad(BadLine {
                line,
                message: format!(
                    "item {:?} appears more than once in the input (field `id` must be unique)",
                    item.id
                ),
            })
        }
    }

    /// The next record, as [`Iterator::next`] gives it, with a good item
    /// written into `slot` rather than returned (an item is some 200 bytes,
    /// copied at every level it is returned through); after a bad line,
    /// `slot` holds no item to use.
    pub fn read_into(&mut self, slot: &mut FeedbackItem) -> Option<std::io::Result<Next>> {
        let (line, parsed) = match &mut self.inner {
            Source::Jsonl { reader, buf, line } => loop {
                let at = *line + 1;
                // Parsed where it lies: the item owns its strings, so the
                // line need not be copied out of the reader's buffer.
                let parsed = with_line(reader, buf, |bytes| {
                    let mut text = bytes.trim_ascii();
                    if at == 1 {
                        // A byte order mark, as some Windows editors write.
                        text = strip_bom(text);
                    }
                    (!text.is_empty()).then(|| parse_json_line(text).map(|item| *slot = item))
                });
                let parsed = match parsed {
                    Ok(None) => return None,
                    Ok(Some(p)) => p,
                    Err(e) => return Some(Err(e)),
                };
                *line = at;
                if let Some(parsed) = parsed {
                    break (at, parsed);
                }
            },
            Source::Csv {
                reader,
                columns,
                record,
                header_error,
            } => {
                if let Some(message) = header_error.take() {
                    return Some(Ok(Next::Bad(BadLine { line: 1, message })));
                }
                match reader.read_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line() as usize);
                        if let csv::ErrorKind::Io(_) = e.kind() {
                            return Some(Err(std::io::Error::other(e)));
                        }
                        return Some(Ok(Next::Bad(BadLine {
                            line,
                            message: format!("invalid CSV: {e}"),
                        })));
                    }
                }
                let line = record.position().map_or(0, |p| p.line() as usize);
                if reader.get_ref().unterminated() {
                    // The csv crate takes a quote left open as a field
                    // running to the end of the input: the rest of the
                    // file would vanish into this one record.
                    (line, Err(format!("invalid CSV: {UNTERMINATED}")))
                } else if !columns.is_empty()
                    && record
                        .iter()
                        .skip(columns.len())
                        .any(|c| !c.trim().is_empty())
                {
                    // A cell holding the separator without quotes: the
                    // cells after it would land in the wrong fields (empty
                    // cells past the header, as some exporters write after
                    // a trailing comma, say nothing).
                    let message = format!(
                        "invalid CSV: the row has {} cells, the header {} (a cell with a comma needs quotes)",
                        record.len(),
                        columns.len()
                    );
                    (line, Err(message))
                } else {
                    (line, csv_item(columns, record).map(|item| *slot = item))
                }
            }
        };
        Some(Ok(match parsed {
            Ok(()) => self.unique(line, slot),
            Err(message) => Next::Bad(BadLine { line, message }),
        }))
    }
}
impl Iterator for Items {
    type Item = std::io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut item = FeedbackItem::default();
        Some(self.read_into(&mut item)?.map(|next| match next {
            Next::Item(line) => Record::Item(line, item),
            Next::Bad(b) => Record::Bad(b),
        }))
    }
}

/// Calls `f` with the next line of `reader` (without its `\n`) and returns
/// what it returns, or `None` at the end of the input. A line that lies
/// whole in the reader's buffer is read there; one that crosses the
/// buffer's end is gathered in `buf` first. Lines are those of
/// `read_until(b'\n', ..)`: the last one needs no newline.
fn with_line<R: Read + ?Sized, T>(
    reader: &mut BufReader<Box<R>>,
    buf: &mut Vec<u8>,
    f: impl FnOnce(&[u8]) -> T,
) -> std::io::Result<Option<T>> {
    buf.clear();
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((!buf.is_empty()).then(|| f(buf)));
        }
        match memchr::memchr(b'\n', available) {
            Some(i) if buf.is_empty() => {
                let out = f(&available[..i]);
                reader.consume(i + 1);
                return Ok(Some(out));
            }
            Some(i) => {
                buf.extend_from_slice(&available[..i]);
                reader.consume(i + 1);
                return Ok(Some(f(buf)));
            }
            None => {
                let n = available.len();
                buf.extend_from_slice(available);
                reader.consume(n);
            }
        }
    }
}

/// `bytes` without a leading UTF-8 byte order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The message for a quoted CSV field that is never closed.
const UNTERMINATED: &str = "unterminated quoted field runs to the end of the input";

/// Passes a CSV input through unchanged while following its quoting as the
/// csv crate's reader does (RFC 4180: a field that starts with `"` is
/// quoted, `""` inside it is a quote, a quote inside an unquoted field is
/// text; `\r` or `\n` ends a record), in constant memory, so that an input
/// ending inside a quoted field can be told apart: the csv crate accepts it
/// as one last field holding the rest of the input.
pub struct QuoteWatch<R> {
    inner: R,
    state: Quoting,
    eof: bool,
}

/// Where a [`QuoteWatch`] is in the CSV it has passed through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a field.
    FieldStart,
    /// In an unquoted field (or after a quoted part's closing quote).
    Unquoted,
    /// Inside quotes.
    Quoted,
    /// Inside quotes, just after a `"`: the closing quote, or the first
    /// half of `""`.
    QuoteInQuoted,
}

impl<R> QuoteWatch<R> {
    pub fn new(inner: R) -> Self {
        QuoteWatch {
            inner,
            state: Quoting::FieldStart,
            eof: false,
        }
    }

    /// True once the whole input has been read and it ended inside a
    /// quoted field.
    pub fn unterminated(&self) -> bool {
        self.eof && self.state == Quoting::Quoted
    }

    fn step(&mut self, b: u8) {
        use Quoting::*;
        self.state = match (self.state, b) {
            (Quoted, b'"') => QuoteInQuoted,
            (Quoted, _) | (QuoteInQuoted, b'"') => Quoted,
            (FieldStart, b'"') => Quoted,
            (_, b',' | b'\n' | b'\r') => FieldStart,
            _ => Unquoted,
        };
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        }
        for &b in &buf[..n] {
            self.step(b);
        }
        Ok(n)
    }
}

/// Parses one JSON line straight into an item (unknown fields are skipped
/// by the item's own deserialiser, which names the field at fault).
pub fn parse_json_line(text: &[u8]) -> Result<FeedbackItem, String> {
    match std::str::from_utf8(text) {
        Err(e) => Err(format!("invalid UTF-8: {e}")),
        Ok(text) => serde_json::from_str::<FeedbackItem>(text).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                format!("invalid JSON: {e}")
            } else {
                e.to_string()
            }
        }),
    }
}

/// Builds an item from a CSV row through the item's own deserialiser, so
/// that its checks and error messages are the JSON ones: numbers are given
/// as numbers when they parse, tags are split on `;` or `|`, empty cells
/// are absent fields.
fn csv_item(
    columns: &[Option<ItemField>],
    record: &csv::StringRecord,
) -> Result<FeedbackItem, String> {
    let mut map = serde_json::Map::new();
    for (col, cell) in columns.iter().zip(record.iter()) {
        let Some(col) = col else { continue };
        if cell.is_empty() && *col != ItemField::Id {
            continue;
        }
        let value = match col {
            ItemField::DealValue | ItemField::Votes => match cell.trim().parse::<f64>() {
                Ok(n) if *col == ItemField::Votes && n.fract() == 0.0 && n >= 0.0 => {
                    serde_json::Value::from(n as u64)
                }
                Ok(n) => serde_json::Number::from_f64(n)
                    .map_or_else(|| cell.into(), serde_json::Value::Number),
                Err(_) => cell.into(),
            },
            ItemField::Tags => cell
                .split([';', '|'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(serde_json::Value::from)
                .collect(),
            _ => cell.into(),
        };
        map.insert(col.as_str().to_string(), value);
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
}

/// Items with their line numbers, and the bad lines.
pub type ItemsRead = (Vec<(usize, FeedbackItem)>, Vec<BadLine>);

/// Reads a whole input (for the tools that need the whole batch): the items
/// with their line numbers, and the bad lines; items whose `embedding` has
/// another length than most items' are bad lines too.
pub fn read_all(path: Option<&str>, format: InputFormat) -> std::io::Result<ItemsRead> {
    let mut items = Vec::new();
    let mut bad = Vec::new();
    for r in Items::new(open(path)?, format) {
        match r? {
            Record::Item(line, item) => items.push((line, item)),
            Record::Bad(b) => bad.push(b),
        }
    }
    bad.extend(super::drop_odd_embeddings_by(&mut items, |(l, it)| {
        (*l, it)
    }));
    bad.sort_by_key(|b| b.line);
    Ok((items, bad))
}
