//! When a webhook delivery may be acknowledged. Zoom redelivers an event only when the answer is
//! not a 2xx (or does not come within 3 seconds), and never after a 2xx. So the `200` is a
//! promise that the event's effect is durably recorded: an event with an effect is acknowledged
//! only once the coordinator has recorded it, and otherwise refused with a `503` so that Zoom
//! delivers it again. A repeated delivery costs nothing: the coordinator's dedupe mark and the
//! effect are committed together, so a redelivery of an event that was recorded (and whose answer
//! was lost) is counted as a duplicate and changes nothing.

use super::event::{Effect, MeetingEvent};
use crate::domain::api_error::ApiError;

/// How long the webhook waits for the coordinator to record an event. Zoom gives a delivery 3
/// seconds; waiting 2 leaves a second for verification, the answer and the network, so a hung
/// coordinator earns a `503` (and a redelivery) rather than a Zoom-side timeout.
pub const RECORD_DEADLINE_MS: u64 = 2_000;

/// Zoom's budget for one delivery.
pub const ZOOM_DELIVERY_BUDGET_MS: u64 = 3_000;

// The build refuses a deadline that leaves less than a second of Zoom's budget.
const _: () = assert!(RECORD_DEADLINE_MS + 1_000 <= ZOOM_DELIVERY_BUDGET_MS);

/// Seconds in the `Retry-After` of a refused delivery. Zoom retries on its own schedule (+5, +20,
/// +60 minutes); the header is there because every `503` of this API carries one.
pub const RETRY_AFTER_SECS: u32 = 2;

/// Whether the coordinator must record `event` before it is acknowledged. Events the service
/// ignores, and events about no meeting, change nothing and are acknowledged at once.
pub fn must_record(event: &MeetingEvent) -> bool {
    event.meeting_id.is_some() && event.effect != Effect::Ignored
}

/// What became of asking the coordinator to record an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// The coordinator answered that the event is recorded (now, or by an earlier delivery).
    Recorded,
    /// The call failed: the object restarted, was overloaded, or could not be reached.
    Failed,
    /// No answer within [`RECORD_DEADLINE_MS`]. The event may have been recorded after all; the
    /// redelivery this answer causes is then absorbed by the dedupe.
    Unanswered,
}

/// The delivery's answer: acknowledged (`Ok`, a `200`) only when recorded.
pub fn acknowledgement(recording: Recording) -> Result<(), ApiError> {
    match recording {
        Recording::Recorded => Ok(()),
        Recording::Failed | Recording::Unanswered => Err(ApiError::CoordinatorUnavailable {
            retry_after: RETRY_AFTER_SECS,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(meeting_id: Option<u64>, effect: Effect) -> MeetingEvent {
        MeetingEvent {
            name: "meeting.deleted".into(),
            event_ts: 1,
            meeting_id,
            host_id: None,
            effect,
        }
    }

    #[test]
    fn an_event_with_an_effect_on_a_meeting_is_recorded_before_the_acknowledgement() {
        assert!(must_record(&event(Some(42), Effect::Deleted)));
    }

    #[test]
    fn ignored_events_and_events_without_a_meeting_are_acknowledged_without_the_coordinator() {
        assert!(!must_record(&event(Some(42), Effect::Ignored)));
        assert!(!must_record(&event(None, Effect::Deleted)));
    }

    #[test]
    fn only_a_recorded_event_is_acknowledged() {
        assert_eq!(acknowledgement(Recording::Recorded), Ok(()));
    }

    #[test]
    fn a_failed_or_unanswered_recording_is_503_coordinator_unavailable_with_retry_after() {
        for recording in [Recording::Failed, Recording::Unanswered] {
            let err = acknowledgement(recording).unwrap_err();
            assert_eq!(err.status(), 503, "{recording:?}");
            assert_eq!(err.code(), "coordinator_unavailable");
            assert_eq!(err.retry_after(), Some(RETRY_AFTER_SECS));
        }
    }
}
