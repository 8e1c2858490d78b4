//! Jobs to be done: the job a request states ("so that ...", "in order to ...",
//! "I need to ...", "when ..., I want to ... so I can ...").

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::policy::TextField;
use crate::text::{Analyzed, Word};

/// A job a request states, quoted from its text.
///
/// ```
/// use feedback_triage::{extract_jobs, JobKind};
///
/// let jobs = extract_jobs("", "Please add a CSV export so that finance can reconcile invoices each month.");
/// assert_eq!(jobs[0].kind, JobKind::Outcome);
/// assert_eq!(jobs[0].text, "finance can reconcile invoices each month");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Job {
    /// The job, as written (from after the cue to the end of the clause, at
    /// most 24 words).
    pub text: String,
    /// The cue that introduced it ("so that", "in order to", "i need to").
    pub cue: String,
    /// What kind of statement it is.
    pub kind: JobKind,
    /// Where it was found.
    pub field: TextField,
    /// Byte span of `text` in that field's original text.
    pub span: Range<usize>,
}

/// The kind of a [`Job`]: the outcome sought, or the action wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JobKind {
    /// The outcome the requester is after ("so that", "so I can", "in order to").
    Outcome,
    /// What the requester wants to do ("I need to", "I want to", "we'd like to").
    Action,
    /// The situation ("when I ...").
    Situation,
}

/// Cues, as normalised terms (the crate's tokenizer and stemmer), longest
/// first within each kind.
const CUES: &[(&[&str], JobKind)] = &[
    (&["so", "that"], JobKind::Outcome),
    (&["so", "i", "can"], JobKind::Outcome),
    (&["so", "we", "can"], JobKind::Outcome),
    (&["so", "they", "can"], JobKind::Outcome),
    (&["so", "i", "could"], JobKind::Outcome),
    (&["so", "we", "could"], JobKind::Outcome),
    (&["in", "order", "to"], JobKind::Outcome),
    (&["to", "be", "abl", "to"], JobKind::Outcome),
    (&["i", "need", "to"], JobKind::Action),
    (&["we", "need", "to"], JobKind::Action),
    (&["i", "want", "to"], JobKind::Action),
    (&["we", "want", "to"], JobKind::Action),
    (&["i'd", "like", "to"], JobKind::Action),
    (&["we'd", "like", "to"], JobKind::Action),
    (&["i", "would", "like", "to"], JobKind::Action),
    (&["we", "would", "like", "to"], JobKind::Action),
    (&["i", "have", "to"], JobKind::Action),
    (&["we", "have", "to"], JobKind::Action),
    (&["when", "i"], JobKind::Situation),
    (&["when", "we"], JobKind::Situation),
];

/// The most words a job quotes.
const MAX_JOB_WORDS: usize = 24;
/// The most jobs taken from one item.
const MAX_JOBS: usize = 4;

/// Finds the jobs stated in a request's title and body, in order of
/// appearance (at most four). Linear in the text's length.
pub fn extract_jobs(title: &str, body: &str) -> Vec<Job> {
    let mut jobs = Vec::new();
    for_each_job(title, body, &mut Analyzed::default(), |job| {
        jobs.push(Job {
            text: job.text.to_string(),
            cue: job.cue.join(" ").replace("abl", "able"),
            kind: job.kind,
            field: job.field,
            span: job.span,
        });
    });
    jobs
}

/// A job found by [`for_each_job`], borrowed from the text.
pub(crate) struct JobRef<'t> {
    /// The job, as written.
    pub text: &'t str,
    /// The cue's normalised terms.
    pub cue: &'static [&'static str],
    pub kind: JobKind,
    pub field: TextField,
    pub span: Range<usize>,
}

/// The jobs [`extract_jobs`] returns, in the same order, without building
/// their strings; `a` is a reusable buffer.
pub(crate) fn for_each_job<'t>(
    title: &'t str,
    body: &'t str,
    a: &mut Analyzed,
    f: impl FnMut(JobRef<'t>),
) {
    let analyze = |a: &mut Analyzed, text: &str, starts: &mut Vec<usize>| {
        a.analyze_some(text, cue_words(starts));
    };
    jobs_with(title, body, a, analyze, f);
}

/// [`for_each_job`] with the fields analysed by `analyze`, which also lists
/// (in order) the tokens where a cue may start: every token whose
/// normalised form [`may_start_cue`] (the tests pass the full
/// [`Analyzed::analyze`] and every token).
fn jobs_with<'t>(
    title: &'t str,
    body: &'t str,
    a: &mut Analyzed,
    analyze: impl Fn(&mut Analyzed, &str, &mut Vec<usize>),
    mut f: impl FnMut(JobRef<'t>),
) {
    let mut found = 0;
    let mut starts = Vec::new();
    for (field, text) in [(TextField::Title, title), (TextField::Body, body)] {
        if found >= MAX_JOBS {
            break;
        }
        starts.clear();
        analyze(a, text, &mut starts);
        // The next token a cue is looked for at: [`cue_at`] finds none
        // where none may start, so only the listed tokens are tried.
        let mut i = 0;
        for &at in &starts {
            if found >= MAX_JOBS {
                break;
            }
            if at < i {
                continue;
            }
            i = at;
            let Some((terms, kind)) = cue_at(a, i) else {
                continue;
            };
            let first = i + terms.len();
            let last = job_end(a, text, first, *kind);
            let span = attached(a, text, first, last);
            f(JobRef {
                text: &text[span.clone()],
                cue: terms,
                kind: *kind,
                field,
                span,
            });
            found += 1;
            i = first;
        }
    }
}

/// The span of tokens `first..=last` with the symbols written onto its
/// ends: "$100", "(for the audit)", "“quoted”", "30%" keep their sign,
/// brackets and quotes. Sentence punctuation (`. , ; : ! ?`) is not taken,
/// nor anything past white space or a neighbouring token.
fn attached(a: &Analyzed, text: &str, first: usize, last: usize) -> Range<usize> {
    let floor = first.checked_sub(1).map_or(0, |p| a.tokens[p].end);
    let mut start = a.tokens[first].start;
    for (i, c) in text[floor..start].char_indices().rev() {
        // A sign before a number (`+5`, `-3`), but not a dash.
        let signed = matches!(c, '+' | '-')
            && text[floor + i + 1..].starts_with(|d: char| d.is_ascii_digit());
        if !attached_sign(c) && !signed {
            break;
        }
        start = floor + i;
    }
    let ceil = a.tokens.get(last + 1).map_or(text.len(), |t| t.start);
    let mut end = a.tokens[last].end;
    for c in text[end..ceil].chars() {
        if !attached_sign(c) {
            break;
        }
        end += c.len_utf8();
    }
    start..end
}

/// A sign written onto a word that a job keeps: currency signs, brackets,
/// quotes, `%` and `#`; never sentence punctuation (ASCII or not: `…`,
/// `。`, `！`) nor dashes.
fn attached_sign(c: char) -> bool {
    const SIGNS: &str = "$€£¥₹₩₽¢₺₪₫₱฿()[]{}<>/\"'‘’“”„«»‹›%#";
    SIGNS.contains(c)
}

/// The last token of the job that starts at token `first` (after a cue of
/// this `kind`).
fn job_end(a: &Analyzed, text: &str, first: usize, kind: JobKind) -> usize {
    let n = a.tokens.len();
    // The job runs to the end of the clause, or a following cue of
    // another kind ("when I export, I want to ...").
    let mut last = first;
    while last + 1 < n
        && (!a.tokens[last + 1].clause_start
            || glued(text, a.tokens[last].end, a.tokens[last + 1].start))
        && last + 1 - first < MAX_JOB_WORDS
    {
        last += 1;
    }
    if kind == JobKind::Situation {
        // "when I ..., I want to ...": the situation ends at a comma or
        // at the next cue.
        let mut k = first;
        while k < last {
            let gap = &text[a.tokens[k].end..a.tokens[k + 1].start];
            if gap.contains(',') {
                break;
            }
            k += 1;
        }
        last = k;
    }
    last
}

/// Whether the punctuation `text[end..start]` between two words holds them
/// together rather than ending a clause: an address's `://` or a time's
/// colon ("https://x.org", "10:30"), with no white space. Any other colon
/// (`cv::Ptr`, "trace:1)") still ends one.
fn glued(text: &str, end: usize, start: usize) -> bool {
    let gap = &text[end..start];
    let digit_before = text[..end].ends_with(|c: char| c.is_ascii_digit());
    let digit_after = text[start..].starts_with(|c: char| c.is_ascii_digit());
    gap == "://" || (gap == ":" && digit_before && digit_after)
}

/// Whether a normalised word can start a cue: every cue's first term is
/// one of these (checked by a test), so most words are rejected here
/// without comparing them with twenty cues.
fn may_start_cue(w: &[u8]) -> bool {
    matches!(
        w,
        b"so" | b"in" | b"to" | b"i" | b"we" | b"i'd" | b"we'd" | b"when"
    )
}

/// The most terms a cue has (checked by a test).
const CUE_MAX: usize = 4;

/// Whether a word whose folded form starts with byte `b` can start a cue:
/// every cue's first term starts with one of these (checked by a test).
fn may_start_cue_with(b: u8) -> bool {
    matches!(b, b's' | b'i' | b't' | b'w')
}

/// Picks the words whose normalised forms [`cue_at`] reads, for
/// [`Analyzed::analyze_some`]: a word that can start a cue and the
/// `CUE_MAX - 1` words after one that does. Any other word is told apart
/// by the first byte of its folded form, without stemming it: stemming
/// keeps a word's first byte (it only rewrites or drops letters past the
/// first, checked by a test), so a word that cannot start a cue keeps an
/// empty normalised form, which no cue term equals. Lists the words
/// that may start a cue (their indices) in `starts`.
fn cue_words(starts: &mut Vec<usize>) -> impl FnMut(&mut Word<'_>) -> bool + '_ {
    let mut follow = 0usize;
    let mut index = 0usize;
    move |w| {
        // The word's index among the text's tokens (one token per word).
        let at = index;
        index += 1;
        let near = follow > 0;
        follow = follow.saturating_sub(1);
        // The first byte, when known without writing the word out (an
        // ASCII word of up to 16 bytes); other words are normalised.
        let first = w.packed().map(|p| p as u8);
        if !near && first.is_some_and(|b| !may_start_cue_with(b)) {
            return false;
        }
        if may_start_cue(w.norm()) {
            follow = CUE_MAX - 1;
            starts.push(at);
        }
        true
    }
}

/// The first cue (in [`CUES`] order) whose terms are the tokens from `i`
/// on, with no clause boundary inside and at least one token after it.
fn cue_at(a: &Analyzed, i: usize) -> Option<&'static (&'static [&'static str], JobKind)> {
    let n = a.tokens.len();
    if !may_start_cue(a.norm_bytes(&a.tokens[i])) {
        return None;
    }
    CUES.iter().find(|(terms, _)| {
        i + terms.len() < n
            && terms.iter().enumerate().all(|(k, t)| {
                a.norm_bytes(&a.tokens[i + k]) == t.as_bytes()
                    && (k == 0 || !a.tokens[i + k].clause_start)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cue search as first written: every cue tried at every token.
    fn plain_cue_at(a: &Analyzed, i: usize) -> Option<&'static (&'static [&'static str], JobKind)> {
        let n = a.tokens.len();
        CUES.iter().find(|(terms, _)| {
            i + terms.len() < n
                && terms.iter().enumerate().all(|(k, t)| {
                    a.norm(&a.tokens[i + k]) == *t && (k == 0 || !a.tokens[i + k].clause_start)
                })
        })
    }

    #[test]
    fn every_cue_starts_with_a_listed_word() {
        for (terms, _) in CUES {
            assert!(may_start_cue(terms[0].as_bytes()), "{terms:?}");
            assert!(may_start_cue_with(terms[0].as_bytes()[0]), "{terms:?}");
            assert!(terms.iter().all(|t| !t.is_empty()), "{terms:?}");
        }
        assert_eq!(CUES.iter().map(|c| c.0.len()).max(), Some(CUE_MAX));
        assert!(!may_start_cue_with(b'e') && !may_start_cue_with(b'S'));
        assert!(!may_start_cue(b"export") && !may_start_cue(b"s") && !may_start_cue(b""));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The filtered cue search finds what the plain one finds, at every
        /// token of texts made of cue words, others and clause breaks.
        #[test]
        fn the_cue_search_is_the_plain_one(words in proptest::collection::vec(0usize..24, 0..40)) {
            const WORDS: [&str; 24] = [
                "so", "that", "I", "can", "we", "could", "in", "order", "to", "be", "able",
                "need", "want", "I'd", "We'd", "like", "would", "have", "when", "So,", "to.",
                "export", "sown", "when;",
            ];
            let text: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
            let text = text.join(" ");
            let mut a = Analyzed::default();
            a.analyze(&text);
            for i in 0..a.tokens.len() {
                proptest::prop_assert_eq!(cue_at(&a, i), plain_cue_at(&a, i), "{} at {}", text, i);
            }
        }
    }

    /// The jobs as `(text, cue, kind, field, span)`: with the analysis
    /// [`for_each_job`] uses when `lazy`, else with every word normalised and
    /// a cue looked for at every token (as first written).
    type Found = Vec<(
        String,
        &'static [&'static str],
        JobKind,
        TextField,
        Range<usize>,
    )>;
    fn jobs_by(title: &str, body: &str, lazy: bool) -> Found {
        let mut out = Vec::new();
        let analyze = |a: &mut Analyzed, text: &str, starts: &mut Vec<usize>| {
            if lazy {
                a.analyze_some(text, cue_words(starts));
            } else {
                a.analyze(text);
                starts.extend(0..a.tokens.len());
            }
        };
        jobs_with(title, body, &mut Analyzed::default(), analyze, |j| {
            out.push((j.text.to_string(), j.cue, j.kind, j.field, j.span));
        });
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Stemming keeps the first byte of an ASCII word that comes
        /// packed, as [`cue_words`] relies on.
        #[test]
        fn stemming_keeps_the_first_byte(text in "(([a-zA-Z]{1,12}|i|I|so|we|to)(s|es|ies|IES|sses|ed|eed|ing|y|e|ate|ble|ize|ated|ating|'s|'d)? ?){1,12}") {
            crate::text::for_each_word(&text, |mut w| {
                if let Some(p) = w.packed() {
                    let first = w.norm().first().copied();
                    assert_eq!(first, Some(p as u8), "{}", text);
                }
            });
        }

        /// Jobs found with only the words that can matter normalised are
        /// the jobs found with every word normalised, on texts of cue
        /// words and their inflections, in any case, with apostrophes of
        /// any kind, punctuation, non-ASCII words and long words.
        #[test]
        fn lazy_normalising_finds_the_same_jobs(
            words in proptest::collection::vec((0usize..58, 0usize..10), 0..60),
        ) {
            const WORDS: [&str; 58] = [
                "so", "that", "I", "can", "we", "We", "they", "could", "in", "order", "to",
                "be", "able", "abled", "need", "needs", "want", "wanted", "I'd", "We\u{2019}d",
                "i\u{2018}d", "we\u{2bc}d", "like", "likes", "would", "have", "has", "when",
                "WHEN", "ies", "IES", "soing", "toed", "ined", "wes", "Ís", "éso", "sö",
                "崩溃", "İn", "export", "sown", "to-do", "in.to", "i'ds", "So",
                "supercalifragilisticexpialidocious", "sosososososososososo", "weeding",
                "to be able to", "TO BE ABLE TO", "I would like to", "we would like to",
                "so we could", "in order to", "When I", "so that", "so that. to be able to",
            ];
            const SEPS: [&str; 10] = [" ", " ", " ", ", ", ". ", "; ", "\n", " (", "\u{a0}", "’ "];
            let mut text = String::new();
            for (w, sep) in words {
                text += WORDS[w];
                text += SEPS[sep];
            }
            let cut = (0..=text.len() / 3).rev().find(|&c| text.is_char_boundary(c)).unwrap_or(0);
            let (title, body) = text.split_at(cut);
            proptest::prop_assert_eq!(
                jobs_by(title, body, true),
                jobs_by(title, body, false)
            );
            proptest::prop_assert_eq!(
                jobs_by("", &text, true),
                jobs_by("", &text, false)
            );
        }
    }

    #[test]
    fn finds_the_usual_phrasings() {
        let cases = [
            (
                "We need to export invoices to Excel.",
                "export invoices to Excel",
                JobKind::Action,
            ),
            (
                "Add SSO in order to pass the security review!",
                "pass the security review",
                JobKind::Outcome,
            ),
            (
                "I'd like to bulk edit due dates",
                "bulk edit due dates",
                JobKind::Action,
            ),
            (
                "Make it faster so I can finish my reports on time",
                "finish my reports on time",
                JobKind::Outcome,
            ),
        ];
        for (text, job, kind) in cases {
            let jobs = extract_jobs("", text);
            assert!(
                jobs.iter().any(|j| j.text == job && j.kind == kind),
                "{text}: {jobs:?}"
            );
        }
    }

    #[test]
    fn when_i_want_to_so_i_can() {
        let text = "When I close the month, I want to export all invoices so I can send them to the auditor.";
        let jobs = extract_jobs("", text);
        let kinds: Vec<JobKind> = jobs.iter().map(|j| j.kind).collect();
        assert_eq!(
            kinds,
            [JobKind::Situation, JobKind::Action, JobKind::Outcome],
            "{jobs:?}"
        );
        assert_eq!(jobs[0].text, "close the month");
        assert_eq!(jobs[2].text, "send them to the auditor");
        for j in &jobs {
            assert_eq!(&text[j.span.clone()], j.text);
        }
    }

    #[test]
    fn an_address_or_a_time_does_not_end_a_job() {
        let jobs = extract_jobs(
            "",
            "We need to import data from https://example.com/api so that we can report it. \
             I want to sync at 10:30 every day: then stop.",
        );
        let texts: Vec<&str> = jobs.iter().map(|j| j.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                // An action runs to the end of its clause, as without the
                // address.
                "import data from https://example.com/api so that we can report it",
                "we can report it",
                "sync at 10:30 every day"
            ]
        );
    }

    #[test]
    fn a_job_keeps_the_signs_written_onto_its_ends() {
        let cases = [
            ("so that $100 is saved.", "$100 is saved"),
            (
                "so that (for the audit) we export it",
                "(for the audit) we export it",
            ),
            (
                "so that “quoted” text stays. Then more",
                "“quoted” text stays",
            ),
            ("so that costs drop 30%!", "costs drop 30%"),
            ("so that <b>we</b> win", "<b>we</b> win"),
            ("so that we win...", "we win"),
            ("so that we save time…", "we save time"),
            ("so that we save time。", "we save time"),
            ("so that--we save time", "we save time"),
            ("so that +5% more sign up", "+5% more sign up"),
        ];
        for (body, want) in cases {
            let jobs = extract_jobs("", body);
            assert_eq!(jobs[0].text, want, "{body}");
            assert_eq!(&body[jobs[0].span.clone()], want);
        }
    }

    #[test]
    fn no_job_no_cue_and_bounded_output() {
        assert!(extract_jobs("The app crashes", "Stack trace attached.").is_empty());
        let long = "so that ".repeat(10_000);
        assert!(extract_jobs(&long, &long).len() <= MAX_JOBS);
        let words = format!("I need to {}", "word ".repeat(1000));
        assert!(extract_jobs("", &words)[0].text.split(' ').count() <= MAX_JOB_WORDS);
    }
}
