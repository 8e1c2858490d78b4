//! The triage report: class mix, features with jobs, special cases, listed
//! abstentions, and the portfolio signals, on hand-made backlogs with known
//! answers; order independence; typed errors.

use feedback_triage::{
    Channel, Class, Classifier, ClusterParams, Clusterer, FeedbackItem, ItemError, Triage,
    TriageParams,
};

fn item(id: &str, customer: &str, title: &str, body: &str, created: &str) -> FeedbackItem {
    let mut i = FeedbackItem::new(id)
        .with_title(title)
        .with_body(body)
        .with_created(created);
    if !customer.is_empty() {
        i = i.with_customer(customer);
    }
    i
}

fn backlog() -> Vec<FeedbackItem> {
    vec![
        item(
            "a1",
            "Acme",
            "Export invoices to Excel",
            "We need to export invoices so that finance can close the month.",
            "2026-01-05",
        ),
        item(
            "a2",
            "Globex",
            "Excel export of invoices",
            "Please add an invoice export to Excel.",
            "2026-01-20",
        ),
        item(
            "a3",
            "Initech",
            "Invoices: export to Excel",
            "It would be nice to export the invoices to Excel in order to reconcile payments.",
            "2026-03-02",
        ),
        item(
            "b1",
            "Acme",
            "App crashes when uploading a photo",
            "Steps to reproduce: open the app, upload a photo, crash.",
            "2026-01-07",
        ),
        item(
            "c1",
            "Umbrella",
            "GDPR deletion request",
            "Erase all personal data of our former employee.",
            "2026-03-15",
        )
        .with_channel(Channel::Regulator),
        item(
            "d1",
            "Hooli",
            "We lose the deal without SSO",
            "The prospect needs SAML before signing.",
            "2026-03-20",
        )
        .with_channel(Channel::Sales)
        .with_deal_value(50_000.0),
        item("e1", "", "👋", "", "not a date"),
    ]
}

#[test]
fn the_report_puts_it_all_together() {
    let r = Triage::builtin().report(&backlog()).unwrap();
    assert_eq!(r.items, 7);
    // Class mix: one row per class plus the unclassified, shares summing to 1.
    assert_eq!(r.class_mix.len(), 6);
    let total: f64 = r.class_mix.iter().map(|c| c.share).sum();
    assert!((total - 1.0).abs() < 1e-9);
    let row = |c: Option<Class>| r.class_mix.iter().find(|x| x.class == c).unwrap();
    assert_eq!(row(Some(Class::Opportunistic)).deal_value, 50_000.0);
    assert_eq!(row(Some(Class::Necessity)).items, 1);
    // Abstentions are listed, not hidden: exactly the items with no class.
    let classifier = Classifier::builtin();
    let expected: Vec<String> = backlog()
        .iter()
        .filter(|i| classifier.classify(i).unwrap().class.is_none())
        .map(|i| i.id.clone())
        .collect();
    assert!(expected.contains(&"e1".to_string()));
    assert_eq!(r.abstained, expected);
    assert_eq!(row(None).items, expected.len());
    // The invoice export is the one common feature, with its jobs.
    assert_eq!(r.features.len(), 1, "{:#?}", r.features);
    let f = &r.features[0];
    assert_eq!(f.feature.members, ["a1", "a2", "a3"]);
    assert_eq!(f.feature.distinct_customers, 3);
    let jobs: Vec<&str> = f.jobs.iter().map(|j| j.text.as_str()).collect();
    assert!(jobs.contains(&"finance can close the month"), "{jobs:?}");
    assert!(jobs.contains(&"reconcile payments"), "{jobs:?}");
    // Every id is in exactly one group.
    let mut ids: Vec<&str> = r
        .features
        .iter()
        .flat_map(|f| f.feature.members.iter())
        .chain(r.special_cases.iter().flat_map(|s| s.members.iter()))
        .map(String::as_str)
        .collect();
    ids.sort();
    assert_eq!(ids, ["a1", "a2", "a3", "b1", "c1", "d1", "e1"]);
}

#[test]
fn signals_are_computed_as_documented() {
    let r = Triage::builtin().report(&backlog()).unwrap();
    let s = &r.signals;
    // Focus: 3 of 7 items shared across customers; Acme is the loudest (2 of 6 named).
    assert_eq!(s.focus.shared_items, 3);
    assert_eq!(s.focus.custom_items, 4);
    assert!((s.focus.shared_share - 3.0 / 7.0).abs() < 1e-9);
    assert_eq!(s.focus.top_customer, Some(("Acme".to_string(), 2)));
    // Sources: 1 regulator + 1 sales external, 0 internal, 5 unknown.
    assert_eq!(
        (s.sources.internal, s.sources.external, s.sources.unknown),
        (0, 2, 5)
    );
    assert_eq!(s.sources.internal_share, Some(0.0));
    // Cadence: January to March listed, February empty; all under 4 customers.
    let months: Vec<(&str, usize, usize)> = s
        .cadence
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.customers, m.items))
        .collect();
    assert_eq!(
        months,
        [("2026-01", 2, 3), ("2026-02", 0, 0), ("2026-03", 3, 3)]
    );
    assert_eq!(s.cadence.months_below, 3);
    assert_eq!(s.cadence.undated, 1);
    // Alignment depends on the classes the default policy gives the three
    // invoice requests: see `alignment_counts_features_drawing_on_two_of_the_three_classes`
    // for known answers with a policy of the test's own.
}

/// Alignment, with a policy of the test's own so that each member's class is
/// known: among the features with members in market driven, opportunistic
/// or responsiveness, the share with members in two or three of them.
#[test]
fn alignment_counts_features_drawing_on_two_of_the_three_classes() {
    use feedback_triage::{Policy, Rule};
    let mut policy = Policy::empty();
    for (id, class, word) in [
        ("md", Class::MarketDriven, "competitors"),
        ("resp", Class::Responsiveness, "annoying"),
        ("opp", Class::Opportunistic, "renewal"),
        ("nec", Class::Necessity, "auditors"),
    ] {
        policy.rules.push(Rule::new(id, class).keyword(word));
    }
    let clusterer = Clusterer::default().with_classifier(Classifier::new(&policy).unwrap());
    let t = Triage::new(clusterer, TriageParams::default()).unwrap();
    let invoices = "export invoices to excel spreadsheet";
    let dark = "dark mode theme for the editor";
    let audit = "audit log of admin changes";
    let items = vec![
        // Market driven and responsiveness: aligned.
        item(
            "a1",
            "Acme",
            invoices,
            "our competitors have it",
            "2026-01-05",
        ),
        item(
            "a2",
            "Globex",
            invoices,
            "so annoying without it",
            "2026-01-06",
        ),
        item(
            "a3",
            "Initech",
            invoices,
            "competitors offer it",
            "2026-01-07",
        ),
        // Opportunistic alone: considered, not aligned.
        item("b1", "Acme", dark, "needed for the renewal", "2026-01-08"),
        item("b2", "Hooli", dark, "part of our renewal", "2026-01-09"),
        // Necessity alone: not considered.
        item("c1", "Umbrella", audit, "our auditors ask", "2026-01-10"),
        item(
            "c2",
            "Globex",
            audit,
            "the auditors require it",
            "2026-01-11",
        ),
    ];
    let r = t.report(&items).unwrap();
    let mut groups: Vec<Vec<&str>> = r
        .features
        .iter()
        .map(|f| f.feature.members.iter().map(String::as_str).collect())
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        [vec!["a1", "a2", "a3"], vec!["b1", "b2"], vec!["c1", "c2"]]
    );
    let a = &r.signals.alignment;
    assert_eq!((a.features_considered, a.features_aligned), (2, 1));
    assert_eq!(a.share, Some(0.5));
}

#[test]
fn the_cadence_threshold_is_a_parameter() {
    let mut params = TriageParams::default();
    params.min_customers_per_month = 2;
    let t = Triage::new(Clusterer::default(), params).unwrap();
    let r = t.report(&backlog()).unwrap();
    let below: Vec<&str> = r
        .signals
        .cadence
        .months
        .iter()
        .filter(|m| m.below)
        .map(|m| m.month.as_str())
        .collect();
    assert_eq!(below, ["2026-02"]);
    let mut bad = TriageParams::default();
    bad.min_customers_per_month = 0;
    let err = Triage::new(Clusterer::default(), bad).unwrap_err();
    assert!(err.to_string().contains("min_customers_per_month"));
}

#[test]
fn the_report_does_not_depend_on_item_order() {
    let items = backlog();
    let t = Triage::builtin();
    let forward = t.report(&items).unwrap();
    let mut reversed = items.clone();
    reversed.reverse();
    assert_eq!(t.report(&reversed).unwrap(), forward);
    let mut rotated = items;
    rotated.rotate_left(3);
    assert_eq!(t.report(&rotated).unwrap(), forward);

    // Deal values whose float sum depends on the order of the additions:
    // (0.1 + 0.2) + 0.3 is not 0.3 + (0.2 + 0.1).
    let deal = |id: &str, v: f64| {
        FeedbackItem::new(id)
            .with_title("The app crashes on start")
            .with_deal_value(v)
    };
    let up = [deal("a", 0.1), deal("b", 0.2), deal("c", 0.3)];
    let down = [deal("c", 0.3), deal("b", 0.2), deal("a", 0.1)];
    assert_eq!(t.report(&up).unwrap(), t.report(&down).unwrap());
}

#[test]
fn bad_batches_are_typed_errors() {
    let mut items = backlog();
    items.push(FeedbackItem::new("a1").with_title("again"));
    match Triage::builtin().report(&items) {
        Err(ItemError::DuplicateId { id }) => assert_eq!(id, "a1"),
        other => panic!("{other:?}"),
    }
    let bad = vec![FeedbackItem::new("x").with_deal_value(-1.0)];
    assert!(matches!(
        Triage::builtin().report(&bad),
        Err(ItemError::InvalidDealValue { .. })
    ));
    let empty = Triage::builtin().report(&[]).unwrap();
    assert_eq!(empty.items, 0);
    assert!(empty.signals.cadence.months.is_empty());
    assert_eq!(empty.signals.alignment.share, None);
}

#[test]
fn a_looser_clusterer_finds_more_shared_demand() {
    let strict = Clusterer::new(ClusterParams::default().min_distinct_customers(4)).unwrap();
    let t = Triage::new(strict, TriageParams::default()).unwrap();
    let r = t.report(&backlog()).unwrap();
    assert!(r.features.is_empty());
    assert_eq!(r.signals.focus.shared_items, 0);
}

#[test]
fn features_carry_the_clusterers_class_mix() {
    // The report classifies each item once and counts the features' class
    // mix from those classes: it must equal what the clusterer counts on
    // its own.
    let items = backlog();
    let triage = Triage::builtin();
    let report = triage.report(&items).unwrap();
    let clustering = triage.clusterer().cluster(&items).unwrap();
    assert_eq!(report.features.len(), clustering.features.len());
    assert!(!report.features.is_empty());
    for (r, c) in report.features.iter().zip(&clustering.features) {
        assert_eq!(r.feature.id, c.id);
        assert_eq!(r.feature.class_mix, c.class_mix, "{}", c.id);
    }
}

#[test]
fn one_customer_in_several_spellings_counts_once_everywhere() {
    // Globex's name as three exports spell it, and a blank name that is no
    // customer: the invoice export has Acme, Globex and one request of its
    // own (the blank one), so three customers, as with clean names.
    let mut items = backlog();
    items[1].customer = Some(" GLOBEX".into());
    items[2].customer = Some("  ".into());
    items.push(item(
        "a4",
        "globex ",
        "Export of invoices to Excel",
        "Invoice export to Excel for finance, please.",
        "2026-01-22",
    ));
    let r = Triage::builtin().report(&items).unwrap();
    let f = r
        .features
        .iter()
        .find(|f| f.feature.members.contains(&"a1".to_string()))
        .expect("the invoice export");
    assert_eq!(f.feature.members, ["a1", "a2", "a3", "a4"]);
    assert_eq!(f.feature.distinct_customers, 3);
    // January: Acme twice, Globex in two spellings: two customers.
    let jan = &r.signals.cadence.months[0];
    assert_eq!(
        (jan.month.as_str(), jan.customers, jan.items),
        ("2026-01", 2, 4)
    );
    // Acme and Globex tie on two requests each; the smaller name as counted
    // wins, shown as spelt.
    assert_eq!(r.signals.focus.top_customer, Some(("Acme".to_string(), 2)));
    // The clusterer alone counts the same way.
    let c = Clusterer::default().cluster(&items).unwrap();
    let g = c
        .features
        .iter()
        .find(|f| f.members.contains(&"a1".to_string()))
        .unwrap();
    assert_eq!(g.distinct_customers, 3);
}

#[test]
fn a_report_of_a_clustering_needs_the_clusterings_requests() {
    let items: Vec<FeedbackItem> = ["acme", "globex", "initech"]
        .iter()
        .enumerate()
        .map(|(i, who)| {
            FeedbackItem::new(format!("r{i}"))
                .with_title("export invoices to csv")
                .with_customer(*who)
        })
        .collect();
    let mut backlog =
        feedback_triage::Backlog::new(feedback_triage::ClusterParams::default()).unwrap();
    backlog.insert_batch(&items).unwrap();
    let t = Triage::builtin();
    let whole = t.report_clustered(&items, backlog.clustering()).unwrap();
    assert_eq!(whole.items, 3);
    assert_eq!(whole.signals.focus.shared_items, 3);

    // Today's item alone: not one of the clustering's requests.
    let other = [FeedbackItem::new("zzz").with_title("dark mode")];
    let err = t
        .report_clustered(&other, backlog.clustering())
        .unwrap_err();
    assert_eq!(err, ItemError::MissingMember { id: "r0".into() });
    let mut more = items.clone();
    more.push(other[0].clone());
    let err = t.report_clustered(&more, backlog.clustering()).unwrap_err();
    assert_eq!(err, ItemError::NotClustered { id: "zzz".into() });
    assert_eq!(err.field(), Some(feedback_triage::ItemField::Id));
    let mut twice = items.clone();
    twice.push(items[1].clone());
    let err = t
        .report_clustered(&twice, backlog.clustering())
        .unwrap_err();
    assert_eq!(err, ItemError::DuplicateId { id: "r1".into() });
}

/// The report names an invalid item as the clusterer does: the smallest id
/// among the invalid ones whatever the order, an empty id by its place.
#[test]
fn an_invalid_item_is_named_as_the_clusterer_names_it() {
    let mut items = backlog();
    items.push(FeedbackItem::new("zz").with_deal_value(-1.0));
    items.push(FeedbackItem::new("aa").with_deal_value(-2.0));
    let mut reversed = items.clone();
    reversed.reverse();
    for batch in [&items, &reversed] {
        let err = Triage::builtin().report(batch).unwrap_err();
        assert_eq!(err, Clusterer::default().cluster(batch).unwrap_err());
        assert_eq!(err.id(), Some("aa"));
    }
    items.insert(2, FeedbackItem::new(" "));
    let err = Triage::builtin().report(&items).unwrap_err();
    assert_eq!(err, ItemError::EmptyIdInBatch { index: 2 });
}
