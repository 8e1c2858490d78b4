//! The triage report: what a whole backlog says.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::class::Class;
use crate::cluster::{CandidateFeature, ClassMix, Clusterer, Clustering, SpecialCase};
use crate::error::{ItemError, ParamsError};
use crate::item::{Channel, FeedbackItem};
use crate::jobs::{JobKind, for_each_job};
use crate::text::Analyzed;

mod signals;
pub use signals::CADENCE_MAX_GAP;
use signals::{alignment, cadence, focus, sources};

/// Settings of the triage report (serde, with documented defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TriageParams {
    /// A month in which fewer distinct customers were heard from is flagged
    /// (default 4, from the essay's "at least four customers per month"; at
    /// least 1).
    pub min_customers_per_month: usize,
    /// The most jobs listed per candidate feature (default 5; 0 to 100).
    pub max_jobs_per_feature: usize,
}

impl Default for TriageParams {
    fn default() -> Self {
        TriageParams {
            min_customers_per_month: 4,
            max_jobs_per_feature: 5,
        }
    }
}

/// Setters, one per field, for use with [`TriageParams::default`].
///
/// ```
/// use feedback_triage::TriageParams;
///
/// let params = TriageParams::default().min_customers_per_month(2);
/// assert_eq!(params.min_customers_per_month, 2);
/// assert!(params.max_jobs_per_feature(101).validate().is_err());
/// ```
impl TriageParams {
    /// Sets [`min_customers_per_month`](TriageParams#structfield.min_customers_per_month).
    #[must_use]
    pub fn min_customers_per_month(mut self, v: usize) -> Self {
        self.min_customers_per_month = v;
        self
    }
    /// Sets [`max_jobs_per_feature`](TriageParams#structfield.max_jobs_per_feature).
    #[must_use]
    pub fn max_jobs_per_feature(mut self, v: usize) -> Self {
        self.max_jobs_per_feature = v;
        self
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), ParamsError> {
        if self.min_customers_per_month == 0 {
            return Err(ParamsError::OutOfRange {
                field: "min_customers_per_month",
                expected: "at least 1",
                value: 0.0,
            });
        }
        // The jobs are listed for a person to read: past a hundred a list
        // is no longer read, and the bound keeps a report's size in check.
        if self.max_jobs_per_feature > 100 {
            return Err(ParamsError::OutOfRange {
                field: "max_jobs_per_feature",
                expected: "from 0 to 100",
                value: self.max_jobs_per_feature as f64,
            });
        }
        Ok(())
    }
}

/// Builds [`TriageReport`]s: a clusterer (with the classifier it uses for
/// class mixes, which the report's class shares use too) and the report's
/// own settings. Immutable and `Send + Sync`.
///
/// ```
/// use feedback_triage::{Channel, FeedbackItem, Triage};
///
/// let items = vec![
///     FeedbackItem::new("1").with_title("Export invoices to Excel").with_customer("Acme")
///         .with_body("We need to export invoices so that finance can close the month."),
///     FeedbackItem::new("2").with_title("Excel export of invoices").with_customer("Globex"),
///     FeedbackItem::new("3").with_title("App crashes on login").with_channel(Channel::Support),
/// ];
/// let report = Triage::builtin().report(&items)?;
/// assert_eq!(report.items, 3);
/// assert_eq!(report.features.len(), 1);
/// assert_eq!(report.features[0].jobs[0].text, "finance can close the month");
/// # Ok::<(), feedback_triage::ItemError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Triage {
    clusterer: Clusterer,
    params: TriageParams,
}

impl Default for Triage {
    /// The same as [`Triage::builtin`].
    fn default() -> Self {
        Triage::builtin()
    }
}

impl Triage {
    /// The builtin classifier, default clustering and default settings.
    pub fn builtin() -> Triage {
        Triage {
            clusterer: Clusterer::default(),
            params: TriageParams::default(),
        }
    }

    /// A triage with this clusterer and settings. Items are classified with
    /// the clusterer's classifier ([`Clusterer::with_classifier`]), so the
    /// report's class shares and its features' class mixes agree.
    ///
    /// ```
    /// use feedback_triage::{Classifier, Clusterer, Policy, Triage, TriageParams};
    ///
    /// let classifier = Classifier::new(&Policy::builtin())?;
    /// let clusterer = Clusterer::default().with_classifier(classifier);
    /// let triage = Triage::new(clusterer, TriageParams::default())?;
    /// assert_eq!(triage.params(), &TriageParams::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(clusterer: Clusterer, params: TriageParams) -> Result<Triage, ParamsError> {
        params.validate()?;
        Ok(Triage { clusterer, params })
    }

    /// The clusterer, and through it the classifier.
    pub fn clusterer(&self) -> &Clusterer {
        &self.clusterer
    }

    /// The settings.
    pub fn params(&self) -> &TriageParams {
        &self.params
    }

    /// Builds the report. Fails on an invalid item or a repeated id (the
    /// error names it). The report does not depend on the order of `items`.
    pub fn report(&self, items: &[FeedbackItem]) -> Result<TriageReport, ItemError> {
        let classes = self.classes(items)?;
        // The features' class mix from these classes: each item is
        // classified once.
        let clustering = self.clusterer.cluster_classified(items, &classes)?;
        Ok(self.assemble(items, &classes, clustering))
    }

    /// Each item's class (`None` when the classifier abstained), in order;
    /// fails on an invalid item, named as the clusterer names it (the
    /// smallest id among the invalid ones, an empty id by its place), which
    /// is looked for only then. Only the class is kept (holding
    /// every classification with its evidence cost about 180 MB on 100k
    /// items), and the evidence the class does not need is not listed.
    fn classes(&self, items: &[FeedbackItem]) -> Result<Vec<Option<Class>>, ItemError> {
        let classifier = self.clusterer.classifier();
        let class = |item: &FeedbackItem| classifier.class_of(item);
        // With several threads the first error found is any one: the one
        // reported is the batch's, whatever the order and the threads.
        #[cfg(feature = "parallel")]
        let classes: Result<Vec<Option<Class>>, ItemError> = {
            use rayon::prelude::*;
            items.par_iter().map(class).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let classes: Result<Vec<Option<Class>>, ItemError> = items.iter().map(class).collect();
        classes.map_err(|first| crate::cluster::validate_all(items).err().unwrap_or(first))
    }

    /// Builds the report from a clustering made elsewhere (a
    /// [`Backlog`](crate::Backlog)'s, through
    /// [`Backlog::clustering`](crate::Backlog::clustering)) instead of
    /// clustering `items` again. Each feature's class mix is counted from
    /// its members among `items` (classified here). `items` must be the
    /// clustering's requests, each once: fails on an invalid item, a
    /// repeated id ([`ItemError::DuplicateId`]), an item no group lists
    /// ([`ItemError::NotClustered`]) or a listed request missing from
    /// `items` ([`ItemError::MissingMember`]); each names the smallest such
    /// id. (Today's items alone beside a backlog's clustering would count
    /// shares of the wrong whole.)
    ///
    /// ```
    /// use feedback_triage::{Backlog, ClusterParams, FeedbackItem, Triage};
    /// let items: Vec<FeedbackItem> = ["acme", "globex"]
    ///     .iter()
    ///     .enumerate()
    ///     .map(|(i, who)| {
    ///         FeedbackItem::new(format!("r{i}")).with_title("export invoices to csv").with_customer(*who)
    ///     })
    ///     .collect();
    /// let mut backlog = Backlog::new(ClusterParams::default())?;
    /// backlog.insert_batch(&items)?;
    /// let report = Triage::builtin().report_clustered(&items, backlog.clustering()).unwrap();
    /// assert_eq!(report.features[0].feature.id, "F1");
    /// # Ok::<(), feedback_triage::BacklogError>(())
    /// ```
    pub fn report_clustered(
        &self,
        items: &[FeedbackItem],
        mut clustering: Clustering,
    ) -> Result<TriageReport, ItemError> {
        let classes = self.classes(items)?;
        let by_id: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.as_str(), i))
            .collect();
        same_requests(items, &by_id, &clustering)?;
        for f in &mut clustering.features {
            let mut mix = ClassMix::default();
            for m in &f.members {
                if let Some(&i) = by_id.get(m.as_str()) {
                    mix.add(classes[i]);
                }
            }
            f.class_mix = mix;
        }
        Ok(self.assemble(items, &classes, clustering))
    }

    fn assemble(
        &self,
        items: &[FeedbackItem],
        classes: &[Option<Class>],
        clustering: Clustering,
    ) -> TriageReport {
        let by_id: HashMap<&str, usize> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.as_str(), i))
            .collect();
        let n = items.len();

        let class_mix = class_mix(items, classes);
        let mut abstained: Vec<String> = items
            .iter()
            .zip(classes)
            .filter(|(_, c)| c.is_none())
            .map(|(i, _)| i.id.clone())
            .collect();
        abstained.sort();

        // Features with their jobs.
        let features: Vec<FeatureReport> = clustering
            .features
            .into_iter()
            .map(|feature| {
                let jobs = feature_jobs(
                    &feature.members,
                    &by_id,
                    items,
                    self.params.max_jobs_per_feature,
                );
                FeatureReport { feature, jobs }
            })
            .collect();

        let signals = Signals {
            alignment: alignment(&features),
            focus: focus(n, &features, &clustering.special_cases, items),
            sources: sources(items),
            cadence: cadence(items, self.params.min_customers_per_month),
        };
        TriageReport {
            items: n,
            class_mix,
            features,
            special_cases: clustering.special_cases,
            abstained,
            signals,
        }
    }
}

/// Checks that `items` (indexed by id in `by_id`) are the requests
/// `clustering` lists, each once; an error names the smallest id at fault.
fn same_requests(
    items: &[FeedbackItem],
    by_id: &HashMap<&str, usize>,
    clustering: &Clustering,
) -> Result<(), ItemError> {
    if by_id.len() < items.len() {
        // The clusterer's check: it names the smallest repeated id.
        crate::cluster::ordered_positions(items)?;
    }
    let listed: std::collections::HashSet<&str> = clustering
        .features
        .iter()
        .flat_map(|f| &f.members)
        .chain(clustering.special_cases.iter().flat_map(|s| &s.members))
        .map(String::as_str)
        .collect();
    let missing = listed.iter().filter(|m| !by_id.contains_key(*m)).min();
    if let Some(id) = missing {
        return Err(ItemError::MissingMember { id: id.to_string() });
    }
    match by_id.keys().filter(|id| !listed.contains(*id)).min() {
        Some(id) => Err(ItemError::NotClustered { id: id.to_string() }),
        None => Ok(()),
    }
}

/// The items' shares per class, in [`Class::ALL`] order, then the
/// unclassified (`class: None`).
fn class_mix(items: &[FeedbackItem], classes: &[Option<Class>]) -> Vec<ClassShare> {
    const UNCLASSIFIED: usize = crate::class::NO_CLASS;
    let n = items.len();
    let mut counts = [0usize; UNCLASSIFIED + 1];
    let mut value = [0.0f64; UNCLASSIFIED + 1];
    let mut valued = Vec::new();
    for (item, class) in items.iter().zip(classes) {
        let k = class.map_or(UNCLASSIFIED, Class::index);
        counts[k] += 1;
        if let Some(v) = item.deal_value {
            valued.push((item.id.as_str(), k, v));
        }
    }
    // Added up in id order: a float sum depends on its order, and the
    // report must not depend on the items'.
    valued.sort_unstable_by(|a, b| a.0.cmp(b.0).then(a.2.total_cmp(&b.2)));
    for (_, k, v) in valued {
        value[k] += v;
    }
    let share = |c: usize| if n == 0 { 0.0 } else { c as f64 / n as f64 };
    Class::ALL
        .iter()
        .map(|c| ClassShare {
            class: Some(*c),
            items: counts[c.index()],
            share: share(counts[c.index()]),
            deal_value: value[c.index()],
        })
        .chain(std::iter::once(ClassShare {
            class: None,
            items: counts[UNCLASSIFIED],
            share: share(counts[UNCLASSIFIED]),
            deal_value: value[UNCLASSIFIED],
        }))
        .collect()
}

/// The jobs of a feature's members (`by_id`: each item's index in
/// `items`): outcomes first, then actions, then situations, then by item
/// id; a text repeated (ignoring ASCII case) once; at most `max`.
fn feature_jobs(
    members: &[String],
    by_id: &HashMap<&str, usize>,
    items: &[FeedbackItem],
    max: usize,
) -> Vec<FeatureJob> {
    // Borrowed until the few kept are known: no strings per job found.
    let mut found: Vec<(JobKind, u32, &str)> = Vec::new();
    let mut analyzed = Analyzed::default();
    for (m, id) in members.iter().enumerate() {
        let Some(&i) = by_id.get(id.as_str()) else {
            continue;
        };
        for_each_job(&items[i].title, &items[i].body, &mut analyzed, |job| {
            found.push((job.kind, m as u32, job.text));
        });
    }
    // Outcomes first, then actions, then situations; then by item id, then
    // text (a stable sort). Members in strictly ascending id order (as a
    // clustering lists them) order like their places, which compare as
    // integers.
    if members.windows(2).all(|w| w[0] < w[1]) {
        found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then_with(|| a.2.cmp(b.2)));
    } else {
        found.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| members[a.1 as usize].cmp(&members[b.1 as usize]))
                .then_with(|| a.2.cmp(b.2))
        });
    }
    found.dedup_by(|a, b| a.2.eq_ignore_ascii_case(b.2));
    found.truncate(max);
    found
        .into_iter()
        .map(|(kind, m, text)| FeatureJob {
            item: members[m as usize].clone(),
            kind,
            text: text.to_string(),
        })
        .collect()
}

/// What a backlog says, as one serde value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TriageReport {
    /// The number of items.
    pub items: usize,
    /// Per class (and a last row, `class: null`, for the unclassified):
    /// items, share of the backlog, deal value.
    pub class_mix: Vec<ClassShare>,
    /// Candidate common features, ranked as by the clusterer, with the jobs
    /// their members state.
    pub features: Vec<FeatureReport>,
    /// Custom special cases: lone requests and groups from too few customers.
    pub special_cases: Vec<SpecialCase>,
    /// Ids of the items the classifier abstained on (no rule fired), sorted:
    /// listed, not hidden.
    pub abstained: Vec<String>,
    /// Portfolio signals.
    pub signals: Signals,
}

/// One row of the class mix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassShare {
    /// The class; `None` for items without a class.
    pub class: Option<Class>,
    /// How many items.
    pub items: usize,
    /// Their share of the backlog, in `[0, 1]`.
    pub share: f64,
    /// The sum of their deal values.
    pub deal_value: f64,
}

/// A candidate feature and the jobs behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureReport {
    /// The feature, as the clusterer found it.
    #[serde(flatten)]
    pub feature: CandidateFeature,
    /// Jobs its members state (outcomes first), one per distinct wording.
    pub jobs: Vec<FeatureJob>,
}

/// A job stated by one member of a feature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FeatureJob {
    /// The member's id.
    pub item: String,
    /// Outcome, action or situation.
    pub kind: JobKind,
    /// The job, quoted.
    pub text: String,
}

/// Portfolio signals from the domain essays, each documented with how it is
/// computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Signals {
    /// How closely market-driven, opportunistic and responsiveness inputs
    /// line up.
    pub alignment: Alignment,
    /// Customer focus versus market focus.
    pub focus: Focus,
    /// Where requests come from.
    pub sources: Sources,
    /// How regularly customers are heard from.
    pub cadence: Cadence,
}

/// "The more closely aligned 3, 4 and 5 are, the more value the product team
/// delivers to sales and customers": among the candidate features that draw
/// on at least one of market driven, opportunistic and responsiveness, the
/// share that draw on two or more of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Alignment {
    /// Features with members in at least one of the three classes.
    pub features_considered: usize,
    /// Of those, features with members in two or three of them.
    pub features_aligned: usize,
    /// `features_aligned / features_considered`; `None` when no feature counts.
    pub share: Option<f64>,
}

/// Customer focus versus market focus: how much of the backlog is custom asks
/// of single customers, and how much is shared across customers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Focus {
    /// Items in candidate features (asked by several customers).
    pub shared_items: usize,
    /// Items in special cases (one customer's ask, or a lone request).
    pub custom_items: usize,
    /// `shared_items / items` (0 for an empty backlog).
    pub shared_share: f64,
    /// The customer with the most items, and how many. Names are counted as
    /// [`FeedbackItem::customer_key`] counts them (`"Acme"` and `"ACME "`
    /// are one customer) and shown in the spelling most of its items use;
    /// ties go to the smaller name as counted.
    pub top_customer: Option<(String, usize)>,
    /// The top customer's share of the items that name a customer.
    pub top_customer_share: f64,
}

/// Where requests come from: per channel, and internal versus external.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sources {
    /// Items per channel, in [`Channel::ALL`] order, channels with items only.
    pub channels: Vec<ChannelCount>,
    /// Items from the `internal` channel.
    pub internal: usize,
    /// Items from any other known channel.
    pub external: usize,
    /// Items whose channel is unknown.
    pub unknown: usize,
    /// `internal / (internal + external)`; `None` when no channel is known.
    pub internal_share: Option<f64>,
}

/// Items of one channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChannelCount {
    /// The channel.
    pub channel: Channel,
    /// How many items.
    pub items: usize,
    /// Their share of the backlog.
    pub share: f64,
}

/// Customer contact cadence: distinct customers heard from per month, for
/// items whose `created` starts with `YYYY-MM`. Every month from the first to
/// the last is listed, months without any contact included, and months under
/// the threshold are flagged.
///
/// One mistyped date (2062 for 2026, year 0201) must not stretch the range
/// over decades of empty months: where more than [`CADENCE_MAX_GAP`] months
/// pass without a dated request, the dates fall into separate stretches, and
/// only the stretch with the most requests (among equals, the one with
/// more months, then the latest) is listed. The others' requests are counted in `out_of_range`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cadence {
    /// The threshold (distinct customers per month).
    pub threshold: usize,
    /// One row per month, oldest first.
    pub months: Vec<MonthContact>,
    /// How many months are under the threshold.
    pub months_below: usize,
    /// Items without a usable date (not counted in any month).
    pub undated: usize,
    /// Dated items outside the listed stretch of months (see above).
    #[serde(default)]
    pub out_of_range: usize,
}

/// One month of contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MonthContact {
    /// `YYYY-MM`.
    pub month: String,
    /// Distinct named customers heard from (counted by
    /// [`FeedbackItem::customer_key`]).
    pub customers: usize,
    /// Items that month.
    pub items: usize,
    /// True when `customers < threshold`.
    pub below: bool,
}

#[cfg(test)]
mod tests;
