//! Booking attempts by idempotency key (the `attempts` table), journaled with what finishes them
//! (`booking::saga`): what a repeated key gets and what an attempt's next step is are decided in
//! `domain`; this file only stores and reads.

use super::ZoomCoordinator;
use crate::domain::booking::idempotency::{Attempt, StoredAnswer, KEYLESS_PREFIX};
use crate::domain::booking::saga::Intent;
use crate::domain::booking::BookingId;
use serde::Deserialize;
use worker::Result;

const COLUMNS: &str = "key, fingerprint, booking_id, answer, lease_until_ms, expires_at_ms, \
                       intent, unknown_since_ms, checks";

#[derive(Deserialize)]
struct AttemptRow {
    key: String,
    fingerprint: String,
    booking_id: BookingId,
    answer: Option<String>,
    lease_until_ms: f64,
    expires_at_ms: f64,
    intent: Option<String>,
    unknown_since_ms: Option<f64>,
    checks: Option<f64>,
}

impl AttemptRow {
    fn into_attempt(self) -> (String, Attempt) {
        let attempt = Attempt {
            fingerprint: self.fingerprint,
            booking_id: self.booking_id,
            answer: self
                .answer
                .and_then(|a| serde_json::from_str::<StoredAnswer>(&a).ok()),
            lease_until_ms: self.lease_until_ms as i64,
            expires_at_ms: self.expires_at_ms as i64,
            intent: self
                .intent
                .and_then(|i| serde_json::from_str::<Intent>(&i).ok()),
            unknown_since_ms: self.unknown_since_ms.map(|ms| ms as i64),
            checks: self.checks.unwrap_or(0.0) as u32,
        };
        (self.key, attempt)
    }
}

fn text<T: serde::Serialize>(value: Option<&T>) -> Option<String> {
    value.map(|v| serde_json::to_string(v).unwrap_or_default())
}

impl ZoomCoordinator {
    pub(super) fn attempt(&self, key: &str) -> Result<Option<Attempt>> {
        let rows: Vec<AttemptRow> = self.rows(
            &format!("SELECT {COLUMNS} FROM attempts WHERE key = ?"),
            vec![key.into()],
        )?;
        Ok(rows.into_iter().next().map(|row| row.into_attempt().1))
    }

    /// Journaled attempts without an answer whose handler's lease or next check has come, by
    /// key, earliest first.
    pub(super) fn due_attempts(&self, now_ms: i64, limit: u32) -> Result<Vec<(String, Attempt)>> {
        let rows: Vec<AttemptRow> = self.rows(
            &format!(
                "SELECT {COLUMNS} FROM attempts WHERE answer IS NULL AND intent IS NOT NULL \
                 AND lease_until_ms <= ? ORDER BY lease_until_ms LIMIT ?"
            ),
            vec![now_ms.into(), i64::from(limit).into()],
        )?;
        Ok(rows.into_iter().map(AttemptRow::into_attempt).collect())
    }

    /// When the next journaled attempt without an answer is due, if any.
    pub(super) fn next_attempt_due(&self) -> Result<Option<i64>> {
        #[derive(Deserialize)]
        struct Next {
            due: Option<f64>,
        }
        let rows: Vec<Next> = self.rows(
            "SELECT MIN(lease_until_ms) AS due FROM attempts \
             WHERE answer IS NULL AND intent IS NOT NULL",
            vec![],
        )?;
        Ok(rows.first().and_then(|r| r.due).map(|ms| ms as i64))
    }

    /// Attempts whose outcome the coordinator is confirming (operator status).
    pub(super) fn pending_attempts(&self, now_ms: i64) -> Result<u64> {
        #[derive(Deserialize)]
        struct Count {
            pending: f64,
        }
        let rows: Vec<Count> = self.rows(
            "SELECT COUNT(*) AS pending FROM attempts WHERE answer IS NULL \
             AND intent IS NOT NULL AND (unknown_since_ms IS NOT NULL OR lease_until_ms <= ?)",
            vec![now_ms.into()],
        )?;
        Ok(rows.first().map_or(0, |r| r.pending as u64))
    }

    /// Stores `attempt` under `key`, and forgets expired attempts on the way.
    pub(super) fn put_attempt(&self, key: &str, attempt: &Attempt, now_ms: i64) -> Result<()> {
        self.execute(
            &format!(
                "INSERT OR REPLACE INTO attempts ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            vec![
                key.into(),
                attempt.fingerprint.as_str().into(),
                attempt.booking_id.as_str().into(),
                text(attempt.answer.as_ref()).into(),
                attempt.lease_until_ms.into(),
                attempt.expires_at_ms.into(),
                text(attempt.intent.as_ref()).into(),
                attempt.unknown_since_ms.into(),
                i64::from(attempt.checks).into(),
            ],
        )?;
        // An attempt still waiting for its outcome is never forgotten, whatever its expiry.
        self.execute(
            "DELETE FROM attempts WHERE expires_at_ms < ? \
             AND NOT (answer IS NULL AND intent IS NOT NULL)",
            vec![now_ms.into()],
        )
    }

    /// Moves the next check of the attempt under `key` (if it is still `attempt`'s booking's),
    /// touching only the schedule: its journal stays as written, even one this build cannot
    /// read.
    pub(super) fn reschedule_check(&self, key: &str, attempt: &Attempt) -> Result<()> {
        self.execute(
            "UPDATE attempts SET lease_until_ms = ?, unknown_since_ms = ?, checks = ?, \
             expires_at_ms = ? WHERE key = ? AND booking_id = ? AND answer IS NULL",
            vec![
                attempt.lease_until_ms.into(),
                attempt.unknown_since_ms.into(),
                i64::from(attempt.checks).into(),
                attempt.expires_at_ms.into(),
                key.into(),
                attempt.booking_id.as_str().into(),
            ],
        )
    }

    /// Forgets the answered keyless submissions that made `booking_id` (whatever fields they
    /// were derived from), so an identical submission books anew once the booking moved or was
    /// cancelled by its owner, a webhook or the Cron run (`booking::replay::
    /// ends_keyless_replays`). Client keys keep their answer: only their client can ask for it.
    pub(super) fn forget_keyless_answers(&self, booking_id: &BookingId) -> Result<()> {
        self.execute(
            "DELETE FROM attempts WHERE booking_id = ? AND answer IS NOT NULL \
             AND substr(key, 1, ?) = ?",
            vec![
                booking_id.as_str().into(),
                (KEYLESS_PREFIX.len() as i64).into(),
                KEYLESS_PREFIX.into(),
            ],
        )
    }

    /// Forgets the attempt under `key` if it is still `booking_id`'s (a late release must not
    /// erase a newer attempt that reused the key).
    pub(super) fn drop_attempt(&self, key: &str, booking_id: &BookingId) -> Result<()> {
        self.execute(
            "DELETE FROM attempts WHERE key = ? AND booking_id = ?",
            vec![key.into(), booking_id.as_str().into()],
        )
    }
}
