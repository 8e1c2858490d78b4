//! The policy's names as evidence carries them.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use crate::policy::Policy;
use crate::text::FxHasher;

/// The names made so far, by text (hashed as the term table's keys are: a
/// policy's texts are not a text to classify).
type Shared = HashSet<Arc<str>, BuildHasherDefault<FxHasher>>;

/// The rule ids, keyword and exclusion texts and condition descriptions of
/// a compiled policy, each an [`Arc<str>`] made once when the policy is
/// compiled: evidence clones them (a reference count, no string copy), so
/// building a result allocates no name, whatever the policy. Equal texts
/// share one allocation.
#[derive(Debug, Default)]
pub(super) struct Names {
    /// Per rule.
    rules: Vec<RuleNames>,
}

#[derive(Debug)]
struct RuleNames {
    id: Arc<str>,
    /// Per keyword, its text as written in the policy.
    keywords: Box<[Arc<str>]>,
    /// Per exclusion, as written in the policy.
    exclude: Box<[Arc<str>]>,
    /// The rule's conditions in words.
    description: Arc<str>,
}

impl Names {
    /// The names of `policy`'s rules, `describe` putting each rule's
    /// conditions into words.
    pub(super) fn new(policy: &Policy, describe: impl Fn(usize) -> String) -> Names {
        let mut set = Shared::default();
        let rules = policy
            .rules
            .iter()
            .enumerate()
            .map(|(r, rule)| RuleNames {
                id: share(&mut set, &rule.id),
                keywords: rule
                    .keywords
                    .iter()
                    .map(|k| share(&mut set, &k.text))
                    .collect(),
                exclude: rule.exclude.iter().map(|e| share(&mut set, e)).collect(),
                description: share(&mut set, &describe(r)),
            })
            .collect();
        Names { rules }
    }

    /// Rule `r`'s id.
    #[inline]
    pub(super) fn id(&self, r: usize) -> Arc<str> {
        Arc::clone(&self.rules[r].id)
    }

    /// The text of rule `r`'s keyword `k`.
    #[inline]
    pub(super) fn keyword(&self, r: usize, k: usize) -> Arc<str> {
        Arc::clone(&self.rules[r].keywords[k])
    }

    /// Rule `r`'s exclusion `e`.
    #[inline]
    pub(super) fn exclusion(&self, r: usize, e: usize) -> Arc<str> {
        Arc::clone(&self.rules[r].exclude[e])
    }

    /// Rule `r`'s conditions in words.
    #[inline]
    pub(super) fn description(&self, r: usize) -> Arc<str> {
        Arc::clone(&self.rules[r].description)
    }
}

/// `s` as an `Arc<str>`, the one already in `set` when there is one.
fn share(set: &mut Shared, s: &str) -> Arc<str> {
    if let Some(a) = set.get(s) {
        return Arc::clone(a);
    }
    let a: Arc<str> = Arc::from(s);
    set.insert(Arc::clone(&a));
    a
}
