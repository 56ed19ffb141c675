//! The event types file (`booking-types.json`, or the `BOOKING_TYPES` var) read into plain specs,
//! with every problem named by its path (`BOOKING_TYPES[1].zoom_settings.auto_recording: …`).
//!
//! This file depends on `std` and `serde_json` only: `build.rs` includes it as is, so a bad file
//! fails the build with exactly the messages a bad var gives at run time. What needs the rest of
//! the domain (hosts in the pool, typed ids) is checked by `event_types::EventTypes::parse`.

use serde_json::{Map, Value};
use std::collections::BTreeSet;

// Relative to this file, so `build.rs` finds it too.
#[path = "hours.rs"]
mod hours;
// `build.rs` uses none of them.
#[allow(unused_imports)]
pub use hours::{is_zone_shaped, parse_date, AvailabilitySpec, DayRanges, DAY_MINUTES, WEEKDAYS};

pub const MIN_DURATION: u64 = 5;
pub const MAX_DURATION: u64 = 720;
pub const IMPLICIT_DEFAULT_DURATION: u64 = 30;
pub const MAX_TYPES: usize = 50;
pub const MAX_SLUG_CHARS: usize = 40;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Zoom's topic limit.
pub const MAX_TOPIC_CHARS: usize = 200;
pub const MAX_DURATIONS: usize = 12;
pub const MAX_QUESTIONS: usize = 10;
pub const MAX_QUESTION_ID_CHARS: usize = 40;
pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_OPTION_CHARS: usize = 100;
/// Longest answer a question may allow: answers go into the agenda (Zoom: 2000 characters).
pub const MAX_ANSWER_CHARS: u64 = 2000;
/// Most problems a reading lists; the rest are counted in one last line. A huge broken document
/// must not make every refused request carry a huge message.
pub const MAX_PROBLEMS: usize = 20;
/// Most characters of the document (a key, a host) a problem quotes.
pub const MAX_QUOTED_CHARS: usize = 60;

/// The type of one Zoom meeting setting, as Zoom's Create Meeting documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    Bool,
    /// One of these strings.
    Text(&'static [&'static str]),
    /// One of these integers.
    Integer(&'static [i64]),
    /// Free text up to this many characters (e.g. `alternative_hosts`, a `;`-separated list).
    FreeText(usize),
}

/// The Zoom meeting settings an event type may send, with Zoom's types and enums. Settings
/// outside this list are refused rather than passed through: a typo (`waitingroom`) would
/// otherwise be sent, ignored by Zoom and never noticed.
pub const ZOOM_SETTINGS: &[(&str, SettingKind)] = &[
    ("host_video", SettingKind::Bool),
    ("participant_video", SettingKind::Bool),
    ("join_before_host", SettingKind::Bool),
    ("jbh_time", SettingKind::Integer(&[0, 5, 10, 15])),
    ("mute_upon_entry", SettingKind::Bool),
    ("waiting_room", SettingKind::Bool),
    ("approval_type", SettingKind::Integer(&[0, 1, 2])),
    (
        "audio",
        SettingKind::Text(&["both", "telephony", "voip", "thirdParty"]),
    ),
    (
        "auto_recording",
        SettingKind::Text(&["local", "cloud", "none"]),
    ),
    ("meeting_authentication", SettingKind::Bool),
    ("alternative_hosts", SettingKind::FreeText(1024)),
    ("private_meeting", SettingKind::Bool),
    ("watermark", SettingKind::Bool),
    ("email_notification", SettingKind::Bool),
    ("focus_mode", SettingKind::Bool),
    ("allow_multiple_devices", SettingKind::Bool),
    ("continuous_meeting_chat", SettingKind::Bool),
    (
        "encryption_type",
        SettingKind::Text(&["enhanced_encryption", "e2ee"]),
    ),
];

/// The settings every meeting gets unless its type says otherwise: the service's behaviour
/// before event types existed.
pub fn default_zoom_settings() -> Map<String, Value> {
    let mut settings = Map::new();
    settings.insert("join_before_host".into(), Value::Bool(false));
    settings.insert("waiting_room".into(), Value::Bool(true));
    settings.insert("approval_type".into(), Value::from(2));
    settings
}

/// Allowed meeting lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationsSpec {
    /// Exactly these, in the configured order.
    Listed(Vec<u32>),
    /// Any whole number of minutes in `min..=max`.
    Range { min: u32, max: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKindSpec {
    Text,
    LongText,
    Email,
    Phone,
    Choice,
}

impl QuestionKindSpec {
    pub const NAMES: &'static [&'static str] = &["text", "long_text", "email", "phone", "choice"];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "text" => Self::Text,
            "long_text" => Self::LongText,
            "email" => Self::Email,
            "phone" => Self::Phone,
            "choice" => Self::Choice,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::LongText => "long_text",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Choice => "choice",
        }
    }

    /// The longest answer when the question does not say: what such a field usually holds.
    pub fn default_max_length(self) -> u32 {
        match self {
            Self::Text => 200,
            Self::LongText => 1000,
            Self::Email => 254,
            // E.164: `+` and at most 15 digits.
            Self::Phone => 16,
            Self::Choice => MAX_OPTION_CHARS as u32,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionSpec {
    pub id: String,
    pub label: String,
    pub kind: QuestionKindSpec,
    pub required: bool,
    pub max_length: u32,
    /// For `choice` only: the answers offered, exactly as an answer must match them.
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasscodeSpec {
    /// Zoom's account policy decides (the default).
    Zoom,
    /// The worker generates a 6-digit passcode.
    Generate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSpec {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub durations: DurationsSpec,
    pub default_duration: u32,
    /// `None`: every host in `ZOOM_HOST_USER`.
    pub hosts: Option<Vec<String>>,
    /// `None`: the client's `topic`, or "Meeting with {name}".
    pub topic: Option<String>,
    /// Only the keys the type sets (the defaults are added when the meeting is created).
    pub zoom_settings: Map<String, Value>,
    pub passcode: PasscodeSpec,
    pub questions: Vec<QuestionSpec>,
    /// `None`: bookable at any time (`domain::availability`).
    pub availability: Option<AvailabilitySpec>,
}

const TYPE_KEYS: &[&str] = &[
    "slug",
    "title",
    "description",
    "durations",
    "min_duration",
    "max_duration",
    "default_duration",
    "hosts",
    "topic",
    "zoom_settings",
    "passcode",
    "questions",
    "availability",
];
const QUESTION_KEYS: &[&str] = &["id", "label", "kind", "required", "max_length", "options"];

/// Reads the whole document; `root` names it in messages (`BOOKING_TYPES` or
/// `booking-types.json`). Every problem is reported, not just the first (at most
/// `MAX_PROBLEMS` of them listed, the rest counted).
pub fn read(json: &str, root: &str) -> Result<Vec<TypeSpec>, Vec<String>> {
    read_counted(json, root).map_err(|(listed, total)| summarized(listed, total))
}

/// `read`, with the problems listed (at most `MAX_PROBLEMS`) and how many there are in all,
/// for a caller that adds its own before `summarized`.
pub fn read_counted(json: &str, root: &str) -> Result<Vec<TypeSpec>, (Vec<String>, usize)> {
    let mut p = Problems::default();
    let value: Value = match serde_json::from_str(json) {
        Ok(value) => value,
        Err(e) => return Err((vec![format!("{root}: not valid JSON ({e})")], 1)),
    };
    let Value::Array(items) = value else {
        return Err((
            vec![format!("{root}: expected a JSON array of event types")],
            1,
        ));
    };
    if items.is_empty() {
        return Err((vec![format!("{root}: expected at least one event type")], 1));
    }
    if items.len() > MAX_TYPES {
        p.add(root, format!("at most {MAX_TYPES} event types"));
    }
    let mut specs = Vec::new();
    let mut slugs = BTreeSet::new();
    // Types past the limit are not read: the limit is already reported.
    for (i, item) in items.iter().enumerate().take(MAX_TYPES) {
        let path = format!("{root}[{i}]");
        if let Some(spec) = read_type(item, &path, &mut p) {
            if !slugs.insert(spec.slug.clone()) {
                p.add(
                    &format!("{path}.slug"),
                    format!("duplicate slug '{}' (slugs must be unique)", spec.slug),
                );
            }
            specs.push(spec);
        }
    }
    if p.total == 0 {
        Ok(specs)
    } else {
        Err((p.list, p.total))
    }
}

/// `listed` (cut to `MAX_PROBLEMS`), and a last line counting the problems not listed.
pub fn summarized(mut listed: Vec<String>, total: usize) -> Vec<String> {
    listed.truncate(MAX_PROBLEMS);
    let more = total.saturating_sub(listed.len());
    if more > 0 {
        let s = if more == 1 { "" } else { "s" };
        listed.push(format!("… and {more} more problem{s}"));
    }
    listed
}

/// Part of the document as a problem quotes it: at most `MAX_QUOTED_CHARS` characters, control
/// characters replaced.
pub fn quoted(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(MAX_QUOTED_CHARS)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if text.chars().nth(MAX_QUOTED_CHARS).is_some() {
        shown.push('…');
    }
    shown
}

#[derive(Default)]
struct Problems {
    /// The first `MAX_PROBLEMS`.
    list: Vec<String>,
    total: usize,
}

impl Problems {
    fn add(&mut self, path: &str, message: impl std::fmt::Display) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(format!("{path}: {message}"));
        }
    }

    fn count(&self) -> usize {
        self.total
    }
}

/// `item` as an object whose keys are all `known` (each other key is a problem).
fn object_of<'v>(
    item: &'v Value,
    known: &[&str],
    path: &str,
    p: &mut Problems,
) -> Option<&'v Map<String, Value>> {
    let Value::Object(map) = item else {
        p.add(path, "expected an object");
        return None;
    };
    unknown_keys(map, known, path, p);
    Some(map)
}

fn read_type(item: &Value, path: &str, p: &mut Problems) -> Option<TypeSpec> {
    let before = p.count();
    let map = object_of(item, TYPE_KEYS, path, p)?;
    let slug = required_text(map, "slug", path, MAX_SLUG_CHARS, p);
    if let Some(slug) = &slug {
        if !is_slug(slug) {
            p.add(
                &format!("{path}.slug"),
                "expected lower-case letters, digits and '-' (URL-safe, not starting or ending \
                 with '-')",
            );
        }
    }
    let title = required_text(map, "title", path, MAX_TITLE_CHARS, p);
    let description = optional_text(map, "description", path, MAX_DESCRIPTION_CHARS, p);
    let durations = read_durations(map, path, p);
    let default_duration = read_default_duration(map, durations.as_ref(), path, p);
    let hosts = read_hosts(map, path, p);
    let topic = optional_text(map, "topic", path, MAX_TOPIC_CHARS, p);
    if let Some(topic) = &topic {
        check_template(topic, &format!("{path}.topic"), p);
    }
    let zoom_settings = read_zoom_settings(map, path, p);
    let passcode = match map.get("passcode") {
        None | Some(Value::Null) => PasscodeSpec::Zoom,
        Some(Value::String(s)) if s == "zoom" => PasscodeSpec::Zoom,
        Some(Value::String(s)) if s == "generate" => PasscodeSpec::Generate,
        Some(_) => {
            p.add(
                &format!("{path}.passcode"),
                "expected one of zoom, generate",
            );
            PasscodeSpec::Zoom
        }
    };
    let questions = read_questions(map, path, p);
    let availability = hours::read_availability(map, path, p);
    if p.count() > before {
        return None;
    }
    Some(TypeSpec {
        slug: slug?,
        title: title?,
        description,
        durations: durations?,
        default_duration: default_duration?,
        hosts,
        topic,
        zoom_settings,
        passcode,
        questions,
        availability,
    })
}

fn is_slug(s: &str) -> bool {
    !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn unknown_keys(map: &Map<String, Value>, known: &[&str], path: &str, p: &mut Problems) {
    for key in map.keys() {
        if !known.contains(&key.as_str()) {
            p.add(
                &format!("{path}.{}", quoted(key)),
                format!("unknown key (expected one of {})", known.join(", ")),
            );
        }
    }
}

/// Text a person reads (titles, labels): no control or invisible characters.
fn plain_text(s: &str, multiline: bool) -> bool {
    s.chars().all(|c| {
        !(c.is_control() && !(multiline && matches!(c, '\n' | '\t')))
            && !matches!(c, '\u{200B}' | '\u{200E}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    })
}

fn text_value(
    value: &Value,
    path: &str,
    max_chars: usize,
    multiline: bool,
    p: &mut Problems,
) -> Option<String> {
    let Value::String(s) = value else {
        p.add(path, "expected a string");
        return None;
    };
    let s = s.trim();
    if s.is_empty() {
        p.add(path, "must not be blank");
        None
    } else if s.chars().count() > max_chars {
        p.add(path, format!("at most {max_chars} characters"));
        None
    } else if !plain_text(s, multiline) {
        p.add(path, "contains control or invisible characters");
        None
    } else {
        Some(s.to_owned())
    }
}

fn required_text(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
    max_chars: usize,
    p: &mut Problems,
) -> Option<String> {
    let field = format!("{path}.{key}");
    match map.get(key) {
        None | Some(Value::Null) => {
            p.add(&field, "is required");
            None
        }
        Some(value) => text_value(value, &field, max_chars, false, p),
    }
}

fn optional_text(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
    max_chars: usize,
    p: &mut Problems,
) -> Option<String> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(value) => text_value(value, &format!("{path}.{key}"), max_chars, true, p),
    }
}

fn minutes(value: &Value, path: &str, p: &mut Problems) -> Option<u32> {
    match value.as_u64() {
        Some(n) if (MIN_DURATION..=MAX_DURATION).contains(&n) => Some(n as u32),
        _ => {
            p.add(
                path,
                format!("expected a whole number of minutes from {MIN_DURATION} to {MAX_DURATION}"),
            );
            None
        }
    }
}

fn read_durations(map: &Map<String, Value>, path: &str, p: &mut Problems) -> Option<DurationsSpec> {
    let bound = |key: &str, default: u64, p: &mut Problems| match map.get(key) {
        None | Some(Value::Null) => Some(default as u32),
        Some(v) => minutes(v, &format!("{path}.{key}"), p),
    };
    match map.get("durations") {
        None | Some(Value::Null) => {
            let min = bound("min_duration", MIN_DURATION, p)?;
            let max = bound("max_duration", MAX_DURATION, p)?;
            if min > max {
                p.add(
                    &format!("{path}.min_duration"),
                    "must not be greater than max_duration",
                );
                return None;
            }
            Some(DurationsSpec::Range { min, max })
        }
        Some(Value::Array(items)) => {
            for key in ["min_duration", "max_duration"] {
                if map.get(key).is_some_and(|v| !v.is_null()) {
                    p.add(
                        &format!("{path}.{key}"),
                        "only allowed when durations is null (a listed choice has no range)",
                    );
                }
            }
            let field = format!("{path}.durations");
            if items.is_empty() || items.len() > MAX_DURATIONS {
                p.add(
                    &field,
                    format!("expected from 1 to {MAX_DURATIONS} lengths in minutes"),
                );
                return None;
            }
            let mut listed = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let minutes = minutes(item, &format!("{field}[{i}]"), p)?;
                if listed.contains(&minutes) {
                    p.add(
                        &format!("{field}[{i}]"),
                        format!("{minutes} is listed twice"),
                    );
                    return None;
                }
                listed.push(minutes);
            }
            Some(DurationsSpec::Listed(listed))
        }
        Some(_) => {
            p.add(
                &format!("{path}.durations"),
                "expected an array of lengths in minutes, or null",
            );
            None
        }
    }
}

fn read_default_duration(
    map: &Map<String, Value>,
    durations: Option<&DurationsSpec>,
    path: &str,
    p: &mut Problems,
) -> Option<u32> {
    let field = format!("{path}.default_duration");
    let durations = durations?;
    let chosen = match map.get("default_duration") {
        None | Some(Value::Null) => match durations {
            DurationsSpec::Listed(listed) => listed[0],
            DurationsSpec::Range { min, max } => {
                (IMPLICIT_DEFAULT_DURATION as u32).clamp(*min, *max)
            }
        },
        Some(v) => minutes(v, &field, p)?,
    };
    let allowed = match durations {
        DurationsSpec::Listed(listed) => listed.contains(&chosen),
        DurationsSpec::Range { min, max } => (*min..=*max).contains(&chosen),
    };
    if !allowed {
        p.add(
            &field,
            format!("{chosen} is not one of the type's durations"),
        );
        return None;
    }
    Some(chosen)
}

fn read_hosts(map: &Map<String, Value>, path: &str, p: &mut Problems) -> Option<Vec<String>> {
    let field = format!("{path}.hosts");
    match map.get("hosts") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut hosts: Vec<String> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str().map(str::trim) {
                    Some(host) if !host.is_empty() => {
                        if hosts.iter().any(|h| h == host) {
                            p.add(
                                &format!("{field}[{i}]"),
                                // Not the address: the message is public (see mod.rs).
                                "this host is listed twice",
                            );
                        }
                        hosts.push(host.to_owned());
                    }
                    _ => p.add(
                        &format!("{field}[{i}]"),
                        "expected a Zoom user (id or email)",
                    ),
                }
            }
            Some(hosts)
        }
        Some(_) => {
            p.add(
                &field,
                "expected a non-empty array of hosts from ZOOM_HOST_USER, or null for all",
            );
            None
        }
    }
}

/// The placeholders a topic template may use.
pub const TOPIC_PLACEHOLDERS: &[&str] = &["name", "title"];

fn check_template(template: &str, path: &str, p: &mut Problems) {
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            p.add(path, "unmatched '}'");
            return;
        }
        let Some(close) = rest[open..].find('}') else {
            p.add(path, "unmatched '{'");
            return;
        };
        let name = &rest[open + 1..open + close];
        if !TOPIC_PLACEHOLDERS.contains(&name) {
            p.add(
                path,
                format!("unknown placeholder {{{name}}} (expected {{name}} or {{title}})"),
            );
            return;
        }
        rest = &rest[open + close + 1..];
    }
}

fn read_zoom_settings(
    map: &Map<String, Value>,
    path: &str,
    p: &mut Problems,
) -> Map<String, Value> {
    let field = format!("{path}.zoom_settings");
    let settings = match map.get("zoom_settings") {
        None | Some(Value::Null) => return Map::new(),
        Some(Value::Object(settings)) => settings,
        Some(_) => {
            p.add(&field, "expected an object of Zoom meeting settings");
            return Map::new();
        }
    };
    let mut read = Map::new();
    for (key, value) in settings {
        let path = format!("{field}.{}", quoted(key));
        let Some((_, kind)) = ZOOM_SETTINGS.iter().find(|(name, _)| name == key) else {
            let names: Vec<&str> = ZOOM_SETTINGS.iter().map(|(name, _)| *name).collect();
            p.add(
                &path,
                format!(
                    "unknown Zoom setting (expected one of {})",
                    names.join(", ")
                ),
            );
            continue;
        };
        if check_setting(*kind, value, &path, p) {
            read.insert(key.clone(), value.clone());
        }
    }
    read
}

fn check_setting(kind: SettingKind, value: &Value, path: &str, p: &mut Problems) -> bool {
    let ok = match kind {
        SettingKind::Bool => value.is_boolean(),
        SettingKind::Text(allowed) => value.as_str().is_some_and(|s| allowed.contains(&s)),
        SettingKind::Integer(allowed) => value.as_i64().is_some_and(|n| allowed.contains(&n)),
        SettingKind::FreeText(max) => value
            .as_str()
            .is_some_and(|s| s.chars().count() <= max && plain_text(s, false)),
    };
    if !ok {
        let expected = match kind {
            SettingKind::Bool => "expected true or false".to_owned(),
            SettingKind::Text(allowed) => format!("expected one of {}", allowed.join(", ")),
            SettingKind::Integer(allowed) => {
                let names: Vec<String> = allowed.iter().map(i64::to_string).collect();
                format!("expected one of {}", names.join(", "))
            }
            SettingKind::FreeText(max) => format!("expected text of at most {max} characters"),
        };
        p.add(path, expected);
    }
    ok
}

fn read_questions(map: &Map<String, Value>, path: &str, p: &mut Problems) -> Vec<QuestionSpec> {
    let field = format!("{path}.questions");
    let items = match map.get("questions") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            p.add(&field, "expected an array of questions");
            return Vec::new();
        }
    };
    if items.len() > MAX_QUESTIONS {
        p.add(&field, format!("at most {MAX_QUESTIONS} questions"));
    }
    let mut questions: Vec<QuestionSpec> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{field}[{i}]");
        if let Some(question) = read_question(item, &path, p) {
            if questions.iter().any(|q| q.id == question.id) {
                p.add(
                    &format!("{path}.id"),
                    format!("duplicate question id '{}'", question.id),
                );
            }
            questions.push(question);
        }
    }
    questions
}

fn read_question(item: &Value, path: &str, p: &mut Problems) -> Option<QuestionSpec> {
    let before = p.count();
    let map = object_of(item, QUESTION_KEYS, path, p)?;
    let id = required_text(map, "id", path, MAX_QUESTION_ID_CHARS, p);
    if let Some(id) = &id {
        let ok = id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            p.add(
                &format!("{path}.id"),
                "expected lower-case letters, digits and '_'",
            );
        }
    }
    let label = required_text(map, "label", path, MAX_LABEL_CHARS, p);
    let kind = match map.get("kind") {
        None | Some(Value::Null) => {
            p.add(&format!("{path}.kind"), "is required");
            None
        }
        Some(v) => {
            let kind = v.as_str().and_then(QuestionKindSpec::from_name);
            if kind.is_none() {
                p.add(
                    &format!("{path}.kind"),
                    format!("expected one of {}", QuestionKindSpec::NAMES.join(", ")),
                );
            }
            kind
        }
    };
    let required = match map.get("required") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            p.add(&format!("{path}.required"), "expected true or false");
            false
        }
    };
    let max_length = match map.get("max_length") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_ANSWER_CHARS).contains(&n) => Some(n as u32),
            _ => {
                p.add(
                    &format!("{path}.max_length"),
                    format!("expected a whole number from 1 to {MAX_ANSWER_CHARS}"),
                );
                None
            }
        },
    };
    let options = read_options(map, kind, path, p);
    if p.count() > before {
        return None;
    }
    let kind = kind?;
    Some(QuestionSpec {
        id: id?,
        label: label?,
        kind,
        required,
        max_length: max_length.unwrap_or_else(|| kind.default_max_length()),
        options,
    })
}

fn read_options(
    map: &Map<String, Value>,
    kind: Option<QuestionKindSpec>,
    path: &str,
    p: &mut Problems,
) -> Vec<String> {
    let field = format!("{path}.options");
    let is_choice = kind == Some(QuestionKindSpec::Choice);
    match map.get("options") {
        None | Some(Value::Null) => {
            if is_choice {
                p.add(&field, "a choice needs its options");
            }
            Vec::new()
        }
        Some(_) if !is_choice => {
            p.add(&field, "only a choice has options");
            Vec::new()
        }
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_OPTIONS => {
            let mut options: Vec<String> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let path = format!("{field}[{i}]");
                if let Some(option) = text_value(item, &path, MAX_OPTION_CHARS, false, p) {
                    if options.contains(&option) {
                        p.add(&path, format!("'{option}' is listed twice"));
                    }
                    options.push(option);
                }
            }
            options
        }
        Some(_) => {
            p.add(
                &field,
                format!("expected from 1 to {MAX_OPTIONS} options (strings)"),
            );
            Vec::new()
        }
    }
}
