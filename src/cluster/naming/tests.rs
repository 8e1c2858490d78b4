//! The naming's shortcuts against the plain computations they replace: the
//! window search over only the tokens an anchor's windows reach, the
//! weights and share powers worked out once, the first candidates selected
//! rather than all sorted, the written forms byte by byte.

use proptest::prelude::*;

use super::written::written;
use super::*;
use crate::cluster::describe::member_sum;
use crate::text::is_nospace_char;
use crate::text::written_into;

/// `written` as first written: word by word, character by character.
fn reference_written(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().flat_map(char::to_lowercase).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The field's tokens as first computed: every token, the content words
/// within `2 * reach` tokens of an anchor looked up, each weight computed
/// anew.
fn reference_tokens(
    n: &mut Namer<'_>,
    field: &str,
    anchors: &[&str],
    counts: &mut [Vec<(String, usize)>],
    (sum, m): (&[(u32, f64, u32)], usize),
) {
    n.buf.analyze(field);
    n.toks.clear();
    let reach = n.label_terms + 1;
    for (i, tok) in n.buf.tokens.iter().enumerate() {
        let norm = n.buf.norm_bytes(tok);
        let anchor = anchors.iter().position(|a| a.as_bytes() == norm);
        if let Some(a) = anchor
            && let Some(c) = counts.get_mut(a)
        {
            let s = field[tok.start..tok.end].to_lowercase();
            match c.iter_mut().find(|c| c.0 == s) {
                Some(c) => c.1 += 1,
                None => c.push((s, 1)),
            }
        }
        let gap = i
            .checked_sub(1)
            .map_or("", |p| &field[n.buf.tokens[p].end..tok.start]);
        let surface = &field[tok.start..tok.end];
        n.toks.push(Tok {
            start: tok.start as u32,
            end: tok.end as u32,
            index: i as u32,
            term: NONE,
            anchor: anchor.map_or(u8::MAX, |a| a as u8),
            units: if surface.chars().all(is_nospace_char) {
                1
            } else {
                2
            },
            breaks: tok.clause_start
                || gap.chars().any(|c| {
                    !(c.is_whitespace() || matches!(c, '-' | '\'' | '’' | '/' | '&' | '+'))
                }),
            particle: PARTICLES.iter().any(|p| p.as_bytes() == norm),
            rare: 0.0,
        });
    }
    let len = n.toks.len();
    let mut near = vec![false; len];
    for i in 0..len {
        if n.toks[i].anchor != u8::MAX {
            near[i.saturating_sub(2 * reach)..=(i + 2 * reach).min(len - 1)].fill(true);
        }
    }
    for i in (0..len).filter(|&i| near[i]) {
        let norm = n.buf.norm(&n.buf.tokens[i]);
        if is_content_term(norm) {
            let term = n.corpus.vocab.get(norm).unwrap_or(NONE - 1);
            n.toks[i].term = term;
            let share = match sum.binary_search_by_key(&term, |e| e.0) {
                Ok(at) => f64::from(sum[at].2) / m as f64,
                Err(_) => 0.0,
            };
            n.toks[i].rare = share * rarity(n.corpus, term).sqrt();
        }
    }
}

/// `written_form` as first written: one string per form, each particle
/// from two written strings.
fn reference_form(occ: &[Occ], items: &[&FeedbackItem]) -> Option<String> {
    let text = |o: &Occ, end: u32| {
        let it = items[o.member as usize];
        let field = capped(if o.body { &it.body } else { &it.title }, NAME_TEXT_BYTES);
        reference_written(field.get(o.start as usize..end as usize).unwrap_or(""))
    };
    let forms: Vec<String> = occ.iter().map(|o| text(o, o.end)).collect();
    let mut votes: Vec<(&str, f64)> = Vec::new();
    for (o, form) in occ.iter().zip(&forms) {
        let w = 1.0 / (1.0 + f64::from(o.stops));
        match votes.iter_mut().find(|v| v.0 == form) {
            Some(v) => v.1 += w,
            None => votes.push((form, w)),
        }
    }
    // Ties: fewer personal pronouns, then the smaller string.
    let personal = |form: &str| {
        form.split_whitespace()
            .filter(|w| {
                [
                    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours",
                    "he", "him", "his", "she", "her", "hers", "they", "them", "their", "theirs",
                ]
                .contains(w)
            })
            .count()
    };
    let best = votes
        .into_iter()
        .min_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| personal(a.0).cmp(&personal(b.0)))
                .then_with(|| a.0.cmp(b.0))
        })?
        .0;
    let particle = |o: &Occ| {
        text(o, o.tail)
            .get(text(o, o.end).len()..)
            .map(str::to_string)
    };
    let mut tails: Vec<(String, usize)> = Vec::new();
    for o in occ.iter().filter(|o| o.tail > o.end) {
        let Some(p) = particle(o) else { continue };
        match tails.iter_mut().find(|v| v.0 == p) {
            Some(v) => v.1 += 1,
            None => tails.push((p, 1)),
        }
    }
    let tail = tails
        .into_iter()
        .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)))
        .filter(|t| 2 * t.1 > occ.len());
    let with_tail = tail.and_then(|(p, _)| {
        occ.iter()
            .zip(&forms)
            .find(|(o, form)| *form == best && o.tail > o.end && particle(o).as_deref() == Some(&p))
            .map(|(o, _)| text(o, o.tail))
    });
    Some(with_tail.unwrap_or_else(|| best.to_string()))
}

/// `choose` as first written: every candidate scored and sorted.
fn reference_choose(n: &Namer<'_>, items: &[&FeedbackItem]) -> Vec<Choice> {
    let m = items.len();
    let min_cov = if m > SMALL_GROUP { 2 } else { 1 };
    let mut ranked: Vec<(f64, usize)> = n
        .cands
        .iter()
        .enumerate()
        .filter(|(_, c)| c.cov >= min_cov)
        .map(|(i, c)| {
            (
                (f64::from(c.cov) / m as f64).powf(SHARE_EXPONENT) * c.weight,
                i,
            )
        })
        .collect();
    ranked.sort_unstable_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| n.cands[a.1].set.cmp(&n.cands[b.1].set))
            .then(a.1.cmp(&b.1))
    });
    let mut out: Vec<Choice> = Vec::new();
    let mut cut_short = Vec::new();
    for (score, i) in ranked {
        if out.len() >= KEPT {
            break;
        }
        let c = &n.cands[i];
        if out.iter().any(|o| o.set == c.set) {
            continue;
        }
        // Cut short in most occurrences: only if nothing else names it.
        if c.occ.iter().filter(|o| o.open).count() * 2 > c.occ.len() {
            cut_short.push((score, i));
            continue;
        }
        if let Some(name) = reference_form(&c.occ, items) {
            out.push(Choice {
                name,
                set: c.set,
                score,
            });
        }
    }
    if out.is_empty() {
        for (score, i) in cut_short.into_iter().take(KEPT) {
            if let Some(name) = reference_form(&n.cands[i].occ, items) {
                out.push(Choice {
                    name,
                    set: n.cands[i].set,
                    score,
                });
            }
        }
    }
    out
}

/// `name_group` with the reference parts.
fn reference_name_group(
    n: &mut Namer<'_>,
    items: &[&FeedbackItem],
    sum: &[(u32, f64, u32)],
) -> (Vec<String>, Vec<Choice>) {
    let m = items.len();
    let corpus = n.corpus;
    let anchor_ids = scored_terms(corpus, sum, m, ANCHORS);
    let anchors: Vec<&str> = anchor_ids.iter().map(|&t| corpus.vocab.term(t)).collect();
    let mut counts: Vec<Vec<(String, usize)>> = vec![Vec::new(); anchors.len().min(KEY_TERMS)];
    n.table.clear();
    n.cands.clear();
    for (k, it) in items.iter().enumerate() {
        for (body, field) in [(false, &it.title), (true, &it.body)] {
            let field = capped(field, NAME_TEXT_BYTES);
            reference_tokens(n, field, &anchors, &mut counts, (sum, m));
            n.windows(k as u32, body);
        }
    }
    let mut choices = reference_choose(n, items);
    if choices.is_empty() && anchors.is_empty() {
        choices = super::written::fallback_choices(items, n.label_terms + 1);
    }
    (key_terms(counts, &anchors), choices)
}

/// Words and separators the generated requests are made of: content and
/// stop words, particles, case, inflections, CJK, punctuation that breaks
/// a phrase and punctuation that does not.
const WORDS: &[&str] = &[
    "card",
    "cards",
    "top",
    "up",
    "my",
    "the",
    "lost",
    "phone",
    "verify",
    "log",
    "in",
    "pin",
    "change",
    "of",
    "a",
    "direct",
    "debit",
    "payment",
    "arrived",
    "Top",
    "UP",
    "Card",
    "off",
    "支付",
    "卡",
    "到账",
    "café",
    "İstanbul",
    "3.4",
    "sign",
    "out",
    "to",
    "is",
    // Inflections and case: stemmed forms, written forms counted apart.
    "CARDS",
    "Phones",
    "verified",
    "topping",
    "Payments",
    "CAFÉ",
    // Emoji (one with a zero-width joiner), a combining accent, a word
    // of punctuation only, a right-to-left word and a control character.
    "🚀",
    "👩\u{200d}💻",
    "cafe\u{301}",
    "?!",
    "بطاقة",
    "\u{7}",
];
const SEPARATORS: &[&str] = &[
    " ", " ", " ", "  ", ", ", ". ", "-", " / ", "\n", "\t", " & ", "", "'",
];

/// A text of `words` words from `WORDS`, joined by `SEPARATORS`.
fn text(words: &[(usize, usize)]) -> String {
    let mut s = String::new();
    for &(w, sep) in words {
        s.push_str(WORDS[w % WORDS.len()]);
        s.push_str(SEPARATORS[sep % SEPARATORS.len()]);
    }
    s
}

/// A text as (word, separator) indices.
type Words = Vec<(usize, usize)>;

/// Members' titles and bodies.
fn texts() -> impl Strategy<Value = Vec<(Words, Words)>> {
    let words = || proptest::collection::vec((0..WORDS.len(), 0..SEPARATORS.len()), 0..40);
    proptest::collection::vec((words(), words()), 2..24)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn names_match_the_reference(members in texts(), split in 1usize..6, label_terms in 1usize..=4) {
        let items: Vec<FeedbackItem> = members
            .iter()
            .enumerate()
            .map(|(i, (t, b))| {
                // Some bodies past the bytes names are read from.
                let body = if i % 5 == 4 { text(b).repeat(40) } else { text(b) };
                FeedbackItem::new(format!("r{i}")).with_title(text(t)).with_body(body)
            })
            .collect();
        let refs: Vec<&FeedbackItem> = items.iter().collect();
        let corpus = Corpus::build(&refs, 32, false);
        let mut fast = Namer::new(&corpus, label_terms);
        let mut slow = Namer::new(&corpus, label_terms);
        // A few groups in turn, so that the namers' buffers are reused.
        let all: Vec<u32> = (0..items.len() as u32).collect();
        for group in all.chunks(split.max(1)).chain([&all[..]]) {
            let members: Vec<&FeedbackItem> = group.iter().map(|&i| &items[i as usize]).collect();
            let sum = member_sum(&corpus, group);
            let named = fast.name_group(&members, &sum);
            let (key_terms, choices) = reference_name_group(&mut slow, &members, &sum);
            prop_assert_eq!(&named.key_terms, &key_terms);
            prop_assert_eq!(&named.choices, &choices);
        }
    }

    #[test]
    fn written_matches_the_reference(s in "[ \t\n\u{b}\u{c}\r\u{85}\u{a0}aZ-İé卡]{0,24}", prefix in "[a ]{0,3}") {
        prop_assert_eq!(written(&s), reference_written(&s));
        let mut out = prefix.clone();
        written_into(&mut out, &s);
        prop_assert_eq!(out, format!("{prefix}{}", reference_written(&s)));
    }

    #[test]
    fn units_and_gaps_match_the_reference(s in "[ a-İ卡ก,.'/&+]{0,6}") {
        let want = if s.chars().all(is_nospace_char) { 1 } else { 2 };
        prop_assert_eq!(units(&s), want);
        let breaks = s.chars().any(|c| !(c.is_whitespace() || matches!(c, '-' | '\'' | '’' | '/' | '&' | '+')));
        prop_assert_eq!(gap_breaks(&s), breaks);
    }
}

#[test]
fn names_of_a_known_group_match_the_reference() {
    let titles = [
        "How do I top up my card?",
        "Top up limit for my card",
        "I want to top-up my card, please",
        "card top up failed",
        "Where is my top up? 我的卡 支付",
    ];
    let items: Vec<FeedbackItem> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| FeedbackItem::new(format!("t{i}")).with_title(*t))
        .collect();
    let refs: Vec<&FeedbackItem> = items.iter().collect();
    let corpus = Corpus::build(&refs, 32, false);
    let sum = member_sum(&corpus, &[0, 1, 2, 3, 4]);
    let named = Namer::new(&corpus, 3).name_group(&refs, &sum);
    let (key_terms, choices) = reference_name_group(&mut Namer::new(&corpus, 3), &refs, &sum);
    assert_eq!(named.key_terms, key_terms);
    assert_eq!(named.choices, choices);
    assert!(
        named.choices.iter().any(|c| c.name == "top up"),
        "{:?}",
        named.choices
    );
}

/// `items` named as one group, in a corpus of their own.
fn named_whole(items: &[FeedbackItem]) -> Named {
    let refs: Vec<&FeedbackItem> = items.iter().collect();
    let corpus = Corpus::build(&refs, 32, false);
    let all: Vec<u32> = (0..items.len() as u32).collect();
    let sum = member_sum(&corpus, &all);
    Namer::new(&corpus, 3).name_group(&refs, &sum)
}

#[test]
fn a_group_without_a_shared_content_word_is_named_by_its_members_words() {
    // Greetings and stop words only: no term, so no phrase candidate; the
    // name is the words most members start with, not an empty string.
    let texts = [
        "Hi!",
        "hello there",
        "hi",
        "What do I do?",
        "the dark mode, please",
    ];
    let items: Vec<FeedbackItem> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| FeedbackItem::new(format!("t{i}")).with_body(*t))
        .collect();
    let named = named_whole(&items);
    assert!(named.key_terms.is_empty(), "{:?}", named.key_terms);
    let names: Vec<&str> = named.choices.iter().map(|c| c.name.as_str()).collect();
    // "hi" twice first; then by the smaller string; stop words at the ends
    // dropped where a content word remains ("dark mode").
    assert_eq!(names, ["hi", "dark mode", "hello there", "what do i do"]);
    assert_eq!(named.name(3), "hi");
}

#[test]
fn a_large_group_is_named_from_members_spread_over_it() {
    // 1,000 members, the first 300 (in id order) one phrasing and the rest
    // another: the name is read from 64 members evenly spaced, so the
    // phrasing of most members wins (the first 64 alone would pick the
    // other).
    let items: Vec<FeedbackItem> = (0..1000)
        .map(|i| {
            let t = if i < 300 {
                "sync outlook calendar"
            } else {
                "export invoices excel"
            };
            FeedbackItem::new(format!("t{i:04}")).with_title(t)
        })
        .collect();
    let named = named_whole(&items);
    assert_eq!(
        named.name(3),
        "export invoices excel",
        "{:?}",
        named.choices
    );
    // Their first 64 alone are named the other way.
    assert_eq!(named_whole(&items[..64]).name(3), "sync outlook calendar");
}
