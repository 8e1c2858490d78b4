//! `triage --output html`: the page parsed with an HTML5 parser (scraper,
//! html5ever underneath) and checked against the JSON report built from
//! the same input; hostile request text never becomes markup; the page is
//! self-contained. Run through `cargo run`, as the other example tests do.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

#[path = "common/run_example.rs"]
mod run_example;
use run_example::run;

/// The triage report on `args` (plus stdin) as JSON and as HTML.
fn both(args: &[&str], stdin: &str) -> (Value, String) {
    let json = run("triage", args, stdin);
    assert_eq!(json.status.code(), Some(0), "{:?}", json);
    let mut html_args = vec!["--output", "html"];
    html_args.extend_from_slice(args);
    let html = run("triage", &html_args, stdin);
    assert_eq!(
        html.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&html.stderr)
    );
    (
        serde_json::from_slice(&json.stdout).unwrap(),
        String::from_utf8(html.stdout).unwrap(),
    )
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect::<String>()
}

/// The body rows of the first table under `scope`.
fn rows<'a>(scope: ElementRef<'a>) -> Vec<ElementRef<'a>> {
    let table = scope.select(&sel("table")).next().expect("a table");
    table.select(&sel("tbody tr")).collect()
}

fn by_id<'a>(doc: &'a Html, id: &str) -> ElementRef<'a> {
    doc.select(&sel(&format!("[id=\"{id}\"]")))
        .next()
        .unwrap_or_else(|| panic!("no element #{id}"))
}

#[test]
fn the_sample_page_matches_the_json_report() {
    let (report, page) = both(&["examples/data/sample.jsonl"], "");
    let doc = Html::parse_document(&page);

    // The class mix: one row per class (and the unclassified), same counts.
    let mix = report["class_mix"].as_array().unwrap();
    let mix_rows = rows(by_id(&doc, "class-mix"));
    assert_eq!(mix_rows.len(), mix.len());
    for (row, c) in mix_rows.iter().zip(mix) {
        let cells: Vec<String> = row.select(&sel("th, td")).map(text).collect();
        assert_eq!(cells[1], c["items"].to_string(), "{cells:?}");
    }

    // Every feature: ranked in the table, and described with its members.
    let features = report["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert_eq!(rows(by_id(&doc, "features")).len(), features.len());
    for f in features {
        let id = f["id"].as_str().unwrap();
        let article = by_id(&doc, &format!("f-{id}"));
        let h3 = text(article.select(&sel("h3")).next().unwrap());
        assert!(h3.contains(f["name"].as_str().unwrap()), "{h3}");
        let members = f["members"].as_array().unwrap();
        let summary = text(article.select(&sel("details summary")).next().unwrap());
        assert_eq!(summary, format!("Members ({})", members.len()));
        let member_rows = rows(article.select(&sel("details")).next().unwrap());
        assert_eq!(member_rows.len(), members.len().min(50));
        for (row, m) in member_rows.iter().zip(members) {
            let first = text(row.select(&sel("th")).next().unwrap());
            assert_eq!(first, m.as_str().unwrap());
        }
        let facts = text(article);
        assert!(facts.contains(f["representative"].as_str().unwrap()));
    }

    // Special cases and the abstained requests are all listed.
    let special = report["special_cases"].as_array().unwrap();
    assert_eq!(rows(by_id(&doc, "special")).len(), special.len().min(200));
    let abstained = report["abstained"].as_array().unwrap();
    if !abstained.is_empty() {
        assert_eq!(rows(by_id(&doc, "abstained")).len(), abstained.len());
    }
    let lead = text(doc.select(&sel("header .lead")).next().unwrap());
    assert!(lead.starts_with(&format!("{} requests", report["items"])));
    // Counts agree with their nouns: "1 request", "2 requests".
    let noun = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    assert!(
        lead.contains(&format!(
            "{} without a class",
            noun(abstained.len(), "request")
        )),
        "{lead}"
    );
    assert!(
        lead.contains(&noun(special.len(), "special case")),
        "{lead}"
    );

    // The run: the policy's name and the parameters.
    let run = text(by_id(&doc, "run"));
    assert!(run.contains("builtin") && run.contains("clustering.similarity_threshold"));
    structure_is_accessible(&doc);
    self_contained(&page);
}

/// Headings in order, tables with captions and headers, charts with a text
/// equivalent.
fn structure_is_accessible(doc: &Html) {
    let levels: Vec<u8> = doc
        .select(&sel("h1, h2, h3, h4, h5, h6"))
        .map(|h| h.value().name()[1..].parse().unwrap())
        .collect();
    assert_eq!(levels[0], 1);
    assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1);
    for w in levels.windows(2) {
        assert!(w[1] <= w[0] + 1, "heading skips a level: {levels:?}");
    }
    let tables: Vec<_> = doc.select(&sel("table")).collect();
    assert!(tables.len() >= 6);
    for t in &tables {
        assert!(t.select(&sel("caption")).next().is_some());
        let heads: Vec<_> = t.select(&sel("thead th")).collect();
        assert!(!heads.is_empty());
        assert!(heads.iter().all(|h| h.value().attr("scope") == Some("col")));
    }
    let charts: Vec<_> = doc.select(&sel("svg")).collect();
    assert!(charts.len() >= 6, "{} charts", charts.len());
    for svg in charts {
        assert_eq!(svg.value().attr("role"), Some("img"));
        let title = svg
            .select(&sel("title"))
            .next()
            .map(text)
            .unwrap_or_default();
        let desc = svg
            .select(&sel("desc"))
            .next()
            .map(text)
            .unwrap_or_default();
        assert!(!title.is_empty() && !desc.is_empty());
        for id in svg.value().attr("aria-labelledby").unwrap().split(' ') {
            by_id(doc, id);
        }
    }
    let viewport = doc.select(&sel("meta[name=viewport]")).next();
    assert!(viewport.is_some());
    assert_eq!(
        doc.select(&sel("html"))
            .next()
            .unwrap()
            .value()
            .attr("lang"),
        Some("en")
    );
}

/// No script, no external stylesheet, font or image, no network address.
fn self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    for bad in [
        "<script", "<link", "http://", "https://", "@import", "url(http",
    ] {
        assert!(!lower.contains(bad), "the page contains {bad}");
    }
    let doc = Html::parse_document(page);
    assert!(doc.select(&sel("[src]")).next().is_none());
    let ids: Vec<&str> = doc
        .select(&sel("[id]"))
        .map(|e| e.value().attr("id").unwrap())
        .collect();
    for id in &ids {
        assert!(
            !id.is_empty() && !id.contains(char::is_whitespace),
            "{id:?} is not a valid HTML id"
        );
    }
    for a in doc.select(&sel("[href]")) {
        let href = a.value().attr("href").unwrap();
        let target = href.strip_prefix('#').expect("links stay in the page");
        assert!(ids.contains(&target), "{href} points at no element");
    }
}

const HOSTILE_TITLE: &str = "<script>alert(1)</script> please add export to excel";

fn hostile_input() -> String {
    let mut lines = Vec::new();
    let customers = [
        "Acme\"><img src=x onerror=alert(1)>",
        "<b onmouseover=alert(2)>Globex</b>",
        "javascript:alert(3)",
        "Initech\u{202E}gnp.exe",
    ];
    for (i, c) in customers.iter().enumerate() {
        let item = serde_json::json!({
            "id": format!("h{i}\"><svg onload=alert({i})>"),
            "title": HOSTILE_TITLE,
            "body": "We need to export invoices to Excel so that <iframe src=javascript:alert(4)> finance can close the month.",
            "customer": c,
            "channel": "sales",
            "created": "2026-01-05",
            // The largest deal value: sums of them are written out.
            "deal_value": 1e15,
        });
        lines.push(item.to_string());
    }
    let long = format!("{}<img src=x onerror=alert(5)>", "A".repeat(100_000));
    lines
        .push(serde_json::json!({"id": "long", "title": long, "customer": "Umbrella"}).to_string());
    // Abstained on (no keyword fires), so listed with its reason.
    lines.push(serde_json::json!({"id": "quiet'\u{202E}<i>", "title": "zzqx wibble"}).to_string());
    lines.join("\n") + "\n"
}

#[test]
fn hostile_text_never_becomes_markup() {
    let (report, page) = both(&[], &hostile_input());
    assert_eq!(report["items"], 6);
    // Sums of the largest deal values are numbers, never "inf".
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("inf<") && !lower.contains(">inf") && !lower.contains("nan<"));
    assert!(
        report["class_mix"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["deal_value"].as_f64() >= Some(4e15))
    );
    assert_eq!(report["abstained"].as_array().unwrap().len(), 1);
    let doc = Html::parse_document(&page);
    for bad in [
        "script",
        "img",
        "iframe",
        "object",
        "embed",
        "b",
        "i",
        "a[href^=javascript]",
    ] {
        assert!(
            doc.select(&sel(bad)).next().is_none(),
            "the page has a <{bad}> element"
        );
    }
    for e in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        for (name, value) in e.value().attrs() {
            assert!(!name.starts_with("on"), "event attribute {name}={value}");
            assert!(
                !value.to_ascii_lowercase().contains("javascript:"),
                "{name}={value}"
            );
        }
    }
    // Only the page's own charts are SVG; the ids' <svg onload> stayed text.
    for svg in doc.select(&sel("svg")) {
        assert_eq!(svg.value().attr("class"), Some("chart"));
    }
    let all = text(doc.root_element());
    assert!(all.contains(HOSTILE_TITLE), "the title is shown as text");
    assert!(all.contains("h0\"><svg onload=alert(0)>"));
    assert!(all.contains("[U+202E]"));
    let quiet = rows(by_id(&doc, "abstained"));
    assert_eq!(quiet.len(), 1);
    assert!(text(quiet[0]).contains("quiet'[U+202E]<i>"));
    assert!(text(quiet[0]).contains("minimum score"));
    assert!(!page.contains('\u{202E}'), "bidi override passed through");
    assert!(!page.contains(&"A".repeat(1000)), "the 100 kB title is cut");
    assert!(page.len() < 100_000, "{} bytes", page.len());
    self_contained(&page);
}

#[test]
fn only_triage_writes_html() {
    for tool in ["classify", "cluster"] {
        let out = run(tool, &["--output", "html"], "");
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("only triage"));
    }
}
