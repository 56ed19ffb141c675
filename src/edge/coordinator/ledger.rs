//! The booking ledger: records written by the booking path, read by operators, and updated once
//! per webhook delivery.

use super::ZoomCoordinator;
use crate::domain::booking::BookingRecord;
use crate::domain::coordinator_protocol::booking_path;
use crate::domain::webhook::effects;
use crate::domain::webhook::event::MeetingEvent;
use crate::edge::clock;
use serde_json::json;
use worker::{Response, Result};

/// Webhook deliveries are remembered this long; Zoom's last retry comes after ~85 minutes, and
/// the promise to operators is at least 24 hours.
const DELIVERY_MEMORY_SECS: i64 = 48 * 3600;

fn ledger_key(booking_id: &str) -> String {
    format!("booking:{booking_id}")
}

fn meeting_key(meeting_id: u64) -> String {
    format!("meeting:{meeting_id}")
}

/// A plain JS object (serde-wasm-bindgen would make a JS `Map`, which storage ignores).
fn plain_object(value: &serde_json::Value) -> Result<js_sys::Object> {
    js_sys::JSON::parse(&value.to_string())
        .map(Into::into)
        .map_err(|_| worker::Error::RustError("entries are not a JSON object".into()))
}

impl ZoomCoordinator {
    pub(super) async fn put_booking(&self, path: &str, record: BookingRecord) -> Result<Response> {
        if path != booking_path(&record.booking_id) {
            return Response::error("booking id does not match path", 400);
        }
        // Record and meeting index in one write, so neither exists without the other.
        let entries = json!({
            ledger_key(&record.booking_id): &record,
            meeting_key(record.meeting.id): &record.booking_id,
        });
        self.state
            .storage()
            .put_multiple_raw(plain_object(&entries)?)
            .await?;
        Ok(Response::empty()?.with_status(204))
    }

    pub(super) async fn get_booking(&self, booking_id: &str) -> Result<Response> {
        match self
            .state
            .storage()
            .get::<BookingRecord>(&ledger_key(booking_id))
            .await?
        {
            Some(record) => Response::from_json(&record),
            None => Response::error("no such booking", 404),
        }
    }

    /// Applies a webhook event to the booking of its meeting, once per delivery identity.
    /// Events for meetings this service did not book are ignored.
    pub(super) async fn apply_event(&self, event: &MeetingEvent) -> Result<()> {
        let storage = self.state.storage();
        let Some(meeting_id) = event.meeting_id else {
            return Ok(());
        };
        let Some(booking_id) = storage.get::<String>(&meeting_key(meeting_id)).await? else {
            return Ok(());
        };
        let key = ledger_key(&booking_id);
        let Some(mut record) = storage.get::<BookingRecord>(&key).await? else {
            return Ok(());
        };
        // From here to the write there is no await: the dedupe mark and the effect are
        // committed together, and no other event for this booking can interleave.
        if self.first_delivery(&event.dedupe_key())? {
            effects::apply(&mut record, event);
            record.webhook_events.applied += 1;
        } else {
            record.webhook_events.duplicates_ignored += 1;
        }
        storage.put(&key, &record).await
    }

    /// Remembers a delivery identity; false if it was seen before (a Zoom redelivery).
    fn first_delivery(&self, dedupe_key: &str) -> Result<bool> {
        let sql = self.state.storage().sql();
        let now = clock::now_ms().div_euclid(1000);
        sql.exec(
            "CREATE TABLE IF NOT EXISTS webhook_deliveries \
             (key TEXT PRIMARY KEY, seen_at INTEGER NOT NULL)",
            None,
        )?;
        sql.exec(
            "CREATE INDEX IF NOT EXISTS webhook_deliveries_seen_at ON webhook_deliveries (seen_at)",
            None,
        )?;
        let inserted: Vec<serde_json::Value> = sql
            .exec(
                "INSERT INTO webhook_deliveries (key, seen_at) VALUES (?, ?) \
                 ON CONFLICT (key) DO NOTHING RETURNING key",
                vec![dedupe_key.into(), now.into()],
            )?
            .to_array()?;
        sql.exec(
            "DELETE FROM webhook_deliveries WHERE seen_at < ?",
            vec![(now - DELIVERY_MEMORY_SECS).into()],
        )?;
        Ok(!inserted.is_empty())
    }
}
