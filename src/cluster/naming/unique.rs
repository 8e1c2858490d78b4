//! The diversity step: no two features of one clustering share a name or
//! the same set of content words.

use std::collections::HashSet;

use super::Choice;
use crate::cluster::result::CandidateFeature;

/// Gives each feature a name no other feature of the clustering has, nor
/// one with the same set of content words: the claims of all features on
/// their candidates are granted strongest first (ties by feature id, then
/// the feature's own order). A feature whose candidates are all taken keeps
/// its best one, numbered (" (2)", " (3)", ...) until unique. `choices[k]`
/// are `features[k]`'s; a feature without any keeps its name.
pub(in crate::cluster) fn unique_names(features: &mut [CandidateFeature], choices: &[Vec<Choice>]) {
    let mut claims: Vec<(f64, usize, usize)> = choices
        .iter()
        .enumerate()
        .flat_map(|(f, cs)| cs.iter().enumerate().map(move |(c, ch)| (ch.score, f, c)))
        .collect();
    claims.sort_unstable_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| features[a.1].id.cmp(&features[b.1].id))
            .then(a.2.cmp(&b.2))
    });
    let mut sets: HashSet<u64> = HashSet::new();
    let mut names: HashSet<String> = HashSet::new();
    let mut done = vec![false; features.len()];
    for (_, f, c) in claims {
        let ch = &choices[f][c];
        if done[f] || sets.contains(&ch.set) || names.contains(&ch.name) {
            continue;
        }
        done[f] = true;
        sets.insert(ch.set);
        names.insert(ch.name.clone());
        features[f].name = ch.name.clone();
    }
    // The rest, in id order so that the numbers do not depend on the input.
    let mut rest: Vec<usize> = (0..features.len()).filter(|&f| !done[f]).collect();
    rest.sort_by(|&a, &b| features[a].id.cmp(&features[b].id));
    for f in rest {
        let base = features[f].name.clone();
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base} ({k})");
            k += 1;
        }
        names.insert(name.clone());
        features[f].name = name;
    }
}
