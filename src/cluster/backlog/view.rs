//! A [`Backlog`] seen as a batch [`Clustering`], and inserting a batch that
//! reports every bad request.

use super::state::RequestError;
use super::{Backlog, BacklogError, Group, Item, Placement, distinct};
use crate::cluster::describe::{rank, sum_by_term};
use crate::cluster::ids::group_id;
use crate::cluster::naming::{Choice, KEY_TERMS, MemberText, Namer, terms_name, unique_names};
use crate::cluster::vectors::{Corpus, Vocab};
use crate::cluster::{CandidateFeature, ClassMix, Clustering, SpecialCase, SpecialReason};
use crate::item::FeedbackItem;

impl Backlog {
    /// Everything seen so far in the batch clusterer's shape, ranked the
    /// same way: every request in exactly one `members` list (sorted).
    ///
    /// Features keep their backlog ids (`F1`, `F2`, ...); special cases get
    /// the batch's ids from their members (`S-` and 8 hex digits). Key
    /// terms are the group's strongest terms (by the sum of its members'
    /// weights), each shown as the word that first brought it; the name is
    /// a phrase its members wrote, chosen as the batch clusterer chooses
    /// it, from the start of each request's title and body that the
    /// backlog keeps (256 bytes each; no two features share a name), or the
    /// first `label_terms` key terms for a group none of whose requests
    /// kept text (loaded from a version 4 state); the representative is the
    /// earliest member; `class_mix` is empty (count
    /// classes from the requests, as [`Triage::report_clustered`] does);
    /// cohesion is the mean hybrid similarity over the member pairs.
    ///
    /// [`Triage::report_clustered`]: crate::Triage::report_clustered
    ///
    /// ```
    /// use feedback_triage::{Backlog, ClusterParams, FeedbackItem};
    /// let mut backlog = Backlog::new(ClusterParams::default())?;
    /// for (id, who) in [("r1", "acme"), ("r2", "globex")] {
    ///     let it = FeedbackItem::new(id).with_title("export invoices to csv").with_customer(who);
    ///     backlog.insert(&it)?;
    /// }
    /// backlog.insert(&FeedbackItem::new("r3").with_title("dark mode"))?;
    /// let c = backlog.clustering();
    /// assert_eq!(c.features[0].id, "F1");
    /// assert_eq!(c.features[0].members, ["r1", "r2"]);
    /// assert_eq!(c.special_cases[0].members, ["r3"]);
    /// assert_eq!(c.len(), 3);
    /// # Ok::<(), feedback_triage::BacklogError>(())
    /// ```
    pub fn clustering(&self) -> Clustering {
        let mut clustering = Clustering::default();
        let corpus = self.naming_corpus();
        let mut namer = Namer::new(&corpus, self.params.label_terms);
        let mut feature_choices: Vec<Vec<Choice>> = Vec::new();
        let mut live: Vec<(u64, &Group)> = self
            .live_groups()
            .map(|g| (g.feature.unwrap_or(u64::MAX), g))
            .collect();
        live.sort_by_key(|e| (e.0, e.1.members.iter().min().copied()));
        for (_, g) in live {
            let mut first = g.members.clone();
            first.sort_unstable();
            let representative = self.items[first[0] as usize].id.clone();
            let mut members = self.member_ids(g);
            members.sort_unstable();
            let key_terms = self.key_terms(g);
            let choices = self.phrase_choices(&mut namer, g);
            let name = choices.first().map_or_else(
                || terms_name(&key_terms, self.params.label_terms),
                |c| c.name.clone(),
            );
            let deal_value: f64 = g
                .members
                .iter()
                .map(|&i| self.items[i as usize].deal_value.unwrap_or(0.0))
                .sum();
            match g.feature {
                Some(n) => {
                    feature_choices.push(choices);
                    clustering.features.push(CandidateFeature {
                        id: format!("F{n}"),
                        name,
                        key_terms,
                        representative,
                        distinct_customers: distinct(g),
                        deal_value,
                        class_mix: ClassMix::default(),
                        cohesion: if members.len() > 1 {
                            self.cohesion(g).clamp(0.0, 1.0)
                        } else {
                            1.0
                        },
                        members,
                    });
                }
                None => clustering.special_cases.push(SpecialCase {
                    id: group_id("S", &members),
                    reason: if members.len() == 1 {
                        SpecialReason::Alone
                    } else if distinct(g) < self.params.min_distinct_customers {
                        SpecialReason::FewCustomers
                    } else {
                        SpecialReason::Loose
                    },
                    name,
                    representative,
                    distinct_customers: distinct(g),
                    deal_value,
                    members,
                }),
            }
        }
        unique_names(&mut clustering.features, &feature_choices);
        rank(&mut clustering);
        clustering
    }

    /// The backlog's terms and counts in the shape the namer reads (no
    /// vectors: it needs none).
    fn naming_corpus(&self) -> Corpus {
        let mut vocab = Vocab::default();
        for t in &self.terms {
            vocab.intern(t);
        }
        Corpus {
            n: self.items.len(),
            vocab,
            df: self.df.clone(),
            vectors: Vec::new(),
            uniform: false,
        }
    }

    /// The group's candidate names from its requests' kept text, best
    /// first (see the naming module); none when no request kept text.
    fn phrase_choices(&self, namer: &mut Namer<'_>, g: &Group) -> Vec<Choice> {
        let item = |i: &u32| &self.items[*i as usize];
        if g.members
            .iter()
            .all(|i| item(i).title.is_empty() && item(i).body.is_empty())
        {
            return Vec::new();
        }
        // In id order, as the batch names its groups.
        let mut members: Vec<&Item> = g.members.iter().map(item).collect();
        members.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        // Summed in member order, as the batch's groups are.
        let sum = sum_by_term(
            members
                .iter()
                .flat_map(|it| it.terms.iter().copied())
                .collect(),
        );
        namer.name_group(&members, &sum).choices
    }

    /// The group's strongest terms, as words.
    fn key_terms(&self, g: &Group) -> Vec<String> {
        let mut terms: Vec<(u32, f32)> = g.sum.iter().map(|(&t, &w)| (t, w)).collect();
        terms.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        terms
            .iter()
            .take(KEY_TERMS)
            .map(|&(t, _)| self.surfaces[t as usize].clone())
            .collect()
    }

    /// Inserts every request that can be, in order, and reports where each
    /// went and why each other was refused (invalid, or an id inserted
    /// before): the good ones stay inserted either way, and their
    /// placements are kept. [`Inserted::into_result`] turns the report into
    /// a `Result` for `?`.
    ///
    /// ```
    /// use feedback_triage::{Backlog, BacklogError, ClusterParams, FeedbackItem, Placement};
    /// let mut backlog = Backlog::new(ClusterParams::default())?;
    /// let a = FeedbackItem::new("a").with_title("dark mode");
    /// let b = FeedbackItem::new("b").with_title("sso login");
    /// let done = backlog.insert_each(&[a.clone(), b, a]);
    /// assert_eq!(done.placements[1], Some(Placement::Special));
    /// assert_eq!(done.placements[2], None);
    /// assert_eq!((done.refused[0].index, done.refused[0].id.as_deref()), (2, Some("a")));
    /// assert!(matches!(done.into_result(), Err(BacklogError::Requests(bad)) if bad.len() == 1));
    /// assert_eq!(backlog.len(), 2);
    /// # Ok::<(), BacklogError>(())
    /// ```
    pub fn insert_each(&mut self, items: &[FeedbackItem]) -> Inserted {
        let mut done = Inserted {
            placements: Vec::with_capacity(items.len()),
            refused: Vec::new(),
        };
        for (index, it) in items.iter().enumerate() {
            match self.insert(it) {
                Ok(p) => done.placements.push(Some(p)),
                Err(e) => {
                    done.placements.push(None);
                    done.refused.push(RequestError {
                        index,
                        id: (!it.id.is_empty()).then(|| it.id.clone()),
                        error: Box::new(e),
                    });
                }
            }
        }
        done
    }
}

/// What [`Backlog::insert_each`] did with a batch.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Inserted {
    /// One per request of the batch, in its order: where it went, or `None`
    /// if it was refused.
    pub placements: Vec<Option<Placement>>,
    /// The refused requests, in batch order, each with its place and why.
    pub refused: Vec<RequestError>,
}

impl Inserted {
    /// Whether every request was inserted.
    pub fn is_complete(&self) -> bool {
        self.refused.is_empty()
    }

    /// Every placement if no request was refused, else
    /// [`BacklogError::Requests`] with the refused ones (the placements of
    /// the others are dropped: read them first if they matter).
    pub fn into_result(self) -> Result<Vec<Placement>, BacklogError> {
        if self.refused.is_empty() {
            Ok(self.placements.into_iter().flatten().collect())
        } else {
            Err(BacklogError::Requests(self.refused))
        }
    }
}

impl MemberText for &Item {
    fn title(&self) -> &str {
        &self.title
    }
    fn body(&self) -> &str {
        &self.body
    }
}
