//! Evaluating a classifier against items that carry a true class.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::class::{CLASSES, Class, NO_CLASS};
use crate::classify::{Band, Classification, Evidence};

/// Turns a dataset's own labels into classes: `Bug=fault_correction,...`.
///
/// A label may accept several classes, written with `|`
/// (`Feature=market_driven|responsiveness`) for datasets that do not separate
/// them: a prediction of any of them counts as correct, and a miss is counted
/// against the first.
///
/// Spaces around labels and classes are ignored. In a label, `\` escapes
/// the next character: `\,`, `\=`, `\|`, `\\`, or a space to keep at
/// either end. `Display` writes that text form, escaping as needed, and it
/// reads back with `parse` to an equal map, but for what the text form
/// cannot hold and [`insert`](Self::insert) takes: an empty label, an empty
/// class list (serde keeps them) and an empty map.
///
/// ```
/// use feedback_triage::{Class, LabelMap};
///
/// let mut map = LabelMap::default();
/// map.insert("Bug, crash", vec![Class::FaultCorrection]);
/// map.insert("a=b ", vec![Class::Necessity]);
/// let text = map.to_string();
/// assert_eq!(text, r"Bug\, crash=fault_correction,a\=b\ =necessity");
/// assert_eq!(text.parse::<LabelMap>()?, map);
/// # Ok::<(), feedback_triage::LabelMapError>(())
/// ```
///
/// ```
/// use feedback_triage::{Class, LabelMap};
///
/// let map: LabelMap = "Bug=fault_correction, Feature=market_driven|responsiveness".parse()?;
/// assert_eq!(map.get("Bug"), Some(&[Class::FaultCorrection][..]));
/// assert_eq!(map.get("Feature").map(|c| c.len()), Some(2));
/// assert!(map.get("Other").is_none());
/// # Ok::<(), feedback_triage::LabelMapError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelMap {
    map: BTreeMap<String, Vec<Class>>,
}

/// A label map that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LabelMapError {
    /// An entry is not `label=class`.
    #[error("label map entry {0:?} is not of the form `label=class`")]
    Malformed(String),
    /// An entry names an unknown class.
    #[error("label map entry for label {label:?}: unknown class {class:?}")]
    UnknownClass {
        /// The dataset label.
        label: String,
        /// The class name given.
        class: String,
    },
    /// A label is mapped twice.
    #[error("label {0:?} is mapped more than once")]
    Duplicate(String),
    /// The map is empty.
    #[error("the label map is empty")]
    Empty,
    /// An item's label is not in the map, and the caller asked for
    /// [`UnknownLabels::Error`].
    #[error("label {0:?} is not in the label map")]
    UnknownLabel(String),
}

/// What to do with an item whose label is not in a [`LabelMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnknownLabels {
    /// Skip the item and count it (the default).
    #[default]
    Skip,
    /// Fail with [`LabelMapError::UnknownLabel`] naming the label.
    Error,
}

impl LabelMap {
    /// A map where each class name maps to itself (for data labelled with the
    /// five classes directly).
    pub fn identity() -> LabelMap {
        LabelMap {
            map: Class::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), vec![*c]))
                .collect(),
        }
    }

    /// The classes a label accepts, the canonical one first.
    pub fn get(&self, label: &str) -> Option<&[Class]> {
        self.map.get(label).map(Vec::as_slice)
    }

    /// The classes an item's label accepts, under a policy for labels the map
    /// does not know: `Ok(None)` means "skip the item" (no label, or an
    /// unknown label under [`UnknownLabels::Skip`]).
    ///
    /// ```
    /// use feedback_triage::{Class, LabelMap, LabelMapError, UnknownLabels};
    ///
    /// let map: LabelMap = "Bug=fault_correction".parse()?;
    /// assert_eq!(map.resolve(Some("Bug"), UnknownLabels::Error)?, Some(&[Class::FaultCorrection][..]));
    /// assert_eq!(map.resolve(Some("Praise"), UnknownLabels::Skip)?, None);
    /// assert_eq!(map.resolve(None, UnknownLabels::Error)?, None);
    /// let err = map.resolve(Some("Praise"), UnknownLabels::Error).unwrap_err();
    /// assert_eq!(err, LabelMapError::UnknownLabel("Praise".into()));
    /// assert!(err.to_string().contains("\"Praise\""));
    /// # Ok::<(), LabelMapError>(())
    /// ```
    pub fn resolve(
        &self,
        label: Option<&str>,
        unknown: UnknownLabels,
    ) -> Result<Option<&[Class]>, LabelMapError> {
        let Some(label) = label else { return Ok(None) };
        match (self.get(label), unknown) {
            (Some(c), _) => Ok(Some(c)),
            (None, UnknownLabels::Skip) => Ok(None),
            (None, UnknownLabels::Error) => Err(LabelMapError::UnknownLabel(label.to_string())),
        }
    }

    /// Adds or replaces a label.
    pub fn insert(&mut self, label: impl Into<String>, classes: Vec<Class>) {
        self.map.insert(label.into(), classes);
    }

    /// The classes that no label maps to (a dataset that cannot judge them).
    pub fn missing_classes(&self) -> Vec<Class> {
        Class::ALL
            .into_iter()
            .filter(|c| !self.map.values().any(|v| v.contains(c)))
            .collect()
    }

    /// The labels, sorted.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

impl FromStr for LabelMap {
    type Err = LabelMapError;
    fn from_str(s: &str) -> Result<LabelMap, LabelMapError> {
        let mut map = BTreeMap::new();
        for entry in label_text::split(s, ',') {
            let malformed = || LabelMapError::Malformed(entry.trim().to_string());
            if label_text::trim(entry).is_empty() {
                continue;
            }
            // Only the first unescaped `=` separates: any other belongs to
            // the classes, which then name an unknown class.
            let label = label_text::split(entry, '=').next().unwrap_or(entry);
            let Some(classes) = entry.get(label.len() + 1..) else {
                return Err(malformed());
            };
            let label = label_text::unescape(label_text::trim(label)).ok_or_else(malformed)?;
            if label.is_empty() {
                return Err(malformed());
            }
            let classes = classes
                .split('|')
                .map(|c| {
                    c.parse::<Class>().map_err(|_| LabelMapError::UnknownClass {
                        label: label.clone(),
                        class: c.trim().to_string(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if map.contains_key(&label) {
                return Err(LabelMapError::Duplicate(label));
            }
            map.insert(label, classes);
        }
        if map.is_empty() {
            return Err(LabelMapError::Empty);
        }
        Ok(LabelMap { map })
    }
}

impl fmt::Display for LabelMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (label, classes)) in self.map.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            label_text::write_escaped(f, label)?;
            f.write_str("=")?;
            for (j, c) in classes.iter().enumerate() {
                if j > 0 {
                    f.write_str("|")?;
                }
                f.write_str(c.as_str())?;
            }
        }
        Ok(())
    }
}

/// The text form's escapes: `\` before a character takes it literally.
mod label_text {
    use std::fmt;

    /// The pieces of `s` between unescaped `sep`s.
    pub(super) fn split(s: &str, sep: char) -> impl Iterator<Item = &str> {
        let mut rest = Some(s);
        std::iter::from_fn(move || {
            let text = rest?;
            let mut escaped = false;
            for (at, c) in text.char_indices() {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == sep {
                    rest = Some(&text[at + c.len_utf8()..]);
                    return Some(&text[..at]);
                }
            }
            rest = None;
            Some(text)
        })
    }

    /// `s` without white space at either end, but an escaped one at its end.
    pub(super) fn trim(s: &str) -> &str {
        let s = s.trim_start();
        let mut end = s.trim_end().len();
        // An escaped space: the backslash before it is unescaped when an
        // even number of backslashes precede it.
        if end < s.len() {
            let slashes = s[..end].bytes().rev().take_while(|&b| b == b'\\').count();
            if slashes % 2 == 1 {
                end += s[end..].chars().next().map_or(0, char::len_utf8);
            }
        }
        &s[..end]
    }

    /// `s` with its escapes resolved; `None` if it ends in a lone `\`.
    pub(super) fn unescape(s: &str) -> Option<String> {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            out.push(if c == '\\' { chars.next()? } else { c });
        }
        Some(out)
    }

    /// Writes `label` so that [`split`], [`trim`] and [`unescape`] give it
    /// back.
    pub(super) fn write_escaped(f: &mut fmt::Formatter<'_>, label: &str) -> fmt::Result {
        let inner = label.trim();
        let lead = label.len() - label.trim_start().len();
        for (at, c) in label.char_indices() {
            let edge = c.is_whitespace() && (at < lead || at >= lead + inner.len());
            if edge || matches!(c, '\\' | ',' | '=' | '|') {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// How many items fell in one confidence band, and how many of them are right.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BandMetrics {
    /// The band.
    pub band: Band,
    /// Items in it.
    pub items: usize,
    /// Their share of all items.
    pub share: f64,
    /// The share of them whose prediction is correct.
    pub precision: f64,
}

/// Precision, recall and F1 of one class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassMetrics {
    /// Items whose true class is this one.
    pub support: usize,
    /// Items predicted as this class.
    pub predicted: usize,
    /// Correct predictions of this class.
    pub correct: usize,
    /// `correct / predicted` (0 when nothing was predicted).
    pub precision: f64,
    /// `correct / support` (0 when the class has no support).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// A misclassified (or abstained) item, with the evidence that led there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Miss {
    /// The item's id.
    pub id: String,
    /// The true class (canonical).
    pub expected: Class,
    /// What the classifier said (`None`: it abstained).
    pub predicted: Option<Class>,
    /// The classifier's evidence.
    pub evidence: Vec<Evidence>,
}

/// Accumulates predictions against true classes in one pass; see
/// [`Evaluation::add`] and [`Evaluation::finish`].
///
/// ```
/// use feedback_triage::{Class, Classifier, Evaluation};
///
/// let classifier = Classifier::builtin();
/// let mut eval = Evaluation::new();
/// let c = classifier.classify_text("The app crashes on launch", "");
/// eval.add("1", &[Class::FaultCorrection], &c);
/// let c = classifier.classify_text("GDPR: delete my personal data", "");
/// eval.add("2", &[Class::Necessity], &c);
/// let report = eval.finish();
/// assert_eq!(report.accuracy, 1.0);
/// assert_eq!(report.macro_f1, 1.0);
/// ```
#[derive(Clone, Debug)]
pub struct Evaluation {
    confusion: [[usize; NO_CLASS + 1]; CLASSES],
    /// Per band (low, medium, high): items, correct.
    bands: [(usize, usize); Band::ALL.len()],
    misses: Vec<Miss>,
    skipped: usize,
    keep_misses: usize,
}

/// The same as [`Evaluation::new`]: 1,000 misses kept with their evidence.
impl Default for Evaluation {
    fn default() -> Evaluation {
        Evaluation::new()
    }
}

/// The figures of an evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EvaluationReport {
    /// Items evaluated.
    pub items: usize,
    /// Items skipped because they had no true class (counted, not hidden).
    pub skipped: usize,
    /// `confusion[true][predicted]`, classes in [`Class::ALL`] order; the
    /// sixth column counts abstentions.
    pub confusion: [[usize; NO_CLASS + 1]; CLASSES],
    /// Per class, in [`Class::ALL`] order.
    pub per_class: [ClassMetrics; CLASSES],
    /// Mean F1 over the classes with support in the truth.
    pub macro_f1: f64,
    /// Share of items whose prediction is correct (abstentions are wrong).
    pub accuracy: f64,
    /// Share of items the classifier did not abstain on.
    pub coverage: f64,
    /// Per confidence band, in [`Band::ALL`] order (low, medium, high): the
    /// items in it and the share of them that are right.
    pub bands: [BandMetrics; Band::ALL.len()],
    /// Misclassified and abstained items, in the order added (the first
    /// `max_misses`, 1000 by default).
    pub misses: Vec<Miss>,
}

impl Evaluation {
    /// An empty evaluation that keeps up to 1000 misses.
    pub fn new() -> Evaluation {
        Evaluation {
            confusion: Default::default(),
            bands: Default::default(),
            misses: Vec::new(),
            skipped: 0,
            keep_misses: 1000,
        }
    }

    /// Sets how many misses to keep with their evidence.
    #[must_use]
    pub fn max_misses(mut self, n: usize) -> Evaluation {
        self.keep_misses = n;
        self
    }

    /// Records one prediction. `truth` lists the accepted classes, canonical
    /// first; an empty `truth` counts the item as skipped.
    pub fn add(&mut self, id: &str, truth: &[Class], result: &Classification) {
        let Some(&canonical) = truth.first() else {
            self.skipped += 1;
            return;
        };
        let actual = match result.class {
            Some(p) if truth.contains(&p) => p,
            _ => canonical,
        };
        let col = result.class.map_or(NO_CLASS, Class::index);
        let band = &mut self.bands[result.band.index()];
        band.0 += 1;
        band.1 += usize::from(result.class == Some(actual));
        self.confusion[actual.index()][col] += 1;
        if result.class != Some(actual) && self.misses.len() < self.keep_misses {
            self.misses.push(Miss {
                id: id.to_string(),
                expected: actual,
                predicted: result.class,
                evidence: result.evidence.clone(),
            });
        }
    }

    /// Counts an item that has no true class.
    pub fn skip(&mut self) {
        self.skipped += 1;
    }

    /// Computes the figures.
    pub fn finish(self) -> EvaluationReport {
        let m = &self.confusion;
        let items: usize = m.iter().flatten().sum();
        let mut per_class = [ClassMetrics::default(); CLASSES];
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        for c in Class::ALL {
            let i = c.index();
            let support: usize = m[i].iter().sum();
            let predicted: usize = (0..CLASSES).map(|t| m[t][i]).sum();
            let correct = m[i][i];
            let precision = ratio(correct, predicted);
            let recall = ratio(correct, support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            per_class[i] = ClassMetrics {
                support,
                predicted,
                correct,
                precision,
                recall,
                f1,
            };
        }
        let present: Vec<&ClassMetrics> = per_class.iter().filter(|c| c.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
        };
        let correct: usize = (0..CLASSES).map(|i| m[i][i]).sum();
        let abstained: usize = m.iter().map(|r| r[NO_CLASS]).sum();
        let bands = Band::ALL.map(|band| {
            let (n, right) = self.bands[band.index()];
            BandMetrics {
                band,
                items: n,
                share: ratio(n, items),
                precision: ratio(right, n),
            }
        });
        EvaluationReport {
            bands,
            items,
            skipped: self.skipped,
            confusion: self.confusion,
            per_class,
            macro_f1,
            accuracy: ratio(correct, items),
            coverage: ratio(items - abstained, items),
            misses: self.misses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;
    use crate::policy::{Policy, Rule};

    fn classifier() -> Classifier {
        let mut p = Policy::empty();
        p.rules
            .push(Rule::new("crash", Class::FaultCorrection).keyword("crash"));
        Classifier::new(&p).unwrap()
    }

    #[test]
    fn default_keeps_misses_as_new_does() {
        let c = classifier();
        let miss = c.classify_text("it crashes", "");
        for mut eval in [Evaluation::new(), Evaluation::default()] {
            eval.add("1", &[Class::Necessity], &miss);
            assert_eq!(eval.finish().misses.len(), 1);
        }
    }

    #[test]
    fn items_without_a_true_class_are_skipped_and_counted() {
        let c = classifier();
        let map: LabelMap = "Bug=fault_correction".parse().unwrap();
        let mut eval = Evaluation::new();
        for (text, label) in [
            ("it crashes", Some("Bug")),
            ("hi", None),
            ("x", Some("Praise")),
        ] {
            match map.resolve(label, UnknownLabels::Skip).unwrap() {
                Some(truth) => eval.add("id", truth, &c.classify_text(text, "")),
                None => eval.skip(),
            }
        }
        eval.add("empty truth", &[], &c.classify_text("crash", ""));
        let r = eval.finish();
        assert_eq!((r.items, r.skipped), (1, 3));
        assert_eq!(r.accuracy, 1.0);
    }

    #[test]
    fn unknown_label_is_an_error_naming_it_when_strict() {
        let map: LabelMap = "Bug=fault_correction".parse().unwrap();
        let err = map
            .resolve(Some("Feature"), UnknownLabels::Error)
            .unwrap_err();
        assert_eq!(err, LabelMapError::UnknownLabel("Feature".into()));
        assert!(err.to_string().contains("\"Feature\""));
        assert_eq!(map.resolve(Some("Feature"), UnknownLabels::Skip), Ok(None));
    }

    #[test]
    fn label_map_reports_classes_left_empty() {
        let map: LabelMap = "Bug=fault_correction,Feature=market_driven|responsiveness"
            .parse()
            .unwrap();
        assert_eq!(
            map.missing_classes(),
            vec![Class::Necessity, Class::Opportunistic]
        );
        assert!(LabelMap::identity().missing_classes().is_empty());
    }

    #[test]
    fn misses_carry_their_evidence() {
        let c = classifier();
        let mut eval = Evaluation::new();
        eval.add("1", &[Class::Necessity], &c.classify_text("crash", ""));
        let r = eval.finish();
        assert_eq!(r.misses.len(), 1);
        assert_eq!(r.misses[0].predicted, Some(Class::FaultCorrection));
        assert_eq!(r.misses[0].evidence[0].rule, "crash".into());
    }
}
