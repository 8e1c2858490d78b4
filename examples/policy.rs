//! Work with policies: dump the default, check a file, report on rules over
//! data, lint, compare two policies, and learn a policy from labelled data.
//!
//! ```text
//! cargo run --example policy -- dump [--toml]                  # the default policy, JSON or TOML
//! cargo run --example policy -- check FILE                     # validate; every error; exit 1 on any
//! cargo run --example policy -- report FILE.jsonl --labels MAP [--policy P] [--strict]
//! cargo run --example policy -- lint [--policy P]
//! cargo run --example policy -- diff --policy A [--against B] FILE.jsonl [--examples N]
//! cargo run --release --example policy -- learn FILE.jsonl --labels MAP [--folds K]
//!         [--out FILE] [--merge-into P] [--max-ngram N] [--min-df N] [--l2 X]
//!         [--length-norm B] [--search off|inner_cv]
//! ```
//!
//! `learn` uses `LearnParams::default()` (min-df 1, l2 0.5, length-norm 0.2,
//! search off: chosen on the GitHub and security sets, see its docs) unless
//! a flag says otherwise.
//!
//! Output is JSON for scripts; `--table` prints it for people instead. A
//! policy file is JSON or TOML, by extension. `--against` defaults to the
//! embedded policy. Labels come from each line's `label` field; items whose
//! label is not in the map are skipped and counted (`--strict` makes that an
//! error naming the label).

mod common;

use std::process::ExitCode;

use feedback_triage::{
    Class, Classifier, Diff, Evidence, EvidenceKind, LabelMap, Labelled, LearnParams, Learner,
    Policy, RuleStats, UnknownLabels, lint,
};

const USAGE: &str = "usage: policy <dump [--toml] | check FILE | report FILE.jsonl --labels MAP [--policy P] | lint [--policy P] | diff --policy A [--against B] FILE.jsonl | learn FILE.jsonl --labels MAP [--folds K] [--out FILE] [--merge-into P]> [--table]";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("policy: {e}");
            ExitCode::from(2)
        }
    }
}

/// The learner's flags that take a value (`policy learn`).
const LEARN_VALUES: &[&str] = &[
    "labels",
    "folds",
    "out",
    "merge-into",
    "max-ngram",
    "min-df",
    "l2",
    "max-keywords",
    "values",
    "priors",
    "search",
    "min-weight",
    "length-norm",
    "balance",
];

fn run() -> Result<ExitCode, String> {
    let mut values = vec!["policy", "against", "examples"];
    values.extend_from_slice(LEARN_VALUES);
    let args = common::Args::parse(&values)?;
    let Some(cmd) = args.positional.first().cloned() else {
        return Err(USAGE.to_string());
    };
    let table = args.has("table");
    match cmd.as_str() {
        "dump" => {
            args.check(&["toml"])?;
            dump(args.has("toml"))
        }
        "check" => {
            args.check(&["table"])?;
            let path = positional(&args, 1, "check needs a FILE")?;
            check(path, table)
        }
        "report" => {
            args.check(&["labels", "policy", "strict", "table"])?;
            report(&args, table)
        }
        "lint" => {
            args.check(&["policy", "table"])?;
            lint_policy(args.value("policy"), table)
        }
        "diff" => {
            args.check(&["policy", "against", "examples", "table"])?;
            diff(&args, table)
        }
        "learn" => {
            let mut allowed = LEARN_VALUES.to_vec();
            allowed.extend_from_slice(&["strict", "table"]);
            args.check(&allowed)?;
            learn(&args, table)
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    }
}

/// `policy dump`: the embedded default as JSON or TOML.
fn dump(toml: bool) -> Result<ExitCode, String> {
    let policy = Policy::builtin();
    if toml {
        print!("{}", to_toml(&policy)?);
    } else {
        println!("{}", to_json(&policy)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// `policy lint`: the warnings of a policy file or the embedded default.
fn lint_policy(path: Option<&str>, table: bool) -> Result<ExitCode, String> {
    let policy = match path {
        Some(p) => common::read_policy(p)?,
        None => Policy::builtin(),
    };
    let warnings = lint(&policy);
    if table {
        for w in &warnings {
            println!("{w}");
        }
        println!("{} warning(s)", warnings.len());
    } else {
        println!("{}", to_json(&warnings)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn positional<'a>(args: &'a common::Args, i: usize, msg: &str) -> Result<&'a str, String> {
    args.positional
        .get(i)
        .map(String::as_str)
        .ok_or_else(|| format!("{msg}\n{USAGE}"))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v).map_err(|e| e.to_string())
}

fn to_toml(p: &Policy) -> Result<String, String> {
    toml::to_string(p).map_err(|e| format!("cannot write TOML: {e}"))
}

/// Writes a policy as JSON, or TOML when the path ends in `.toml`.
fn write_policy(path: &str, p: &Policy) -> Result<(), String> {
    let text = if path.ends_with(".toml") {
        to_toml(p)?
    } else {
        to_json(p)? + "\n"
    };
    std::fs::write(path, text).map_err(|e| format!("{path}: {e}"))
}

fn load_classifier(path: Option<&str>) -> Result<Classifier, String> {
    match path {
        None => Ok(Classifier::builtin()),
        Some(p) => {
            let policy = common::read_policy(p)?;
            Classifier::new(&policy).map_err(|e| format!("{p}: {e}"))
        }
    }
}

fn check(path: &str, table: bool) -> Result<ExitCode, String> {
    let (errors, rules): (Vec<String>, usize) = match common::read_policy(path) {
        Err(e) => (vec![e], 0),
        Ok(p) => match p.validate() {
            Ok(()) => (Vec::new(), p.rules.len()),
            Err(errs) => (errs.iter().map(|e| e.to_string()).collect(), p.rules.len()),
        },
    };
    if table {
        if errors.is_empty() {
            println!("{path}: ok ({rules} rules)");
        }
        for e in &errors {
            // Read errors already name the file.
            if e.starts_with(path) {
                println!("{e}");
            } else {
                println!("{path}: {e}");
            }
        }
    } else {
        let v = serde_json::json!({ "file": path, "ok": errors.is_empty(), "rules": rules, "errors": errors });
        println!("{v}");
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A labelled data file: items, line indexes and labels.
struct LabelledFile {
    items: Vec<(usize, feedback_triage::FeedbackItem, Option<String>)>,
    map: LabelMap,
}

fn read_labelled(args: &common::Args, path: &str) -> Result<LabelledFile, String> {
    let map: LabelMap = args
        .value("labels")
        .ok_or("--labels MAP is required (e.g. Bug=fault_correction,Feature=market_driven)")?
        .parse()
        .map_err(|e| format!("--labels: {e}"))?;
    let missing = map.missing_classes();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|c| c.as_str()).collect();
        eprintln!(
            "policy: note: the label map leaves {} without items",
            names.join(", ")
        );
    }
    let (items, bad) = common::read_items(Some(path)).map_err(|e| format!("{path}: {e}"))?;
    common::report_bad(Some(path), &bad);
    let items = items
        .into_iter()
        .map(|(line, item, raw)| {
            let label = raw.get("label").and_then(|l| l.as_str()).map(String::from);
            (line - 1, item, label)
        })
        .collect();
    Ok(LabelledFile { items, map })
}

fn unknown_labels(args: &common::Args) -> UnknownLabels {
    if args.has("strict") {
        UnknownLabels::Error
    } else {
        UnknownLabels::Skip
    }
}

fn learn(args: &common::Args, table: bool) -> Result<ExitCode, String> {
    let path = positional(args, 1, "learn needs FILE.jsonl")?;
    let data = read_labelled(args, path)?;
    let mode = unknown_labels(args);
    let mut items = Vec::new();
    let mut skipped = 0usize;
    for (index, item, label) in &data.items {
        match data
            .map
            .resolve(label.as_deref(), mode)
            .map_err(|e| format!("{path}: line {}: {e}", index + 1))?
        {
            Some(classes) => items.push(Labelled::new(*index, &item.title, &item.body, classes[0])),
            None => skipped += 1,
        }
    }
    let learner = Learner::new(learn_params(args)?).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let mut policy = learner.learn(&items).map_err(|e| e.to_string())?;
    let learn_secs = started.elapsed().as_secs_f64();
    // Counted before any merge: what was learned, not the base's keywords.
    let keywords = policy.rules.iter().map(|r| r.keywords.len()).sum();
    let cv = match number(args, "folds")? {
        Some(k) => Some(
            learner
                .cross_validate(&items, k as usize)
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let mut skipped_rules = Vec::new();
    if let Some(base) = args.value("merge-into") {
        let mut merged = common::read_policy(base)?;
        skipped_rules = merged
            .merge(policy)
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>();
        policy = merged;
        policy
            .validate()
            .map_err(|e| format!("merged policy: {e}"))?;
    }
    if let Some(out) = args.value("out") {
        write_policy(out, &policy)?;
    }
    let run = LearnRun {
        path,
        items: items.len(),
        skipped,
        learn_secs,
        keywords,
        policy: &policy,
        skipped_rules: &skipped_rules,
        cv: cv.as_ref(),
        written: args.value("out").is_some(),
    };
    if table {
        run.print_table();
    } else {
        println!("{}", run.json()?);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--NAME` as a number, when given.
fn number(args: &common::Args, name: &str) -> Result<Option<f64>, String> {
    args.value(name)
        .map(|v| v.parse::<f64>().map_err(|e| format!("--{name}: {e}")))
        .transpose()
}

/// The learner's parameters: the defaults, with each flag given replacing
/// its field (validated by `Learner::new`).
fn learn_params(args: &common::Args) -> Result<LearnParams, String> {
    let mut params = LearnParams::default();
    if let Some(v) = number(args, "max-ngram")? {
        params.max_ngram = v as usize;
    }
    if let Some(v) = number(args, "min-df")? {
        params.min_doc_freq = v as usize;
    }
    if let Some(v) = number(args, "l2")? {
        params.l2 = v;
    }
    if let Some(v) = number(args, "max-keywords")? {
        params.max_keywords = v as usize;
    }
    if let Some(v) = number(args, "min-weight")? {
        params.min_weight = v;
    }
    if let Some(v) = number(args, "length-norm")? {
        params.length_norm = v;
    }
    // The choices read as their serde names (`--balance weighted`).
    fn choice<T: serde::de::DeserializeOwned>(
        args: &common::Args,
        name: &str,
    ) -> Result<Option<T>, String> {
        args.value(name)
            .map(|v| {
                serde_json::from_value(serde_json::Value::String(v.to_string()))
                    .map_err(|e| format!("--{name}: {e}"))
            })
            .transpose()
    }
    if let Some(v) = choice(args, "values")? {
        params.values = v;
    }
    if let Some(v) = choice(args, "balance")? {
        params.balance = v;
    }
    if let Some(v) = choice(args, "search")? {
        params.search = v;
    }
    if let Some(v) = choice(args, "priors")? {
        params.priors = v;
    }
    Ok(params)
}

/// What `policy learn` did, for its table or JSON output.
struct LearnRun<'a> {
    path: &'a str,
    items: usize,
    skipped: usize,
    learn_secs: f64,
    /// Learned keywords (before a merge).
    keywords: usize,
    policy: &'a Policy,
    skipped_rules: &'a [String],
    cv: Option<&'a feedback_triage::CrossValidation>,
    written: bool,
}

impl LearnRun<'_> {
    fn print_table(&self) {
        println!(
            "{}: learned from {} items ({} skipped) in {:.2}s: {} rules, {} keywords",
            self.path,
            self.items,
            self.skipped,
            self.learn_secs,
            self.policy.rules.len(),
            self.keywords
        );
        if !self.skipped_rules.is_empty() {
            println!(
                "  rules already in the base policy, kept as they were: {}",
                self.skipped_rules.join(", ")
            );
        }
        if let Some(cv) = self.cv {
            print_cross_validation(cv);
        }
        if !self.written {
            println!("  (no --out: policy not written)");
        }
    }

    fn json(&self) -> Result<serde_json::Value, String> {
        let mut v = serde_json::json!({
            "file": self.path,
            "items": self.items,
            "skipped": self.skipped,
            "seconds": self.learn_secs,
            "rules": self.policy.rules.len(),
            "keywords": self.keywords,
            "merged_skipped_rules": self.skipped_rules,
            "cross_validation": self.cv,
        });
        if !self.written {
            v["policy"] = serde_json::to_value(self.policy).map_err(|e| e.to_string())?;
        }
        Ok(v)
    }
}

fn print_cross_validation(cv: &feedback_triage::CrossValidation) {
    println!(
        "  {:>4} {:>6} {:>6} {:>8} {:>8} {:>8}",
        "fold", "train", "test", "macroF1", "accuracy", "keywords"
    );
    for f in &cv.per_fold {
        println!(
            "  {:>4} {:>6} {:>6} {:>8.4} {:>8.4} {:>8}",
            f.fold, f.train, f.test, f.macro_f1, f.accuracy, f.keywords
        );
    }
    println!(
        "  mean macro-F1 {:.4}  mean accuracy {:.4}  pooled macro-F1 {:.4}",
        cv.mean_macro_f1, cv.mean_accuracy, cv.pooled.macro_f1
    );
    for c in Class::ALL {
        let m = &cv.pooled.per_class[c.index()];
        if m.support > 0 {
            println!(
                "    {:<17} P {:.3} R {:.3} F1 {:.3}",
                c.as_str(),
                m.precision,
                m.recall,
                m.f1
            );
        }
    }
}

fn report(args: &common::Args, table: bool) -> Result<ExitCode, String> {
    let path = positional(args, 1, "report needs FILE.jsonl")?;
    let classifier = load_classifier(args.value("policy"))?;
    let data = read_labelled(args, path)?;
    let mode = unknown_labels(args);
    let mut stats = RuleStats::new(classifier.policy());
    let mut unlabelled = 0usize;
    for (index, item, label) in &data.items {
        let truth = data
            .map
            .resolve(label.as_deref(), mode)
            .map_err(|e| format!("{path}: line {}: {e}", index + 1))?;
        if truth.is_none() {
            unlabelled += 1;
        }
        let c = classifier
            .classify(item)
            .map_err(|e| format!("{path}: line {}: {e}", index + 1))?;
        stats.add(truth, &c);
    }
    let r = stats.finish();
    if !table {
        println!(
            "{}",
            serde_json::json!({ "file": path, "unlabelled": unlabelled, "report": r })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{path}: {} items, {} labelled ({unlabelled} without a mapped label)",
        r.items, r.labelled
    );
    println!(
        "  {:<34} {:<16} {:>6} {:>8} {:>6} {:>9} {:>9}  top overlaps",
        "rule", "class", "fired", "coverage", "vetoed", "precision", "conflicts"
    );
    for s in &r.rules {
        let overlaps: Vec<String> = s
            .overlaps
            .iter()
            .map(|o| format!("{}({})", o.rule, o.items))
            .collect();
        println!(
            "  {:<34} {:<16} {:>6} {:>8.3} {:>6} {:>9} {:>9}  {}",
            common::cut(&s.rule, 34),
            s.class.as_str(),
            s.fired,
            s.coverage,
            s.vetoed,
            s.precision.map_or("-".to_string(), |p| format!("{p:.3}")),
            s.conflicts,
            overlaps.join(" ")
        );
    }
    if !r.never_fired.is_empty() {
        println!("  never fired: {}", r.never_fired.join(", "));
    }
    for c in &r.classes {
        let rules: Vec<String> = c
            .rules
            .iter()
            .take(5)
            .map(|s| format!("{} {:.0}%", s.rule, 100.0 * s.share))
            .collect();
        println!(
            "  {} ({} correct) carried by: {}",
            c.class,
            c.correct,
            rules.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn diff(args: &common::Args, table: bool) -> Result<ExitCode, String> {
    let path = positional(args, 1, "diff needs FILE.jsonl")?;
    let a_path = args
        .value("policy")
        .ok_or_else(|| format!("diff needs --policy A\n{USAGE}"))?;
    let before = load_classifier(Some(a_path))?;
    let after = load_classifier(args.value("against"))?;
    let examples: usize = args
        .value("examples")
        .map(str::parse)
        .transpose()
        .map_err(|e| format!("--examples: {e}"))?
        .unwrap_or(3);
    let (items, bad) = common::read_items(Some(path)).map_err(|e| format!("{path}: {e}"))?;
    common::report_bad(Some(path), &bad);
    let mut d = Diff::new(examples);
    for (line, item, _) in &items {
        let a = before
            .classify(item)
            .map_err(|e| format!("{path}:{line}: {e}"))?;
        let b = after
            .classify(item)
            .map_err(|e| format!("{path}:{line}: {e}"))?;
        d.add(&item.id, &a, &b);
    }
    let d = d.finish();
    let against = args.value("against").unwrap_or("<builtin>");
    if !table {
        println!(
            "{}",
            serde_json::json!({ "file": path, "policy": a_path, "against": against, "diff": d })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{path}: {} of {} items change class from {a_path} to {against}",
        d.changed, d.items
    );
    let name = |c: Option<Class>| c.map_or("none", Class::as_str);
    print!("  {:<17}", "from \\ to");
    for t in 0..6 {
        print!(" {:>8}", cut_class(t));
    }
    println!();
    for f in 0..6 {
        if d.matrix[f].iter().sum::<usize>() == 0 {
            continue;
        }
        print!("  {:<17}", cut_class(f));
        for t in 0..6 {
            print!(" {:>8}", d.matrix[f][t]);
        }
        println!();
    }
    for cell in &d.cells {
        println!("  {} -> {}: {}", name(cell.from), name(cell.to), cell.count);
        for e in &cell.examples {
            println!("    {}", e.id);
            println!("      before: {}", evidence_line(&e.before));
            println!("      after:  {}", evidence_line(&e.after));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cut_class(i: usize) -> &'static str {
    [
        "necessity",
        "opportunistic",
        "fault",
        "market",
        "responsive",
        "none",
    ][i]
}

fn evidence_line(ev: &[Evidence]) -> String {
    if !ev.iter().any(|e| e.contribution > 0.0) {
        return "(no rule fired)".to_string();
    }
    ev.iter()
        .filter(|e| e.contribution > 0.0)
        .map(|e| match &e.kind {
            EvidenceKind::Keyword { phrase, .. } => {
                format!("{}:{phrase}(+{:.2})", e.rule, e.contribution)
            }
            _ => format!("{}(+{:.2})", e.rule, e.contribution),
        })
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect()
}
