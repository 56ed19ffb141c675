//! Applying a meeting event to its booking. Every rule is order-independent: a fact is kept with
//! the `event_ts` it came with and the status is derived from the facts, so events that arrive
//! out of order (Zoom gives no ordering guarantee, and retries late) end in the same state.

use crate::domain::booking::attendance::Presence;
use crate::domain::booking::host_pool::Span;
use crate::domain::booking::{BookingRecord, BookingStatus, Recording};
use crate::domain::webhook::event::{Effect, MeetingEvent, Participant};
use chrono::{DateTime, Utc};

/// Newer-wins for a single fact: true if `ts` is at least as new as what is recorded.
fn newer(recorded: Option<i64>, ts: i64) -> bool {
    recorded.is_none_or(|r| ts >= r)
}

pub fn apply(record: &mut BookingRecord, event: &MeetingEvent) {
    let ts = event.event_ts;
    let life = &mut record.lifecycle;
    match &event.effect {
        Effect::Started { at } => {
            if newer(life.started_event_ts, ts) {
                life.started_event_ts = Some(ts);
                life.started_at = Some(*at);
            }
        }
        // `meeting.ended` can come more than once (a restarted meeting ends again).
        Effect::Ended { at } => {
            if newer(life.ended_event_ts, ts) {
                life.ended_event_ts = Some(ts);
                life.ended_at = Some(*at);
            }
        }
        Effect::Deleted => {
            if newer(life.deleted_event_ts, ts) {
                life.deleted_event_ts = Some(ts);
            }
        }
        Effect::Updated {
            start_time,
            duration,
            timezone,
        } => {
            // `meeting.updated` carries only what changed: each field keeps its own newest value.
            let meeting = &mut record.meeting;
            if let Some(start) = start_time.filter(|_| newer(life.start_time_event_ts, ts)) {
                life.start_time_event_ts = Some(ts);
                meeting.start_time = start;
            }
            if let Some(minutes) = duration.filter(|_| newer(life.duration_event_ts, ts)) {
                life.duration_event_ts = Some(ts);
                meeting.duration = minutes;
            }
            if let Some(tz) = timezone
                .as_ref()
                .filter(|_| newer(life.timezone_event_ts, ts))
            {
                life.timezone_event_ts = Some(ts);
                meeting.timezone = tz.clone();
            }
        }
        // Kept per participant, outside the record: see `presence`.
        Effect::ParticipantJoined { .. } | Effect::ParticipantLeft { .. } => {}
        Effect::RecordingCompleted {
            files,
            password,
            share_url,
        } => {
            if newer(life.recording_event_ts, ts) {
                life.recording_event_ts = Some(ts);
                record.recording = Some(Recording {
                    files: files.clone(),
                    password: password.clone(),
                    share_url: share_url.clone(),
                });
            }
        }
        // The booking made this meeting: the ledger already knows everything in it.
        Effect::Created { .. } | Effect::Ignored => {}
    }
    record.status = derive_status(record);
}

/// The participant a join or leave is about, for `booking::attendance::record_presence`.
pub fn presence(event: &MeetingEvent) -> Option<(&Participant, Presence, DateTime<Utc>)> {
    match &event.effect {
        Effect::ParticipantJoined { participant, at } => Some((participant, Presence::Joined, *at)),
        Effect::ParticipantLeft { participant, at } => Some((participant, Presence::Left, *at)),
        _ => None,
    }
}

/// What a meeting made outside this service now holds on its host's calendar, after `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalSlot {
    Unchanged,
    Holds(Span),
    Free,
}

/// Keeps the slots of meetings made outside the worker current between scheduled syncs.
/// `known` is what the ledger holds for the meeting now. An update that names only some fields
/// keeps the others; a meeting whose time is unknown is left to the next sync.
pub fn external_slot(event: &MeetingEvent, known: Option<Span>) -> ExternalSlot {
    let minutes = |span: Span| ((span.end_ms - span.start_ms) / 60_000) as u32;
    let (start, duration) = match &event.effect {
        Effect::Deleted => return ExternalSlot::Free,
        Effect::Created {
            start_time,
            duration,
        }
        | Effect::Updated {
            start_time,
            duration,
            ..
        } => (
            start_time.or_else(|| known.and_then(|k| DateTime::from_timestamp_millis(k.start_ms))),
            duration.or_else(|| known.map(minutes)),
        ),
        _ => return ExternalSlot::Unchanged,
    };
    match (start, duration) {
        (Some(start), Some(minutes)) => ExternalSlot::Holds(Span::of(start, minutes)),
        _ => ExternalSlot::Unchanged,
    }
}

/// Ended if the last end is no older than the last start (a meeting that took place stays
/// ended even if it is deleted afterwards); else cancelled if deleted; else started if started.
fn derive_status(record: &BookingRecord) -> BookingStatus {
    let life = &record.lifecycle;
    match (
        life.started_event_ts,
        life.ended_event_ts,
        life.deleted_event_ts,
    ) {
        (started, Some(ended), _) if started.is_none_or(|s| ended >= s) => BookingStatus::Ended,
        (_, _, Some(_)) => BookingStatus::Cancelled,
        (Some(_), _, _) => BookingStatus::Started,
        _ if record.status == BookingStatus::Cancelled => BookingStatus::Cancelled,
        _ => BookingStatus::Scheduled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::{BookingStatus, MeetingDetails};
    use crate::domain::webhook::event::RecordingFile;
    use chrono::TimeZone;

    fn t(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 2, 10, minute, 0).unwrap()
    }

    fn record() -> BookingRecord {
        BookingRecord {
            booking_id: "bk_1".into(),
            status: BookingStatus::Scheduled,
            host_user: "me".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            topic: "T".into(),
            event_type: "meeting".into(),
            answers: Vec::new(),
            meeting: MeetingDetails {
                id: 9,
                uuid: "u".into(),
                join_url: "j".into(),
                password: None,
                pmi: None,
                start_time: t(0),
                duration: 30,
                timezone: "UTC".into(),
            },
            created_at: t(0),
            lifecycle: Default::default(),
            attendance_totals: Default::default(),
            attendance: Vec::new(),
            recording: None,
            webhook_events: Default::default(),
        }
    }

    fn ev(ts: i64, effect: Effect) -> MeetingEvent {
        MeetingEvent {
            name: "x".into(),
            event_ts: ts,
            meeting_id: Some(9),
            host_id: None,
            effect,
        }
    }

    fn ada() -> Participant {
        Participant {
            key: "p1".into(),
            name: Some("Ada".into()),
            email: None,
        }
    }

    /// Applies the events in every order; all must end in the same record.
    fn all_orders(events: &[MeetingEvent]) -> BookingRecord {
        fn permutations(items: &[MeetingEvent]) -> Vec<Vec<MeetingEvent>> {
            if items.len() <= 1 {
                return vec![items.to_vec()];
            }
            let mut out = Vec::new();
            for i in 0..items.len() {
                let mut rest = items.to_vec();
                let first = rest.remove(i);
                for mut tail in permutations(&rest) {
                    tail.insert(0, first.clone());
                    out.push(tail);
                }
            }
            out
        }
        let results: Vec<BookingRecord> = permutations(events)
            .into_iter()
            .map(|order| {
                let mut r = record();
                order.iter().for_each(|e| apply(&mut r, e));
                r
            })
            .collect();
        for r in &results {
            assert_eq!(r, &results[0]);
        }
        results[0].clone()
    }

    #[test]
    fn a_start_and_an_end_in_any_order_leave_the_meeting_ended() {
        let r = all_orders(&[
            ev(1, Effect::Started { at: t(1) }),
            ev(2, Effect::Ended { at: t(40) }),
        ]);
        assert_eq!(r.status, BookingStatus::Ended);
        assert_eq!(
            (r.lifecycle.started_at, r.lifecycle.ended_at),
            (Some(t(1)), Some(t(40)))
        );
    }

    #[test]
    fn a_restart_reopens_the_meeting_and_the_latest_end_counts() {
        let r = all_orders(&[
            ev(1, Effect::Started { at: t(1) }),
            ev(2, Effect::Ended { at: t(20) }),
            ev(3, Effect::Started { at: t(25) }),
        ]);
        assert_eq!(r.status, BookingStatus::Started);
        let r = all_orders(&[
            ev(1, Effect::Started { at: t(1) }),
            ev(2, Effect::Ended { at: t(20) }),
            ev(4, Effect::Ended { at: t(50) }),
        ]);
        assert_eq!(
            (r.status, r.lifecycle.ended_at),
            (BookingStatus::Ended, Some(t(50)))
        );
    }

    #[test]
    fn deletion_cancels_unless_the_meeting_took_place() {
        assert_eq!(
            all_orders(&[ev(1, Effect::Deleted)]).status,
            BookingStatus::Cancelled
        );
        let r = all_orders(&[
            ev(1, Effect::Started { at: t(1) }),
            ev(2, Effect::Ended { at: t(20) }),
            ev(3, Effect::Deleted),
        ]);
        assert_eq!(r.status, BookingStatus::Ended);
    }

    #[test]
    fn newest_schedule_update_wins() {
        let r = all_orders(&[
            ev(
                1,
                Effect::Updated {
                    start_time: Some(t(5)),
                    duration: Some(45),
                    timezone: None,
                },
            ),
            ev(
                2,
                Effect::Updated {
                    start_time: Some(t(10)),
                    duration: None,
                    timezone: Some("Asia/Tokyo".into()),
                },
            ),
        ]);
        assert_eq!(r.meeting.start_time, t(10));
        assert_eq!(r.meeting.timezone, "Asia/Tokyo");
        // The older update's duration stands: the newer one did not change it.
        assert_eq!(r.meeting.duration, 45);
        assert_eq!(r.status, BookingStatus::Scheduled);
    }

    #[test]
    fn joins_and_leaves_name_their_participant_and_leave_the_record_alone() {
        let join = ev(
            1,
            Effect::ParticipantJoined {
                participant: ada(),
                at: t(1),
            },
        );
        let left = ev(
            2,
            Effect::ParticipantLeft {
                participant: ada(),
                at: t(9),
            },
        );
        assert_eq!(presence(&join), Some((&ada(), Presence::Joined, t(1))));
        assert_eq!(presence(&left), Some((&ada(), Presence::Left, t(9))));
        assert_eq!(presence(&ev(3, Effect::Started { at: t(1) })), None);
        let r = all_orders(&[join, left]);
        assert_eq!(r, record());
    }

    #[test]
    fn a_completed_recording_is_kept_with_its_files_and_password() {
        let file = RecordingFile {
            id: Some("f".into()),
            file_type: Some("MP4".into()),
            recording_type: None,
            recording_start: None,
            recording_end: None,
            play_url: Some("https://play".into()),
            download_url: Some("https://download".into()),
        };
        let r = all_orders(&[ev(
            5,
            Effect::RecordingCompleted {
                files: vec![file.clone()],
                password: Some("pw".into()),
                share_url: None,
            },
        )]);
        let recording = r.recording.unwrap();
        assert_eq!(recording.files, vec![file]);
        assert_eq!(recording.password.as_deref(), Some("pw"));
    }

    #[test]
    fn meetings_made_elsewhere_hold_their_slot_until_deleted() {
        let at = |minutes_after: i64| t(0) + chrono::Duration::minutes(minutes_after);
        let span = |start_min: i64, minutes: u32| Span::of(at(start_min), minutes);
        let created = ev(
            1,
            Effect::Created {
                start_time: Some(t(0)),
                duration: Some(30),
            },
        );
        assert_eq!(
            external_slot(&created, None),
            ExternalSlot::Holds(span(0, 30))
        );
        let moved = ev(
            2,
            Effect::Updated {
                start_time: Some(at(60)),
                duration: None,
                timezone: None,
            },
        );
        assert_eq!(
            external_slot(&moved, Some(span(0, 30))),
            ExternalSlot::Holds(span(60, 30))
        );
        // Only the length changed, and the start is unknown: wait for the sync.
        let longer = ev(
            3,
            Effect::Updated {
                start_time: None,
                duration: Some(45),
                timezone: None,
            },
        );
        assert_eq!(external_slot(&longer, None), ExternalSlot::Unchanged);
        assert_eq!(
            external_slot(&longer, Some(span(60, 30))),
            ExternalSlot::Holds(span(60, 45))
        );
        assert_eq!(
            external_slot(&ev(4, Effect::Deleted), Some(span(60, 45))),
            ExternalSlot::Free
        );
        assert_eq!(
            external_slot(&ev(5, Effect::Ignored), Some(span(60, 45))),
            ExternalSlot::Unchanged
        );
    }
}
