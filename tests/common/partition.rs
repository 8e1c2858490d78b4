//! Clustering results as partitions, for the clustering tests.
#![allow(dead_code)]

use feedback_triage::Clustering;

/// Every group's members, sorted, as a sorted list (the partition).
pub fn partition(c: &Clustering) -> Vec<Vec<String>> {
    let mut p: Vec<Vec<String>> = c
        .features
        .iter()
        .map(|f| f.members.clone())
        .chain(c.special_cases.iter().map(|s| s.members.clone()))
        .collect();
    p.sort();
    p
}

pub fn all_ids(c: &Clustering) -> Vec<String> {
    let mut ids: Vec<String> = partition(c).into_iter().flatten().collect();
    ids.sort();
    ids
}
