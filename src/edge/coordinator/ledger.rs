//! The booking ledger: records written by the booking path, read by owners and operators, and
//! updated once per webhook delivery. Webhooks about meetings made outside the service keep
//! their slots in the calendar current.

use super::calendar::external_holder;
use super::store::Read as _;
use super::{Handle, ZoomCoordinator};
use crate::domain::booking::replay::ends_keyless_replays;
use crate::domain::booking::{BookingId, BookingRecord};
use crate::domain::coordinator::GetBooking;
use crate::domain::webhook::effects::{self, external_slot, ExternalSlot};
use crate::domain::webhook::event::MeetingEvent;
use crate::edge::clock;
use serde_json::json;
use worker::Result;

/// Webhook deliveries are remembered this long; Zoom's last retry comes after ~85 minutes, and
/// the promise to operators is at least 24 hours.
const DELIVERY_MEMORY_SECS: i64 = 48 * 3600;

fn ledger_key(booking_id: &BookingId) -> String {
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

/// Records are stored as JSON text: the worker already carries serde_json, and storing them as
/// JS objects would compile a second (de)serializer for every type in a record into the wasm.
fn record_text(record: &BookingRecord) -> Result<String> {
    serde_json::to_string(record).map_err(|e| worker::Error::RustError(e.to_string()))
}

fn record_from(text: &str) -> Result<BookingRecord> {
    serde_json::from_str(text).map_err(|e| worker::Error::RustError(e.to_string()))
}

impl ZoomCoordinator {
    /// Writes a record and its meeting index in one write, so neither exists without the other.
    pub(super) async fn store_booking(&self, record: &BookingRecord) -> Result<()> {
        let entries = json!({
            ledger_key(&record.booking_id): record_text(record)?,
            meeting_key(record.meeting.id): &record.booking_id,
        });
        self.state
            .storage()
            .put_multiple_raw(plain_object(&entries)?)
            .await
    }

    pub(super) async fn booking_record(
        &self,
        booking_id: &BookingId,
    ) -> Result<Option<BookingRecord>> {
        let text: Option<String> = self.state.storage().read(&ledger_key(booking_id)).await?;
        text.as_deref().map(record_from).transpose()
    }
}

impl Handle<GetBooking> for ZoomCoordinator {
    async fn handle(&self, ask: GetBooking) -> Result<Option<BookingRecord>> {
        self.booking_record(&ask.booking_id).await
    }
}

impl Handle<MeetingEvent> for ZoomCoordinator {
    /// Applies a webhook event once per delivery identity: to its booking, or (for a meeting made
    /// outside the service) to the slot it holds.
    async fn handle(&self, event: MeetingEvent) -> Result<()> {
        let storage = self.state.storage();
        let Some(meeting_id) = event.meeting_id else {
            return Ok(());
        };
        let Some(booking_id) = storage.read::<BookingId>(&meeting_key(meeting_id)).await? else {
            return self.apply_external_event(meeting_id, &event);
        };
        let Some(mut record) = self.booking_record(&booking_id).await? else {
            return Ok(());
        };
        // From here to the write there is no await: the dedupe mark and the effect are
        // committed together, and no other event for this booking can interleave. The mark is
        // written last, so a step that fails leaves no mark and Zoom's redelivery applies it.
        let dedupe_key = event.dedupe_key();
        self.move_old_attendance(&mut record)?;
        if self.delivered_before(&dedupe_key)? {
            record.webhook_events.duplicates_ignored += 1;
        } else {
            let before = record.clone();
            self.apply_presence(&mut record, &event)?;
            effects::apply(&mut record, &event);
            record.webhook_events.applied += 1;
            // A meeting moved or deleted at Zoom moves or frees the booking's slot, and ends the
            // replays of the keyless submission that made it.
            self.hold_for_booking(&record)?;
            if ends_keyless_replays(&before, &record) {
                self.forget_keyless_answers(&record.booking_id)?;
            }
            self.remember_delivery(&dedupe_key)?;
        }
        storage
            .put(&ledger_key(&booking_id), record_text(&record)?)
            .await
    }
}

impl ZoomCoordinator {
    /// A meeting this service did not book: created, moved or deleted on a host's calendar.
    /// Events for hosts the service does not know (yet) wait for the next sync.
    fn apply_external_event(&self, meeting_id: u64, event: &MeetingEvent) -> Result<()> {
        let dedupe_key = event.dedupe_key();
        if self.delivered_before(&dedupe_key)? {
            return Ok(());
        }
        self.apply_to_external_slot(meeting_id, event)?;
        self.remember_delivery(&dedupe_key)
    }

    fn apply_to_external_slot(&self, meeting_id: u64, event: &MeetingEvent) -> Result<()> {
        let holder = external_holder(meeting_id);
        let now_ms = clock::now_ms();
        let known = self.held(&holder, now_ms)?;
        match external_slot(event, known.as_ref().map(|(_, span)| *span)) {
            ExternalSlot::Unchanged => Ok(()),
            ExternalSlot::Free => self.free(&holder),
            ExternalSlot::Holds(span) => {
                let host = match known {
                    Some((host, _)) => Some(host),
                    None => match &event.host_id {
                        Some(host_id) => self.host_of(host_id)?,
                        None => None,
                    },
                };
                match host {
                    Some(host) => self.hold(&holder, &host, span, None, Some(meeting_id)),
                    None => Ok(()),
                }
            }
        }
    }

    /// Whether a delivery identity was applied before (a Zoom redelivery).
    fn delivered_before(&self, dedupe_key: &str) -> Result<bool> {
        let seen: Vec<serde_json::Value> = self.rows(
            "SELECT key FROM webhook_deliveries WHERE key = ?",
            vec![dedupe_key.into()],
        )?;
        Ok(!seen.is_empty())
    }

    /// Remembers an applied delivery identity, and forgets those past Zoom's redeliveries.
    fn remember_delivery(&self, dedupe_key: &str) -> Result<()> {
        let now = clock::now_ms().div_euclid(1000);
        self.execute(
            "INSERT OR IGNORE INTO webhook_deliveries (key, seen_at) VALUES (?, ?)",
            vec![dedupe_key.into(), now.into()],
        )?;
        self.execute(
            "DELETE FROM webhook_deliveries WHERE seen_at < ?",
            vec![(now - DELIVERY_MEMORY_SECS).into()],
        )
    }
}
