//! Settings Zoom made otherwise than sent (`event_types::mismatch`): one row per (event type,
//! setting), with the latest difference, the host and booking it was seen on, and how many
//! bookings showed it. Bounded: the rows least recently seen beyond `MAX_RECORDED` are dropped.

use super::ZoomCoordinator;
use crate::domain::booking::BookingRecord;
use crate::domain::event_types::mismatch::{MismatchReport, MAX_RECORDED};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::Result;

#[derive(Deserialize)]
struct Row {
    event_type: String,
    setting: String,
    sent: String,
    got: String,
    host: String,
    booking_id: String,
    count: f64,
    first_seen_ms: f64,
    last_seen_ms: f64,
}

/// Epoch ms as the status shows times.
fn rfc3339(ms: f64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

impl ZoomCoordinator {
    /// Records what a committed booking's create showed. A difference already recorded for the
    /// type and setting is counted again; a new one (other sent or got) starts its count anew.
    pub(super) fn record_mismatches(
        &self,
        report: &MismatchReport,
        record: &BookingRecord,
        now_ms: i64,
    ) -> Result<()> {
        for mismatch in &report.mismatches {
            self.execute(
                "INSERT INTO settings_mismatch (event_type, setting, sent, got, host, booking_id, \
                 count, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) \
                 ON CONFLICT (event_type, setting) DO UPDATE SET \
                 count = CASE WHEN sent = excluded.sent AND got = excluded.got \
                   THEN count + 1 ELSE 1 END, \
                 first_seen_ms = CASE WHEN sent = excluded.sent AND got = excluded.got \
                   THEN first_seen_ms ELSE excluded.first_seen_ms END, \
                 sent = excluded.sent, got = excluded.got, host = excluded.host, \
                 booking_id = excluded.booking_id, last_seen_ms = excluded.last_seen_ms",
                vec![
                    report.event_type.as_str().into(),
                    mismatch.setting.as_str().into(),
                    mismatch.sent.to_string().into(),
                    mismatch.got.to_string().into(),
                    record.host_user.as_str().into(),
                    record.booking_id.as_str().into(),
                    now_ms.into(),
                    now_ms.into(),
                ],
            )?;
        }
        self.execute(
            "DELETE FROM settings_mismatch WHERE rowid NOT IN \
             (SELECT rowid FROM settings_mismatch ORDER BY last_seen_ms DESC LIMIT ?)",
            vec![(MAX_RECORDED as i64).into()],
        )
    }

    /// The status's `settings_mismatch`: most recently seen first.
    pub(super) fn mismatch_status(&self) -> Result<Vec<Value>> {
        let rows: Vec<Row> = self.rows(
            "SELECT event_type, setting, sent, got, host, booking_id, count, first_seen_ms, \
             last_seen_ms FROM settings_mismatch ORDER BY last_seen_ms DESC, event_type, setting",
            vec![],
        )?;
        let value = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
        Ok(rows
            .iter()
            .map(|row| {
                json!({
                    "type": row.event_type,
                    "setting": row.setting,
                    "sent": value(&row.sent),
                    "got": value(&row.got),
                    "host": row.host,
                    "last_booking_id": row.booking_id,
                    "count": row.count as u64,
                    "first_seen": rfc3339(row.first_seen_ms),
                    "last_seen": rfc3339(row.last_seen_ms),
                })
            })
            .collect())
    }
}
