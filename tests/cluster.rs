//! Behaviour and property tests of the clusterer. They need no data files.

use feedback_triage::{
    Assignment, ClusterParams, Clusterer, Clustering, DuplicateDecision, FeedbackItem, GroupKind,
    ItemError, SpecialReason,
};
use proptest::prelude::*;

#[path = "common/partition.rs"]
mod partition;
use partition::{all_ids, partition};

fn item(id: &str, title: &str, customer: Option<&str>) -> FeedbackItem {
    let mut it = FeedbackItem::new(id).with_title(title);
    if let Some(c) = customer {
        it = it.with_customer(c);
    }
    it
}

fn sample() -> Vec<FeedbackItem> {
    vec![
        item("1", "Export reports to Excel", Some("Acme")),
        item("2", "Excel export of the reports", Some("Globex")),
        item("3", "Reports should export to Excel", None),
        item("4", "Dark mode for the editor", Some("Acme")),
        item("5", "Editor dark mode please", Some("Acme")),
        item("6", "Single sign-on with SAML", Some("Initech")),
    ]
}

#[test]
fn features_special_cases_and_ranking() {
    let c = Clusterer::default().cluster(&sample()).unwrap();
    assert_eq!(c.features.len(), 1);
    let f = &c.features[0];
    assert_eq!(f.members, ["1", "2", "3"]);
    assert_eq!(f.distinct_customers, 3);
    assert!(f.id.starts_with("F-") && f.id.len() == 10);
    assert!(f.name.contains("export") && f.name.contains("excel"));
    assert!(f.members.contains(&f.representative));
    assert!(f.cohesion > 0.3 && f.cohesion <= 1.0);
    let m = f.class_mix;
    let total = m.unclassified
        + m.market_driven
        + m.responsiveness
        + m.fault_correction
        + m.necessity
        + m.opportunistic;
    assert_eq!(total, 3);
    // Dark mode: two items, one customer -> special case; SSO alone.
    assert_eq!(c.special_cases.len(), 2);
    assert_eq!(c.special_cases[0].members, ["4", "5"]);
    assert_eq!(c.special_cases[0].reason, SpecialReason::FewCustomers);
    assert_eq!(c.special_cases[1].members, ["6"]);
    assert_eq!(c.special_cases[1].reason, SpecialReason::Alone);
    assert_eq!(c.len(), 6);
}

#[test]
fn min_customers_one_makes_the_pair_a_feature() {
    let cl = Clusterer::new(ClusterParams::default().min_distinct_customers(1)).unwrap();
    let c = cl.cluster(&sample()).unwrap();
    assert_eq!(c.features.len(), 2);
    // Ranked by distinct customers first.
    assert_eq!(c.features[0].members, ["1", "2", "3"]);
}

#[test]
fn deal_value_breaks_customer_ties() {
    let items = vec![
        item("a1", "Export reports to Excel", Some("A")),
        item("a2", "Excel export of the reports", Some("B")),
        item("b1", "Dark mode for the editor", Some("C")).with_deal_value(10.0),
        item("b2", "Editor dark mode please", Some("D")).with_deal_value(5.0),
    ];
    let c = Clusterer::default().cluster(&items).unwrap();
    assert_eq!(c.features.len(), 2);
    assert_eq!(c.features[0].members, ["b1", "b2"]);
    assert_eq!(c.features[0].deal_value, 15.0);
}

/// `n` requests of one text from `n` customers, ids `{prefix}000`...
fn copies(prefix: &str, text: &str, n: usize) -> Vec<FeedbackItem> {
    (0..n)
        .map(|i| item(&format!("{prefix}{i:03}"), text, Some(&format!("k{i}"))))
        .collect()
}

#[test]
fn identical_requests_are_one_feature_however_many_ask() {
    // Past 64 copies every term is in too many items to search by, and
    // the centred vectors of identical texts are zero: the copies were
    // all special cases.
    for n in [2, 64, 65, 300] {
        let c = Clusterer::default()
            .cluster(&copies("c", "Export invoices to Excel please", n))
            .unwrap();
        assert_eq!(c.features.len(), 1, "{n} copies");
        assert_eq!(c.features[0].members.len(), n);
        assert_eq!(c.features[0].distinct_customers, n);
        assert!(c.special_cases.is_empty(), "{n} copies");
    }
}

#[test]
fn two_requests_each_asked_by_half_the_batch_are_two_features() {
    let mut items = copies("a", "Export invoices to Excel", 65);
    items.extend(copies("b", "Dark mode for the editor", 65));
    // Case and spacing aside, the same words.
    items.push(item("b999", "  dark MODE for the   editor", Some("x")));
    for items in [items.clone(), items.into_iter().rev().collect()] {
        let p = partition(&Clusterer::default().cluster(&items).unwrap());
        assert_eq!(p.len(), 2, "{p:?}");
        for g in &p {
            let first = &g[0][..1];
            assert!(g.iter().all(|id| id.starts_with(first)), "{g:?}");
        }
    }
}

#[test]
fn duplicate_ids_are_a_typed_error() {
    let mut items = sample();
    items.push(item("3", "again", None));
    let err = Clusterer::default().cluster(&items).unwrap_err();
    assert_eq!(err, ItemError::DuplicateId { id: "3".into() });
    assert!(err.to_string().contains("\"3\""));
}

#[test]
fn members_are_in_id_order_and_the_smallest_repeated_id_is_named() {
    // The pipeline works in the order of a hash of the ids; what it reports
    // does not show it.
    let items: Vec<FeedbackItem> = (0..20)
        .map(|i| {
            item(
                &format!("r{i:02}"),
                "Export reports to Excel",
                Some(&format!("c{i}")),
            )
        })
        .collect();
    let c = Clusterer::default().cluster(&items).unwrap();
    assert_eq!(c.features.len(), 1);
    let want: Vec<String> = (0..20).map(|i| format!("r{i:02}")).collect();
    assert_eq!(c.features[0].members, want);
    let mut repeated = items.clone();
    for id in ["r07", "r15", "r03"] {
        repeated.push(item(id, "again", None));
    }
    let err = Clusterer::default().cluster(&repeated).unwrap_err();
    assert_eq!(err, ItemError::DuplicateId { id: "r03".into() });
}

#[test]
fn an_invalid_item_is_named_whatever_the_order_and_an_empty_id_located() {
    let mut items = sample();
    items.push(item("zz", "bad deal", None).with_deal_value(-1.0));
    items.push(item("aa", "bad deal too", None).with_deal_value(f64::NAN));
    let mut reversed = items.clone();
    reversed.reverse();
    for batch in [&items, &reversed] {
        let err = Clusterer::default().cluster(batch).unwrap_err();
        // The smallest id among the invalid items, in either order.
        assert_eq!(err.id(), Some("aa"));
        assert_eq!(err.index(), None);
    }
    items.insert(2, FeedbackItem::new(" \t"));
    let err = Clusterer::default().cluster(&items).unwrap_err();
    assert_eq!(err, ItemError::EmptyIdInBatch { index: 2 });
    assert_eq!(err.index(), Some(2));
    assert!(err.to_string().contains("item #2"));
}

#[test]
fn empty_input() {
    let c = Clusterer::default().cluster(&[]).unwrap();
    assert!(c.is_empty());
}

#[test]
fn hostile_texts_do_not_panic() {
    let big = "export reports excel ".repeat(100_000); // 2 MB
    let items = vec![
        item("big", &big, None),
        item("big2", &big, None),
        item("nowords", "!!! ??? ... --- 123 456", None),
        item("empty", "", None),
        item("emoji", "🚀🚀 🔥 ✨ rocket 🚀", None),
        item("mixed", "导出报表 Excel エクスポート отчёт تصدير", None),
        item("mixed2", "导出报表 Excel エクスポート отчёт", None),
        FeedbackItem::new("ws").with_body("\u{200b}\u{feff}\n\t \u{0301}"),
    ];
    let (c, index) = Clusterer::default().cluster_with_index(&items).unwrap();
    assert_eq!(all_ids(&c).len(), items.len());
    // The two copies together (the mixed-script items say the same in
    // other languages and share "Excel": they may join them).
    assert!(
        partition(&c)
            .iter()
            .any(|g| g.contains(&"big".to_string()) && g.contains(&"big2".to_string())),
        "{:?}",
        partition(&c)
    );
    let group_of = |id: &str| {
        c.features
            .iter()
            .map(|f| (&f.id, &f.members))
            .chain(c.special_cases.iter().map(|s| (&s.id, &s.members)))
            .find(|(_, m)| m.iter().any(|m| m == id))
            .map(|(g, _)| g.clone())
            .unwrap()
    };
    // An indexed item placed again joins its own group, unless it has no
    // term to compare (the numbers of "nowords" are terms): then it is new
    // and close to nothing.
    for it in &items {
        let wordless = ["empty", "ws"].contains(&it.id.as_str());
        match index.assign(it) {
            Assignment::Joins { id, similarity, .. } => {
                assert!(!wordless, "{}", it.id);
                assert_eq!(id, group_of(&it.id), "{}", it.id);
                assert!((0.0..=1.0).contains(&similarity), "{similarity}");
            }
            Assignment::New { closest } => {
                assert!(wordless, "{} is new: {closest:?}", it.id);
                assert_eq!(closest, None, "{}", it.id);
            }
            other => panic!("{other:?}"),
        }
        let check = index.find_duplicate(it).unwrap();
        assert!((0.0..=1.0).contains(&check.similarity), "{check:?}");
        if wordless {
            assert_eq!(check.decision, DuplicateDecision::Different, "{check:?}");
            assert_eq!(check.matched, None, "{check:?}");
        }
    }
    // The identical huge texts find each other; so do the mixed scripts.
    for (a, b) in [("big", "big2"), ("big2", "big"), ("mixed", "mixed2")] {
        let it = items.iter().find(|i| i.id == a).unwrap();
        let check = index.find_duplicate(it).unwrap();
        assert_eq!(check.matched.as_deref(), Some(b), "{check:?}");
        assert_eq!(check.group, Some(group_of(b)));
    }
    let big = index.find_duplicate(&items[0]).unwrap();
    assert_eq!(big.decision, DuplicateDecision::Same);
    assert!(big.similarity > 0.999, "{big:?}");
}

#[test]
fn assign_matches_a_rerun() {
    let items = sample();
    let cl = Clusterer::default();
    let (c, index) = cl.cluster_with_index(&items).unwrap();
    let new = item("7", "Excel export for our reports", Some("Hooli"));
    match index.assign(&new) {
        Assignment::Joins {
            id,
            name,
            group,
            similarity,
            shared_terms,
        } => {
            assert_eq!(id, c.features[0].id);
            assert_eq!(name, c.features[0].name);
            assert_eq!(group, GroupKind::Feature);
            assert!(similarity >= cl.params().similarity_threshold);
            assert!(shared_terms.contains(&"excel".to_string()));
        }
        other => panic!("{other:?}"),
    }
    let mut more = items.clone();
    more.push(new);
    let rerun = cl.cluster(&more).unwrap();
    assert!(rerun.features[0].members.contains(&"7".to_string()));

    // By terms alone nothing is near. (With meaning the index may place
    // it: the dense vectors are centred on the indexed batch, and on six
    // items adding one moves that centre, so a re-run can differ.)
    let other = item("8", "Webhooks for billing events", None);
    let terms = Clusterer::new(ClusterParams::default().semantic_weight(0.0)).unwrap();
    let (_, terms_index) = terms.cluster_with_index(&items).unwrap();
    assert!(matches!(terms_index.assign(&other), Assignment::New { .. }));
    let mut more = items.clone();
    more.push(other);
    let rerun = partition(&terms.cluster(&more).unwrap());
    assert!(rerun.contains(&vec!["8".to_string()]), "{rerun:?}");
}

#[test]
fn compare_gives_the_same_answer_both_ways() {
    // Forty words each, twenty shared: in a two-item corpus every word
    // weighs the same, and the 32 strongest of each are kept, so which
    // words survive the cut was decided by which item came first.
    let words =
        |r: std::ops::Range<usize>| r.map(|i| format!("term{i}")).collect::<Vec<_>>().join(" ");
    let a = FeedbackItem::new("a").with_body(words(0..40));
    let b = FeedbackItem::new("b").with_body(words(20..60));
    let cl = Clusterer::default();
    let (ab, ba) = (cl.compare(&a, &b).unwrap(), cl.compare(&b, &a).unwrap());
    assert_eq!(ab.similarity, ba.similarity);
    assert_eq!(ab.decision, ba.decision);
    // The shared terms are the same words (each in the first item's spelling).
    let mut x = ab.shared_terms.clone();
    let mut y = ba.shared_terms.clone();
    x.sort();
    y.sort();
    assert_eq!(x, y);
    assert!(!x.is_empty());
}

#[test]
fn duplicate_bands() {
    let cl = Clusterer::default();
    let a = item("a", "Export reports to Excel", None);
    let same = item("b", "export Reports to excel!", None);
    let near = item("c", "Export dashboards to Excel", None);
    let far = item("d", "Dark mode", None);
    assert_eq!(
        cl.compare(&a, &same).unwrap().decision,
        DuplicateDecision::Same
    );
    let r = cl.compare(&a, &near).unwrap();
    assert_eq!(r.decision, DuplicateDecision::Review, "{r:?}");
    assert_eq!(r.shared_terms, ["export", "excel"]);
    let d = cl.compare(&a, &far).unwrap();
    assert_eq!(d.decision, DuplicateDecision::Different);
    assert!(d.shared_terms.is_empty());

    let (_, index) = cl.cluster_with_index(&sample()).unwrap();
    let check = index
        .find_duplicate(&item("x", "Export the reports to Excel", None))
        .unwrap();
    assert_eq!(check.decision, DuplicateDecision::Same);
    assert!(["1", "2", "3"].contains(&check.matched.as_deref().unwrap()));
    assert!(check.group.as_deref().unwrap().starts_with("F-"));
}

/// Index queries reuse one scratch accumulator per thread: alternating
/// between a large and a small index on one thread gives the answers a fresh
/// thread gives for each query alone.
#[test]
fn index_queries_do_not_leak_between_indexes() {
    let cl = Clusterer::default();
    let mut big = sample();
    for i in 0..300 {
        let topic = ["export", "dark", "sso", "invoice", "calendar"][i % 5];
        big.push(item(
            &format!("b{i}"),
            &format!("{topic} request number {i}"),
            None,
        ));
    }
    let (_, large) = cl.cluster_with_index(&big).unwrap();
    let (_, small) = cl.cluster_with_index(&sample()).unwrap();
    let queries = [
        item("q1", "Export the reports to Excel", None),
        item("q2", "dark mode request", None),
        item("q3", "SAML single sign-on", None),
        item("q4", "calendar request number 7", None),
    ];
    for q in &queries {
        for index in [&large, &small, &large] {
            let (a, d) = (index.assign(q), index.find_duplicate(q).unwrap());
            let (fresh_a, fresh_d) = std::thread::scope(|s| {
                s.spawn(|| (index.assign(q), index.find_duplicate(q).unwrap()))
                    .join()
                    .unwrap()
            });
            assert_eq!(a, fresh_a, "{}", q.id);
            assert_eq!(d, fresh_d, "{}", q.id);
        }
    }
}

#[test]
fn clustering_round_trips_through_serde() {
    let c = Clusterer::default().cluster(&sample()).unwrap();
    let json = serde_json::to_string(&c).unwrap();
    let back: Clustering = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
}

// ---- properties -----------------------------------------------------------

const WORDS: &[&str] = &[
    "export", "excel", "report", "dark", "mode", "editor", "login", "sso", "saml", "slow", "crash",
    "mobile", "android", "invoice", "billing", "webhook", "api", "search", "filter", "the",
    "please", "🚀", "导出",
];

fn items_strategy(max: usize) -> impl Strategy<Value = Vec<FeedbackItem>> {
    prop::collection::vec(
        (
            prop::collection::vec(0..WORDS.len(), 0..6),
            prop::option::of(0..4u8),
        ),
        0..max,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (words, cust))| {
                let title: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
                let mut it = FeedbackItem::new(format!("id-{i:03}")).with_title(title.join(" "));
                if let Some(c) = cust {
                    it = it.with_customer(format!("cust-{c}"));
                }
                it
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_id_exactly_once(items in items_strategy(40)) {
        let c = Clusterer::default().cluster(&items).unwrap();
        let mut want: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        want.sort();
        prop_assert_eq!(all_ids(&c), want);
        for f in &c.features {
            prop_assert!(f.distinct_customers <= f.members.len());
            prop_assert!(f.members.len() >= 2);
            prop_assert!(f.cohesion >= 0.0 && f.cohesion <= 1.0);
        }
        for s in &c.special_cases {
            prop_assert!(s.distinct_customers <= s.members.len());
        }
    }

    #[test]
    fn input_order_does_not_matter(items in items_strategy(40), seed in any::<u64>()) {
        let cl = Clusterer::default();
        let a = cl.cluster(&items).unwrap();
        let mut shuffled = items.clone();
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(cl.cluster(&shuffled).unwrap(), a);
    }

    #[test]
    fn raising_the_threshold_only_splits(
        items in items_strategy(40),
        lo in 0.05f64..0.9,
        step in 0.0f64..0.5,
    ) {
        let hi = (lo + step).min(1.0);
        // In one stage: the two-stage linkage's second stage starts from
        // groups that the threshold changes, so it gives no such promise.
        let one = ClusterParams::default().shared_neighbours(0);
        let low = Clusterer::new(one.clone().similarity_threshold(lo)).unwrap();
        let high = Clusterer::new(one.similarity_threshold(hi)).unwrap();
        let coarse = partition(&low.cluster(&items).unwrap());
        for group in partition(&high.cluster(&items).unwrap()) {
            // Each fine group lies inside one coarse group.
            prop_assert!(coarse.iter().any(|g| group.iter().all(|id| g.contains(id))));
        }
    }

    #[test]
    #[cfg(feature = "internals")]
    fn fast_path_equals_exhaustive_on_small_inputs(items in items_strategy(25)) {
        // With fewer items than `max_candidates_per_item` and every term under
        // the document-frequency floor, the index finds every similar pair
        // (by terms: neighbours by meaning are a bounded sample).
        let cl = Clusterer::new(ClusterParams::default().semantic_weight(0.0)).unwrap();
        prop_assert_eq!(cl.cluster(&items).unwrap(), cl.cluster_exhaustive(&items).unwrap());
    }
}

#[test]
#[cfg(feature = "internals")]
fn fast_path_equals_exhaustive_where_the_threshold_decides() {
    // Larger than the candidate cap: well separated topics, so the threshold
    // decides every merge clearly.
    let topics = [
        "export reports excel spreadsheet",
        "dark mode editor theme",
        "saml single sign-on okta",
        "android app crash startup",
        "invoice billing currency euro",
    ];
    let mut items = Vec::new();
    for (t, topic) in topics.iter().enumerate() {
        let words: Vec<&str> = topic.split(' ').collect();
        for k in 0..30 {
            let title = format!(
                "{} {} {}",
                words[k % 4],
                words[(k + 1) % 4],
                words[(k + 2) % 4]
            );
            items.push(item(
                &format!("t{t}-{k:02}"),
                &title,
                Some(&format!("c{k}")),
            ));
        }
    }
    let cl = Clusterer::default();
    let fast = cl.cluster(&items).unwrap();
    assert_eq!(fast, cl.cluster_exhaustive(&items).unwrap());
    assert_eq!(fast.features.len(), 5);
}

#[test]
fn send_sync() {
    fn assert_all<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    assert_all::<Clusterer>();
    assert_all::<feedback_triage::ClusterIndex>();
    assert_all::<Clustering>();
    assert_all::<ClusterParams>();
    assert_all::<feedback_triage::Backlog>();
    assert_all::<feedback_triage::Inserted>();
    assert_all::<feedback_triage::BacklogError>();
}

/// A few hundred varied requests: themes sharing words, with noise words,
/// customers and bodies, so groups of many sizes and near ties appear.
#[cfg(feature = "parallel")]
fn varied_items(n: usize) -> Vec<FeedbackItem> {
    const THEMES: [&str; 12] = [
        "export reports to excel",
        "dark mode for the editor",
        "single sign-on with saml",
        "slack notifications for new comments",
        "bulk edit of tasks",
        "calendar sync with outlook",
        "api rate limit is too low",
        "mobile app crashes on login",
        "custom fields on invoices",
        "two factor authentication by sms",
        "search is slow on large projects",
        "keyboard shortcuts for navigation",
    ];
    const NOISE: [&str; 16] = [
        "please",
        "urgent",
        "customers",
        "team",
        "weekly",
        "report",
        "editor",
        "login",
        "mobile",
        "invoice",
        "search",
        "export",
        "sync",
        "comments",
        "fields",
        "projects",
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|i| {
            let theme = THEMES[(next() % THEMES.len() as u64) as usize];
            let mut words: Vec<&str> = theme.split(' ').filter(|_| next() % 4 != 0).collect();
            for _ in 0..next() % 4 {
                words.push(NOISE[(next() % NOISE.len() as u64) as usize]);
            }
            let mut it = FeedbackItem::new(format!("{i:04}")).with_title(words.join(" "));
            if next() % 3 == 0 {
                let other = THEMES[(next() % THEMES.len() as u64) as usize];
                it = it.with_body(format!("also {other}"));
            }
            if next() % 2 == 0 {
                it = it.with_customer(format!("c{}", next() % 40));
            }
            it
        })
        .collect()
}

#[cfg(feature = "parallel")]
fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[cfg(feature = "parallel")]
#[test]
fn parallel_result_does_not_depend_on_threads() {
    let items = varied_items(400);
    // Small candidate lists and windows too, so the bounded search matters.
    for params in [
        ClusterParams::default(),
        ClusterParams::default()
            .max_candidates_per_item(5)
            .max_postings_per_term(8),
    ] {
        let cl = Clusterer::new(params).unwrap();
        let one = in_pool(1, || cl.cluster(&items).unwrap());
        let four = in_pool(4, || cl.cluster(&items).unwrap());
        assert_eq!(one, four);
        assert!(one.features.len() >= 5, "{}", one.features.len());
        let (with_index, _) = in_pool(4, || cl.cluster_with_index(&items).unwrap());
        assert_eq!(one, with_index);
    }
}

#[cfg(feature = "parallel")]
#[test]
#[cfg(feature = "internals")]
fn parallel_matches_exhaustive_on_clear_input() {
    let cl = Clusterer::default();
    let items = sample();
    for threads in [1, 4] {
        let (fast, all) = in_pool(threads, || {
            (
                cl.cluster(&items).unwrap(),
                cl.cluster_exhaustive(&items).unwrap(),
            )
        });
        assert_eq!(fast, all);
        assert_eq!(partition(&fast).len(), 3);
    }
}

#[test]
fn near_identical_titles_are_at_least_worth_a_review() {
    use feedback_triage::{Clusterer, DuplicateDecision, FeedbackItem};
    let c = Clusterer::default();
    let a = FeedbackItem::new("a")
        .with_title("NameNode crashes on startup after upgrade")
        .with_body("Log attached: java.io.IOException at FSImage.loadFSImage line 812");
    let b = FeedbackItem::new("b")
        .with_title("Namenode crashes on start-up after upgrde")
        .with_body(
            "Seen on our staging cluster, the web UI never comes up; restarting did not help",
        );
    let check = c.compare(&a, &b).unwrap();
    let t = check.title_similarity.expect("both titles are long enough");
    assert!(t >= 0.9, "{t}");
    assert_ne!(check.decision, DuplicateDecision::Different, "{check:?}");
    // Different titles and bodies stay different; short titles say nothing.
    let d = FeedbackItem::new("d")
        .with_title("Add dark mode to the editor")
        .with_body("Please.");
    let check = c.compare(&a, &d).unwrap();
    assert_eq!(check.decision, DuplicateDecision::Different);
    assert!(check.title_similarity.unwrap() < 0.5);
    let short = FeedbackItem::new("s").with_title("Crash");
    assert_eq!(c.compare(&a, &short).unwrap().title_similarity, None);
}

/// A word of letters only, different for each `i` (ending in `k`, so the
/// stemmer leaves it alone).
#[cfg(feature = "internals")]
fn letters(mut i: usize) -> String {
    let mut s = String::from("zq");
    loop {
        s.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    s.push('k');
    s
}

#[test]
#[cfg(feature = "internals")]
fn sparse_data_raises_the_threshold_and_the_index_uses_it() {
    // 600 requests with nothing in common: D = 0, so the linkage merges at
    // 0.8 × 600 / 1100 ≈ 0.436 instead of 0.12.
    let mut items: Vec<FeedbackItem> = (0..600)
        .map(|i| {
            let t = format!(
                "{} {} {}",
                letters(3 * i),
                letters(3 * i + 1),
                letters(3 * i + 2)
            );
            item(&format!("s{i:03}"), &t, None)
        })
        .collect();
    // A pair sharing one word of three: similar at about 0.3.
    items.push(item("p1", "alpha bravo charlie", None));
    items.push(item("p2", "alpha delta echo", None));
    // By terms: static vectors find something in common between any texts.
    let cl = Clusterer::new(ClusterParams::default().semantic_weight(0.0)).unwrap();
    let (c, index) = cl.cluster_with_index(&items).unwrap();
    assert!(index.threshold() > 0.4, "{}", index.threshold());
    assert!(c.features.is_empty(), "{:?}", c.features);
    let off = Clusterer::new(cl.params().clone().adaptive_weight(0.0)).unwrap();
    assert_eq!(off.cluster(&items).unwrap().features.len(), 1);
    assert_eq!(
        off.cluster_with_index(&items).unwrap().1.threshold(),
        cl.params().similarity_threshold
    );

    // A new request like p1 as p2 is: new, as a re-run says.
    let new = item("p3", "alpha foxtrot golf", None);
    assert!(matches!(index.assign(&new), Assignment::New { .. }));
    items.push(new);
    assert!(cl.cluster(&items).unwrap().features.is_empty());
    // Both paths use the same threshold.
    assert_eq!(
        partition(&cl.cluster(&items).unwrap()),
        partition(&cl.cluster_exhaustive(&items).unwrap())
    );
}

/// Items with caller embeddings: the vector follows a hidden topic (four
/// unit directions with a small per-item tilt), the words are drawn apart
/// from it.
fn embedded_items_strategy(max: usize) -> impl Strategy<Value = Vec<FeedbackItem>> {
    (
        items_strategy(max),
        prop::collection::vec((0..4usize, -3i8..=3), max),
    )
        .prop_map(|(items, topics)| {
            items
                .into_iter()
                .zip(topics)
                .map(|(it, (topic, tilt))| {
                    let mut e = vec![0.0f32; 4];
                    e[topic] = 1.0;
                    e[(topic + 1) % 4] = f32::from(tilt) / 10.0;
                    it.with_embedding(e)
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn input_order_does_not_matter_with_embeddings(
        items in embedded_items_strategy(40),
        seed in any::<u64>(),
    ) {
        let cl = Clusterer::default();
        let a = cl.cluster(&items).unwrap();
        let mut shuffled = items.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(cl.cluster(&shuffled).unwrap(), a);
        let mut want: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        want.sort();
        prop_assert_eq!(all_ids(&cl.cluster(&shuffled).unwrap()), want);
    }
}
