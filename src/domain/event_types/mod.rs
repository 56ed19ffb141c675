//! Event types: what can be booked, for how long, with whom, and how its Zoom meeting is set up.
//!
//! The operator writes them in `booking-types.json` (checked by `build.rs`, embedded in the
//! worker) or, for small deployments and tests, in the `BOOKING_TYPES` var, which replaces the
//! file. Without either, one implicit type (`meeting`) reproduces the service's behaviour before
//! event types: any length from 5 to 720 minutes, any host, the client's own topic.

pub mod mismatch;
pub mod schema;

use crate::domain::time_zone::ZoneRules;
use crate::domain::zoom::HostUser;
use schema::{DurationsSpec, PasscodeSpec, QuestionSpec, TypeSpec};
use serde_json::{json, Map, Value};

pub use schema::QuestionKindSpec as QuestionKind;

/// The var that, when set, replaces the embedded file.
pub const VAR: &str = "BOOKING_TYPES";
/// The file `build.rs` embeds, as messages name it.
pub const FILE: &str = "booking-types.json";
/// The implicit type's slug: bookings made before event types existed are of this type.
pub const IMPLICIT_SLUG: &str = "meeting";
/// `booking-types.json` as `build.rs` checked it, or empty when the project has none.
pub const EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/booking-types.json"));
/// Digits of a generated passcode (Zoom allows up to 10; six is what a guest types easily).
pub const PASSCODE_DIGITS: u32 = 6;

/// Every configured type, in configuration order (the first is the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes {
    types: Vec<EventType>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventType {
    spec: TypeSpec,
    /// `None`: every host in the pool.
    hosts: Option<Vec<HostUser>>,
}

impl EventTypes {
    /// The one type a deployment without a file or var has.
    pub fn implicit() -> Self {
        Self {
            types: vec![EventType {
                spec: TypeSpec {
                    slug: IMPLICIT_SLUG.to_owned(),
                    title: "Meeting".to_owned(),
                    description: None,
                    durations: DurationsSpec::Range {
                        min: schema::MIN_DURATION as u32,
                        max: schema::MAX_DURATION as u32,
                    },
                    default_duration: schema::IMPLICIT_DEFAULT_DURATION as u32,
                    hosts: None,
                    topic: None,
                    zoom_settings: Map::new(),
                    passcode: PasscodeSpec::Zoom,
                    questions: Vec::new(),
                    availability: None,
                },
                hosts: None,
            }],
        }
    }

    /// The types in force: the var when set, else the embedded file when it has content, else
    /// the implicit type. `pool` is `ZOOM_HOST_USER`: a type's hosts must be among them.
    pub fn resolve(
        var: Option<&str>,
        embedded: &str,
        pool: &[HostUser],
    ) -> Result<Self, Vec<String>> {
        match var.map(str::trim).filter(|v| !v.is_empty()) {
            Some(json) => Self::parse(json, VAR, pool),
            None if !embedded.trim().is_empty() => Self::parse(embedded, FILE, pool),
            None => Ok(Self::implicit()),
        }
    }

    /// Reads and checks a document; every problem names its path under `root`. Hosts outside
    /// the pool are found even in a document with other problems, so one reading lists them all.
    pub fn parse(json: &str, root: &str, pool: &[HostUser]) -> Result<Self, Vec<String>> {
        let (strangers, outside) = hosts_outside(json, root, pool);
        let specs = match schema::read_counted(json, root) {
            Ok(specs) if outside == 0 => specs,
            Ok(_) => return Err(schema::summarized(strangers, outside)),
            Err((mut problems, total)) => {
                problems.extend(strangers);
                return Err(schema::summarized(problems, total + outside));
            }
        };
        let types = specs
            .into_iter()
            .map(|spec| {
                let hosts = spec.hosts.as_ref().map(|names| {
                    names
                        .iter()
                        .filter_map(|name| pool.iter().find(|h| h.as_str() == name).cloned())
                        .collect()
                });
                EventType { spec, hosts }
            })
            .collect();
        Ok(Self { types })
    }

    /// Hours zones the zone database does not know (`schema` checks only their shape: it builds
    /// without a database), one problem each; the names it knows in other letter case take
    /// their proper case.
    pub fn check_zones(&mut self, zones: &dyn ZoneRules) -> Vec<String> {
        let mut problems = Vec::new();
        for t in &mut self.types {
            let slug = t.spec.slug.clone();
            let Some(name) = t
                .spec
                .availability
                .as_mut()
                .and_then(|a| a.timezone.as_mut())
            else {
                continue;
            };
            match zones.zone(name) {
                Some(zone) => *name = zone.name().to_owned(),
                None => problems.push(format!(
                    "event type '{slug}': availability.timezone '{}' is not a known time zone",
                    schema::quoted(name)
                )),
            }
        }
        problems
    }

    /// The type a booking without `type` gets.
    pub fn default_type(&self) -> &EventType {
        &self.types[0]
    }

    pub fn get(&self, slug: &str) -> Option<&EventType> {
        self.types.iter().find(|t| t.spec.slug == slug)
    }

    pub fn iter(&self) -> impl Iterator<Item = &EventType> {
        self.types.iter()
    }

    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// `GET /v1/types`: the public part of every type, in configuration order.
    pub fn public_json(&self) -> Value {
        json!({ "types": self.types.iter().map(EventType::public_json).collect::<Vec<_>>() })
    }
}

impl EventType {
    pub fn slug(&self) -> &str {
        &self.spec.slug
    }

    pub fn title(&self) -> &str {
        &self.spec.title
    }

    pub fn description(&self) -> Option<&str> {
        self.spec.description.as_deref()
    }

    pub fn default_duration(&self) -> u32 {
        self.spec.default_duration
    }

    /// The listed lengths, or `None` for a range.
    pub fn listed_durations(&self) -> Option<&[u32]> {
        match &self.spec.durations {
            DurationsSpec::Listed(listed) => Some(listed),
            DurationsSpec::Range { .. } => None,
        }
    }

    /// `(min, max)` of the allowed lengths.
    pub fn duration_bounds(&self) -> (u32, u32) {
        match &self.spec.durations {
            DurationsSpec::Listed(listed) => (
                listed.iter().copied().min().unwrap_or(0),
                listed.iter().copied().max().unwrap_or(0),
            ),
            DurationsSpec::Range { min, max } => (*min, *max),
        }
    }

    pub fn allows_duration(&self, minutes: u32) -> bool {
        match &self.spec.durations {
            DurationsSpec::Listed(listed) => listed.contains(&minutes),
            DurationsSpec::Range { min, max } => (*min..=*max).contains(&minutes),
        }
    }

    /// The allowed lengths in words, for `invalid_duration`: "15, 30 or 60" or "5 to 720".
    pub fn durations_in_words(&self) -> String {
        match &self.spec.durations {
            DurationsSpec::Listed(listed) => {
                let names: Vec<String> = listed.iter().map(u32::to_string).collect();
                match names.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                }
            }
            DurationsSpec::Range { min, max } => format!("{min} to {max}"),
        }
    }

    /// Whether `host` takes bookings of this type.
    pub fn takes(&self, host: &HostUser) -> bool {
        self.hosts.as_ref().is_none_or(|hosts| hosts.contains(host))
    }

    /// The hosts of this type, from `pool` (in the pool's order).
    pub fn hosts_from(&self, pool: &[HostUser]) -> Vec<HostUser> {
        pool.iter().filter(|h| self.takes(h)).cloned().collect()
    }

    /// The meeting's topic: the type's template with `{name}` and `{title}` filled in, else
    /// the client's topic, else "Meeting with {name}". Cut to Zoom's 200 characters.
    pub fn topic_for(&self, name: &str, client_topic: Option<&str>) -> String {
        let topic = match (&self.spec.topic, client_topic) {
            (Some(template), _) => fill_template(template, name, &self.spec.title),
            (None, Some(topic)) => topic.to_owned(),
            (None, None) => format!("Meeting with {name}"),
        };
        topic.chars().take(schema::MAX_TOPIC_CHARS).collect()
    }

    /// Whether the type sets the topic itself (the client's `topic` is then not used).
    pub fn has_topic_template(&self) -> bool {
        self.spec.topic.is_some()
    }

    /// Exactly what Zoom receives as `settings`: the built-in defaults overlaid with the
    /// type's `zoom_settings`.
    pub fn zoom_settings(&self) -> Map<String, Value> {
        let mut settings = schema::default_zoom_settings();
        for (key, value) in &self.spec.zoom_settings {
            settings.insert(key.clone(), value.clone());
        }
        settings
    }

    /// Whether the worker generates the meeting's passcode.
    pub fn generates_passcode(&self) -> bool {
        self.spec.passcode == PasscodeSpec::Generate
    }

    /// When it can be booked (`domain::availability`); `None`: at any time.
    pub fn availability(&self) -> Option<&schema::AvailabilitySpec> {
        self.spec.availability.as_ref()
    }

    pub fn questions(&self) -> &[QuestionSpec] {
        &self.spec.questions
    }

    /// What `GET /v1/types` shows of the type: never its hosts or Zoom settings.
    pub fn public_json(&self) -> Value {
        let (min, max) = self.duration_bounds();
        let mut public = json!({
            "slug": self.spec.slug,
            "title": self.spec.title,
            "description": self.spec.description,
            "durations": self.listed_durations(),
            "min_duration": min,
            "max_duration": max,
            "default_duration": self.spec.default_duration,
            "questions": self.spec.questions.iter().map(question_json).collect::<Vec<_>>(),
        });
        if self.spec.description.is_none() {
            public.as_object_mut().map(|o| o.remove("description"));
        }
        public
    }
}

fn question_json(q: &QuestionSpec) -> Value {
    let mut question = json!({
        "id": q.id,
        "label": q.label,
        "kind": q.kind.name(),
        "required": q.required,
        "max_length": q.max_length,
    });
    if q.kind == QuestionKind::Choice {
        question["options"] = json!(q.options);
    }
    question
}

/// Every listed host not in `pool`, by path, read from the raw document (whatever else is wrong
/// with it; a malformed `hosts` is the schema's to report): the first `schema::MAX_PROBLEMS`,
/// and how many in all (of the types the schema reads).
fn hosts_outside(json: &str, root: &str, pool: &[HostUser]) -> (Vec<String>, usize) {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(json) else {
        return (Vec::new(), 0);
    };
    let mut problems = Vec::new();
    let mut total = 0;
    for (i, item) in items.iter().enumerate().take(schema::MAX_TYPES) {
        let Some(Value::Array(hosts)) = item.get("hosts") else {
            continue;
        };
        for (j, name) in hosts.iter().enumerate() {
            let Some(name) = name.as_str().map(str::trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            if !pool.iter().any(|h| h.as_str() == name) {
                total += 1;
                if problems.len() < schema::MAX_PROBLEMS {
                    // The path, not the address: this message is shown to anyone who books
                    // while the configuration is broken, and a host's address is staff data.
                    problems.push(format!(
                        "{root}[{i}].hosts[{j}]: not one of the hosts in ZOOM_HOST_USER"
                    ));
                }
            }
        }
    }
    (problems, total)
}

/// Fills `{name}` and `{title}` in one pass, so a name that itself reads `{title}` stays as
/// typed. The template was checked when the types were read.
fn fill_template(template: &str, name: &str, title: &str) -> String {
    let mut filled = String::with_capacity(template.len() + name.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open..];
        let (value, len) = if after.starts_with("{name}") {
            (name, "{name}".len())
        } else if after.starts_with("{title}") {
            (title, "{title}".len())
        } else {
            ("{", 1)
        };
        filled.push_str(value);
        rest = &after[len..];
    }
    filled.push_str(rest);
    filled
}

/// A 6-digit passcode from 8 random bytes (the caller's randomness). The modulo bias over 2^64
/// is below one part in 10^13.
pub fn generate_passcode(random: [u8; 8]) -> String {
    let n = u64::from_le_bytes(random) % 10u64.pow(PASSCODE_DIGITS);
    format!("{n:0width$}", width = PASSCODE_DIGITS as usize)
}

#[cfg(test)]
mod tests;
