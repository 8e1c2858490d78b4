//! The five product input classes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the five product input classes (see the crate docs and `CLASSES.md`).
///
/// The declaration order is the order of [`Class::ALL`], of [`ClassScores`] and
/// the default precedence: necessity first, then opportunistic, fault
/// correction, market driven and responsiveness.
///
/// Deliberately not `#[non_exhaustive]`: the five classes are the domain, and
/// callers want exhaustive `match`es.
///
/// ```
/// use feedback_triage::Class;
///
/// let class: Class = "market_driven".parse()?;
/// assert_eq!(class, Class::MarketDriven);
/// assert_eq!(class.to_string(), "market_driven");
/// assert_eq!(Class::ALL.len(), 5);
/// # Ok::<(), feedback_triage::ParseClassError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Must-do work: law, regulation, compliance, security, forced end-of-life.
    Necessity,
    /// Tied to a specific deal, sale, prospect or adoption blocker.
    Opportunistic,
    /// Something that exists is broken or misbehaves.
    FaultCorrection,
    /// Growth: new capabilities, platforms, integrations, competitive parity.
    MarketDriven,
    /// Existing users' feedback on their own experience: usability, praise, questions.
    Responsiveness,
}

/// How many classes there are: the length of [`Class::ALL`], and of every
/// per-class array.
pub(crate) const CLASSES: usize = 5;

/// The index of "no class" in arrays that count the classes and then the
/// results without one (confusion matrices, diffs).
pub(crate) const NO_CLASS: usize = CLASSES;

impl Class {
    /// All five classes, in precedence order.
    pub const ALL: [Class; CLASSES] = [
        Class::Necessity,
        Class::Opportunistic,
        Class::FaultCorrection,
        Class::MarketDriven,
        Class::Responsiveness,
    ];

    /// The snake_case name used in policies and JSON (`"fault_correction"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Class::Necessity => "necessity",
            Class::Opportunistic => "opportunistic",
            Class::FaultCorrection => "fault_correction",
            Class::MarketDriven => "market_driven",
            Class::Responsiveness => "responsiveness",
        }
    }

    /// The position of this class in [`Class::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// A human label ("Fault Correction").
    pub const fn title(self) -> &'static str {
        match self {
            Class::Necessity => "Necessity",
            Class::Opportunistic => "Opportunistic",
            Class::FaultCorrection => "Fault Correction",
            Class::MarketDriven => "Market Driven",
            Class::Responsiveness => "Responsiveness",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names none of the five classes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown class {0:?} (expected one of fault_correction, necessity, market_driven, opportunistic, responsiveness)"
)]
pub struct ParseClassError(pub String);

impl FromStr for Class {
    type Err = ParseClassError;

    /// Parses the snake_case name; case and `-`/space separators are forgiven
    /// (`"Fault Correction"`, `"fault-correction"`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Class::ALL
            .into_iter()
            .find(|c| c.as_str() == norm)
            .ok_or_else(|| ParseClassError(s.to_string()))
    }
}

/// A score for each of the five classes, indexed by [`Class`].
///
/// ```
/// use feedback_triage::{Class, ClassScores};
///
/// let mut scores = ClassScores::default();
/// scores[Class::Necessity] += 2.0;
/// assert_eq!(scores[Class::Necessity], 2.0);
/// assert_eq!(scores.best(), Some((Class::Necessity, 2.0)));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClassScores(pub [f64; CLASSES]);

impl ClassScores {
    /// `(class, score)` pairs in [`Class::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Class, f64)> + '_ {
        Class::ALL.into_iter().map(move |c| (c, self.0[c.index()]))
    }

    /// The highest positive score, ties broken by [`Class::ALL`] order; `None` when all are zero.
    pub fn best(&self) -> Option<(Class, f64)> {
        let mut best: Option<(Class, f64)> = None;
        for (c, s) in self.iter() {
            if s > 0.0 && best.is_none_or(|(_, b)| s > b) {
                best = Some((c, s));
            }
        }
        best
    }

    /// The sum of all five scores.
    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }
}

impl std::ops::Index<Class> for ClassScores {
    type Output = f64;
    fn index(&self, class: Class) -> &f64 {
        &self.0[class.index()]
    }
}

impl std::ops::IndexMut<Class> for ClassScores {
    fn index_mut(&mut self, class: Class) -> &mut f64 {
        &mut self.0[class.index()]
    }
}

/// Serialised as a map from class name to score, in [`Class::ALL`] order.
impl Serialize for ClassScores {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(CLASSES))?;
        for (c, v) in self.iter() {
            m.serialize_entry(c.as_str(), &v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for ClassScores {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<Class, f64>::deserialize(d)?;
        let mut out = ClassScores::default();
        for (c, v) in map {
            out[c] = v;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Class::ALL {
            assert_eq!(c.as_str().parse::<Class>().unwrap(), c);
            assert_eq!(Class::ALL[c.index()], c);
        }
        assert_eq!(
            "Fault Correction".parse::<Class>().unwrap(),
            Class::FaultCorrection
        );
        let err = "bugfix".parse::<Class>().unwrap_err();
        assert!(err.to_string().contains("\"bugfix\""));
    }

    #[test]
    fn best_breaks_ties_by_order() {
        let s = ClassScores([0.0, 1.0, 1.0, 0.5, 0.0]);
        assert_eq!(s.best(), Some((Class::Opportunistic, 1.0)));
        assert_eq!(ClassScores::default().best(), None);
    }
}
