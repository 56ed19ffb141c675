//! Turning retries and double submits into one booking.
//!
//! A client's `Idempotency-Key` names one booking attempt for 24 hours and more. A submission
//! without a key gets a derived key (email, start, duration), remembered for 10 minutes, so a
//! double-clicked form still makes one meeting. The coordinator stores the attempts; the rules
//! for what a repeated key means live here.

use crate::domain::api_error::ApiError;
use crate::domain::booking::{BookingId, EmailAddress, ValidBooking};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

pub const MAX_KEY_CHARS: usize = 255;
/// How long a client key's answer is replayed (the promise is at least 24 h).
pub const CLIENT_KEY_RETENTION_MS: i64 = 48 * 3600 * 1000;
/// How long an identical keyless submission returns the booking it already made.
pub const DUPLICATE_WINDOW_MS: i64 = 10 * 60 * 1000;
/// How long an attempt counts as in flight if its worker never reports back (it crashed or was
/// evicted); after that the key may be used again. Longer than any booking takes.
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
/// bodies with the same fingerprint are the same request.
pub fn fingerprint(booking: &ValidBooking) -> String {
    digest(&[
        &booking.name,
        &booking.email.normalized(),
        &booking.start.timestamp().to_string(),
        booking.timezone.name(),
        &booking.duration_minutes.to_string(),
        &booking.topic,
        booking.agenda.as_deref().unwrap_or(""),
    ])
}

/// The key a keyless submission is remembered under: the same person, slot and length.
pub fn duplicate_key(booking: &ValidBooking) -> String {
    duplicate_key_of(&booking.email, booking.start, booking.duration_minutes)
}

/// `duplicate_key` from a booking's parts (to forget it when the booking moves or is cancelled,
/// so submitting that slot again books anew instead of replaying a booking that changed).
pub fn duplicate_key_of(
    email: &EmailAddress,
    start: DateTime<Utc>,
    duration_minutes: u32,
) -> String {
    let hash = digest(&[
        &email.normalized(),
        &start.timestamp().to_string(),
        &duration_minutes.to_string(),
    ]);
    format!("auto:{hash}")
}

/// One attempt as the coordinator remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub fingerprint: String,
    pub booking_id: BookingId,
    /// The answer, once the attempt succeeded.
    pub answer: Option<StoredAnswer>,
    /// While in flight: when the attempt is presumed dead.
    pub lease_until_ms: i64,
    pub expires_at_ms: i64,
}

impl Attempt {
    /// An attempt just reserved: in flight until its lease lapses (its worker presumed dead).
    pub fn in_flight(fingerprint: String, booking_id: BookingId, now_ms: i64) -> Attempt {
        let lease_until_ms = now_ms + IN_FLIGHT_LEASE_MS;
        Attempt {
            fingerprint,
            booking_id,
            answer: None,
            lease_until_ms,
            expires_at_ms: lease_until_ms,
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
    /// The first request under the key is still being processed (`request_in_progress`).
    InProgress,
}

/// The rule for a key seen before. A key whose record expired, or whose attempt died without an
/// answer, is free again; a failed attempt leaves no record at all.
pub fn on_repeat(existing: Option<&Attempt>, fingerprint: &str, now_ms: i64) -> Repeat {
    let Some(attempt) = existing.filter(|a| a.expires_at_ms > now_ms) else {
        return Repeat::Proceed;
    };
    if attempt.fingerprint != fingerprint {
        return Repeat::KeyReused;
    }
    match &attempt.answer {
        Some(answer) => Repeat::Replay(answer.clone()),
        None if attempt.lease_until_ms > now_ms => Repeat::InProgress,
        None => Repeat::Proceed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time_zone::Zone;
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    fn booking() -> ValidBooking {
        ValidBooking {
            name: "Ada".into(),
            email: "Ada@Example.com".into(),
            start: Utc.with_ymd_and_hms(2030, 1, 2, 9, 0, 0).unwrap(),
            timezone: Zone::known("Europe/Berlin"),
            duration_minutes: 30,
            topic: "Intro".into(),
            agenda: None,
        }
    }

    fn attempt(answer: Option<StoredAnswer>) -> Attempt {
        Attempt {
            fingerprint: fingerprint(&booking()),
            booking_id: "bk_1".into(),
            answer,
            lease_until_ms: 1_000,
            expires_at_ms: 10_000,
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

    #[test]
    fn duplicate_keys_ignore_name_and_topic() {
        let mut other = booking();
        other.name = "Ada L.".into();
        other.topic = "Something else".into();
        assert_eq!(duplicate_key(&other), duplicate_key(&booking()));
        other.duration_minutes = 60;
        assert_ne!(duplicate_key(&other), duplicate_key(&booking()));
        assert!(duplicate_key(&other).starts_with("auto:"));
        let b = booking();
        assert_eq!(
            duplicate_key_of(&"ada@example.com".into(), b.start, 30),
            duplicate_key(&b)
        );
        let lookalike = IdempotencyKey::parse("auto:x").unwrap();
        assert_ne!(lookalike.stored(), "auto:x");
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
            Repeat::InProgress
        );
        // The in-flight attempt's worker is presumed dead after its lease.
        assert_eq!(on_repeat(Some(&attempt(None)), &fp, 1_500), Repeat::Proceed);
        // An expired record is forgotten, whatever it held.
        assert_eq!(
            on_repeat(Some(&attempt(Some(done))), "other", 10_000),
            Repeat::Proceed
        );
    }
}
