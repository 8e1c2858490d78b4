//! Golden cases for the embedded default policy, written the way a product
//! team unit-tests its own policy: each line is a request and the class the
//! team expects, for a stated reason.

use feedback_triage::{Channel, Class, Classifier, FeedbackItem, Outcome};

use Class::*;

/// `(title, body, expected)`; the channel is unknown, as in text-only use.
const CASES: &[(&str, &str, Class)] = &[
    // necessity: law, regulation, security, forced end of life
    (
        "GDPR deletion request",
        "A former customer asks us to erase all their personal data.",
        Necessity,
    ),
    (
        "Right to be forgotten",
        "Please remove everything you store about me.",
        Necessity,
    ),
    (
        "WCAG 2.1 AA",
        "Our public-sector customers must meet the accessibility directive by June.",
        Necessity,
    ),
    (
        "Stored XSS in comments",
        "Script tags in a comment run in other users' browsers.",
        Necessity,
    ),
    (
        "",
        "The upload endpoint is vulnerable to path traversal (CVE pending).",
        Necessity,
    ),
    (
        "Login page crashes and leaks session tokens",
        "Security bug: the crash page prints the token.",
        Necessity,
    ),
    (
        "Node 16 reaches end of life",
        "We must migrate the workers before support ends.",
        Necessity,
    ),
    (
        "SOX audit trail for approvals",
        "Auditors need a log of who approved each refund.",
        Necessity,
    ),
    (
        "HIPAA",
        "Patient notes must be encrypted at rest to stay compliant.",
        Necessity,
    ),
    // opportunistic: a deal, a prospect, an adoption blocker
    ("We lose the deal without SSO", "", Opportunistic),
    (
        "RFP requires SAML",
        "The tender for the city council lists SAML as mandatory.",
        Opportunistic,
    ),
    (
        "Prospect will sign if we add multi-currency",
        "Big logistics prospect, 400 seats.",
        Opportunistic,
    ),
    (
        "Blocking our rollout",
        "Our IT department will not approve company wide rollout until audit logs exist.",
        Opportunistic,
    ),
    (
        "",
        "We are losing deals to Zendesk because we can't export to Excel.",
        Opportunistic,
    ),
    (
        "Would upgrade to Enterprise",
        "We would upgrade if there was a sandbox environment.",
        Opportunistic,
    ),
    // fault correction: something existing is broken
    (
        "App crashes on launch",
        "Since the last update the app crashes immediately.",
        FaultCorrection,
    ),
    (
        "Can't log in after password reset",
        "The login page says invalid token.",
        FaultCorrection,
    ),
    (
        "Export produces wrong totals",
        "Steps to reproduce: 1. export. Expected 10, actual 12.",
        FaultCorrection,
    ),
    (
        "",
        "NullPointerException in the scheduler when the queue is empty.",
        FaultCorrection,
    ),
    (
        "Dashboard freezes",
        "It hangs for a minute and then times out.",
        FaultCorrection,
    ),
    (
        "Sync stopped working",
        "My notes no longer sync between phone and laptop.",
        FaultCorrection,
    ),
    (
        "Regression in 4.2",
        "Search returns nothing for accented names.",
        FaultCorrection,
    ),
    (
        "Das Programm stürzt ab",
        "Beim Speichern kommt ein Fehler.",
        FaultCorrection,
    ),
    ("应用闪退", "打开设置页面就崩溃", FaultCorrection),
    // market driven: new capabilities, integrations, platforms, competition
    (
        "Salesforce integration",
        "Sync contacts and deals' stages both ways.",
        MarketDriven,
    ),
    (
        "Support for Apple Watch",
        "Show reminders on the watch.",
        MarketDriven,
    ),
    (
        "Competitor already has AI summaries",
        "We should add this to stay competitive.",
        MarketDriven,
    ),
    (
        "Add a public REST API",
        "Partners want to build on top of us.",
        MarketDriven,
    ),
    (
        "Offline mode",
        "Field teams need to work without network.",
        MarketDriven,
    ),
    // responsiveness: users' own experience, questions, small wishes
    ("Love the new app", "Great job, five stars!", Responsiveness),
    (
        "The new UI is confusing",
        "I can't find the settings anymore, bring back the old layout.",
        Responsiveness,
    ),
    ("How do I change my avatar?", "", Responsiveness),
    (
        "Dark mode please",
        "It would be nice to have a dark theme.",
        Responsiveness,
    ),
    (
        "Option to hide weekends",
        "Please add an option to hide Saturday and Sunday.",
        Responsiveness,
    ),
    (
        "Terrible",
        "Worst app ever, waste of money.",
        Responsiveness,
    ), // A second set, written in the vocabulary review from the class meanings in
    // CLASSES.md (not from the evaluation data), channel unknown.
    // necessity, in the words of requirement documents, store policies and security reports
    (
        "Cookie banner for EU visitors",
        "Under the ePrivacy rules visitors have to opt in before analytics cookies are set.",
        Necessity,
    ),
    (
        "Copy of my data",
        "I want a copy of all the data you hold about me, as the law allows.",
        Necessity,
    ),
    (
        "Bundled OpenSSL has a known CVE",
        "Please bump the vendored copy to the patched release.",
        Necessity,
    ),
    (
        "Password reset link can be reused",
        "Anyone who intercepts the reset email can use the link again after the password was changed.",
        Necessity,
    ),
    (
        "",
        "By changing the invoice id in the URL I can see invoices that belong to another company.",
        Necessity,
    ),
    (
        "Target API level 34 required by Google Play",
        "Play will reject our updates after August unless we move to the new API level.",
        Necessity,
    ),
    (
        "",
        "The system shall store all user passwords as salted hashes.",
        Necessity,
    ),
    (
        "",
        "The product shall comply with the state's record retention law.",
        Necessity,
    ),
    (
        "VAT reverse charge on EU B2B invoices",
        "The new e-invoicing rules take effect in January.",
        Necessity,
    ),
    (
        "Checkout buttons have no label for screen readers",
        "This fails WCAG 2.1 level A, which we are legally required to meet.",
        Necessity,
    ),
    (
        "Drop Python 3.8",
        "It reaches end of life in October and stops getting security fixes.",
        Necessity,
    ),
    (
        "Session cookie lacks Secure and HttpOnly flags",
        "The cookie is sent over plain HTTP and readable from scripts.",
        Necessity,
    ),
    (
        "",
        "Only administrators shall be able to change the role of a user.",
        Necessity,
    ),
    (
        "Log every access to patient records",
        "Our HIPAA auditor asked for it.",
        Necessity,
    ),
    (
        "Privacy: delete my account and all my data",
        "I no longer use the service and want everything erased.",
        Necessity,
    ),
    // opportunistic: how account teams write (pilots, seats, procurement, resellers, renewals)
    (
        "SSO is the last blocker for Globex",
        "Their procurement team won't sign the contract until we support Okta.",
        Opportunistic,
    ),
    (
        "RFP question 4.2: on-premise deployment",
        "The RFP asks whether we can deploy on premise; a no disqualifies us.",
        Opportunistic,
    ),
    (
        "Prospect needs a Japanese invoice layout",
        "A big retailer in Osaka said they will buy 300 seats if invoices follow their format.",
        Opportunistic,
    ),
    (
        "Custom nightly CSV for Initech",
        "Initech wants the export in their own column layout as part of their renewal negotiation.",
        Opportunistic,
    ),
    (
        "We keep losing deals to Competitor X",
        "Sales lost three opportunities this quarter because we have no Gantt view.",
        Opportunistic,
    ),
    (
        "Pilot customer asks for bulk user import",
        "Acme's pilot ends in two weeks; they will roll out to 2,000 employees if they can import users from a spreadsheet.",
        Opportunistic,
    ),
    (
        "Our security team requires SCIM before we can roll this out",
        "We are evaluating the product for the whole company.",
        Opportunistic,
    ),
    (
        "Reseller asks for white-labelling",
        "Our reseller in Brazil wants to sell the product under their own brand.",
        Opportunistic,
    ),
    (
        "Quote for 500 seats depends on SAML",
        "The customer signs the order form once SAML login works.",
        Opportunistic,
    ),
    (
        "",
        "We'd buy the enterprise plan today if it had a sandbox environment.",
        Opportunistic,
    ),
    (
        "Deal with Contoso at risk",
        "Their CFO says they will walk away unless we offer quarterly invoicing.",
        Opportunistic,
    ),
    (
        "Distributor can't onboard without multi-currency",
        "Our distribution partner needs prices in euros and pounds before signing up their customers.",
        Opportunistic,
    ),
    (
        "Hooli evaluation stalled",
        "The trial team at Hooli can't move forward with the purchase until we support their proxy.",
        Opportunistic,
    ),
    (
        "Needed to close Umbrella by end of quarter",
        "Their buyer wants a written commitment that we will ship Excel export.",
        Opportunistic,
    ),
    (
        "Enterprise buyers ask for IP allow-listing",
        "Several enterprise prospects require it in their vendor questionnaire.",
        Opportunistic,
    ),
    // fault correction: reviews and issues, with and without the usual bug words
    (
        "TypeError when calling fit() with a sparse matrix",
        "Passing a CSR matrix raises TypeError: cannot convert.",
        FaultCorrection,
    ),
    (
        "Wont load",
        "the app just shows the spinner forever since yesterday",
        FaultCorrection,
    ),
    (
        "Notifications arrive hours late",
        "Reminders set for 9am show up around noon.",
        FaultCorrection,
    ),
    (
        "Totals in the monthly report don't add up",
        "The sum shown is 20 less than the rows above it.",
        FaultCorrection,
    ),
    (
        "Build fails on Windows with MSVC 2022",
        "The compiler stops with error C2039 in the parser module.",
        FaultCorrection,
    ),
    (
        "Memory usage grows until the service is killed",
        "After a day the worker uses 8 GB and the OOM killer stops it.",
        FaultCorrection,
    ),
    (
        "Clicking Save does nothing",
        "No message, no spinner, the form stays dirty.",
        FaultCorrection,
    ),
    (
        "Invoice emails sent twice",
        "Every customer got each invoice email two times since Monday.",
        FaultCorrection,
    ),
    (
        "Search results miss recent items",
        "Documents created today don't appear in search until the next day.",
        FaultCorrection,
    ),
    (
        "Balancer throws NPE when a datanode is decommissioned",
        "NullPointerException at Balancer.java line 512.",
        FaultCorrection,
    ),
    (
        "Keyboard covers the message box",
        "On my Pixel 7 I can't see what I'm typing.",
        FaultCorrection,
    ),
    (
        "Date picker shows the wrong month in Safari",
        "Selecting March shows February.",
        FaultCorrection,
    ),
    (
        "Cannot connect to server after update",
        "Gets stuck on connecting and then says network error.",
        FaultCorrection,
    ),
    (
        "keeps logging me out",
        "every time i close the app i have to sign in again, really annoying",
        FaultCorrection,
    ),
    // market driven: platforms, standards, AI, marketplaces, demand beyond current users
    (
        "Integrate with Microsoft Teams",
        "Most of our customers live in Teams; posting notifications there would open up new accounts.",
        MarketDriven,
    ),
    (
        "Native Linux client",
        "More and more developers use Linux desktops and we have nothing for them.",
        MarketDriven,
    ),
    (
        "Support the Matter smart home standard",
        "Every new device launching this year speaks Matter.",
        MarketDriven,
    ),
    (
        "AI suggested replies",
        "Every help desk tool now offers AI drafted answers; we are falling behind.",
        MarketDriven,
    ),
    (
        "Marketplace for third-party templates",
        "Let partners publish and sell templates inside the product.",
        MarketDriven,
    ),
    (
        "iPad version",
        "A proper tablet layout would open the product to field sales teams.",
        MarketDriven,
    ),
    (
        "Public API for reporting data",
        "Customers want to pull their metrics into their BI tools.",
        MarketDriven,
    ),
    (
        "Webhooks for order events",
        "Shops want to trigger their own workflows when an order is paid.",
        MarketDriven,
    ),
    (
        "Import from Trello and Asana",
        "Teams switching from those tools need a way to bring their boards with them.",
        MarketDriven,
    ),
    (
        "Spanish and Portuguese translations",
        "We see growing demand from Latin America.",
        MarketDriven,
    ),
    (
        "Android app",
        "Would love to use this on Android too, not everyone has an iPhone.",
        MarketDriven,
    ),
    (
        "Zapier integration",
        "Connect it to the thousands of apps on Zapier.",
        MarketDriven,
    ),
    (
        "Export to Parquet",
        "Data teams work in Parquet now, CSV does not scale.",
        MarketDriven,
    ),
    (
        "Add support for HEIC images",
        "Newer phones save photos as HEIC by default.",
        MarketDriven,
    ),
    (
        "Offer a self-hosted edition",
        "Banks and hospitals want to run it in their own data centre.",
        MarketDriven,
    ),
    // responsiveness: usability, small wishes, questions, praise, resolved complaints
    (
        "Love it but the font is tiny",
        "Could you make the text a bit bigger?",
        Responsiveness,
    ),
    (
        "Where did the export button go?",
        "After the redesign I can't find it anywhere.",
        Responsiveness,
    ),
    ("How do I share a board with a guest?", "", Responsiveness),
    (
        "Great app",
        "I use it every day, does exactly what I need.",
        Responsiveness,
    ),
    (
        "Too many notifications",
        "Please let me mute the daily summary.",
        Responsiveness,
    ),
    (
        "",
        "Would be nice to be able to reorder the items in the sidebar.",
        Responsiveness,
    ),
    (
        "Keyboard shortcut for archive",
        "It would save me a lot of clicks.",
        Responsiveness,
    ),
    (
        "Is it possible to change the currency symbol?",
        "",
        Responsiveness,
    ),
    (
        "Meh",
        "Used to be good, now it's full of ads.",
        Responsiveness,
    ),
    (
        "Thanks for the quick fix!",
        "Works perfectly now.",
        Responsiveness,
    ),
    (
        "Ask before deleting a list",
        "I deleted one by accident twice, a confirmation would help.",
        Responsiveness,
    ),
    (
        "Question about the free plan limits",
        "How many projects can I create before I have to pay?",
        Responsiveness,
    ),
    ("5 stars", "Simple and does the job.", Responsiveness),
];

/// Whether any hand-written rule of `class` (not the learned layer, whose
/// small weights on common words are no decision) added to its score.
fn hand_evidence(c: &feedback_triage::Classification, class: Class) -> bool {
    c.evidence
        .iter()
        .any(|e| e.class == class && e.contribution > 0.0 && !e.rule.starts_with("learned-"))
}

/// The golden cases, judged as the held-out figures are: the default is a
/// statistical layer under hand rules, so a case may fall on the wrong side
/// of a close call, but at most one in thirty does, and every law,
/// regulation and security case (decided by hand rules) is right.
#[test]
fn the_default_policy_classifies_the_golden_cases() {
    let classifier = Classifier::builtin();
    let mut failures = Vec::new();
    let mut necessity_missed = 0;
    for (title, body, expected) in CASES {
        let c = classifier.classify_text(title, body);
        if c.class != Some(*expected) {
            necessity_missed += usize::from(*expected == Necessity);
            let ev: Vec<String> = c
                .evidence
                .iter()
                .map(|e| format!("{}:{:?}", e.rule, e.kind))
                .collect();
            failures.push(format!(
                "{title:?} / {body:?}: expected {expected}, got {:?}\n    {}",
                c.class,
                ev.join("\n    ")
            ));
        }
    }
    assert!(
        failures.len() * 30 <= CASES.len() && necessity_missed == 0,
        "{} failures of {}:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn a_regulator_request_is_always_necessity() {
    let item = FeedbackItem::new("r")
        .with_title("Please add a dark mode")
        .with_channel(Channel::Regulator);
    let c = Classifier::builtin().classify(&item).unwrap();
    assert_eq!(c.class, Some(Necessity));
    assert_eq!(c.outcome, Outcome::Decided);
    assert!(
        c.evidence
            .iter()
            .any(|e| &*e.rule == "necessity-regulator-channel")
    );
}

#[test]
fn a_security_bug_is_necessity_first_and_fault_second() {
    let c = Classifier::builtin().classify_text(
        "SQL injection in search crashes the server",
        "Entering a quote causes an error and exposes the query.",
    );
    assert_eq!(c.class, Some(Necessity));
    assert!(c.secondary.contains(&FaultCorrection) || c.scores[FaultCorrection] > 0.0);
}

#[test]
fn sales_metadata_tips_a_feature_ask_into_opportunistic() {
    let text = "Salesforce integration";
    let plain = Classifier::builtin().classify_text(text, "");
    assert_eq!(plain.class, Some(MarketDriven));
    let item = FeedbackItem::new("s")
        .with_title(text)
        .with_channel(Channel::Sales)
        .with_deal_value(250_000.0);
    let c = Classifier::builtin().classify(&item).unwrap();
    assert!(c.scores[Opportunistic] > plain.scores[Opportunistic]);
}

#[test]
fn negations_and_exclusions_are_respected() {
    let classifier = Classifier::builtin();
    let c = classifier.classify_text("", "The app no longer crashes since 2.1, thanks! Love it.");
    assert_eq!(c.class, Some(Responsiveness));
    assert!(
        c.evidence
            .iter()
            .any(|e| matches!(e.kind, feedback_triage::EvidenceKind::Negated { .. }))
    );
    let c = classifier.classify_text("This is not a bug", "Just wondering how to export.");
    assert_ne!(c.class, Some(FaultCorrection));
    // Resolved feedback is praise, not a bug report.
    let c = classifier.classify_text("Thanks for the quick fix!", "Works perfectly now.");
    assert_eq!(c.class, Some(Responsiveness));
    assert!(!hand_evidence(&c, FaultCorrection), "{:?}", c.evidence);
    // "can't believe" and "can't deal with" are opinions, not failures.
    let c = classifier.classify_text("Can't believe how good this is", "");
    assert_eq!(c.class, Some(Responsiveness));
    let c = classifier.classify_text("I can't deal with all these ads", "");
    assert_eq!(c.class, Some(Responsiveness));
}

#[test]
fn the_verb_deal_vetoes_only_the_bare_word_rule() {
    let classifier = Classifier::builtin();
    // "deal with" as a verb is not a sales deal...
    let c = classifier.classify_text("", "I have to deal with a popup every time I open a note.");
    assert!(!hand_evidence(&c, Opportunistic), "{:?}", c.evidence);
    // ...but it does not veto a sales phrase in the same request.
    let c = classifier.classify_text(
        "",
        "We lose the deal with Initech unless we add SSO; their IT will not deal with separate passwords.",
    );
    assert!(
        c.evidence
            .iter()
            .any(|e| &*e.rule == "opportunistic-deal" && e.contribution > 0.0)
    );
}

#[test]
fn template_and_programming_words_do_not_decide_the_class() {
    let classifier = Classifier::builtin();
    // A feature request written in a bug-report template is not a bug report.
    let c = classifier.classify_text(
        "Feature request: export to Parquet",
        "Steps to reproduce: n/a. Expected behavior: an option to export to Parquet.",
    );
    assert_ne!(c.class, Some(FaultCorrection), "{:?}", c.scores);
    // A deprecation warning in a bug report stays a bug report.
    let c = classifier.classify_text(
        "Build fails with a deprecated API warning",
        "The compiler error points at line 12.",
    );
    assert_eq!(c.class, Some(FaultCorrection), "{:?}", c.scores);
    // "&quot;" in an HTML-escaped report is not a sales quote.
    let c = classifier.classify_text("", "Crash when the title contains &quot;quotes&quot;.");
    assert!(!hand_evidence(&c, Opportunistic), "{:?}", c.evidence);
}

#[test]
fn text_that_is_no_request_gets_no_class() {
    for text in [
        "",
        "👋",
        "asdf qwer",
        "Lorem ipsum dolor sit amet",
        "1234 5678",
    ] {
        let c = Classifier::builtin().classify_text(text, "");
        assert_eq!(c.outcome, Outcome::NoMatch, "{text:?}");
        assert_eq!(c.class, None);
        assert_eq!(c.confidence, 0.0);
        assert_eq!(c.band, feedback_triage::Band::Low);
    }
    // A few common words carry a little evidence: a guess, never sure.
    for text in ["https://example.com/t/123", "see attached"] {
        let c = Classifier::builtin().classify_text(text, "");
        assert_eq!(c.band, feedback_triage::Band::Low, "{text:?}: {c:?}");
    }
}

#[test]
fn whole_words_only() {
    let c = Classifier::builtin().classify_text("Update the test fixture", "");
    assert!(c.evidence.iter().all(|e| !matches!(&e.kind, feedback_triage::EvidenceKind::Keyword { phrase, .. } if &**phrase == "fix")));
}

#[test]
fn learned_evidence_lists_words_for_the_shown_classes_and_sums_the_others() {
    use feedback_triage::EvidenceKind;
    let c = Classifier::builtin();
    let r = c.classify_text(
        "App crashes on startup",
        "Since the update the app crashes every time I open it and I lost my notes.",
    );
    let class = r.class.expect("a class");
    let shown = |k: Class| k == class || r.secondary.contains(&k);
    let learned = |e: &&feedback_triage::Evidence| e.rule.starts_with("learned-");
    // The class shown lists the learned words that carried it.
    assert!(
        r.evidence
            .iter()
            .filter(learned)
            .any(|e| e.class == class && matches!(e.kind, EvidenceKind::Keyword { .. })),
        "{:#?}",
        r.evidence
    );
    // A class not shown has one summing entry per learned rule, no words.
    let hidden: Vec<_> = r
        .evidence
        .iter()
        .filter(learned)
        .filter(|e| !shown(e.class) && !matches!(e.kind, EvidenceKind::Condition { .. }))
        .collect();
    assert!(
        !hidden.is_empty(),
        "other classes' learned words were found"
    );
    assert!(
        hidden
            .iter()
            .all(|e| matches!(e.kind, EvidenceKind::OtherKeywords { .. })),
        "{hidden:#?}"
    );
    // Evidence still adds up to the scores, class by class.
    for k in Class::ALL {
        let sum: f64 = r
            .evidence
            .iter()
            .filter(|e| e.class == k)
            .map(|e| e.contribution)
            .sum();
        assert!(
            (sum - r.scores[k]).abs() < 1e-9,
            "{k}: {sum} vs {}",
            r.scores[k]
        );
    }
}

#[test]
fn the_builtin_policy_round_trips_through_a_compact_format() {
    // postcard is not self-describing: it reads every field by position and
    // cannot answer `deserialize_any`, so this checks the compact shape.
    let policy = feedback_triage::Policy::builtin();
    let bytes = postcard::to_stdvec(&policy).expect("serialises");
    let back: feedback_triage::Policy = postcard::from_bytes(&bytes).expect("deserialises");
    assert_eq!(back, policy);
    // Smaller than its JSON, since nothing is named.
    let json = serde_json::to_string(&policy).unwrap();
    assert!(
        bytes.len() < json.len(),
        "{} >= {}",
        bytes.len(),
        json.len()
    );
    // A truncated buffer is an error, not a panic or a shorter policy.
    assert!(postcard::from_bytes::<feedback_triage::Policy>(&bytes[..bytes.len() / 2]).is_err());
    // CBOR keeps field names and writes every field, unset conditions as null.
    let mut cbor = Vec::new();
    ciborium::into_writer(&policy, &mut cbor).expect("serialises");
    let back: feedback_triage::Policy = ciborium::from_reader(cbor.as_slice()).expect("reads");
    assert_eq!(back, policy);
}

#[test]
fn json_refuses_a_policy_written_as_a_list() {
    // Human-readable readers take tables only: a positional list would let a
    // rule through with no field named.
    let err = serde_json::from_str::<feedback_triage::Policy>(r#"[1, {}, []]"#).unwrap_err();
    assert!(err.to_string().contains("invalid type: sequence"), "{err}");
    let rule_as_list = r#"{"version": 1, "rules": [["r", "fault_correction", 1.0, "both", [], [], {}, true, false, null]]}"#;
    assert!(serde_json::from_str::<feedback_triage::Policy>(rule_as_list).is_err());
    let keyword_as_list = r#"{"version": 1, "rules": [{"id": "r", "class": "necessity", "keywords": [["gdpr", 2.0]]}]}"#;
    assert!(serde_json::from_str::<feedback_triage::Policy>(keyword_as_list).is_err());
}
