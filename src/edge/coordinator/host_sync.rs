//! Merging a host's meetings as Zoom lists them (the scheduled sync) into the calendar, so
//! meetings booked by hand block their slots too, and reconciling this service's bookings with
//! them (`domain::booking::reconcile`): a meeting moved at Zoom moves its booking here; one
//! missing from the list is handed back to the worker to ask Zoom about.

use super::calendar::reschedule_holder;
use super::Handle;
use super::ZoomCoordinator;
use crate::domain::booking::marker::Marker;
use crate::domain::booking::reconcile::{drift, orphans, Drift};
use crate::domain::booking::BookingId;
use crate::domain::coordinator::{HostSync, Suspect, SyncOutcome};
use crate::edge::clock;
use worker::Result;

impl Handle<HostSync> for ZoomCoordinator {
    async fn handle(&self, sync: HostSync) -> Result<SyncOutcome> {
        let now_ms = clock::now_ms();
        if let Some(host_id) = &sync.host_id {
            self.learn_host_id(host_id, &sync.host)?;
        }
        let made_elsewhere = self.replace_external(&sync.host, &sync.meetings, now_ms)?;
        let booked = self.booked_on(&sync.host, now_ms).await?;
        let listed_markers: Vec<(u64, Marker)> = sync
            .markers
            .iter()
            .filter_map(|(id, hex)| Some((*id, Marker::parse(hex)?)))
            .collect();
        let booked_meetings: Vec<u64> = booked.iter().map(|b| b.meeting_id).collect();
        let released = self.released_markers(&sync.host)?;
        let mut outcome = SyncOutcome {
            made_elsewhere,
            moved: 0,
            suspects: Vec::new(),
            orphans: orphans(&listed_markers, &released, &booked_meetings),
        };
        for found in drift(&booked, &sync.meetings, sync.listed_at_ms) {
            match found {
                Drift::Moved { booking_id, span } => {
                    if self.follow_zoom(&booking_id, span, now_ms).await? {
                        outcome.moved += 1;
                    }
                }
                Drift::Missing {
                    booking_id,
                    meeting_id,
                } => outcome.suspects.push(Suspect {
                    booking_id,
                    meeting_id,
                }),
            }
        }
        Ok(outcome)
    }
}

impl ZoomCoordinator {
    /// Moves a booking (and its slot) to where Zoom has its meeting, unless an owner's
    /// reschedule of it is under way. Counted for the operator.
    async fn follow_zoom(
        &self,
        booking_id: &BookingId,
        span: crate::domain::booking::host_pool::Span,
        now_ms: i64,
    ) -> Result<bool> {
        if self.held(&reschedule_holder(booking_id), now_ms)?.is_some() {
            return Ok(false);
        }
        let Some(mut record) = self.booking_record(booking_id).await? else {
            return Ok(false);
        };
        let start = chrono::DateTime::from_timestamp_millis(span.start_ms).unwrap_or_default();
        let minutes = ((span.end_ms - span.start_ms) / 60_000) as u32;
        let timezone = record.meeting.timezone.clone();
        self.forget_keyless_answers(&record.booking_id)?;
        record.reschedule(start, minutes, &timezone, now_ms);
        self.hold_for_booking(&record)?;
        self.store_booking(&record).await?;
        self.count_reconciliation_fix().await?;
        Ok(true)
    }
}
