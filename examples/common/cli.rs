//! The arguments every command-line example shares (clap derive), so that
//! the flag names are the same across tools.

use std::io::Write;
use std::process::ExitCode;

use super::output::OutputFormat;
use super::stream::InputFormat;

/// The exit statuses, shown at the end of every tool's `--help`.
pub const EXIT_STATUSES: &str = "Exit status:
  0  every input line was read and processed
  1  some input lines were bad (each reported on stderr with its line number; the others were processed)
  2  usage error, unreadable input or policy file, or output that could not be written";

/// Input and output options shared by the tools.
#[derive(Debug, clap::Args)]
pub struct Io {
    /// Input file (JSON Lines or CSV); `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// Input format; by default `.csv` files are CSV and everything else JSON Lines.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input: Option<InputFormat>,
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
    /// Same as `--output table`.
    #[arg(long, conflicts_with = "output")]
    pub table: bool,
    /// Same as `--output markdown`.
    #[arg(long, conflicts_with_all = ["output", "table"])]
    pub markdown: bool,
}

impl Io {
    /// The path given, `None` for stdin.
    pub fn path(&self) -> Option<&str> {
        self.file.as_deref().filter(|p| *p != "-")
    }

    /// The name used in messages.
    pub fn name(&self) -> &str {
        self.path().unwrap_or("<stdin>")
    }

    /// The input format asked for or detected.
    pub fn input_format(&self) -> InputFormat {
        InputFormat::detect(self.input, self.path())
    }

    /// The output format asked for (`--table` and `--markdown` are short
    /// forms), JSON Lines by default.
    pub fn output_format(&self) -> OutputFormat {
        if self.table {
            OutputFormat::Table
        } else if self.markdown {
            OutputFormat::Markdown
        } else {
            self.output.unwrap_or(OutputFormat::Jsonl)
        }
    }
}

/// A tool's failure: a usage or input problem (exit 2).
pub struct Fatal(pub String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Fatal {
        Fatal(e.to_string())
    }
}

/// Turns a tool's result into its exit status: `Ok(true)` 0, `Ok(false)` 1,
/// an error 2 (a closed stdout pipe, as with `| head`, is not an error).
pub fn exit(tool: &str, r: Result<bool, Fatal>) -> ExitCode {
    match r {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Fatal(e)) if e.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(Fatal(e)) => {
            let _ = writeln!(std::io::stderr(), "{tool}: {}", with_flag(e));
            ExitCode::from(2)
        }
    }
}

/// The library's parameter names and the flags that set them.
const FLAGS: [(&str, &str); 9] = [
    ("similarity_threshold", "--threshold"),
    ("min_distinct_customers", "--min-customers"),
    ("min_customers_per_month", "--cadence"),
    ("max_ngram", "--max-ngram"),
    ("min_doc_freq", "--min-df"),
    ("l2", "--l2"),
    ("max_keywords", "--max-keywords"),
    ("min_weight", "--min-weight"),
    ("length_norm", "--length-norm"),
];

/// A parameter error (the library's ``parameter `min_doc_freq` ...``) with
/// the flag that sets the parameter, for a user who typed the flag.
fn with_flag(e: String) -> String {
    match FLAGS
        .iter()
        .find(|(field, _)| e.contains(&format!("parameter `{field}`")))
    {
        Some((_, flag)) => format!("{e} (set by {flag})"),
        None => e,
    }
}

/// The number of worker threads: `--threads`, 0 meaning all cores.
pub fn threads(n: usize) -> usize {
    if n == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        n
    }
}
