//! The policy's serde format: keywords as a string or a `text`/`weight`
//! table, and hand-written deserialisers for policies, settings and rules
//! that name the rule, key or list element at fault in every error.
//!
//! Two shapes, chosen by [`Serializer::is_human_readable`], as serde itself
//! does for `IpAddr`. Human-readable formats (JSON, TOML) leave out fields
//! at their defaults and write a weight-1 keyword as a bare string; the
//! readers accept either keyword shape (the one place that asks the format
//! what comes next, which self-describing formats can answer) and refuse a
//! struct written as a list. Formats that are not human-readable get every
//! field, in declaration order, and a keyword always as a `text`/`weight`
//! struct, and their readers call no `deserialize_any`: those that read
//! fields by position (postcard, tested) take the struct as a sequence,
//! those that keep names (CBOR, tested) as a map. The compact form encodes
//! enums (`Class`, `Channel`, ...) by variant index, so it is a cache for
//! one version of the crate, not an exchange format.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Conditions, Keyword, Policy, Rule, Scope, Settings};
use crate::class::Class;
use crate::error::PolicyError;
use crate::item::Channel;

const KEYWORD_FIELDS: &[&str] = &["text", "weight"];

impl Serialize for Keyword {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.weight == 1.0 && s.is_human_readable() {
            s.serialize_str(&self.text)
        } else {
            let mut st = s.serialize_struct("Keyword", 2)?;
            st.serialize_field("text", &self.text)?;
            st.serialize_field("weight", &self.weight)?;
            st.end()
        }
    }
}

impl<'de> Deserialize<'de> for Keyword {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V(bool);
        impl<'de> Visitor<'de> for V {
            type Value = Keyword;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a keyword: a string, or a table with `text` and `weight`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Keyword, E> {
                Ok(Keyword::new(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keyword, A::Error> {
                let mut text = None;
                let mut weight = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "text" => text = Some(map.next_value::<String>()?),
                        "weight" => weight = Some(map.next_value::<f64>()?),
                        other => {
                            return Err(de::Error::custom(format_args!(
                                "unknown key {other:?} in a keyword (expected `text` or `weight`)"
                            )));
                        }
                    }
                }
                Ok(Keyword {
                    text: text.ok_or_else(|| de::Error::missing_field("text"))?,
                    weight: weight.unwrap_or(1.0),
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Keyword, A::Error> {
                if !self.0 {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                Ok(Keyword {
                    text: element(&mut seq, 0, "a keyword's text and weight")?,
                    weight: element(&mut seq, 1, "a keyword's text and weight")?,
                })
            }
        }
        if d.is_human_readable() {
            d.deserialize_any(V(false))
        } else {
            d.deserialize_struct("Keyword", KEYWORD_FIELDS, V(true))
        }
    }
}

/// The `i`th field of a struct written by position (a compact format).
fn element<'de, A, T>(seq: &mut A, i: usize, expected: &'static str) -> Result<T, A::Error>
where
    A: SeqAccess<'de>,
    T: Deserialize<'de>,
{
    seq.next_element()?
        .ok_or_else(|| de::Error::invalid_length(i, &expected))
}

/// Writes a field, or skips it when `omit` holds and the format is
/// human-readable (`full` is false): compact formats get every field.
fn field<S, T>(st: &mut S, full: bool, key: &'static str, v: &T, omit: bool) -> Result<(), S::Error>
where
    S: SerializeStruct,
    T: Serialize + ?Sized,
{
    if full || !omit {
        st.serialize_field(key, v)
    } else {
        st.skip_field(key)
    }
}

/// How many of `omit`'s fields are written (the struct's length, which
/// JSON needs right when it is zero).
fn written(full: bool, always: usize, omit: &[bool]) -> usize {
    always + omit.iter().filter(|&&o| full || !o).count()
}

// Each `serialize` destructures its struct without `..`, so a field added
// later does not compile until it is written here too (and read in the
// matching `visit_map` and `visit_seq`).

impl Serialize for Settings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Settings {
            title_weight,
            fit_ratio,
            ambiguity_ratio,
            confidence_scale,
            min_score,
            confidence_model,
            band_high,
            band_medium,
            precedence,
            negation_cues,
            negation_window,
            fallback,
        } = self;
        let full = !s.is_human_readable();
        let omit = fallback.is_none();
        let mut st = s.serialize_struct("Settings", written(full, 11, &[omit]))?;
        st.serialize_field("title_weight", title_weight)?;
        st.serialize_field("fit_ratio", fit_ratio)?;
        st.serialize_field("ambiguity_ratio", ambiguity_ratio)?;
        st.serialize_field("confidence_scale", confidence_scale)?;
        st.serialize_field("min_score", min_score)?;
        st.serialize_field("confidence_model", confidence_model)?;
        st.serialize_field("band_high", band_high)?;
        st.serialize_field("band_medium", band_medium)?;
        st.serialize_field("precedence", precedence)?;
        st.serialize_field("negation_cues", negation_cues)?;
        st.serialize_field("negation_window", negation_window)?;
        field(&mut st, full, "fallback", fallback, omit)?;
        st.end()
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Rule {
            id,
            class,
            weight,
            field: scope,
            keywords,
            exclude,
            when,
            negatable,
            decisive,
            description,
        } = self;
        let full = !s.is_human_readable();
        let omit = [
            *weight == 1.0,
            *scope == Scope::default(),
            keywords.is_empty(),
            exclude.is_empty(),
            when.is_empty(),
            *negatable,
            !*decisive,
            description.is_none(),
        ];
        let mut st = s.serialize_struct("Rule", written(full, 2, &omit))?;
        st.serialize_field("id", id)?;
        st.serialize_field("class", class)?;
        field(&mut st, full, "weight", weight, omit[0])?;
        field(&mut st, full, "field", scope, omit[1])?;
        field(&mut st, full, "keywords", keywords, omit[2])?;
        field(&mut st, full, "exclude", exclude, omit[3])?;
        field(&mut st, full, "when", when, omit[4])?;
        field(&mut st, full, "negatable", negatable, omit[5])?;
        field(&mut st, full, "decisive", decisive, omit[6])?;
        field(&mut st, full, "description", description, omit[7])?;
        st.end()
    }
}

impl Serialize for Conditions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let full = !s.is_human_readable();
        let omit = [
            self.channel.is_none(),
            self.not_channel.is_none(),
            self.min_deal_value.is_none(),
            self.max_deal_value.is_none(),
            self.tags.is_none(),
            self.min_votes.is_none(),
        ];
        let mut st = s.serialize_struct("Conditions", written(full, 0, &omit))?;
        field(&mut st, full, "channel", &self.channel, omit[0])?;
        field(&mut st, full, "not_channel", &self.not_channel, omit[1])?;
        field(
            &mut st,
            full,
            "min_deal_value",
            &self.min_deal_value,
            omit[2],
        )?;
        field(
            &mut st,
            full,
            "max_deal_value",
            &self.max_deal_value,
            omit[3],
        )?;
        field(&mut st, full, "tags", &self.tags, omit[4])?;
        field(&mut st, full, "min_votes", &self.min_votes, omit[5])?;
        st.end()
    }
}

// ---- deserialisation that names the rule at fault ------------------------------------------

const POLICY_KEYS: &[&str] = &["version", "settings", "rules"];
const SETTINGS_KEYS: &[&str] = &[
    "title_weight",
    "fit_ratio",
    "ambiguity_ratio",
    "confidence_scale",
    "min_score",
    "confidence_model",
    "band_high",
    "band_medium",
    "precedence",
    "negation_cues",
    "negation_window",
    "fallback",
];
const RULE_KEYS: &str =
    "id, class, weight, field, keywords, exclude, when, negatable, decisive, description";
const RULE_FIELDS: &[&str] = &[
    "id",
    "class",
    "weight",
    "field",
    "keywords",
    "exclude",
    "when",
    "negatable",
    "decisive",
    "description",
];
const WHEN_KEYS: &str = "channel, not_channel, min_deal_value, max_deal_value, tags, min_votes";
const WHEN_FIELDS: &[&str] = &[
    "channel",
    "not_channel",
    "min_deal_value",
    "max_deal_value",
    "tags",
    "min_votes",
];

// Every value is read through `de::value` / `de::list`, which name the key
// (and the list element) in any error: a wrong type, a bad escape or junk
// nested too deep says where it is.

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V(bool);
        impl<'de> Visitor<'de> for V {
            type Value = Policy;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Policy: a table with `version`, `settings` and `rules`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Policy, A::Error> {
                let mut version = None;
                let mut settings = None;
                let mut rules = None;
                let mut seen = crate::de::Seen::default();
                while let Some(key) = map.next_key::<String>()? {
                    seen.check(&key, "")?;
                    match key.as_str() {
                        "version" => version = Some(de_value(&mut map, "field `version`")?),
                        "settings" => settings = Some(de_value(&mut map, "field `settings`")?),
                        "rules" => rules = Some(crate::de::list(&mut map, "", "rules")?),
                        other => return Err(de::Error::unknown_field(other, POLICY_KEYS)),
                    }
                }
                Ok(Policy {
                    version: version.ok_or_else(|| de::Error::missing_field("version"))?,
                    settings: settings.unwrap_or_default(),
                    rules: rules.unwrap_or_default(),
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Policy, A::Error> {
                if !self.0 {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                const WHAT: &str = "a Policy's 3 fields";
                Ok(Policy {
                    version: element(&mut seq, 0, WHAT)?,
                    settings: element(&mut seq, 1, WHAT)?,
                    rules: element(&mut seq, 2, WHAT)?,
                })
            }
        }
        let compact = !d.is_human_readable();
        d.deserialize_struct("Policy", POLICY_KEYS, V(compact))
    }
}

fn de_value<'de, A, T>(map: &mut A, context: &str) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    crate::de::value(map, context)
}

impl<'de> Deserialize<'de> for Settings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V(bool);
        impl<'de> Visitor<'de> for V {
            type Value = Settings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Settings, A::Error> {
                let mut s = Settings::default();
                let mut seen = crate::de::Seen::default();
                while let Some(key) = map.next_key::<String>()? {
                    seen.check(&key, "")?;
                    let ctx = format!("field `{key}`");
                    match key.as_str() {
                        "title_weight" => s.title_weight = de_value(&mut map, &ctx)?,
                        "fit_ratio" => s.fit_ratio = de_value(&mut map, &ctx)?,
                        "ambiguity_ratio" => s.ambiguity_ratio = de_value(&mut map, &ctx)?,
                        "confidence_scale" => s.confidence_scale = de_value(&mut map, &ctx)?,
                        "min_score" => s.min_score = de_value(&mut map, &ctx)?,
                        "confidence_model" => s.confidence_model = de_value(&mut map, &ctx)?,
                        "band_high" => s.band_high = de_value(&mut map, &ctx)?,
                        "band_medium" => s.band_medium = de_value(&mut map, &ctx)?,
                        "precedence" => s.precedence = crate::de::list(&mut map, "", &key)?,
                        "negation_cues" => s.negation_cues = crate::de::list(&mut map, "", &key)?,
                        "negation_window" => s.negation_window = de_value(&mut map, &ctx)?,
                        "fallback" => s.fallback = de_value(&mut map, &ctx)?,
                        other => return Err(de::Error::unknown_field(other, SETTINGS_KEYS)),
                    }
                }
                Ok(s)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Settings, A::Error> {
                if !self.0 {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                const WHAT: &str = "the 12 settings";
                Ok(Settings {
                    title_weight: element(&mut seq, 0, WHAT)?,
                    fit_ratio: element(&mut seq, 1, WHAT)?,
                    ambiguity_ratio: element(&mut seq, 2, WHAT)?,
                    confidence_scale: element(&mut seq, 3, WHAT)?,
                    min_score: element(&mut seq, 4, WHAT)?,
                    confidence_model: element(&mut seq, 5, WHAT)?,
                    band_high: element(&mut seq, 6, WHAT)?,
                    band_medium: element(&mut seq, 7, WHAT)?,
                    precedence: element(&mut seq, 8, WHAT)?,
                    negation_cues: element(&mut seq, 9, WHAT)?,
                    negation_window: element(&mut seq, 10, WHAT)?,
                    fallback: element(&mut seq, 11, WHAT)?,
                })
            }
        }
        let compact = !d.is_human_readable();
        d.deserialize_struct("Settings", SETTINGS_KEYS, V(compact))
    }
}

struct RuleRepr {
    id: Option<String>,
    class: Option<String>,
    weight: f64,
    field: Scope,
    keywords: Vec<Keyword>,
    exclude: Vec<String>,
    when: Option<WhenRepr>,
    negatable: bool,
    decisive: bool,
    description: Option<String>,
    unknown: Option<String>,
}

#[derive(Default)]
struct WhenRepr {
    channel: Option<Vec<String>>,
    not_channel: Option<Vec<String>>,
    min_deal_value: Option<f64>,
    max_deal_value: Option<f64>,
    tags: Option<Vec<String>>,
    min_votes: Option<u32>,
    unknown: Option<String>,
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V(bool);
        impl<'de> Visitor<'de> for V {
            type Value = Rule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rule: a table with at least `id` and `class`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rule, A::Error> {
                let mut r = RuleRepr {
                    id: None,
                    class: None,
                    weight: 1.0,
                    field: Scope::Both,
                    keywords: Vec::new(),
                    exclude: Vec::new(),
                    when: None,
                    negatable: true,
                    decisive: false,
                    description: None,
                    unknown: None,
                };
                let mut seen = crate::de::Seen::default();
                while let Some(key) = map.next_key::<String>()? {
                    // Name the rule when its id has been read already (the
                    // list around it names its position in any case).
                    let prefix = match &r.id {
                        Some(id) => format!("rule {id:?}: "),
                        None => String::new(),
                    };
                    seen.check(&key, &prefix)?;
                    let ctx = format!("{prefix}field `{key}`");
                    match key.as_str() {
                        "id" => r.id = de_value::<_, Option<String>>(&mut map, &ctx)?,
                        "class" => r.class = de_value::<_, Option<String>>(&mut map, &ctx)?,
                        "weight" => r.weight = de_value(&mut map, &ctx)?,
                        "field" => r.field = de_value(&mut map, &ctx)?,
                        "keywords" => r.keywords = crate::de::list(&mut map, &prefix, &key)?,
                        "exclude" => r.exclude = crate::de::list(&mut map, &prefix, &key)?,
                        "when" => r.when = Some(map.next_value_seed(WhenSeed { prefix: &prefix })?),
                        "negatable" => r.negatable = de_value(&mut map, &ctx)?,
                        "decisive" => r.decisive = de_value(&mut map, &ctx)?,
                        "description" => r.description = de_value(&mut map, &ctx)?,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            if r.unknown.is_none() {
                                r.unknown = Some(key);
                            }
                        }
                    }
                }
                Rule::try_from(r).map_err(de::Error::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rule, A::Error> {
                if !self.0 {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                // Typed already (a class or channel is an enum here, not a
                // name to look up); `Policy::validate` checks the values.
                const WHAT: &str = "a rule's 10 fields";
                Ok(Rule {
                    id: element(&mut seq, 0, WHAT)?,
                    class: element(&mut seq, 1, WHAT)?,
                    weight: element(&mut seq, 2, WHAT)?,
                    field: element(&mut seq, 3, WHAT)?,
                    keywords: element(&mut seq, 4, WHAT)?,
                    exclude: element(&mut seq, 5, WHAT)?,
                    when: element::<_, CompactConditions>(&mut seq, 6, WHAT)?.0,
                    negatable: element(&mut seq, 7, WHAT)?,
                    decisive: element(&mut seq, 8, WHAT)?,
                    description: element(&mut seq, 9, WHAT)?,
                })
            }
        }
        // The field names matter only to formats that read by position,
        // which take the struct's length from them.
        let compact = !d.is_human_readable();
        d.deserialize_struct("Rule", RULE_FIELDS, V(compact))
    }
}

/// Conditions on their own, as [`Conditions`]'s `Serialize` writes them:
/// by name in a human-readable format (an unknown key is an error), every
/// field by position in a compact one. (Inside a policy, a rule's `when` is
/// read by the policy's reader, which names the rule at fault.)
impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Named {
            #[serde(default)]
            channel: Option<Vec<Channel>>,
            #[serde(default)]
            not_channel: Option<Vec<Channel>>,
            #[serde(default)]
            min_deal_value: Option<f64>,
            #[serde(default)]
            max_deal_value: Option<f64>,
            #[serde(default)]
            tags: Option<Vec<String>>,
            #[serde(default)]
            min_votes: Option<u32>,
        }
        if !d.is_human_readable() {
            return CompactConditions::deserialize(d).map(|c| c.0);
        }
        let n = Named::deserialize(d)?;
        Ok(Conditions {
            channel: n.channel,
            not_channel: n.not_channel,
            min_deal_value: n.min_deal_value,
            max_deal_value: n.max_deal_value,
            tags: n.tags,
            min_votes: n.min_votes,
        })
    }
}

/// A rule's conditions in a compact format: every field, by position.
struct CompactConditions(Conditions);

impl<'de> Deserialize<'de> for CompactConditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CompactConditions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rule's 6 conditions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                const WHAT: &str = "a rule's 6 conditions";
                Ok(CompactConditions(Conditions {
                    channel: element(&mut seq, 0, WHAT)?,
                    not_channel: element(&mut seq, 1, WHAT)?,
                    min_deal_value: element(&mut seq, 2, WHAT)?,
                    max_deal_value: element(&mut seq, 3, WHAT)?,
                    tags: element(&mut seq, 4, WHAT)?,
                    min_votes: element(&mut seq, 5, WHAT)?,
                }))
            }
        }
        d.deserialize_struct("Conditions", WHEN_FIELDS, V)
    }
}

struct WhenSeed<'a> {
    prefix: &'a str,
}

impl<'de> de::DeserializeSeed<'de> for WhenSeed<'_> {
    type Value = WhenRepr;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<WhenRepr, D::Error> {
        let prefix = self.prefix.to_string();
        // `null` (JSON) means no conditions, as before.
        d.deserialize_option(self)
            .map_err(|e| crate::de::wrap(format_args!("{prefix}field `when`"), e))
    }
}

impl<'de> Visitor<'de> for WhenSeed<'_> {
    type Value = WhenRepr;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of conditions")
    }

    fn visit_none<E: de::Error>(self) -> Result<WhenRepr, E> {
        Ok(WhenRepr::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<WhenRepr, E> {
        Ok(WhenRepr::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<WhenRepr, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WhenRepr, A::Error> {
        let mut w = WhenRepr::default();
        let mut seen = crate::de::Seen::default();
        while let Some(key) = map.next_key::<String>()? {
            seen.check(&key, "")?;
            let ctx = format!("field `{key}`");
            match key.as_str() {
                "channel" => w.channel = crate::de::optional_list(&mut map, "", &key)?,
                "not_channel" => w.not_channel = crate::de::optional_list(&mut map, "", &key)?,
                "min_deal_value" => w.min_deal_value = de_value(&mut map, &ctx)?,
                "max_deal_value" => w.max_deal_value = de_value(&mut map, &ctx)?,
                "tags" => w.tags = crate::de::optional_list(&mut map, "", &key)?,
                "min_votes" => w.min_votes = de_value(&mut map, &ctx)?,
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    if w.unknown.is_none() {
                        w.unknown = Some(key);
                    }
                }
            }
        }
        Ok(w)
    }
}

/// Reports a rule that failed to parse, naming it.
#[derive(Debug)]
struct RuleReprError(PolicyError);

impl fmt::Display for RuleReprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn channels(
    rule: &str,
    field: &str,
    names: Option<Vec<String>>,
) -> Result<Option<Vec<Channel>>, RuleReprError> {
    names
        .map(|names| {
            names
                .iter()
                .map(|n| {
                    n.parse::<Channel>().map_err(|_| {
                        RuleReprError(PolicyError::UnknownChannel {
                            rule: rule.to_string(),
                            field: field.to_string(),
                            value: n.clone(),
                        })
                    })
                })
                .collect()
        })
        .transpose()
}

impl TryFrom<RuleRepr> for Rule {
    type Error = RuleReprError;

    fn try_from(r: RuleRepr) -> Result<Rule, RuleReprError> {
        let id = r.id.unwrap_or_default();
        let name = if id.is_empty() {
            "<no id>".to_string()
        } else {
            id.clone()
        };
        if let Some(key) = r.unknown {
            return Err(RuleReprError(PolicyError::UnknownKey {
                rule: name,
                key,
                expected: RULE_KEYS,
            }));
        }
        let class_name = r.class.ok_or_else(|| {
            RuleReprError(PolicyError::UnknownClass {
                rule: name.clone(),
                value: String::new(),
            })
        })?;
        let class = class_name.parse::<Class>().map_err(|_| {
            RuleReprError(PolicyError::UnknownClass {
                rule: name.clone(),
                value: class_name.clone(),
            })
        })?;
        let when = match r.when {
            None => Conditions::default(),
            Some(w) => {
                if let Some(key) = w.unknown {
                    return Err(RuleReprError(PolicyError::UnknownKey {
                        rule: name,
                        key: format!("when.{key}"),
                        expected: WHEN_KEYS,
                    }));
                }
                Conditions {
                    channel: channels(&name, "when.channel", w.channel)?,
                    not_channel: channels(&name, "when.not_channel", w.not_channel)?,
                    min_deal_value: w.min_deal_value,
                    max_deal_value: w.max_deal_value,
                    tags: w.tags,
                    min_votes: w.min_votes,
                }
            }
        };
        Ok(Rule {
            id,
            class,
            weight: r.weight,
            field: r.field,
            keywords: r.keywords,
            exclude: r.exclude,
            when,
            negatable: r.negatable,
            decisive: r.decisive,
            description: r.description,
        })
    }
}

impl std::error::Error for RuleReprError {}
