//! The booking ledger entry and what a client is shown of it.
//!
//! The record never holds the host's `start_url` (it embeds the host's ZAK): the worker has no use
//! for it, so it is dropped when Zoom's answer is parsed and cannot leak from here.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::booking::host_pool::Span;
use crate::domain::booking::{BookingId, EmailAddress};
use crate::domain::webhook::event::{Participant, RecordingFile};
use crate::domain::zoom::HostUser;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Scheduled,
    Started,
    Ended,
    Cancelled,
}

/// The guest-facing facts of a Zoom meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetails {
    /// Zoom's meeting id: the key for every API call about this meeting.
    pub id: u64,
    pub uuid: String,
    pub join_url: String,
    pub password: Option<String>,
    /// The host's personal meeting ID when Zoom used it (`use_pmi`): the number guests dial.
    /// `id` stays the key for API calls.
    #[serde(default)]
    pub pmi: Option<String>,
    pub start_time: DateTime<Utc>,
    pub duration: u32,
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRecord {
    pub booking_id: BookingId,
    pub status: BookingStatus,
    pub host_user: HostUser,
    pub name: String,
    pub email: EmailAddress,
    pub topic: String,
    pub meeting: MeetingDetails,
    pub created_at: DateTime<Utc>,
    /// What Zoom's webhooks reported; see `domain::webhook::effects`.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    #[serde(default)]
    pub attendance: Vec<Attendance>,
    #[serde(default)]
    pub recording: Option<Recording>,
    #[serde(default)]
    pub webhook_events: WebhookTally,
}

/// Facts from lifecycle events, each with the `event_ts` it came with, so the status can be
/// derived the same way whatever order the events arrived in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub started_event_ts: Option<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_event_ts: Option<i64>,
    pub ended_at: Option<DateTime<Utc>>,
    pub deleted_event_ts: Option<i64>,
    /// `event_ts` of the `meeting.updated` each schedule field in `meeting` came from.
    pub start_time_event_ts: Option<i64>,
    pub duration_event_ts: Option<i64>,
    pub timezone_event_ts: Option<i64>,
    pub recording_event_ts: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    pub participant: Participant,
    /// Sorted, without repeats.
    pub joined_at: Vec<DateTime<Utc>>,
    pub left_at: Vec<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    pub files: Vec<RecordingFile>,
    pub password: Option<String>,
    pub share_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTally {
    pub applied: u32,
    pub duplicates_ignored: u32,
}

pub fn rfc3339_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl BookingRecord {
    /// Body of the 201 answer to `POST /v1/bookings`.
    pub fn public_view(&self) -> Value {
        let m = &self.meeting;
        json!({
            "booking_id": self.booking_id,
            "status": self.status,
            "meeting": {
                "id": m.id,
                "join_url": m.join_url,
                "password": m.password,
                "pmi": m.pmi,
                "start_time": rfc3339_utc(m.start_time),
                "duration": m.duration,
                "timezone": m.timezone,
            }
        })
    }
}

impl BookingRecord {
    /// The time this booking holds on its host; a cancelled booking holds none.
    pub fn held_span(&self) -> Option<Span> {
        (self.status != BookingStatus::Cancelled)
            .then(|| Span::of(self.meeting.start_time, self.meeting.duration))
    }

    /// When the booking's schedule last changed (created, rescheduled, or moved by a webhook).
    pub fn schedule_changed_at_ms(&self) -> i64 {
        let life = &self.lifecycle;
        [life.start_time_event_ts, life.duration_event_ts]
            .into_iter()
            .flatten()
            .fold(self.created_at.timestamp_millis(), i64::max)
    }

    /// Applies a reschedule Zoom accepted. The change is stamped with `now_ms` as if it were a
    /// `meeting.updated` event, so an older webhook delivered late cannot undo it.
    pub fn reschedule(
        &mut self,
        start_time: DateTime<Utc>,
        duration: u32,
        timezone: &str,
        now_ms: i64,
    ) {
        self.meeting.start_time = start_time;
        self.meeting.duration = duration;
        self.meeting.timezone = timezone.to_owned();
        let life = &mut self.lifecycle;
        life.start_time_event_ts = Some(now_ms);
        life.duration_event_ts = Some(now_ms);
        life.timezone_event_ts = Some(now_ms);
    }

    /// Marks the booking cancelled (its meeting is gone at Zoom).
    pub fn cancel(&mut self, now_ms: i64) {
        self.status = BookingStatus::Cancelled;
        self.lifecycle.deleted_event_ts.get_or_insert(now_ms);
    }
}

impl Attendance {
    /// Time present: each join paired with the first leave after it (and before the next join).
    /// A join without a leave yet counts nothing.
    pub fn total_seconds(&self) -> i64 {
        let mut total = 0;
        for (i, joined) in self.joined_at.iter().enumerate() {
            let next_join = self.joined_at.get(i + 1);
            if let Some(left) = self
                .left_at
                .iter()
                .find(|left| *left >= joined && next_join.is_none_or(|next| *left <= next))
            {
                total += (*left - *joined).num_seconds();
            }
        }
        total
    }

    pub fn total_minutes(&self) -> i64 {
        (self.total_seconds() + 30) / 60
    }
}

impl BookingRecord {
    /// Everything an operator or the booking's owner may see: never the host's start link.
    pub fn detail_view(&self) -> Value {
        let mut view = self.public_view();
        let attendance: Vec<Value> = self
            .attendance
            .iter()
            .map(|a| {
                json!({
                    "name": a.participant.name,
                    "email": a.participant.email,
                    "joined_at": a.joined_at.iter().map(|t| rfc3339_utc(*t)).collect::<Vec<_>>(),
                    "left_at": a.left_at.iter().map(|t| rfc3339_utc(*t)).collect::<Vec<_>>(),
                    "total_minutes": a.total_minutes(),
                })
            })
            .collect();
        view["name"] = json!(self.name);
        view["email"] = json!(self.email);
        view["topic"] = json!(self.topic);
        view["created_at"] = json!(rfc3339_utc(self.created_at));
        view["started_at"] = json!(self.lifecycle.started_at.map(rfc3339_utc));
        view["ended_at"] = json!(self.lifecycle.ended_at.map(rfc3339_utc));
        view["attendance"] = json!(attendance);
        view["recording"] = json!(self.recording);
        view["webhook_events"] = json!(self.webhook_events);
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record() -> BookingRecord {
        BookingRecord {
            booking_id: "bk_x".into(),
            status: BookingStatus::Scheduled,
            host_user: "me".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            topic: "Intro".into(),
            meeting: MeetingDetails {
                id: 85012345678,
                uuid: "u==".into(),
                join_url: "https://zoom.us/j/85012345678?pwd=x".into(),
                password: Some("123456".into()),
                pmi: None,
                start_time: Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap(),
                duration: 30,
                timezone: "Asia/Tokyo".into(),
            },
            created_at: Utc.with_ymd_and_hms(2029, 12, 1, 0, 0, 0).unwrap(),
            lifecycle: Lifecycle::default(),
            attendance: Vec::new(),
            recording: None,
            webhook_events: WebhookTally::default(),
        }
    }

    #[test]
    fn reschedule_outranks_older_webhooks_and_cancel_frees_the_slot() {
        let mut booking = record();
        let start = booking.meeting.start_time;
        assert_eq!(booking.held_span(), Some(Span::of(start, 30)));
        let later = start + chrono::Duration::hours(2);
        booking.reschedule(later, 45, "Europe/Berlin", 5_000);
        assert_eq!(booking.held_span(), Some(Span::of(later, 45)));
        assert_eq!(booking.meeting.timezone, "Europe/Berlin");
        assert_eq!(booking.lifecycle.start_time_event_ts, Some(5_000));
        booking.cancel(6_000);
        booking.cancel(7_000);
        assert_eq!(booking.status, BookingStatus::Cancelled);
        assert_eq!(booking.lifecycle.deleted_event_ts, Some(6_000));
        assert_eq!(booking.held_span(), None);
    }

    #[test]
    fn public_view_has_the_documented_shape() {
        assert_eq!(
            record().public_view(),
            json!({
                "booking_id": "bk_x",
                "status": "scheduled",
                "meeting": {
                    "id": 85012345678u64,
                    "join_url": "https://zoom.us/j/85012345678?pwd=x",
                    "password": "123456",
                    "pmi": null,
                    "start_time": "2030-01-02T03:04:05Z",
                    "duration": 30,
                    "timezone": "Asia/Tokyo"
                }
            })
        );
    }
}
