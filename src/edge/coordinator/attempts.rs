//! Booking attempts by idempotency key (the `attempts` table): what a repeated key gets is
//! decided by `domain::booking::idempotency`; this file only stores and reads.

use super::ZoomCoordinator;
use crate::domain::booking::idempotency::{Attempt, StoredAnswer};
use crate::domain::booking::BookingId;
use serde::Deserialize;
use worker::Result;

#[derive(Deserialize)]
struct AttemptRow {
    fingerprint: String,
    booking_id: BookingId,
    answer: Option<String>,
    lease_until_ms: f64,
    expires_at_ms: f64,
}

impl ZoomCoordinator {
    pub(super) fn attempt(&self, key: &str) -> Result<Option<Attempt>> {
        let rows: Vec<AttemptRow> = self.rows(
            "SELECT fingerprint, booking_id, answer, lease_until_ms, expires_at_ms \
             FROM attempts WHERE key = ?",
            vec![key.into()],
        )?;
        Ok(rows.into_iter().next().map(|row| Attempt {
            fingerprint: row.fingerprint,
            booking_id: row.booking_id,
            answer: row
                .answer
                .and_then(|a| serde_json::from_str::<StoredAnswer>(&a).ok()),
            lease_until_ms: row.lease_until_ms as i64,
            expires_at_ms: row.expires_at_ms as i64,
        }))
    }

    /// Stores `attempt` under `key`, and forgets expired attempts on the way.
    pub(super) fn put_attempt(&self, key: &str, attempt: &Attempt, now_ms: i64) -> Result<()> {
        let answer = attempt
            .answer
            .as_ref()
            .map(|a| serde_json::to_string(a).unwrap_or_default());
        self.execute(
            "INSERT OR REPLACE INTO attempts \
             (key, fingerprint, booking_id, answer, lease_until_ms, expires_at_ms) \
             VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                key.into(),
                attempt.fingerprint.as_str().into(),
                attempt.booking_id.as_str().into(),
                answer.into(),
                attempt.lease_until_ms.into(),
                attempt.expires_at_ms.into(),
            ],
        )?;
        self.execute(
            "DELETE FROM attempts WHERE expires_at_ms < ?",
            vec![now_ms.into()],
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
