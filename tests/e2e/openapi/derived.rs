//! `openapi.json` as strict as the worker, checked from both sides: for every constraint the
//! document puts on a request value, a just-valid value must be accepted and a just-invalid one
//! refused, as the document says it will be.
//!
//! The cases are derived from the served document mechanically; nothing below names a field.
//! Each operation with constrained values starts from a base request that succeeds (`Bases`,
//! the only hand-written part) and each case changes one value of it:
//! - `required`: the value left out; an `anyOf` of `required`: all of those left out.
//! - `minLength` / `maxLength`: a seed (the base's value, else the schema's first example) cut
//!   or grown to exactly the bound (valid) and to one beyond it (invalid). Growth inserts filler
//!   where it keeps the schema's `pattern` matching, so only the length is out of bounds.
//! - `minimum` / `maximum`: the bound, and one beyond it.
//! - `enum`: the first member, and a text that is no member.
//! - `pattern`: every seed (the base's value and the schema's `examples`) is valid; the invalid
//!   values are single-character edits of each seed that the pattern refuses (asked of node's
//!   ECMA-262 engine, see `patterns`): for each probe character the first replacement or
//!   insertion, scanning from the end, and the first deletion. Edits that add surrounding
//!   whitespace are left out, since text is trimmed before it is checked (as the document
//!   says), and so are control characters in headers, which HTTP cannot carry.
//!
//! Every derived value is first judged by the schema itself (node deciding patterns): a seed the
//! schema refuses is a failure too, since the worker accepts the base request that sent it.
//! A valid value must get the same status as the unchanged base request (its documented 2xx);
//! an invalid one the refusal the document promises: 422 with `error.field` naming a body field,
//! or what a parameter's `x-refused-with` says. Body cases run in every documented media type.
//! Path-parameter cases are sent without credentials: the id's shape is checked before any
//! token, so 401 (the route asks for a token) and 404 (no such route) tell the verdicts apart.

use super::document::{operations, Operation, Place, Refusal, Target};
use super::patterns::Patterns;
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use testbed::{future_utc, send_with, unique_email, Answer, Stack, WEBHOOK_SECRET};

/// A token the stack's Turnstile test secret passes.
const TURNSTILE_TOKEN: &str = "XXXX.DUMMY.TOKEN.XXXX";
const SIGNATURE: &str = "x-zm-signature";
const TIMESTAMP: &str = "x-zm-request-timestamp";
/// Inserted to grow a value to a length bound, first one that keeps the pattern matching.
const FILLERS: [char; 4] = ['a', '0', '.', '-'];
/// Characters a just-invalid edit tries, each where it first breaks the pattern.
const PROBES: [char; 6] = ['\u{7}', ' ', '!', '.', '@', '7'];

/// One request of an operation, before it is sent.
#[derive(Clone, Default)]
pub struct Call {
    pub path: BTreeMap<String, String>,
    /// The query string's parameters (sent percent-encoded).
    pub query: BTreeMap<String, String>,
    /// By lower-case name.
    pub headers: BTreeMap<String, String>,
    pub body: Map<String, Value>,
    pub bearer: Option<String>,
    /// Signed as Zoom signs a webhook delivery, after any change but one to the signature.
    pub signed: bool,
}

impl Call {
    fn get(&self, place: Place, name: &str) -> Option<Value> {
        match place {
            Place::Path => self.path.get(name).map(|v| json!(v)),
            Place::Header => self.headers.get(&name.to_lowercase()).map(|v| json!(v)),
            Place::Query => self.query.get(name).map(|v| json!(v)),
            Place::Body => self.body.get(name).cloned(),
        }
    }

    fn set(&mut self, place: Place, name: &str, value: Option<&Value>) {
        let text = |v: &Value| v.as_str().expect("parameters are text").to_owned();
        match (place, value) {
            (Place::Path, Some(v)) => {
                self.path.insert(name.to_owned(), text(v));
            }
            (Place::Path, None) => panic!("a path parameter cannot be left out"),
            (Place::Header, Some(v)) => {
                self.headers.insert(name.to_lowercase(), text(v));
            }
            (Place::Header, None) => {
                self.headers.remove(&name.to_lowercase());
            }
            (Place::Query, Some(v)) => {
                self.query.insert(name.to_owned(), text(v));
            }
            (Place::Query, None) => {
                self.query.remove(name);
            }
            (Place::Body, Some(v)) => {
                self.body.insert(name.to_owned(), v.clone());
            }
            (Place::Body, None) => {
                self.body.remove(name);
            }
        }
        if place == Place::Header && name.eq_ignore_ascii_case(SIGNATURE) {
            self.signed = false;
        }
    }
}

/// Sends `call` to `op` with its body in `media` (none for an operation without a body).
pub fn send(stack: &Stack, op: &Operation, call: &Call, media: Option<&str>) -> Answer {
    let mut path = op.path.clone();
    for (name, value) in &call.path {
        path = path.replace(&format!("{{{name}}}"), &percent_encoded(value));
    }
    let query: Vec<String> = call
        .query
        .iter()
        .map(|(name, value)| format!("{name}={}", percent_encoded(value)))
        .collect();
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let body = match media {
        None => Vec::new(),
        Some("application/x-www-form-urlencoded") => form(&call.body).into_bytes(),
        Some(_) => Value::Object(call.body.clone()).to_string().into_bytes(),
    };
    let mut headers = call.headers.clone();
    if call.signed {
        let timestamp = headers.get(TIMESTAMP).cloned().unwrap_or_default();
        let signature = zoom_emulator::webhooks::sign(WEBHOOK_SECRET, &timestamp, &body);
        headers.insert(SIGNATURE.to_owned(), signature);
    }
    if let Some(media) = media {
        headers.insert("content-type".to_owned(), media.to_owned());
    }
    if let Some(token) = &call.bearer {
        headers.insert("authorization".to_owned(), format!("Bearer {token}"));
    }
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let url = format!("{}{path}", stack.worker);
    send_with(&stack.agent, &op.method, &url, &headers, &body)
}

/// RFC 3986: everything but the unreserved characters, percent-encoded.
fn percent_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The body as an HTML form sends it: every value as text; null is no field.
fn form(body: &Map<String, Value>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in body {
        match value {
            Value::Null => {}
            Value::String(text) => {
                form.append_pair(name, text);
            }
            other => {
                form.append_pair(name, &other.to_string());
            }
        }
    }
    form.finish()
}

/// The base requests: each succeeds as it is. Bookings are fresh per request (an address and a
/// start of their own), so no case is answered as a replay of another.
pub struct Bases {
    booking_id: String,
    manage_token: String,
    slots: Cell<i64>,
    /// Fixed for the run, so a signature taken as a seed stays the signature of the base.
    webhook_timestamp: String,
}

impl Bases {
    /// Makes the booking the owner's operations start from.
    pub fn new(stack: &Stack) -> Bases {
        let mut bases = Bases {
            booking_id: String::new(),
            manage_token: String::new(),
            slots: Cell::new(0),
            webhook_timestamp: Utc::now().timestamp().to_string(),
        };
        let booking = bases.booking();
        let created = stack.book_json(&Value::Object(booking.body));
        assert_eq!(created.status, 201, "{}", created.body);
        let created = created.json();
        bases.booking_id = created["booking_id"].as_str().unwrap().to_owned();
        bases.manage_token = created["manage_token"].as_str().unwrap().to_owned();
        bases
    }

    fn booking(&self) -> Call {
        let n = self.slots.replace(self.slots.get() + 1);
        let start = future_utc(2) + Duration::minutes(30 * n);
        let body = json!({
            "name": "Ada Lovelace", "email": unique_email("derived"),
            "start_time": start.to_rfc3339_opts(SecondsFormat::Secs, true),
            "timezone": "Europe/Berlin", "duration": 30, "topic": "Intro call",
            "agenda": "Line one\nLine two", "cf-turnstile-response": TURNSTILE_TOKEN,
        });
        Call {
            body: body.as_object().unwrap().clone(),
            ..Call::default()
        }
    }

    /// The base request of `operation_id`, if it is one this test knows.
    pub fn of(&self, operation_id: &str) -> Option<Call> {
        let owned = || Call {
            path: BTreeMap::from([("booking_id".to_owned(), self.booking_id.clone())]),
            bearer: Some(self.manage_token.clone()),
            ..Call::default()
        };
        Some(match operation_id {
            "createBooking" => self.booking(),
            "getBooking" | "cancelBooking" | "getBookingInvitation" => owned(),
            // The implicit type's page; the slug's schema constrains nothing to derive.
            "getTypeBookingPage" => Call {
                path: BTreeMap::from([("slug".to_owned(), "meeting".to_owned())]),
                ..Call::default()
            },
            // A day of the implicit type (no hours: every free 30 minutes) three days ahead.
            "getAvailability" => {
                let day = (Utc::now() + Duration::days(3)).date_naive().to_string();
                Call {
                    query: BTreeMap::from([
                        ("from".to_owned(), day.clone()),
                        ("to".to_owned(), day),
                        ("timezone".to_owned(), "Europe/Berlin".to_owned()),
                        ("duration".to_owned(), "30".to_owned()),
                    ]),
                    ..Call::default()
                }
            }
            "rescheduleBooking" => {
                // A local time, so the pattern's second form is exercised too.
                let day = (Utc::now() + Duration::days(3)).date_naive();
                let body =
                    json!({"start_time": format!("{day}T10:00"), "timezone": "Europe/Berlin"});
                Call {
                    body: body.as_object().unwrap().clone(),
                    ..owned()
                }
            }
            "receiveZoomWebhook" => {
                let body = json!({"event": "meeting.started",
                    "payload": {"object": {"id": 1, "uuid": "derived-case"}}});
                let body = body.as_object().unwrap().clone();
                let timestamp = self.webhook_timestamp.clone();
                let bytes = Value::Object(body.clone()).to_string();
                let signature =
                    zoom_emulator::webhooks::sign(WEBHOOK_SECRET, &timestamp, bytes.as_bytes());
                Call {
                    headers: BTreeMap::from([
                        (TIMESTAMP.to_owned(), timestamp),
                        (SIGNATURE.to_owned(), signature),
                    ]),
                    body,
                    signed: true,
                    ..Call::default()
                }
            }
            _ => return None,
        })
    }
}

/// One request that differs from its base by `edits`.
struct Case {
    what: String,
    edits: Vec<(Place, String, Option<Value>)>,
    valid: bool,
    refusal: Refusal,
    /// Without credentials (path parameters).
    anonymous: bool,
    /// Run in every media type of the operation.
    in_every_media_type: bool,
}

fn shown(value: &Option<Value>) -> String {
    match value {
        None => "(left out)".to_owned(),
        Some(Value::String(text)) if text.chars().count() > 40 => {
            let head: String = text.chars().take(24).collect();
            format!("{head:?}… ({} characters)", text.chars().count())
        }
        Some(other) => other.to_string(),
    }
}

fn chars_count(text: &str) -> u64 {
    text.chars().count() as u64
}

/// Whether `value` meets every constraint of `schema` this test derives cases for.
fn conforms(schema: &Value, value: &Value, patterns: &Patterns) -> bool {
    if let Some(members) = schema["enum"].as_array() {
        if !members.contains(value) {
            return false;
        }
    }
    match value {
        Value::String(text) => {
            let n = chars_count(text);
            schema["minLength"].as_u64().is_none_or(|min| n >= min)
                && schema["maxLength"].as_u64().is_none_or(|max| n <= max)
                && schema["pattern"]
                    .as_str()
                    .is_none_or(|p| patterns.matches(p, text))
        }
        Value::Number(number) => {
            let x = number.as_f64().expect("a finite number");
            schema["minimum"].as_f64().is_none_or(|min| x >= min)
                && schema["maximum"].as_f64().is_none_or(|max| x <= max)
        }
        _ => true,
    }
}

fn insert_at(text: &str, at: usize, c: char) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars.insert(at, c);
    chars.into_iter().collect()
}

fn replace_at(text: &str, at: usize, c: char) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars[at] = c;
    chars.into_iter().collect()
}

fn remove_at(text: &str, at: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars.remove(at);
    chars.into_iter().collect()
}

/// `seed` cut or grown to `len` characters, matching `pattern` wherever a value of that length
/// can (a value one short of a minimum may not).
fn fit(seed: &str, len: u64, pattern: Option<&str>, patterns: &Patterns) -> String {
    let keeps = |candidates: &[String]| match pattern {
        None => Some(0),
        Some(p) => patterns.first(p, candidates, true),
    };
    let mut value = seed.to_owned();
    loop {
        let count = chars_count(&value);
        if count == len {
            return value;
        }
        if count > len {
            let cut: String = value.chars().take(len as usize).collect();
            if keeps(std::slice::from_ref(&cut)).is_some() {
                value = cut;
                continue;
            }
            let deletions: Vec<String> = (0..count as usize)
                .rev()
                .map(|at| remove_at(&value, at))
                .collect();
            value = match keeps(&deletions) {
                Some(i) => deletions[i].clone(),
                None => deletions[0].clone(),
            };
        } else {
            let grown = format!("{value}{}", "a".repeat((len - count) as usize));
            if keeps(std::slice::from_ref(&grown)).is_some() {
                value = grown;
                continue;
            }
            value = (0..=count as usize)
                .rev()
                .find_map(|at| {
                    let candidates: Vec<String> =
                        FILLERS.iter().map(|&c| insert_at(&value, at, c)).collect();
                    keeps(&candidates).map(|i| candidates[i].clone())
                })
                .unwrap_or_else(|| panic!("no insertion keeps {value:?} matching {pattern:?}"));
        }
    }
}

/// Single-character edits of `seed` that `pattern` refuses, and nothing else about them would.
fn breaking_edits(seed: &str, target: &Target, patterns: &Patterns) -> Vec<String> {
    let pattern = target.schema["pattern"].as_str().expect("a pattern");
    let n = seed.chars().count();
    let admissible = |edit: &String| {
        edit != seed
            && edit.trim() == edit
            && !(target.place == Place::Header && edit.chars().any(char::is_control))
            && conforms(
                &json!({"minLength": target.schema["minLength"], "maxLength": target.schema["maxLength"]}),
                &json!(edit),
                patterns,
            )
    };
    let mut found: Vec<String> = Vec::new();
    let mut take_first_refused = |candidates: Vec<String>| {
        let candidates: Vec<String> = candidates.into_iter().filter(admissible).collect();
        if let Some(i) = patterns.first(pattern, &candidates, false) {
            if !found.contains(&candidates[i]) {
                found.push(candidates[i].clone());
            }
        }
    };
    for probe in PROBES {
        let replacements = (0..n).rev().map(|at| replace_at(seed, at, probe));
        let insertions = (0..=n).rev().map(|at| insert_at(seed, at, probe));
        take_first_refused(replacements.chain(insertions).collect());
    }
    take_first_refused((0..n).rev().map(|at| remove_at(seed, at)).collect());
    found
}

/// The cases of one constrained value. A derived value the schema itself judges otherwise than
/// intended (a seed that breaks it: the schema refuses what the base request sends) goes to
/// `problems`.
fn cases_of(
    op: &Operation,
    target: &Target,
    base: &Call,
    patterns: &Patterns,
    problems: &mut Vec<String>,
) -> Vec<Case> {
    let schema = &target.schema;
    let pattern = schema["pattern"].as_str();
    let mut seeds: Vec<String> = Vec::new();
    let examples = schema["examples"].as_array().cloned().unwrap_or_default();
    for seed in base
        .get(target.place, &target.name)
        .into_iter()
        .chain(examples)
    {
        if let Value::String(text) = seed {
            if !seeds.contains(&text) {
                seeds.push(text);
            }
        }
    }
    let seed = || {
        seeds.first().unwrap_or_else(|| {
            panic!(
                "{} {}: no seed (a base value or an example)",
                op.id, target.name
            )
        })
    };
    let mut values: Vec<(String, Option<Value>, bool)> = Vec::new();
    if target.required && target.place != Place::Path {
        values.push(("required".into(), None, false));
    }
    if let Some(min) = schema["minLength"].as_u64() {
        let at = fit(seed(), min, pattern, patterns);
        values.push((format!("minLength {min}"), Some(json!(at)), true));
        if min > 0 {
            let under = fit(seed(), min - 1, pattern, patterns);
            values.push((format!("minLength {min}"), Some(json!(under)), false));
        }
    }
    if let Some(max) = schema["maxLength"].as_u64() {
        let at = fit(seed(), max, pattern, patterns);
        let over = fit(seed(), max + 1, pattern, patterns);
        values.push((format!("maxLength {max}"), Some(json!(at)), true));
        values.push((format!("maxLength {max}"), Some(json!(over)), false));
    }
    if let Some(min) = schema["minimum"].as_i64() {
        values.push((format!("minimum {min}"), Some(json!(min)), true));
        values.push((format!("minimum {min}"), Some(json!(min - 1)), false));
    }
    if let Some(max) = schema["maximum"].as_i64() {
        values.push((format!("maximum {max}"), Some(json!(max)), true));
        values.push((format!("maximum {max}"), Some(json!(max + 1)), false));
    }
    if let Some(members) = schema["enum"].as_array() {
        let mut outsider = format!("{}x", members[0].as_str().unwrap_or("member"));
        while members.contains(&json!(outsider)) {
            outsider.push('x');
        }
        values.push(("enum".into(), Some(members[0].clone()), true));
        values.push(("enum".into(), Some(json!(outsider)), false));
    }
    if pattern.is_some() {
        for seed in &seeds {
            values.push(("pattern".into(), Some(json!(seed)), true));
            for edit in breaking_edits(seed, target, patterns) {
                values.push(("pattern".into(), Some(json!(edit)), false));
            }
        }
    }
    values.retain(|(constraint, value, valid)| {
        let Some(value) = value else { return true };
        let judged_right = conforms(schema, value, patterns) == *valid;
        if !judged_right {
            problems.push(format!(
                "{} {} {constraint}: the schema {} {}",
                op.id,
                target.name,
                if *valid { "refuses" } else { "admits" },
                shown(&Some(value.clone()))
            ));
        }
        judged_right
    });
    values
        .into_iter()
        .map(|(constraint, value, valid)| Case {
            what: format!(
                "{} {:?} {} {constraint}: {}",
                op.id,
                target.place,
                target.name,
                shown(&value)
            ),
            edits: vec![(target.place, target.name.clone(), value)],
            valid,
            refusal: target.refusal.clone(),
            anonymous: target.place == Place::Path,
            in_every_media_type: target.place == Place::Body,
        })
        .collect()
}

/// Every case of `op`, its values' and its body's as a whole.
fn cases(
    op: &Operation,
    base: &Call,
    patterns: &Patterns,
    problems: &mut Vec<String>,
) -> Vec<Case> {
    let mut all: Vec<Case> = Vec::new();
    for target in &op.targets {
        all.extend(cases_of(op, target, base, patterns, problems));
    }
    if !op.one_of_these.is_empty() {
        all.push(Case {
            what: format!(
                "{} anyOf required {:?}: all left out",
                op.id, op.one_of_these
            ),
            edits: op
                .one_of_these
                .iter()
                .map(|name| (Place::Body, name.clone(), None))
                .collect(),
            valid: false,
            refusal: Refusal::Field(op.one_of_these.clone()),
            anonymous: false,
            in_every_media_type: true,
        });
    }
    all
}

fn refused_as(answer: &Answer, refusal: &Refusal) -> bool {
    let Ok(body) = serde_json::from_str::<Value>(&answer.body) else {
        return false;
    };
    let error = &body["error"];
    match refusal {
        Refusal::Field(fields) => {
            answer.status == 422 && fields.iter().any(|f| error["field"] == f.as_str())
        }
        Refusal::Status { status, codes } => {
            answer.status == *status && codes.iter().any(|c| error["code"] == c.as_str())
        }
    }
}

pub fn documented_constraints_accept_just_valid_and_refuse_just_invalid_values(stack: &Stack) {
    let doc = stack.request("GET", "/openapi.json", None, b"").json();
    let patterns = Patterns::start();
    let bases = Bases::new(stack);
    let mut base_statuses: HashMap<(String, bool, Option<String>), u16> = HashMap::new();
    let (mut valid, mut invalid, mut failures) = (0, 0, Vec::new());
    for op in operations(&doc) {
        if op.targets.is_empty() && op.one_of_these.is_empty() {
            continue;
        }
        let base = bases.of(&op.id).unwrap_or_else(|| {
            panic!(
                "{} constrains its request, but this test has no base request for it",
                op.id
            )
        });
        for case in cases(&op, &base, &patterns, &mut failures) {
            let media_types: Vec<Option<&str>> = match op.media_types.as_slice() {
                [] => vec![None],
                [first, ..] if !case.in_every_media_type => vec![Some(first.as_str())],
                all => all.iter().map(|m| Some(m.as_str())).collect(),
            };
            for media in media_types {
                let fresh = || {
                    let mut call = bases.of(&op.id).expect("a base");
                    if case.anonymous {
                        call.bearer = None;
                    }
                    call
                };
                let key = (op.id.clone(), case.anonymous, media.map(str::to_owned));
                let expected = *base_statuses.entry(key).or_insert_with(|| {
                    let answer = send(stack, &op, &fresh(), media);
                    assert!(
                        op.statuses.contains(&answer.status),
                        "{} base ({media:?}) answered an undocumented {}: {}",
                        op.id,
                        answer.status,
                        answer.body
                    );
                    if !case.anonymous {
                        assert_eq!(
                            answer.status,
                            op.success(),
                            "{} base: {}",
                            op.id,
                            answer.body
                        );
                    }
                    answer.status
                });
                let mut call = fresh();
                for (place, name, value) in &case.edits {
                    call.set(*place, name, value.as_ref());
                }
                let answer = send(stack, &op, &call, media);
                let held = if case.valid {
                    valid += 1;
                    answer.status == expected
                } else {
                    invalid += 1;
                    refused_as(&answer, &case.refusal)
                };
                if !held {
                    let wanted = if case.valid {
                        format!("{expected}, as the base request")
                    } else {
                        format!("{:?}", case.refusal)
                    };
                    failures.push(format!(
                        "{} [{}] ({}): wanted {wanted}, got {} {}",
                        case.what,
                        if case.valid { "valid" } else { "invalid" },
                        media.unwrap_or("no body"),
                        answer.status,
                        answer.body
                    ));
                }
            }
        }
    }
    println!("openapi: {valid} just-valid and {invalid} just-invalid requests derived");
    assert!(
        failures.is_empty(),
        "{} failures among {} derived requests:\n{}",
        failures.len(),
        valid + invalid,
        failures.join("\n")
    );
}
