//! Unit tests of the triage report's private parts.

use super::signals::*;
use super::*;
use crate::test_rng::xorshift;

/// The jobs as first written: every job's strings built, then sorted by
/// (kind, item id, text).
fn plain_jobs(
    members: &[String],
    by_id: &HashMap<&str, usize>,
    items: &[FeedbackItem],
    max: usize,
) -> Vec<FeatureJob> {
    let mut jobs = Vec::new();
    for id in members {
        let Some(&i) = by_id.get(id.as_str()) else {
            continue;
        };
        for job in crate::jobs::extract_jobs(&items[i].title, &items[i].body) {
            jobs.push(FeatureJob {
                item: id.clone(),
                kind: job.kind,
                text: job.text,
            });
        }
    }
    jobs.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then_with(|| a.item.cmp(&b.item))
            .then_with(|| a.text.cmp(&b.text))
    });
    jobs.dedup_by(|a, b| a.text.eq_ignore_ascii_case(&b.text));
    jobs.truncate(max);
    jobs
}

fn dated(dates: &[&str]) -> Vec<FeedbackItem> {
    dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            FeedbackItem::new(format!("r{i}"))
                .with_customer(format!("c{i}"))
                .with_created(*d)
        })
        .collect()
}

#[test]
fn a_date_years_apart_does_not_stretch_the_cadence() {
    let months =
        |c: &Cadence| -> Vec<String> { c.months.iter().map(|m| m.month.clone()).collect() };
    let mut base = vec!["2026-01-05", "2026-02-01", "2026-02-09", "2026-04-30"];
    for typo in ["2062-03-01", "9999-12-31", "0201-05-01"] {
        base.push(typo);
        let c = cadence(&dated(&base), 2);
        assert_eq!(
            months(&c),
            ["2026-01", "2026-02", "2026-03", "2026-04"],
            "{typo}"
        );
        assert_eq!((c.out_of_range, c.undated, c.months_below), (1, 0, 3));
        base.pop();
    }
    // Two years without a request still make one stretch; one more
    // month splits it, and the busier stretch is listed.
    let c = cadence(&dated(&["2020-01-01", "2022-02-01", "2022-03-01"]), 1);
    assert_eq!((c.months.len(), c.out_of_range), (27, 0));
    let c = cadence(&dated(&["2020-01-01", "2022-03-01", "2022-04-01"]), 1);
    assert_eq!(months(&c), ["2022-03", "2022-04"]);
    assert_eq!(c.out_of_range, 1);
    // Equal items: the stretch over more months, though earlier (one
    // real request and one mistyped date).
    let c = cadence(
        &dated(&["2026-01-05", "2026-03-02", "2062-02-01", "2062-02-09"]),
        1,
    );
    assert_eq!(
        (months(&c), c.out_of_range),
        (
            vec!["2026-01".to_string(), "2026-02".into(), "2026-03".into()],
            2
        )
    );
    // Equal stretches: the latest. The order of the items does not matter.
    let mut items = dated(&["2020-01-01", "2030-01-01"]);
    for _ in 0..2 {
        let c = cadence(&items, 1);
        assert_eq!(
            (months(&c), c.out_of_range),
            (vec!["2030-01".to_string()], 1)
        );
        items.reverse();
    }
    assert_eq!(cadence(&dated(&[]), 1).months.len(), 0);
}

#[test]
fn the_top_customer_has_most_items_ties_by_the_smaller_name() {
    let names = [
        "globex", " Acme", "globex", "ACME ", "initech", "", "zeta", "Acme",
    ];
    let mut items: Vec<FeedbackItem> = names
        .iter()
        .enumerate()
        .map(|(i, c)| FeedbackItem::new(format!("r{i}")).with_customer(*c))
        .collect();
    for _ in 0..2 {
        let f = focus(items.len(), &[], &[], &items);
        // Three Acme requests, in the spelling two of them use; the
        // blank name is no customer.
        assert_eq!(f.top_customer, Some(("Acme".to_string(), 3)));
        assert!((f.top_customer_share - 3.0 / 7.0).abs() < 1e-12);
        items.reverse();
    }
}

#[test]
fn feature_jobs_are_the_plain_ones() {
    const PARTS: [&str; 10] = [
        "so that we export",
        "So that we EXPORT",
        "I need to sync",
        "when I log in, I want to see totals",
        "in order to pay",
        "we'd like to share",
        "nothing here",
        "so I can sync",
        ". I need to sync",
        "when we close the month",
    ];
    let mut next = xorshift(18);
    let mut below = |n: u64| next() % n;
    for round in 0..200 {
        let n = 1 + below(12) as usize;
        let items: Vec<FeedbackItem> = (0..n)
            .map(|i| {
                let mut text = String::new();
                for _ in 0..below(4) {
                    text += PARTS[below(PARTS.len() as u64) as usize];
                    text += " ";
                }
                FeedbackItem::new(format!("r{}", below(30) * 100 + i as u64))
                    .with_title(PARTS[below(PARTS.len() as u64) as usize])
                    .with_body(text)
            })
            .collect();
        let by_id: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.as_str(), i))
            .collect();
        let mut members: Vec<String> = items.iter().map(|it| it.id.clone()).collect();
        members.push("missing".into());
        // Ascending (as a clustering lists them), and in any order.
        if round % 2 == 0 {
            members.sort();
            members.dedup();
        }
        let max = below(8) as usize;
        assert_eq!(
            feature_jobs(&members, &by_id, &items, max),
            plain_jobs(&members, &by_id, &items, max),
            "{members:?}"
        );
    }
}
