//! The command-line examples as a user runs them: `--help`, exit statuses
//! 0/1/2, CSV in and out, streaming order, one result per good line.
//! Run through `cargo run`, as the other example tests do.

#[path = "common/run_example.rs"]
mod run_example;
use run_example::{run, text};
use std::process::Output;

const ITEMS: &str = r#"{"id":"a","title":"Export to PDF crashes","body":"The app crashes with error 500 when I export"}
{"id":"b","title":"Please add dark mode","body":"It would be great to have a dark theme"}
{"id":"c","title":"GDPR erasure request","body":"We are legally required to delete personal data"}
"#;

#[test]
fn help_names_the_shared_flags_and_the_exit_statuses() {
    for tool in ["classify", "cluster", "triage"] {
        let out = run(tool, &["--help"], "");
        assert_eq!(out.status.code(), Some(0), "{tool}");
        let help = text(&out.stdout);
        for flag in ["--input", "--output", "--table", "Exit status", "1 ", "2 "] {
            assert!(help.contains(flag), "{tool} --help lacks {flag}:\n{help}");
        }
        let v = run(tool, &["--version"], "");
        assert_eq!(v.status.code(), Some(0));
        assert!(text(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn usage_errors_exit_2() {
    for tool in ["classify", "cluster", "triage"] {
        let out = run(tool, &["--no-such-flag"], "");
        assert_eq!(out.status.code(), Some(2), "{tool}");
        let out = run(tool, &["--output", "yaml"], "");
        assert_eq!(out.status.code(), Some(2), "{tool}");
        let out = run(tool, &["/no/such/file.jsonl"], "");
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert!(text(&out.stderr).contains("/no/such/file.jsonl"));
    }
}

#[test]
fn classify_keeps_input_order_and_reports_bad_lines_with_numbers() {
    let mut input = String::new();
    for i in 0..2200 {
        input.push_str(&format!(
            "{{\"id\":\"i{i}\",\"body\":\"word {i} crash export\"}}\n"
        ));
        if i == 2100 {
            input.push_str("{not json\n");
        }
    }
    let out = run("classify", &[], &input);
    assert_eq!(out.status.code(), Some(1));
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    let want: Vec<String> = (0..2200).map(|i| format!("i{i}")).collect();
    assert_eq!(ids, want);
    let err = text(&out.stderr);
    assert!(err.contains("<stdin>:2102: invalid JSON"), "{err}");
}

#[test]
fn classify_all_good_exits_0_and_repeated_id_is_a_bad_line() {
    let out = run("classify", &[], ITEMS);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 3);
    let twice = format!("{ITEMS}{{\"id\":\"a\",\"body\":\"again\"}}\n");
    let out = run("classify", &[], &twice);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 3);
    assert!(text(&out.stderr).contains("<stdin>:4:"));
}

#[test]
fn classify_csv_in_gives_the_same_classes_as_jsonl_in_and_csv_out_round_trips() {
    let csv_in = "id,title,body,votes,extra\n\
a,Export to PDF crashes,\"The app crashes with error 500 when I export\",3,x\n\
b,Please add dark mode,\"It would be great to have a dark theme\",,y\n\
c,GDPR erasure request,\"We are legally required to delete personal data\",1,z\n";
    let from_csv = run("classify", &["--input", "csv"], csv_in);
    let from_json = run("classify", &[], ITEMS);
    assert_eq!(
        from_csv.status.code(),
        Some(0),
        "{}",
        text(&from_csv.stderr)
    );
    let classes = |o: &Output| -> Vec<(String, serde_json::Value)> {
        text(&o.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["id"].as_str().unwrap().to_string(), v["class"].clone())
            })
            .collect()
    };
    assert_eq!(classes(&from_csv), classes(&from_json));

    let out = run("classify", &["--output", "csv"], ITEMS);
    assert_eq!(out.status.code(), Some(0));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert_eq!(&headers[1], "class");
    let rows: Vec<(String, String)> = r
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    let want: Vec<(String, String)> = classes(&from_json)
        .into_iter()
        .map(|(id, c)| (id, c.as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(rows, want);
}

#[test]
fn classify_bad_csv_row_is_reported_and_the_others_classified() {
    let csv_in = "id,body,deal_value\na,crash on export,10\nb,dark mode please,-5\n,no id here,\nd,login fails,\n";
    let out = run("classify", &["--input", "csv"], csv_in);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("<stdin>:3:") && err.contains("deal_value"),
        "{err}"
    );
    assert!(err.contains("<stdin>:4:"), "{err}");
    assert_eq!(text(&out.stdout).lines().count(), 2);
}

#[test]
fn cluster_and_triage_read_csv_and_report_bad_lines() {
    let csv_in = "id,title,body,customer\n\
a,Dark mode,Please add a dark mode to the editor,acme\n\
b,Dark theme,Dark mode for the editor please,globex\n\
c,SSO login,SAML single sign-on for login,initech\n";
    for tool in ["cluster", "triage"] {
        let out = run(tool, &["--input", "csv"], csv_in);
        assert_eq!(out.status.code(), Some(0), "{tool}: {}", text(&out.stderr));
        let all = text(&out.stdout);
        for id in ["\"a\"", "\"b\"", "\"c\""] {
            assert!(all.contains(id), "{tool} output lacks {id}");
        }
        let bad = format!("{ITEMS}oops\n");
        let out = run(tool, &[], &bad);
        assert_eq!(out.status.code(), Some(1), "{tool}");
        assert!(text(&out.stderr).contains("<stdin>:4:"), "{tool}");
    }
}

#[test]
fn classify_why_not_explains_each_line_and_leaves_the_plain_output_alone() {
    let plain = run("classify", &[], ITEMS);
    let asked = run("classify", &["--why-not", "necessity"], ITEMS);
    assert_eq!(asked.status.code(), Some(0), "{}", text(&asked.stderr));
    let plain: Vec<serde_json::Value> = text(&plain.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let asked: Vec<serde_json::Value> = text(&asked.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(plain.len(), 3);
    assert_eq!(asked.len(), 3);
    for (p, a) in plain.iter().zip(&asked) {
        assert!(p.get("why_not").is_none(), "no why_not unless asked: {p}");
        let why = &a["why_not"];
        assert_eq!(why["class"], "necessity", "{a}");
        // Everything else on the line is unchanged by the flag.
        let mut without = a.clone();
        without.as_object_mut().unwrap().remove("why_not");
        assert_eq!(&without, p);
        // The reason agrees with the line's own class.
        let won = a["class"] == "necessity";
        assert_eq!(why["reason"]["kind"] == "won", won, "{a}");
        let gap = why["gap"].as_f64().unwrap();
        let score = why["score"].as_f64().unwrap();
        assert_eq!(score, a["scores"]["necessity"].as_f64().unwrap());
        if !won {
            assert!(gap > 0.0 || why["reason"]["kind"] != "lower_score", "{a}");
        }
    }
    // The GDPR request is necessity, the crash is not.
    assert_eq!(asked[2]["why_not"]["reason"]["kind"], "won");
    assert_ne!(asked[0]["why_not"]["reason"]["kind"], "won");

    let table = run("classify", &["--table", "--why-not", "necessity"], ITEMS);
    let t = text(&table.stdout);
    assert!(
        t.lines().next().unwrap().contains("why not necessity"),
        "{t}"
    );
    let csv = run(
        "classify",
        &["--output", "csv", "--why-not", "market_driven"],
        ITEMS,
    );
    let c = text(&csv.stdout);
    assert!(
        c.lines()
            .next()
            .unwrap()
            .ends_with("why_not_reason,why_not_gap,why_not_closest"),
        "{c}"
    );
    assert_eq!(c.lines().count(), 4);

    let bad = run("classify", &["--why-not", "urgent"], ITEMS);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("urgent"));
}

#[test]
fn classify_class_only_gives_the_full_lines_id_and_class() {
    // A fourth request that matches nothing: its class is null.
    let input = format!("{ITEMS}{{\"id\":\"d\",\"title\":\"zzz qqq\"}}\nnot json\n");
    let full = run("classify", &[], &input);
    let short = run("classify", &["--class-only"], &input);
    assert_eq!(short.status.code(), Some(1), "{}", text(&short.stderr));
    assert!(text(&short.stderr).contains("<stdin>:5:"));
    let full: Vec<serde_json::Value> = text(&full.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let short_text = text(&short.stdout);
    let lines: Vec<&str> = short_text.lines().collect();
    assert_eq!(lines.len(), 4);
    for (f, line) in full.iter().zip(&lines) {
        // The two fields, as serde_json writes them (keys sorted).
        let want = serde_json::json!({"class": f["class"], "id": f["id"]});
        assert_eq!(*line, want.to_string());
    }
    assert!(lines[3].starts_with("{\"class\":null,"), "{short_text}");
    assert!(lines[2].contains("necessity"), "{short_text}");

    let csv = run("classify", &["--class-only", "--output", "csv"], &input);
    let c = text(&csv.stdout);
    let rows: Vec<&str> = c.lines().collect();
    assert_eq!(rows[0], "id,class");
    assert_eq!(rows[4], "d,", "no class is an empty cell: {c}");
    let table = run("classify", &["--class-only", "--table"], &input);
    let t = text(&table.stdout);
    assert!(t.contains("Export to PDF crashes"), "{t}");
    assert!(t.contains("4 items:"), "{t}");

    let both = run(
        "classify",
        &["--class-only", "--why-not", "necessity"],
        ITEMS,
    );
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn a_deal_value_past_the_largest_is_a_bad_line_and_sums_stay_finite() {
    // Two deals of 1.5e308 used to add up to infinity (JSON null, "n/a"):
    // each is now a bad line naming the field; the largest allowed deals add
    // up to a number every output writes.
    let line = |id: &str, title: &str, customer: &str, value: &str| {
        format!(r#"{{"id":"{id}","title":"{title}","customer":"{customer}","deal_value":{value}}}"#)
    };
    let huge = [
        line("a", "Export invoices to Excel", "Acme", "1.5e308"),
        line("b", "Excel export of invoices", "Globex", "1.5e308"),
    ]
    .join("\n");
    let out = run("cluster", &["--min-customers", "2"], &huge);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("deal_value"),
        "{}",
        text(&out.stderr)
    );
    let largest = [
        line("a", "Export invoices to Excel", "Acme", "1e15"),
        line("b", "Excel export of invoices", "Globex", "1e15"),
    ]
    .join("\n");
    for (example, args) in [
        ("cluster", vec!["--min-customers", "2", "--table"]),
        ("cluster", vec!["--min-customers", "2", "--markdown"]),
        ("cluster", vec!["--min-customers", "2", "--output", "csv"]),
        ("cluster", vec!["--min-customers", "2"]),
        ("triage", vec!["--min-customers", "2", "--table"]),
        ("triage", vec!["--min-customers", "2", "--markdown"]),
    ] {
        let out = run(example, &args, &largest);
        assert_eq!(out.status.code(), Some(0), "{example} {args:?}");
        let stdout = text(&out.stdout).to_ascii_lowercase();
        assert!(
            stdout.contains("export"),
            "{example} {args:?}: a feature\n{stdout}"
        );
        assert!(
            !stdout.contains("inf") && stdout.contains("2000000000000000"),
            "{example} {args:?}: the sum, written out\n{stdout}"
        );
    }
}

/// serde_json's rendering of one classify line: the library's result with
/// `id` added, every key sorted (a `Value`'s map is sorted), then `why_not`
/// as the library serialises it.
fn serde_line(
    classifier: &feedback_triage::Classifier,
    line: &str,
    why_not: Option<feedback_triage::Class>,
) -> String {
    let item: feedback_triage::FeedbackItem = serde_json::from_str(line).unwrap();
    let c = classifier.classify(&item).unwrap();
    let mut v = serde_json::to_value(&c).unwrap();
    v.as_object_mut()
        .unwrap()
        .insert("id".into(), item.id.clone().into());
    let mut s = serde_json::to_string(&v).unwrap();
    if let Some(class) = why_not {
        let why = classifier.explain_against(&item, class).unwrap();
        s.pop();
        s.push_str(",\"why_not\":");
        s.push_str(&serde_json::to_string(&why).unwrap());
        s.push('}');
    }
    s
}

#[test]
fn classify_json_lines_are_byte_identical_to_serde_json_on_odd_text() {
    // Quotes, backslashes, every kind of control character, U+007F, a line
    // separator, accents, an emoji and characters outside the BMP, in the
    // id, the rule id and a condition's description (the tag).
    let odd = "q\"t\\b/\u{0}\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f} é \u{2028} 🚀 𐐷 𝄞";
    let policy = serde_json::json!({
        "version": 1,
        "rules": [
            {"id": format!("odd {odd}"), "class": "market_driven",
             "keywords": ["dark mode", "café"], "exclude": ["dark web"]},
            {"id": "tagged", "class": "necessity", "keywords": ["export"],
             "when": {"tags": [odd]}},
            {"id": "crash", "class": "fault_correction", "keywords": ["crashes", "freezes"]},
        ]
    });
    let items: Vec<String> = [
        serde_json::json!({"id": odd, "title": "Please add dark mode, café", "body": "It no longer crashes on export", "tags": [odd]}),
        serde_json::json!({"id": format!("{odd}-2"), "title": "dark web dark mode", "body": "freezes 🚀 \"quoted\" \\ 𐐷"}),
        serde_json::json!({"id": "plain", "title": "Nothing to see", "body": ""}),
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    let input = items.join("\n") + "\n";
    let dir = std::env::temp_dir().join(format!("ft-cli-odd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy_path = dir.join("odd.json");
    std::fs::write(&policy_path, policy.to_string()).unwrap();
    let own = feedback_triage::Classifier::new(&serde_json::from_value(policy).unwrap()).unwrap();
    let builtin = feedback_triage::Classifier::builtin();
    let necessity = Some(feedback_triage::Class::Necessity);
    let mut kinds = std::collections::BTreeSet::new();
    for (classifier, args, why_not) in [
        (&own, vec!["--policy", policy_path.to_str().unwrap()], None),
        (&builtin, vec![], None),
        (&builtin, vec!["--why-not", "necessity"], necessity),
    ] {
        let out = run("classify", &args, &input);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let lines: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
        assert_eq!(lines.len(), items.len(), "{args:?}");
        for (got, item) in lines.iter().zip(&items) {
            assert_eq!(got, &serde_line(classifier, item, why_not), "{args:?}");
            let v: serde_json::Value = serde_json::from_str(got).unwrap();
            for e in v["evidence"].as_array().unwrap() {
                kinds.insert(e["kind"].as_str().unwrap().to_string());
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    // Every kind of evidence was written (and so compared).
    let want = [
        "condition",
        "excluded",
        "keyword",
        "negated",
        "other_keywords",
    ];
    assert_eq!(kinds.iter().map(String::as_str).collect::<Vec<_>>(), want);
}

/// A quote left open runs, for the csv crate, to the end of the input:
/// the record it starts in is a bad line (exit 1), never a silent
/// swallowing of the rows after it.
#[test]
fn csv_unterminated_quote_is_a_bad_line_not_a_swallowed_file() {
    let open = "id,title\n1,\"unterminated\n2,Dark mode\n3,Export fails\n";
    for tool in ["classify", "cluster", "triage"] {
        let out = run(tool, &["--input", "csv"], open);
        assert_eq!(out.status.code(), Some(1), "{tool}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(
            err.contains(
                "<stdin>:2: invalid CSV: unterminated quoted field runs to the end of the input"
            ),
            "{tool}: {err}"
        );
        assert!(!text(&out.stdout).contains("unterminated"), "{tool}");
    }
    // In the header row: every row is lost, so the header is the bad line.
    let out = run("classify", &["--input", "csv"], "id,\"title\n1,x\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("<stdin>:1: invalid CSV header: unterminated"),
        "{}",
        text(&out.stderr)
    );
    // Closed quotes, doubled quotes, a quote inside an unquoted field and a
    // quoted line break are all fine.
    let good = "id,title\na,\"say \"\"hi\"\"\"\nb,a 5\" screen\nc,\"two\nlines\"\nd,\"\"\n";
    let out = run("classify", &["--input", "csv", "--class-only"], good);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 4);
}

/// A UTF-8 byte order mark before the first JSON line is skipped.
#[test]
fn jsonl_byte_order_mark_is_skipped() {
    let input = "\u{feff}{\"id\":\"a\",\"title\":\"x\"}\n{\"id\":\"b\",\"title\":\"y\"}\n";
    for tool in ["classify", "cluster", "triage"] {
        let out = run(tool, &[], input);
        assert_eq!(out.status.code(), Some(0), "{tool}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("\"a\""), "{tool}");
    }
    let out = run("classify", &["--class-only"], input);
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"a\"", "\"b\""]);
    // And before a policy read as JSON.
    let dir = std::env::temp_dir().join(format!("ft-cli-bom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("p.json");
    let dumped = run("policy", &["dump"], "");
    std::fs::write(&policy, format!("\u{feff}{}", text(&dumped.stdout))).unwrap();
    let out = run("classify", &["--policy", policy.to_str().unwrap()], input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

/// The README's excerpt of `triage --markdown` on the bundled sample is
/// the tool's output, line for line.
#[test]
fn readme_markdown_excerpt_is_the_triage_output() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("An excerpt of `--markdown` on the bundled sample:")
        .expect("the README has the excerpt");
    let block = &readme[start..];
    let block = &block[block.find("```text\n").unwrap() + 8..];
    let block = &block[..block.find("```").unwrap()];
    let out = run("triage", &["--markdown", "examples/data/sample.jsonl"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let lines: Vec<&str> = report.lines().collect();
    let mut shown = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            lines.contains(&line),
            "README line not in the report: {line:?}\n{report}"
        );
        shown += 1;
    }
    assert!(shown >= 5);
}

/// After the output, every tool says on stderr how many lines could not
/// be read ("1 line" for one).
#[test]
fn bad_lines_are_summed_up_on_stderr_by_every_tool() {
    let two = format!("{ITEMS}oops\n{{\"title\":\"no id\"}}\n");
    let one = format!("{ITEMS}oops\n");
    for (input, count) in [(two, "2 lines"), (one, "1 line")] {
        for tool in ["classify", "cluster", "triage"] {
            let out = run(tool, &[], &input);
            assert_eq!(out.status.code(), Some(1), "{tool}");
            let err = text(&out.stderr);
            assert!(
                err.ends_with(&format!("{tool}: {count} could not be read\n")),
                "{tool}: {err}"
            );
        }
    }
}

/// `--threads 0` (all cores) without the `parallel` feature names what
/// was asked, not the number of cores. The examples run here are built
/// without the feature.
#[test]
fn threads_0_without_the_parallel_feature_names_what_was_asked() {
    let out = run("classify", &["--threads", "0"], ITEMS);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 {
        assert_eq!(out.status.code(), Some(0));
        return;
    }
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "--threads 0 (all {cores} cores) needs the `parallel` feature"
        )),
        "{err}"
    );
}

/// A thread count past 1024 is a usage error (it used to try to start them
/// all and fail with the system's message).
#[test]
fn threads_past_1024_is_a_usage_error() {
    let out = run("classify", &["--threads", "5000"], ITEMS);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("5000 is not in 0..=1024"), "{err}");
    assert!(out.stdout.is_empty());
}

/// A row with more cells than the header (a comma without quotes) is a bad
/// line, not a row whose extra cells vanish; empty cells past the header (a
/// trailing comma) are fine, and a shorter row's missing cells are empty.
/// Two header cells naming one field are refused.
#[test]
fn csv_rows_longer_than_the_header_and_repeated_columns_are_bad_lines() {
    let csv = "id,title,customer\n1,Export invoices\n2,Dark mode,Acme,Inc\n3,Login fails,Globex,\n";
    for tool in ["classify", "cluster", "triage"] {
        let out = run(tool, &["--input", "csv"], csv);
        assert_eq!(out.status.code(), Some(1), "{tool}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(
            err.contains("<stdin>:3: invalid CSV: the row has 4 cells, the header 3"),
            "{tool}: {err}"
        );
    }
    let out = run("classify", &["--input", "csv", "--class-only"], csv);
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"1\"", "\"3\""]);
    let out = run("classify", &["--input", "csv"], "id,ID,title\n1,2,Export\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "<stdin>:1: invalid CSV header: columns 1 (\"id\") and 2 (\"ID\") both name the field `id`"
        ),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// Request text in `triage --markdown` cannot break a table row, open a
/// tag or format itself, and in `--table` no escape sequence reaches the
/// terminal.
#[test]
fn triage_markdown_and_table_show_request_text_as_text() {
    let hostile = concat!(
        r#"{"id":"P|0\nx","title":"Export invoices to Excel","body":"so that I can **paste** them <b>into</b> `sheets`","customer":"Acme\u001b[31mRED\nX"}"#,
        "\n",
        r#"{"id":"J-2","title":"Export invoices to Excel","body":"so that I can hand them over | quickly","customer":"Globex"}"#,
        "\n",
        r#"{"id":"J-3","title":"Export invoices to Excel","body":"so that it works","customer":"Initech"}"#,
        "\n"
    );
    let out = run("triage", &["--markdown"], hostile);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    let row = md
        .lines()
        .find(|l| l.starts_with("| 1 |"))
        .expect("the feature's row");
    // Seven cells: eight unescaped bars.
    let bars = row
        .match_indices('|')
        .filter(|(i, _)| !row[..*i].ends_with('\\'))
        .count();
    assert_eq!(bars, 8, "{row}");
    assert!(!md.contains("<b>") && !md.contains("**paste**"), "{md}");
    assert!(
        md.contains("\\*\\*paste\\*\\* them \\<b\\>into\\</b\\>"),
        "{md}"
    );
    let out = run("triage", &["--table"], hostile);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    assert!(!table.contains('\u{1b}'), "{table}");
    assert!(
        table.contains("loudest customer: Acme[U+001B][31mRED X"),
        "{table}"
    );
}

/// `cluster --output csv` joins a group's members with `;`; a `;` or `\`
/// inside an id is escaped, so the cell splits back into the same ids.
#[test]
fn cluster_csv_members_split_back_into_the_ids() {
    let ids = ["a;b", "c\\d", "e f"];
    let input: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let v = serde_json::json!({"id": id, "title": "export invoices to excel", "customer": format!("c{i}")});
            format!("{v}\n")
        })
        .collect();
    let out = run("cluster", &["--output", "csv"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut rows = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = rows.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == "members").unwrap();
    let cell = rows.records().next().unwrap().unwrap()[col].to_string();
    assert_eq!(cell, "a\\;b;c\\\\d;e f");
    // Split on unescaped `;`, then unescape.
    let (mut got, mut cur, mut esc) = (Vec::new(), String::new(), false);
    for c in cell.chars() {
        match (esc, c) {
            (false, '\\') => esc = true,
            (false, ';') => got.push(std::mem::take(&mut cur)),
            _ => {
                cur.push(c);
                esc = false;
            }
        }
    }
    got.push(cur);
    assert_eq!(got, ids);
}

/// An out-of-range parameter names the flag that set it, not only the
/// library's field.
#[test]
fn a_parameter_error_names_its_flag() {
    let out = run("cluster", &["--threshold", "2"], ITEMS);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "parameter `similarity_threshold` must be in (0, 1], got 2 (set by --threshold)"
        ),
        "{err}"
    );
    let out = run("triage", &["--cadence", "0"], ITEMS);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("(set by --cadence)"));
}

/// In Markdown an `_` inside a word stays as written, and a bare link keeps
/// its address (renderers link it from the raw text): only `|`, `<` and `>`
/// are escaped in it.
#[test]
fn markdown_keeps_words_and_links_readable() {
    let item = r#"{"id":"u_1","title":"Crash https://ex.com/a_b?x=1&y=2#top _x_"}"#;
    let out = run("classify", &["--output", "markdown", "--class-only"], item);
    assert_eq!(out.status.code(), Some(0));
    let md = text(&out.stdout);
    assert!(md.contains("| u_1 |"), "{md}");
    assert!(
        md.contains("https://ex.com/a_b?x=1&y=2#top \\_x\\_"),
        "{md}"
    );
}

/// The table and the Markdown report put a count of one with a singular
/// noun ("1 customer", "1 item", "1 request"), as the HTML page does.
#[test]
fn triage_counts_agree_with_their_nouns() {
    let one = r#"{"id":"a","title":"Export to PDF crashes","body":"It crashes","customer":"Acme","created":"2026-03-04"}
{"id":"b","title":"Please add dark mode","body":"A dark theme","customer":"Beta"}
"#;
    let out = run("triage", &["--table"], one);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.starts_with("TRIAGE REPORT — 2 requests"), "{table}");
    let month = table
        .lines()
        .find(|l| l.trim_start().starts_with("2026-03"))
        .unwrap_or_else(|| panic!("no month line:\n{table}"));
    let words: Vec<&str> = month.split_whitespace().collect();
    assert_eq!(
        &words[..5],
        ["2026-03", "1", "customer", "1", "item"],
        "{month}"
    );
    assert!(table.contains("(1 item without a date)"), "{table}");
    assert!(
        !table.contains(" 1 items") && !table.contains(" 1 customers"),
        "{table}"
    );

    let single = r#"{"id":"a","title":"Export to PDF crashes","body":"It crashes","customer":"Acme"}
"#;
    let out = run("triage", &["--markdown"], single);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.contains("\n1 request.\n"), "{md}");
    assert!(md.contains("1 special case (1 request)."), "{md}");
    assert!(md.contains("1 request is a custom ask."), "{md}");
}

/// The cluster tool's table counts agree with their nouns too.
#[test]
fn cluster_table_counts_agree_with_their_nouns() {
    let items = r#"{"id":"a","title":"Export invoices to CSV","body":"Export all invoices to a CSV file","customer":"Acme"}
{"id":"b","title":"Export invoices to CSV","body":"Export all invoices to a CSV file please","customer":"Acme"}
"#;
    let out = run("cluster", &["--table"], items);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains(
            "0 candidate features; 1 special case (0 lone requests, 1 group from too few customers)"
        ),
        "{table}"
    );
    let group = table
        .lines()
        .find(|l| l.trim_start().starts_with("S-"))
        .unwrap_or_else(|| panic!("no special case line:\n{table}"));
    assert!(
        group.trim_end().ends_with("2 items    1 customer"),
        "{group}"
    );
}
