//! Classifies feedback items (JSON Lines or CSV) with the embedded default
//! policy (or `--policy FILE`, JSON or TOML) and writes one result per input
//! item, in input order. As JSON Lines (the default) each line has `id`,
//! `class`, `confidence`, `band`, `outcome`, `secondary`, `scores` and
//! `evidence`; `--output csv`, `table` and `markdown` give one row per item.
//! `--why-not CLASS` adds, per item, why it is not of CLASS: a `why_not`
//! object (the crate's `WhyNot`) on each JSON line, or columns elsewhere.
//! `--class-only` writes `id` and `class` alone (no evidence is built).
//!
//! ```text
//! cargo run --release --example classify -- examples/data/sample.jsonl
//! cargo run --release --example classify -- --table examples/data/sample.jsonl
//! cargo run --release --example classify -- --output csv backlog.csv > classes.csv
//! cargo run --release --example classify -- --table --why-not necessity examples/data/sample.jsonl
//! cargo run --release --example classify -- --class-only examples/data/sample.jsonl
//! cat items.jsonl | cargo run --release --features parallel --example classify -- --threads 2
//! ```
//!
//! The input is streamed: each line is parsed once, classified and written
//! before the next is read (with `--threads`, before the reader moves past
//! the current chunk), so memory stays flat whatever the input's size. A line that cannot be read (invalid JSON, no
//! id, a negative deal value, a repeated id) is reported on stderr with its
//! line number and never silently dropped; the other lines are still
//! classified. Exit status: 0 when every line was classified, 1 when some
//! lines were bad, 2 for a usage error or an unreadable input or policy.

mod common;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use feedback_triage::{
    Class, Classification, Classifier, EvidenceKind, FeedbackItem, WhyNot, WhyNotReason,
};

use common::cli::{self, Fatal};
use common::output::{
    NameCache, OutputFormat, markdown_cell, write_class_line, write_classify_line,
};
use common::stream::{Items, Next};

/// Items per chunk with `--threads`: read, classified in parallel, then
/// written in input order.
const CHUNK: usize = 2048;

/// Classify feedback items into the five input classes.
#[derive(Parser)]
#[command(version, after_help = cli::EXIT_STATUSES)]
struct Args {
    #[command(flatten)]
    io: cli::Io,
    /// Policy file (JSON or TOML) instead of the embedded default.
    #[arg(long, value_name = "FILE")]
    policy: Option<String>,
    /// Worker threads (0: all cores; at most 1024). More than 1 needs the
    /// `parallel` feature.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(0..=1024))]
    threads: u16,
    /// Also say why each request is not of CLASS (fault_correction,
    /// necessity, market_driven, opportunistic, responsiveness): a `why_not`
    /// object per JSON line, or a column in the other formats.
    #[arg(long, value_name = "CLASS")]
    why_not: Option<Class>,
    /// Write only each item's id and class (no confidence, scores or
    /// evidence), for routing; about twice as fast. The id and class are
    /// those of the full output.
    #[arg(long, conflicts_with = "why_not")]
    class_only: bool,
}

fn main() -> ExitCode {
    cli::exit("classify", run(Args::parse()))
}

fn run(args: Args) -> Result<bool, Fatal> {
    let classifier = match &args.policy {
        Some(p) => Classifier::new(&common::read_policy(p)?).map_err(|e| format!("{p}: {e}"))?,
        None => Classifier::builtin(),
    };
    let pool = pool(usize::from(args.threads))?;
    let name = args.io.name().to_string();
    let input = common::stream::open(args.io.path()).map_err(|e| format!("{name}: {e}"))?;
    let mut items = Items::new(input, args.io.input_format());
    let format = args.io.output_format();
    common::output::refuse_html("classify", format)?;
    let stdout = std::io::stdout();
    let ask = if args.class_only {
        Ask::ClassOnly
    } else {
        Ask::Full(args.why_not)
    };
    let mut out = Writer::new(
        std::io::BufWriter::with_capacity(JSON_BLOCK, stdout.lock()),
        format,
        ask,
    )?;
    // One thread classifies each item as soon as it is read, while its
    // text is still in cache; a pool gets chunks to share out.
    let chunk_len = if pool.is_some() { CHUNK } else { 1 };
    let mut chunk: Vec<(usize, FeedbackItem)> = Vec::with_capacity(chunk_len);
    let mut bad = 0usize;
    let mut results = Vec::with_capacity(chunk_len);
    let mut flush = |chunk: &mut Vec<(usize, FeedbackItem)>,
                     out: &mut Writer<_>,
                     bad: &mut usize|
     -> Result<(), Fatal> {
        classify_chunk(&classifier, pool.as_ref(), chunk, ask, &mut results);
        for ((line, item), c) in chunk.iter().zip(results.drain(..)) {
            match c {
                Ok(answer) => out.write(item, &answer)?,
                Err(e) => {
                    *bad += 1;
                    eprintln!("{name}:{line}: {e}");
                }
            }
        }
        chunk.clear();
        Ok(())
    };
    // Each item is read into one slot: with one thread it is classified
    // and written from there, not moved.
    let mut item = FeedbackItem::default();
    while let Some(r) = items.read_into(&mut item) {
        match r.map_err(|e| format!("{name}: {e}"))? {
            Next::Item(line) if pool.is_none() => match classify_one(&classifier, &item, ask) {
                Ok(answer) => out.write(&item, &answer)?,
                Err(e) => {
                    bad += 1;
                    eprintln!("{name}:{line}: {e}");
                }
            },
            Next::Item(line) => {
                chunk.push((line, std::mem::take(&mut item)));
                if chunk.len() >= chunk_len {
                    flush(&mut chunk, &mut out, &mut bad)?;
                }
            }
            Next::Bad(b) => {
                // Results before a bad line come out before its report.
                flush(&mut chunk, &mut out, &mut bad)?;
                out.flush()?;
                bad += 1;
                eprintln!("{name}:{}: {}", b.line, b.message);
            }
        }
    }
    flush(&mut chunk, &mut out, &mut bad)?;
    out.finish(bad)?;
    common::output::bad_lines_summary("classify", bad);
    Ok(bad == 0)
}

#[cfg(feature = "parallel")]
type Pool = rayon::ThreadPool;
#[cfg(not(feature = "parallel"))]
type Pool = ();

/// A thread pool when more than one thread is asked for (`--threads
/// asked`, 0 meaning all cores).
fn pool(asked: usize) -> Result<Option<Pool>, Fatal> {
    let threads = cli::threads(asked);
    if threads <= 1 {
        return Ok(None);
    }
    #[cfg(feature = "parallel")]
    {
        Ok(Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| {
                    Fatal(format!(
                        "--threads {threads}: cannot start the threads: {e}"
                    ))
                })?,
        ))
    }
    #[cfg(not(feature = "parallel"))]
    {
        let cores = if asked == 0 {
            format!(" (all {threads} cores)")
        } else {
            String::new()
        };
        Err(Fatal(format!(
            "--threads {asked}{cores} needs the `parallel` feature (cargo run --features parallel ...)"
        )))
    }
}

/// What each item is asked: the full classification (and "why not
/// CLASS?" when given), or the class alone (`--class-only`).
#[derive(Clone, Copy)]
enum Ask {
    Full(Option<Class>),
    ClassOnly,
}

/// What each item gets back.
// The answers live in one reused vector (a chunk's worth), so the small
// variant's wasted bytes cost nothing, where boxing the large one would
// cost an allocation per request.
#[allow(clippy::large_enum_variant)]
enum Answer {
    /// A classification, with the answer to "why not CLASS?" when asked.
    Full(Classification, Option<WhyNot>),
    /// The class alone.
    Class(Option<Class>),
}

type Result1 = Result<Answer, feedback_triage::ItemError>;

/// Classifies one item as asked.
fn classify_one(classifier: &Classifier, item: &FeedbackItem, ask: Ask) -> Result1 {
    let why_not = match ask {
        Ask::ClassOnly => return Ok(Answer::Class(classifier.class_of(item)?)),
        Ask::Full(why_not) => why_not,
    };
    let c = classifier.classify(item)?;
    let why = why_not
        .map(|class| classifier.explain_against(item, class))
        .transpose()?;
    Ok(Answer::Full(c, why))
}

/// Classifies a chunk into `results`, in the chunk's order.
fn classify_chunk(
    classifier: &Classifier,
    pool: Option<&Pool>,
    chunk: &[(usize, FeedbackItem)],
    ask: Ask,
    results: &mut Vec<Result1>,
) {
    results.clear();
    #[cfg(feature = "parallel")]
    if let Some(pool) = pool {
        use rayon::prelude::*;
        pool.install(|| {
            chunk
                .par_iter()
                .map(|(_, item)| classify_one(classifier, item, ask))
                .collect_into_vec(results)
        });
        return;
    }
    let _ = pool;
    results.extend(
        chunk
            .iter()
            .map(|(_, item)| classify_one(classifier, item, ask)),
    );
}

/// Writes results in one format, counting classes for the table's summary.
struct Writer<W: Write> {
    out: Sink<W>,
    format: OutputFormat,
    counts: [usize; 6],
    /// JSON lines not yet handed to the writer: written in blocks of about
    /// [`JSON_BLOCK`] bytes, which the `BufWriter` passes straight through
    /// (each byte copied once, not once into this buffer and again into
    /// the `BufWriter`'s).
    json: Vec<u8>,
    /// The evidence's names, each checked for escapes once.
    names: NameCache,
}

/// The JSON lines' block size: the `BufWriter`'s capacity.
const JSON_BLOCK: usize = 1 << 16;

/// The header of `--class-only`'s table, Markdown or CSV, and its sink.
fn class_only_header<W: Write>(mut inner: W, format: OutputFormat) -> Result<Sink<W>, Fatal> {
    Ok(match format {
        OutputFormat::Table => {
            writeln!(inner, "{:<10} {:<17} title", "id", "class")?;
            Sink::Plain(inner)
        }
        OutputFormat::Markdown => {
            writeln!(inner, "| id | class | title |\n|---|---|---|")?;
            Sink::Plain(inner)
        }
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(inner);
            w.write_record(["id", "class"])?;
            Sink::Csv(Box::new(w))
        }
        OutputFormat::Jsonl | OutputFormat::Html => Sink::Plain(inner),
    })
}

/// Hands the JSON lines gathered to `out` once they fill a block.
fn spill<W: Write>(out: &mut W, json: &mut Vec<u8>) -> std::io::Result<()> {
    if json.len() >= JSON_BLOCK {
        out.write_all(json)?;
        json.clear();
    }
    Ok(())
}

/// The table's and CSV's extra column header with `--why-not CLASS`.
fn why_not_header(why_not: Option<Class>) -> String {
    why_not.map_or(String::new(), |c| format!("why not {c}"))
}

/// The writer underneath: plain, or the csv crate's for CSV.
enum Sink<W: Write> {
    Plain(W),
    Csv(Box<csv::Writer<W>>),
}

impl<W: Write> Writer<W> {
    fn new(mut inner: W, format: OutputFormat, ask: Ask) -> Result<Self, Fatal> {
        let why_not = match ask {
            Ask::Full(why_not) => why_not,
            Ask::ClassOnly => {
                return Ok(Self::with(class_only_header(inner, format)?, format));
            }
        };
        let extra = why_not_header(why_not);
        let out = match format {
            OutputFormat::Table => {
                let extra = if extra.is_empty() {
                    extra
                } else {
                    format!(" | {extra}")
                };
                writeln!(
                    inner,
                    "{:<10} {:<17} {:>5} {:<6} {:<10} {:<44} evidence{extra}",
                    "id", "class", "conf", "band", "outcome", "title"
                )?;
                Sink::Plain(inner)
            }
            OutputFormat::Markdown => {
                let (head, rule) = if extra.is_empty() {
                    (String::new(), "")
                } else {
                    (format!(" {extra} |"), "---|")
                };
                writeln!(
                    inner,
                    "| id | class | confidence | band | outcome | title | evidence |{head}\n|---|---|---:|---|---|---|---|{rule}"
                )?;
                Sink::Plain(inner)
            }
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(inner);
                let mut head = vec![
                    "id",
                    "class",
                    "confidence",
                    "band",
                    "outcome",
                    "secondary",
                    "evidence",
                ];
                if why_not.is_some() {
                    head.extend(["why_not_reason", "why_not_gap", "why_not_closest"]);
                }
                w.write_record(head)?;
                Sink::Csv(Box::new(w))
            }
            OutputFormat::Jsonl | OutputFormat::Html => Sink::Plain(inner),
        };
        Ok(Self::with(out, format))
    }

    fn with(out: Sink<W>, format: OutputFormat) -> Self {
        Writer {
            out,
            format,
            counts: [0; 6],
            json: Vec::with_capacity(2 * JSON_BLOCK),
            names: NameCache::default(),
        }
    }

    /// Flushes what was written so far (before a bad line's report, so
    /// that stdout and stderr stay in step).
    fn flush(&mut self) -> Result<(), Fatal> {
        match &mut self.out {
            Sink::Plain(w) => {
                w.write_all(&self.json)?;
                self.json.clear();
                w.flush()?
            }
            Sink::Csv(w) => w.flush()?,
        }
        Ok(())
    }

    fn write(&mut self, item: &FeedbackItem, answer: &Answer) -> Result<(), Fatal> {
        match answer {
            Answer::Full(c, why) => self.write_full(item, c, why.as_ref()),
            Answer::Class(class) => self.write_class(item, *class),
        }
    }

    /// One `--class-only` line or row.
    fn write_class(&mut self, item: &FeedbackItem, class: Option<Class>) -> Result<(), Fatal> {
        self.counts[class.map_or(5, Class::index)] += 1;
        let name = class.map_or("-", |c| c.as_str());
        let out = match &mut self.out {
            Sink::Csv(w) => {
                w.write_record([item.id.as_str(), if class.is_some() { name } else { "" }])?;
                return Ok(());
            }
            Sink::Plain(w) => w,
        };
        match self.format {
            OutputFormat::Table => writeln!(
                out,
                "{:<10} {:<17} {}",
                common::cut(&item.id, 10),
                name,
                common::cut(title(item), 60)
            )?,
            OutputFormat::Markdown => writeln!(
                out,
                "| {} | {} | {} |",
                markdown_cell(&item.id),
                name,
                markdown_cell(&common::cut(title(item), 60))
            )?,
            _ => {
                write_class_line(&mut self.json, &item.id, class);
                spill(out, &mut self.json)?;
            }
        }
        Ok(())
    }

    /// One full result's line or row.
    fn write_full(
        &mut self,
        item: &FeedbackItem,
        c: &Classification,
        why: Option<&WhyNot>,
    ) -> Result<(), Fatal> {
        self.counts[c.class.map_or(5, Class::index)] += 1;
        let class = c.class.map_or("-", |c| c.as_str());
        let out = match &mut self.out {
            Sink::Csv(w) => {
                let secondary: Vec<&str> = c.secondary.iter().map(|c| c.as_str()).collect();
                let mut row = vec![
                    item.id.clone(),
                    if c.class.is_some() { class } else { "" }.to_string(),
                    c.confidence.to_string(),
                    c.band.as_str().to_string(),
                    c.outcome.as_str().to_string(),
                    secondary.join(";"),
                    evidence(c).join("; "),
                ];
                if let Some(w) = why {
                    row.extend([
                        reason(&w.reason),
                        w.gap.to_string(),
                        phrases(&w.closest).join("; "),
                    ]);
                }
                w.write_record(row)?;
                return Ok(());
            }
            Sink::Plain(w) => w,
        };
        let why_text = why.map(why_not_text);
        match self.format {
            OutputFormat::Table => writeln!(
                out,
                "{:<10} {:<17} {:>5.2} {:<6} {:<10} {:<44} {}{}",
                common::cut(&item.id, 10),
                class,
                c.confidence,
                c.band.as_str(),
                c.outcome.as_str(),
                common::cut(title(item), 44),
                evidence(c).join(", "),
                why_text.map_or(String::new(), |t| format!(" | {t}"))
            )?,
            OutputFormat::Markdown => writeln!(
                out,
                "| {} | {} | {:.2} | {} | {} | {} | {} |{}",
                markdown_cell(&item.id),
                class,
                c.confidence,
                c.band.as_str(),
                c.outcome.as_str(),
                markdown_cell(&common::cut(title(item), 60)),
                markdown_cell(&evidence(c).join(", ")),
                why_text.map_or(String::new(), |t| format!(" {} |", markdown_cell(&t)))
            )?,
            _ => {
                write_classify_line(&mut self.json, &mut self.names, &item.id, c, why)?;
                spill(out, &mut self.json)?;
            }
        }
        Ok(())
    }

    /// The table's summary line, then the final flush.
    fn finish(mut self, bad: usize) -> Result<(), Fatal> {
        if let (OutputFormat::Table, Sink::Plain(out)) = (self.format, &mut self.out) {
            let total: usize = self.counts.iter().sum();
            let summary: Vec<String> = Class::ALL
                .iter()
                .map(|c| format!("{} {}", c.as_str(), self.counts[c.index()]))
                .chain(std::iter::once(format!("no class {}", self.counts[5])))
                .collect();
            let items = common::output::counted(total, "item", "items");
            writeln!(out, "\n{items}: {}", summary.join(", "))?;
            if bad > 0 {
                let lines = common::output::counted(bad, "line", "lines");
                writeln!(out, "{lines} could not be read (see stderr)")?;
            }
        }
        self.flush()
    }
}

/// A reason's name, with the rule or `min_score` it names.
fn reason(r: &WhyNotReason) -> String {
    match r {
        WhyNotReason::Won => "won".into(),
        WhyNotReason::NothingFound => "nothing_found".into(),
        WhyNotReason::LinksOnly => "links_only".into(),
        WhyNotReason::BelowMinScore { min_score } => format!("below_min_score {min_score}"),
        WhyNotReason::Decisive { rule, class } => format!("decisive {rule} ({class})"),
        WhyNotReason::Precedence { .. } => "precedence".into(),
        WhyNotReason::LowerScore => "lower_score".into(),
        // A reason added to the library later.
        _ => "other".into(),
    }
}

/// The matched phrases of some evidence, each once, at most four.
fn phrases(evidence: &[feedback_triage::Evidence]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for e in evidence {
        let s = match &e.kind {
            EvidenceKind::Keyword { phrase, .. } => format!("{phrase:?}"),
            EvidenceKind::Condition { description } => description.to_string(),
            _ => continue,
        };
        if v.len() < 4 && !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

/// "why not" in a few words for the table and Markdown: the reason, the
/// gap, and the class's closest evidence.
fn why_not_text(w: &WhyNot) -> String {
    let closest = phrases(&w.closest);
    let mut t = format!("{}, gap {:.2}", reason(&w.reason), w.gap);
    if !closest.is_empty() {
        t.push_str(&format!("; {}", closest.join(", ")));
    }
    t
}

fn title(item: &FeedbackItem) -> &str {
    if item.title.is_empty() {
        &item.body
    } else {
        &item.title
    }
}

/// The evidence for the class given, strongest first, each word once, at
/// most four.
fn evidence(c: &Classification) -> Vec<String> {
    let mut ev: Vec<&feedback_triage::Evidence> = c
        .evidence
        .iter()
        .filter(|e| Some(e.class) == c.class && e.contribution > 0.0)
        .filter(|e| {
            matches!(
                e.kind,
                EvidenceKind::Keyword { .. } | EvidenceKind::Condition { .. }
            )
        })
        .collect();
    ev.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    ev.into_iter()
        .map(|e| match &e.kind {
            EvidenceKind::Keyword { phrase, .. } => format!("{phrase:?}"),
            EvidenceKind::Condition { description } => description.to_string(),
            _ => e.rule.to_string(),
        })
        .fold(Vec::new(), |mut v: Vec<String>, s| {
            if v.len() < 4 && !v.contains(&s) {
                v.push(s);
            }
            v
        })
}
