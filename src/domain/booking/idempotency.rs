//! Turning retries and double submits into one booking.
//!
//! A client's `Idempotency-Key` (the header, or the body's `idempotency_key` field) names one
//! booking attempt for 24 hours and more. A submission without a key gets a key derived from
//! every field it sends (its fingerprint), remembered for 10 minutes, so a double-clicked form
//! still makes one meeting, while a request that differs in anything (another name for the same
//! email and time) is a new submission. What a replay shows is `booking::replay`. The
//! coordinator stores the attempts; the rules for what a repeated key means live here.

use crate::domain::api_error::ApiError;
use crate::domain::booking::saga::Intent;
use crate::domain::booking::{BookingId, ValidBooking};
use crate::domain::event_types::IMPLICIT_SLUG;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

pub const MAX_KEY_CHARS: usize = 255;
/// How long a client key's answer is replayed (the promise is at least 24 h).
pub const CLIENT_KEY_RETENTION_MS: i64 = 48 * 3600 * 1000;
/// How long an identical keyless submission returns the booking it already made.
pub const DUPLICATE_WINDOW_MS: i64 = 10 * 60 * 1000;
/// How long an unjournaled change (a reschedule) counts as in flight if its worker never reports
/// back (it crashed or was evicted). Longer than any change takes.
pub const IN_FLIGHT_LEASE_MS: i64 = 5 * 60 * 1000;

/// A client's `Idempotency-Key`: 1 to 255 characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<IdempotencyKey, ApiError> {
        let key = raw.trim();
        if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
            return Err(ApiError::InvalidIdempotencyKey {
                max_chars: MAX_KEY_CHARS,
            });
        }
        Ok(IdempotencyKey(key.to_owned()))
    }

    /// The header, checked: `None` when absent.
    pub fn from_header(header: Option<&str>) -> Result<Option<IdempotencyKey>, ApiError> {
        header.map(IdempotencyKey::parse).transpose()
    }

    /// The key the coordinator stores the attempt under: a namespace apart from the derived
    /// keys of keyless submissions (`auto:…`), so no client key can collide with one.
    pub fn stored(&self) -> String {
        format!("client:{}", self.0)
    }
}

/// Whether a stored key is a client's `Idempotency-Key` (not a keyless submission's derived
/// key): only a client can come back for an answer under it.
pub fn is_client_key(stored: &str) -> bool {
    stored.starts_with("client:")
}

/// How long a stored key's answer is replayed.
pub fn retention_ms(stored: &str) -> i64 {
    if is_client_key(stored) {
        CLIENT_KEY_RETENTION_MS
    } else {
        DUPLICATE_WINDOW_MS
    }
}

fn digest(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        // Length-prefixed, so ("ab","c") and ("a","bc") differ.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    URL_SAFE_NO_PAD.encode(hash.finalize())
}

/// What the booking asks for, independent of JSON key order, form encoding or whitespace: two
/// bodies with the same fingerprint are the same request. The type and the answers count; a
/// booking of the implicit type without answers has the digest it had before event types, so an
/// attempt journaled then still matches its retry. The generated passcode is not part of the
/// request (a retry draws another one and must still match).
pub fn fingerprint(booking: &ValidBooking) -> String {
    let start = booking.start.timestamp().to_string();
    let duration = booking.duration_minutes.to_string();
    let email = booking.email.normalized();
    let mut parts: Vec<&str> = vec![
        &booking.name,
        &email,
        &start,
        booking.timezone.name(),
        &duration,
        &booking.topic,
        booking.agenda.as_deref().unwrap_or(""),
    ];
    if booking.event_type != IMPLICIT_SLUG || !booking.answers.is_empty() {
        parts.push(&booking.event_type);
        for answer in &booking.answers {
            parts.push(&answer.id);
            parts.push(&answer.value);
        }
    }
    digest(&parts)
}

/// The prefix of every keyless submission's derived key.
pub const KEYLESS_PREFIX: &str = "auto:";

/// The key a keyless submission is remembered under: every field it sends, so only the same
/// submission (a double click, a resent form) meets it again. Its fingerprint is the same
/// digest, so a keyless key is never "reused" for another request.
pub fn duplicate_key(booking: &ValidBooking) -> String {
    format!("{KEYLESS_PREFIX}{}", fingerprint(booking))
}

/// One attempt as the coordinator remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub fingerprint: String,
    pub booking_id: BookingId,
    /// The answer, once the attempt succeeded.
    pub answer: Option<StoredAnswer>,
    /// Without an answer: until when the attempt is its handler's; for an attempt whose outcome
    /// is unknown, when the coordinator next checks Zoom.
    pub lease_until_ms: i64,
    pub expires_at_ms: i64,
    /// What the coordinator needs to finish the attempt itself (see `booking::saga`). Attempts
    /// stored before the journal existed have none: their key is free once the lease lapses.
    #[serde(default)]
    pub intent: Option<Intent>,
    /// Since when the create's outcome is unknown (reported, or the lease lapsed).
    #[serde(default)]
    pub unknown_since_ms: Option<i64>,
    /// Checks of Zoom that could not settle the outcome yet.
    #[serde(default)]
    pub checks: u32,
}

impl Attempt {
    /// An attempt just reserved, journaled with its `intent`: its handler's until the lease
    /// lapses, then the coordinator's to resolve. It is never forgotten before it is resolved
    /// (each check renews its expiry).
    pub fn in_flight(
        fingerprint: String,
        booking_id: BookingId,
        now_ms: i64,
        lease_ms: i64,
        intent: Intent,
    ) -> Attempt {
        let lease_until_ms = now_ms + lease_ms;
        Attempt {
            fingerprint,
            booking_id,
            answer: None,
            lease_until_ms,
            expires_at_ms: lease_until_ms + CLIENT_KEY_RETENTION_MS,
            intent: Some(intent),
            unknown_since_ms: None,
            checks: 0,
        }
    }

    /// An attempt that made its booking: `answer` is replayed for `retention_ms`.
    pub fn answered(
        fingerprint: String,
        booking_id: BookingId,
        answer: StoredAnswer,
        now_ms: i64,
        retention_ms: i64,
    ) -> Attempt {
        Attempt {
            fingerprint,
            booking_id,
            answer: Some(answer),
            lease_until_ms: now_ms,
            expires_at_ms: now_ms + retention_ms,
            intent: None,
            unknown_since_ms: None,
            checks: 0,
        }
    }
}

/// The answer a key replays. Its body holds the booking's `manage_token` (a bearer credential),
/// which its `Debug` never prints.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: serde_json::Value,
}

impl fmt::Debug for StoredAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut body = self.body.clone();
        if let Some(token) = body.get_mut("manage_token") {
            *token = "[redacted]".into();
        }
        f.debug_struct("StoredAnswer")
            .field("status", &self.status)
            .field("body", &body)
            .finish()
    }
}

/// What a new request under an existing key gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat {
    /// No live attempt under the key: go ahead.
    Proceed,
    /// The key already made a booking: answer what it answered then.
    Replay(StoredAnswer),
    /// The key was used for a different request (`idempotency_key_reused`).
    KeyReused,
    /// The first request under the key is still being processed, or its outcome is being
    /// confirmed (`request_in_progress`): ask again in `retry_after` seconds.
    InProgress { retry_after: u32 },
}

/// Seconds to wait for an attempt being confirmed, when the coordinator's check is overdue (it
/// is under way).
const CHECK_UNDER_WAY_RETRY_AFTER: u32 = 5;

/// The rule for a key seen before. A key whose record expired is free again; so is one whose
/// attempt failed (it leaves no record) or was resolved as "no meeting". An attempt without an
/// answer keeps its key while its handler works and, journaled, until it is resolved.
pub fn on_repeat(existing: Option<&Attempt>, fingerprint: &str, now_ms: i64) -> Repeat {
    let Some(attempt) = existing.filter(|a| a.expires_at_ms > now_ms) else {
        return Repeat::Proceed;
    };
    if attempt.fingerprint != fingerprint {
        return Repeat::KeyReused;
    }
    if let Some(answer) = &attempt.answer {
        return Repeat::Replay(answer.clone());
    }
    let wait_ms = attempt.lease_until_ms - now_ms;
    match (attempt.unknown_since_ms, attempt.intent.is_some()) {
        // Its handler is at work: a create takes a second or two.
        (None, _) if wait_ms > 0 => Repeat::InProgress { retry_after: 1 },
        // Being confirmed: until the coordinator's next check.
        (Some(_), _) if wait_ms > 0 => Repeat::InProgress {
            retry_after: (wait_ms.div_euclid(1000) + 1) as u32,
        },
        // Journaled, or known to be unresolved (even if its journal cannot be read): the
        // coordinator's check is due.
        (Some(_), _) | (None, true) => Repeat::InProgress {
            retry_after: CHECK_UNDER_WAY_RETRY_AFTER,
        },
        // From before the journal: its handler is presumed dead.
        (None, false) => Repeat::Proceed,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::time_zone::Zone;
    use crate::domain::zoom::HostUser;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    /// A valid booking, for tests elsewhere too.
    pub(crate) fn booking() -> ValidBooking {
        ValidBooking {
            name: "Ada".into(),
            email: "Ada@Example.com".into(),
            start: Utc.with_ymd_and_hms(2030, 1, 2, 9, 0, 0).unwrap(),
            timezone: Zone::known("Europe/Berlin"),
            duration_minutes: 30,
            topic: "Intro".into(),
            agenda: None,
            event_type: "meeting".into(),
            answers: Vec::new(),
            settings: Default::default(),
            passcode: None,
        }
    }

    fn attempt(answer: Option<StoredAnswer>) -> Attempt {
        Attempt {
            fingerprint: fingerprint(&booking()),
            booking_id: "bk_1".into(),
            answer,
            lease_until_ms: 1_000,
            expires_at_ms: 10_000,
            intent: None,
            unknown_since_ms: None,
            checks: 0,
        }
    }

    #[test]
    fn keys_must_be_present_and_short() {
        let client_key = IdempotencyKey::from_header;
        assert_eq!(client_key(None), Ok(None));
        assert_eq!(
            client_key(Some(" k1 ")).unwrap().unwrap().stored(),
            "client:k1"
        );
        assert_eq!(
            client_key(Some(&"x".repeat(255)))
                .unwrap()
                .unwrap()
                .stored(),
            format!("client:{}", "x".repeat(255))
        );
        for bad in ["", "   ", &"x".repeat(256)] {
            let err = client_key(Some(bad)).unwrap_err();
            assert_eq!((err.status(), err.code()), (400, "invalid_idempotency_key"));
        }
    }

    #[test]
    fn fingerprints_see_every_field_but_not_email_case() {
        let base = fingerprint(&booking());
        let mut same = booking();
        same.email = "ada@example.com".into();
        assert_eq!(fingerprint(&same), base);
        let changes: [fn(&mut ValidBooking); 6] = [
            |b| b.name.push('!'),
            |b| b.start += chrono::Duration::minutes(1),
            |b| b.timezone = Zone::utc(),
            |b| b.duration_minutes = 45,
            |b| b.topic.push('!'),
            |b| b.agenda = Some("Notes".into()),
        ];
        for change in changes {
            let mut other = booking();
            change(&mut other);
            assert_ne!(fingerprint(&other), base, "{other:?}");
        }
    }

    fn answer(id: &str, value: &str) -> crate::domain::booking::Answer {
        crate::domain::booking::Answer {
            id: id.into(),
            label: "Label".into(),
            value: value.into(),
        }
    }

    #[test]
    fn the_type_and_the_answers_are_part_of_the_request_but_the_passcode_is_not() {
        let base = booking();
        let mut other_type = booking();
        other_type.event_type = "intro".into();
        let mut answered = booking();
        answered.answers = vec![answer("company", "Acme")];
        let mut answered_otherwise = booking();
        answered_otherwise.answers = vec![answer("company", "Acme Ltd")];
        let mut other_question = booking();
        other_question.answers = vec![answer("team", "Acme")];
        let all = [
            &base,
            &other_type,
            &answered,
            &answered_otherwise,
            &other_question,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(fingerprint(a), fingerprint(b), "{a:?} / {b:?}");
                assert_ne!(duplicate_key(a), duplicate_key(b), "{a:?} / {b:?}");
            }
        }
        let mut with_passcode = booking();
        with_passcode.passcode = Some("123456".into());
        with_passcode.settings = crate::domain::event_types::EventTypes::implicit()
            .default_type()
            .zoom_settings();
        assert_eq!(fingerprint(&with_passcode), fingerprint(&base));
        assert_eq!(duplicate_key(&with_passcode), duplicate_key(&base));
    }

    #[test]
    fn an_implicit_booking_keeps_the_fingerprint_it_had_before_event_types() {
        // The digest of the seven fields alone, as journaled attempts hold it.
        let b = booking();
        let before = digest(&[
            &b.name,
            &b.email.normalized(),
            &b.start.timestamp().to_string(),
            b.timezone.name(),
            &b.duration_minutes.to_string(),
            &b.topic,
            "",
        ]);
        assert_eq!(fingerprint(&b), before);
    }

    #[test]
    fn a_keyless_submission_meets_only_an_identical_one() {
        let mut same = booking();
        same.email = "ADA@example.COM".into();
        assert_eq!(duplicate_key(&same), duplicate_key(&booking()));
        // The same email and time with another name is someone else's submission.
        let changes: [fn(&mut ValidBooking); 7] = [
            |b| b.name = "Mallory".into(),
            |b| b.email = "eve@example.com".into(),
            |b| b.start += chrono::Duration::minutes(30),
            |b| b.timezone = Zone::utc(),
            |b| b.duration_minutes = 60,
            |b| b.topic = "Something else".into(),
            |b| b.agenda = Some("Notes".into()),
        ];
        for change in changes {
            let mut other = booking();
            change(&mut other);
            assert_ne!(
                duplicate_key(&other),
                duplicate_key(&booking()),
                "{other:?}"
            );
        }
        assert!(duplicate_key(&booking()).starts_with(KEYLESS_PREFIX));
        let lookalike = IdempotencyKey::parse("auto:x").unwrap();
        assert_ne!(lookalike.stored(), "auto:x");
    }

    #[test]
    fn a_journaled_attempt_keeps_its_key_until_it_is_resolved() {
        let fp = fingerprint(&booking());
        let intent = Intent {
            host: HostUser::parse("host@example.com").unwrap(),
            booking: booking(),
        };
        let reserved = Attempt::in_flight(fp.clone(), "bk_1".into(), 0, 30_000, intent);
        assert_eq!(
            on_repeat(Some(&reserved), &fp, 29_000),
            Repeat::InProgress { retry_after: 1 }
        );
        // The handler is gone: the coordinator's check is due, the key stays bound.
        assert_eq!(
            on_repeat(Some(&reserved), &fp, 31_000),
            Repeat::InProgress { retry_after: 5 }
        );
        let mut unknown = reserved.clone();
        unknown.unknown_since_ms = Some(2_000);
        unknown.lease_until_ms = 12_000;
        assert_eq!(
            on_repeat(Some(&unknown), &fp, 4_500),
            Repeat::InProgress { retry_after: 8 }
        );
        assert_eq!(
            on_repeat(Some(&unknown), &fp, 600_000),
            Repeat::InProgress { retry_after: 5 }
        );
        assert_eq!(on_repeat(Some(&unknown), "other", 4_500), Repeat::KeyReused);
        assert!(reserved.expires_at_ms >= CLIENT_KEY_RETENTION_MS);
    }

    #[test]
    fn only_client_keys_are_kept_a_day_and_more() {
        let key = IdempotencyKey::parse("k").unwrap().stored();
        assert!(is_client_key(&key));
        assert_eq!(retention_ms(&key), CLIENT_KEY_RETENTION_MS);
        let derived = duplicate_key(&booking());
        assert!(!is_client_key(&derived));
        assert_eq!(retention_ms(&derived), DUPLICATE_WINDOW_MS);
    }

    #[test]
    fn repeats_replay_refuse_or_proceed() {
        let fp = fingerprint(&booking());
        let done = StoredAnswer {
            status: 201,
            body: json!({"booking_id": "bk_1"}),
        };
        assert_eq!(on_repeat(None, &fp, 0), Repeat::Proceed);
        assert_eq!(
            on_repeat(Some(&attempt(Some(done.clone()))), &fp, 5_000),
            Repeat::Replay(done.clone())
        );
        assert_eq!(
            on_repeat(Some(&attempt(Some(done.clone()))), "other", 5_000),
            Repeat::KeyReused
        );
        assert_eq!(
            on_repeat(Some(&attempt(None)), &fp, 500),
            Repeat::InProgress { retry_after: 1 }
        );
        // An attempt from before the journal is presumed dead after its lease.
        assert_eq!(on_repeat(Some(&attempt(None)), &fp, 1_500), Repeat::Proceed);
        // An expired record is forgotten, whatever it held.
        assert_eq!(
            on_repeat(Some(&attempt(Some(done))), "other", 10_000),
            Repeat::Proceed
        );
    }
}
