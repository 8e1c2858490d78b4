//! Feedback items: one request as the caller received it.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ItemError;

/// A customer name as it is counted (see [`FeedbackItem::customer_key`]).
/// Borrowed when the name is already in that form (plain lower-case ASCII
/// words with single spaces), as most names in a backlog are.
pub(crate) fn customer_key(name: &str) -> Option<Cow<'_, str>> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut after_space = false;
    let plain = name.bytes().all(|b| {
        let ok = matches!(b, b'!'..=b'~') && !b.is_ascii_uppercase() || b == b' ' && !after_space;
        after_space = b == b' ';
        ok
    });
    if plain {
        return Some(Cow::Borrowed(name));
    }
    let mut key = String::with_capacity(name.len());
    crate::text::written_into(&mut key, name);
    // Final sigma as sigma: lower-casing a word at a time (Java, so Spark)
    // writes `ς` at its end, one character at a time `σ`.
    if key.contains('ς') {
        key = key.replace('ς', "σ");
    }
    Some(Cow::Owned(key))
}

/// Through which channel a request reached the product team.
///
/// Serialised in snake_case (`"app_store"`). An unknown name is an error
/// ([`ParseChannelError`]), so that a typo in a policy condition cannot
/// silently switch a rule off.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// The support desk or help centre.
    Support,
    /// Sales people, pre-sales, account executives.
    Sales,
    /// A customer directly (email, meeting, customer advisory board).
    Customer,
    /// A regulator, auditor or legal body.
    Regulator,
    /// Someone inside the company (engineering, product, operations).
    Internal,
    /// A partner, reseller or integrator.
    Partner,
    /// A public forum or issue tracker.
    Community,
    /// An app store review.
    AppStore,
    /// Not known (the default).
    #[default]
    Unknown,
}

impl Channel {
    /// Every channel, in declaration order (a slice, so that a new channel
    /// does not change its type).
    pub const ALL: &'static [Channel] = &[
        Channel::Support,
        Channel::Sales,
        Channel::Customer,
        Channel::Regulator,
        Channel::Internal,
        Channel::Partner,
        Channel::Community,
        Channel::AppStore,
        Channel::Unknown,
    ];

    /// The snake_case name used in JSON and policies.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Support => "support",
            Channel::Sales => "sales",
            Channel::Customer => "customer",
            Channel::Regulator => "regulator",
            Channel::Internal => "internal",
            Channel::Partner => "partner",
            Channel::Community => "community",
            Channel::AppStore => "app_store",
            Channel::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no [`Channel`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown channel {0:?} (expected one of support, sales, customer, regulator, internal, partner, community, app_store, unknown)"
)]
pub struct ParseChannelError(pub String);

impl FromStr for Channel {
    type Err = ParseChannelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Channel::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == norm)
            .ok_or_else(|| ParseChannelError(s.to_string()))
    }
}

/// A field of a [`FeedbackItem`], named as its JSON key (and its CSV
/// column in the example tools); [`ItemError::field`] says which one an
/// invalid item got wrong.
///
/// ```
/// use feedback_triage::ItemField;
///
/// assert_eq!(ItemField::from_key("deal_value"), Some(ItemField::DealValue));
/// assert_eq!(ItemField::DealValue.as_str(), "deal_value");
/// assert_eq!(ItemField::from_key("label"), None); // not an item field
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ItemField {
    /// `id`: [`FeedbackItem::id`]
    Id,
    /// `title`: [`FeedbackItem::title`]
    Title,
    /// `body`: [`FeedbackItem::body`]
    Body,
    /// `channel`: [`FeedbackItem::channel`]
    Channel,
    /// `customer`: [`FeedbackItem::customer`]
    Customer,
    /// `requester`: [`FeedbackItem::requester`]
    Requester,
    /// `deal_value`: [`FeedbackItem::deal_value`]
    DealValue,
    /// `votes`: [`FeedbackItem::votes`]
    Votes,
    /// `tags`: [`FeedbackItem::tags`]
    Tags,
    /// `created`: [`FeedbackItem::created`]
    Created,
    /// `embedding`: [`FeedbackItem::embedding`]
    Embedding,
}

impl ItemField {
    /// Every field, in declaration order (a slice: more may come).
    pub const ALL: &'static [ItemField] = &[
        ItemField::Id,
        ItemField::Title,
        ItemField::Body,
        ItemField::Channel,
        ItemField::Customer,
        ItemField::Requester,
        ItemField::DealValue,
        ItemField::Votes,
        ItemField::Tags,
        ItemField::Created,
        ItemField::Embedding,
    ];

    /// The field's key, as in JSON (`"deal_value"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ItemField::Id => "id",
            ItemField::Title => "title",
            ItemField::Body => "body",
            ItemField::Channel => "channel",
            ItemField::Customer => "customer",
            ItemField::Requester => "requester",
            ItemField::DealValue => "deal_value",
            ItemField::Votes => "votes",
            ItemField::Tags => "tags",
            ItemField::Created => "created",
            ItemField::Embedding => "embedding",
        }
    }

    /// The field whose key is exactly `key`, if any (keys are case
    /// sensitive, as in JSON).
    pub fn from_key(key: &str) -> Option<ItemField> {
        ItemField::ALL.iter().copied().find(|f| f.as_str() == key)
    }
}

impl fmt::Display for ItemField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string is not the key of an [`ItemField`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown item field {0:?} (expected one of id, title, body, channel, customer, requester, deal_value, votes, tags, created, embedding)"
)]
pub struct ParseItemFieldError(pub String);

/// The field whose key is `s` (exactly, as [`ItemField::from_key`]).
///
/// ```
/// use feedback_triage::ItemField;
///
/// assert_eq!("votes".parse::<ItemField>(), Ok(ItemField::Votes));
/// assert!("vote".parse::<ItemField>().unwrap_err().to_string().contains("\"vote\""));
/// ```
impl FromStr for ItemField {
    type Err = ParseItemFieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ItemField::from_key(s).ok_or_else(|| ParseItemFieldError(s.to_string()))
    }
}

/// The largest deal value an item may carry (a quadrillion, in any
/// currency unit): a larger one is a typo or a placeholder. It also keeps
/// every sum finite: a backlog's total stays below `1e15` times its number of
/// requests, where one `1.5e308` or two `1e308` deals made it infinite (which
/// JSON cannot write).
pub const MAX_DEAL_VALUE: f64 = 1e15;

/// Whether `v` is a valid deal value: from 0 to [`MAX_DEAL_VALUE`] (NaN is
/// not).
pub(crate) fn deal_value_in_range(v: f64) -> bool {
    (0.0..=MAX_DEAL_VALUE).contains(&v)
}

/// One piece of feedback or one product request.
///
/// Deserialising ignores fields it does not know (data comes from other
/// tools), accepts `null` for every optional field, and rejects invalid values
/// with a message that names the field: a missing or empty `id`, a negative or
/// non-finite `deal_value`, an unknown `channel`, a field of the wrong type.
///
/// ```
/// use feedback_triage::{Channel, FeedbackItem};
///
/// let item = FeedbackItem::new("REQ-1")
///     .with_title("We lose the deal without SSO")
///     .with_channel(Channel::Sales)
///     .with_customer("Acme")
///     .with_deal_value(120_000.0);
/// assert!(item.validate().is_ok());
/// assert_eq!(item.customer.as_deref(), Some("Acme"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FeedbackItem {
    /// The caller's identifier; required, non-empty and unique within a batch.
    pub id: String,
    /// A short title (may be empty).
    pub title: String,
    /// The text of the request (may be empty).
    pub body: String,
    /// Through which channel the request came.
    pub channel: Channel,
    /// The organisation asking: the unit that breadth of demand is counted in.
    /// Counted by [`FeedbackItem::customer_key`]: `"Acme"`, `" acme "` and
    /// `"ACME"` are one customer, and a blank name is no customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The person asking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
    /// The value of the deal at stake, if any: from 0 to
    /// [`MAX_DEAL_VALUE`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_value: Option<f64>,
    /// Votes or "+1"s.
    pub votes: u32,
    /// Free-form tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// When the request was made, as the caller gives it (ISO dates such as
    /// `2026-03-14` are understood by the triage report's cadence signal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The caller's own embedding of the request (from any model), used by
    /// the clusterer's semantic similarity instead of the static word
    /// vectors. Finite values; the items of one batch agree in length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

impl FeedbackItem {
    /// An item with this id and everything else empty or default.
    pub fn new(id: impl Into<String>) -> Self {
        FeedbackItem {
            id: id.into(),
            ..FeedbackItem::default()
        }
    }

    /// Sets the title.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the channel.
    #[must_use]
    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }

    /// The customer as it is counted (distinct customers of a feature, the
    /// triage report's loudest customer and monthly contact): the name
    /// trimmed, runs of white space made one space, lower-cased (a final
    /// `ς` as `σ`); `None`
    /// when there is no customer or the name is blank. The item keeps the
    /// name as given.
    ///
    /// ```
    /// use feedback_triage::FeedbackItem;
    /// let a = FeedbackItem::new("1").with_customer("  Acme   Corp ");
    /// let b = FeedbackItem::new("2").with_customer("ACME corp");
    /// assert_eq!(a.customer_key(), b.customer_key());
    /// assert_eq!(a.customer_key().as_deref(), Some("acme corp"));
    /// assert_eq!(FeedbackItem::new("3").with_customer(" ").customer_key(), None);
    /// ```
    pub fn customer_key(&self) -> Option<Cow<'_, str>> {
        self.customer.as_deref().and_then(customer_key)
    }

    /// Sets the customer (organisation).
    #[must_use]
    pub fn with_customer(mut self, customer: impl Into<String>) -> Self {
        self.customer = Some(customer.into());
        self
    }

    /// Sets the requester (person).
    #[must_use]
    pub fn with_requester(mut self, requester: impl Into<String>) -> Self {
        self.requester = Some(requester.into());
        self
    }

    /// Sets the deal value (checked by [`validate`](Self::validate)).
    #[must_use]
    pub fn with_deal_value(mut self, value: f64) -> Self {
        self.deal_value = Some(value);
        self
    }

    /// Sets the vote count.
    #[must_use]
    pub fn with_votes(mut self, votes: u32) -> Self {
        self.votes = votes;
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn with_tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Sets the creation date.
    #[must_use]
    pub fn with_created(mut self, created: impl Into<String>) -> Self {
        self.created = Some(created.into());
        self
    }

    /// Sets the caller's embedding of the request (see
    /// [`FeedbackItem::embedding`]).
    #[must_use]
    pub fn with_embedding(mut self, embedding: impl Into<Vec<f32>>) -> Self {
        self.embedding = Some(embedding.into());
        self
    }

    /// Checks the invariants that the type cannot express: a non-empty id,
    /// a deal value from 0 to [`MAX_DEAL_VALUE`], and a non-empty embedding
    /// of finite values.
    pub fn validate(&self) -> Result<(), ItemError> {
        // Nearly every id starts with a visible ASCII character: skip the
        // Unicode trim for those.
        let visible = self.id.as_bytes().first().is_some_and(u8::is_ascii_graphic);
        if !visible && self.id.trim().is_empty() {
            return Err(ItemError::EmptyId);
        }
        if let Some(v) = self.deal_value
            && !deal_value_in_range(v)
        {
            return Err(ItemError::InvalidDealValue {
                id: self.id.clone(),
                value: v,
            });
        }
        if let Some(e) = &self.embedding {
            if e.is_empty() {
                return Err(ItemError::EmptyEmbedding {
                    id: self.id.clone(),
                });
            }
            if let Some((index, value)) = e.iter().position(|x| !x.is_finite()).map(|i| (i, e[i])) {
                return Err(ItemError::InvalidEmbedding {
                    id: self.id.clone(),
                    index,
                    value,
                });
            }
        }
        Ok(())
    }
}

/// Accepts `null` as the default.
#[derive(Deserialize)]
#[serde(transparent)]
struct Nullable<T>(Option<T>);

impl<'de> Deserialize<'de> for FeedbackItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ItemVisitor)
    }
}

struct ItemVisitor;

// `ItemVisitor` keeps one bit per field in a `u16`.
const _: () = assert!(ItemField::ALL.len() <= 16);

fn field<'de, A, T>(map: &mut A, name: &str) -> Result<Option<T>, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    crate::de::value::<A, Nullable<T>>(map, format_args!("field `{name}`")).map(|n| n.0)
}

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = FeedbackItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a feedback item (an object with at least an `id`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FeedbackItem, A::Error> {
        let mut item = FeedbackItem::default();
        let mut id: Option<String> = None;
        // The item's fields seen, one bit each (no allocation per key; at
        // most 16 fields); the others by name.
        let mut known = 0u16;
        let mut others = crate::de::Seen::default();
        while let Some(crate::de::Key(key)) = map.next_key()? {
            let Some(f) = ItemField::from_key(&key) else {
                others.check(&key, "")?;
                crate::de::value::<A, IgnoredAny>(&mut map, format_args!("field `{key}`"))?;
                continue;
            };
            if known & (1 << f as u16) != 0 {
                return Err(crate::de::duplicate(&key, ""));
            }
            known |= 1 << f as u16;
            let name = f.as_str();
            match f {
                ItemField::Id => id = field(&mut map, name)?,
                ItemField::Title => item.title = field(&mut map, name)?.unwrap_or_default(),
                ItemField::Body => item.body = field(&mut map, name)?.unwrap_or_default(),
                ItemField::Channel => {
                    let s: Option<String> = field(&mut map, name)?;
                    if let Some(s) = s {
                        item.channel = s
                            .parse()
                            .map_err(|e| de::Error::custom(format_args!("field `channel`: {e}")))?;
                    }
                }
                ItemField::Customer => item.customer = field(&mut map, name)?,
                ItemField::Requester => item.requester = field(&mut map, name)?,
                ItemField::DealValue => item.deal_value = field(&mut map, name)?,
                ItemField::Votes => item.votes = field(&mut map, name)?.unwrap_or_default(),
                ItemField::Tags => item.tags = field(&mut map, name)?.unwrap_or_default(),
                ItemField::Created => item.created = field(&mut map, name)?,
                ItemField::Embedding => item.embedding = field(&mut map, name)?,
            }
        }
        item.id = id.ok_or_else(|| de::Error::custom(ItemError::MissingId))?;
        item.validate().map_err(de::Error::custom)?;
        Ok(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Option<String> {
        customer_key(s).map(Cow::into_owned)
    }

    #[test]
    fn customer_names_count_trimmed_spaced_and_lower_cased() {
        for same in [
            "Acme Corp",
            " acme corp",
            "ACME\tCORP\n",
            "acme \u{a0} Corp",
        ] {
            assert_eq!(key(same).as_deref(), Some("acme corp"), "{same:?}");
        }
        assert_eq!(key("École").as_deref(), Some("école"));
        assert_eq!(key("ÉCOLE"), key("école"));
        assert_eq!(key("ΑΘΗΝΑΣ"), key("αθηνας"));
        for blank in ["", " ", "\t\n", "\u{a0}\u{3000}"] {
            assert_eq!(key(blank), None, "{blank:?}");
        }
        // Control characters that are not white space stay: they are data.
        assert_eq!(key("a\u{1}b").as_deref(), Some("a\u{1}b"));
        // A name already in its counted form is borrowed, not copied.
        assert!(matches!(
            customer_key("acme-42 inc."),
            Some(Cow::Borrowed("acme-42 inc."))
        ));
        assert!(matches!(
            customer_key(" acme "),
            Some(Cow::Borrowed("acme"))
        ));
        assert!(matches!(customer_key("acme  inc"), Some(Cow::Owned(_))));
        assert_eq!(FeedbackItem::new("x").customer_key(), None);
    }

    proptest::proptest! {
        #[test]
        fn a_counted_name_counts_as_itself(name in "\\PC{0,12}|[ a-zA-Z\t]{0,12}") {
            let k = key(&name);
            if let Some(k) = &k {
                let again = key(k);
                proptest::prop_assert_eq!(again.as_ref(), Some(k));
                proptest::prop_assert!(!k.is_empty() && k.trim() == k && !k.contains("  "));
            }
            proptest::prop_assert_eq!(key(&format!(" {}\t", name.to_ascii_uppercase())), k);
        }
    }

    #[test]
    fn field_keys_round_trip_and_match_the_serialised_item() {
        for (i, &f) in ItemField::ALL.iter().enumerate() {
            assert_eq!(f as usize, i);
            assert_eq!(ItemField::from_key(f.as_str()), Some(f));
            assert_eq!(f.to_string(), f.as_str());
            assert_eq!(f.as_str().parse::<ItemField>(), Ok(f));
            // The error message lists every field.
            assert!(
                ParseItemFieldError(String::new())
                    .to_string()
                    .contains(f.as_str())
            );
        }
        assert_eq!(ItemField::from_key("Title"), None);
        // Every key a full item serialises to is a field, and every field is
        // a key of it.
        let item = FeedbackItem::new("R1")
            .with_title("t")
            .with_body("b")
            .with_channel(Channel::Sales)
            .with_customer("c")
            .with_requester("r")
            .with_deal_value(1.0)
            .with_votes(2)
            .with_tag("x")
            .with_created("2026-01-01")
            .with_embedding(vec![1.0]);
        let v = serde_json::to_value(&item).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields: Vec<&str> = ItemField::ALL.iter().map(|f| f.as_str()).collect();
        fields.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn channel_names_round_trip() {
        for &c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), c);
        }
        assert!("fax".parse::<Channel>().is_err());
    }

    #[test]
    fn every_channel_is_in_all_once_in_declaration_order() {
        // An exhaustive match: a new channel fails to compile here until
        // it has a place, and then this test until `ALL` lists it there.
        let place = |c: Channel| match c {
            Channel::Support => 0,
            Channel::Sales => 1,
            Channel::Customer => 2,
            Channel::Regulator => 3,
            Channel::Internal => 4,
            Channel::Partner => 5,
            Channel::Community => 6,
            Channel::AppStore => 7,
            Channel::Unknown => 8,
        };
        let places: Vec<usize> = Channel::ALL.iter().map(|&c| place(c)).collect();
        assert_eq!(places, (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn validate_rejects_bad_deal_values() {
        for v in [MAX_DEAL_VALUE, 0.0] {
            assert_eq!(FeedbackItem::new("a").with_deal_value(v).validate(), Ok(()));
        }
        for v in [
            -1.0,
            f64::NAN,
            f64::INFINITY,
            MAX_DEAL_VALUE * 1.01,
            1.5e308,
        ] {
            let err = FeedbackItem::new("a").with_deal_value(v).validate();
            assert!(
                matches!(err, Err(ItemError::InvalidDealValue { .. })),
                "{v}"
            );
        }
        assert_eq!(FeedbackItem::new(" ").validate(), Err(ItemError::EmptyId));
    }

    #[test]
    fn embeddings_read_and_validate() {
        let item: FeedbackItem =
            serde_json::from_str(r#"{"id": "a", "embedding": [0.5, -1, 2e3]}"#).unwrap();
        assert_eq!(item.embedding.as_deref(), Some(&[0.5, -1.0, 2000.0][..]));
        let back: FeedbackItem =
            serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
        assert_eq!(back, item);
        for (e, index) in [(vec![0.0, f32::NAN], 1), (vec![f32::NEG_INFINITY], 0)] {
            let err = FeedbackItem::new("x")
                .with_embedding(e)
                .validate()
                .unwrap_err();
            assert!(
                matches!(&err, ItemError::InvalidEmbedding { id, index: i, .. } if id == "x" && *i == index),
                "{err}"
            );
            assert_eq!(err.id(), Some("x"));
        }
        let err = FeedbackItem::new("x")
            .with_embedding(vec![])
            .validate()
            .unwrap_err();
        assert_eq!(err, ItemError::EmptyEmbedding { id: "x".into() });
        assert_eq!(err.field(), Some(ItemField::Embedding));
        assert_eq!(
            err.to_string(),
            "item \"x\": field `embedding` is empty (give its numbers, or leave the field out)"
        );
        let err =
            serde_json::from_str::<FeedbackItem>(r#"{"id": "e", "embedding": []}"#).unwrap_err();
        assert!(err.to_string().contains("`embedding` is empty"), "{err}");
        let err = serde_json::from_str::<FeedbackItem>(r#"{"id": "b", "embedding": [1e39]}"#)
            .unwrap_err();
        assert!(err.to_string().contains("embedding"), "{err}");
        assert!(
            serde_json::from_str::<FeedbackItem>(r#"{"id": "b", "embedding": ["x"]}"#).is_err()
        );
    }
}
