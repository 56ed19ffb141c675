//! The booking ledger entry and what a client is shown of it.
//!
//! The record never holds the host's `start_url` (it embeds the host's ZAK): the worker has no use
//! for it, so it is dropped when Zoom's answer is parsed and cannot leak from here.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::booking::attendance::{Attendance, AttendanceTotals};
use crate::domain::booking::host_pool::Span;
use crate::domain::booking::{Answer, BookingId, EmailAddress};
use crate::domain::event_types::IMPLICIT_SLUG;
use crate::domain::webhook::event::RecordingFile;
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
    #[serde(deserialize_with = "crate::domain::wire_time::one")]
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
    /// The event type's slug; records from before event types are of the implicit type.
    #[serde(default = "implicit_slug")]
    pub event_type: String,
    /// The answers to the type's questions, in full (the agenda Zoom holds may be cut).
    #[serde(default)]
    pub answers: Vec<Answer>,
    pub meeting: MeetingDetails,
    #[serde(deserialize_with = "crate::domain::wire_time::one")]
    pub created_at: DateTime<Utc>,
    /// What Zoom's webhooks reported; see `domain::webhook::effects`.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// Totals of the attendance kept per participant (`booking::attendance`).
    #[serde(default)]
    pub attendance_totals: AttendanceTotals,
    /// Attendance stored the old way, in the record itself: moved to per-participant entries by
    /// the next event for the booking, and read together with them until then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    #[serde(default, deserialize_with = "crate::domain::wire_time::optional")]
    pub started_at: Option<DateTime<Utc>>,
    pub ended_event_ts: Option<i64>,
    #[serde(default, deserialize_with = "crate::domain::wire_time::optional")]
    pub ended_at: Option<DateTime<Utc>>,
    pub deleted_event_ts: Option<i64>,
    /// `event_ts` of the `meeting.updated` each schedule field in `meeting` came from.
    pub start_time_event_ts: Option<i64>,
    pub duration_event_ts: Option<i64>,
    pub timezone_event_ts: Option<i64>,
    pub recording_event_ts: Option<i64>,
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

fn implicit_slug() -> String {
    IMPLICIT_SLUG.to_owned()
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

impl BookingRecord {
    /// The attendance totals, counting entries still stored the old way.
    pub fn attendance_totals(&self) -> AttendanceTotals {
        self.attendance_totals
            .plus(AttendanceTotals::of(&self.attendance).0)
    }

    /// When the booking was cancelled (epoch ms): by its owner, the reconciliation or Zoom.
    pub fn cancelled_at_ms(&self) -> Option<i64> {
        (self.status == BookingStatus::Cancelled).then(|| {
            // Records cancelled before the time was kept count from their creation.
            self.lifecycle
                .deleted_event_ts
                .unwrap_or(self.created_at.timestamp_millis())
        })
    }

    /// What both owner and operator see: the 201 fields and the booking's own facts.
    fn common_view(&self) -> Value {
        let mut view = self.public_view();
        view["name"] = json!(self.name);
        view["email"] = json!(self.email);
        view["topic"] = json!(self.topic);
        view["type"] = json!(self.event_type);
        view["answers"] = json!(self.answers);
        view["created_at"] = json!(rfc3339_utc(self.created_at));
        view["started_at"] = json!(self.lifecycle.started_at.map(rfc3339_utc));
        view["ended_at"] = json!(self.lifecycle.ended_at.map(rfc3339_utc));
        view["webhook_events"] = json!(self.webhook_events);
        view
    }

    /// The owner's view (`manage_token`): how many attended and for how long, and the
    /// recording's share link; never another attendee's name, email or times, nor the
    /// recording's passcode or files. Never the host's start link.
    pub fn owner_view(&self) -> Value {
        let totals = self.attendance_totals();
        let mut view = self.common_view();
        view["attendance"] = json!({
            "participants": totals.participants(),
            "total_minutes": totals.total_minutes(),
        });
        view["recording"] = match &self.recording {
            Some(recording) => json!({
                "share_url": recording.share_url.as_deref().map(without_passcode),
            }),
            None => Value::Null,
        };
        view
    }

    /// The operator's view (`ADMIN_TOKEN`): every kept attendee (`kept`, the per-participant
    /// entries) and the whole recording, plus the totals. Never the host's start link.
    pub fn operator_view(&self, kept: &[Attendance]) -> Value {
        // Old entries are moved to rows in the same step that removes them from the record: rows
        // beside old entries mean this record was read before that step, and its old entries are
        // among the rows already.
        let old = match kept {
            [] => AttendanceTotals::of(&self.attendance).1,
            _ => &[],
        };
        let attendance: Vec<Value> = kept
            .iter()
            .chain(old)
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
        let totals = self.attendance_totals();
        let mut view = self.common_view();
        view["attendance"] = json!(attendance);
        view["attendance_totals"] = json!({
            "participants": totals.participants(),
            "total_minutes": totals.total_minutes(),
        });
        view["recording"] = json!(self.recording);
        view
    }
}

/// A recording link without the passcode Zoom embeds in it (`?pwd=…`, when the account shares
/// recordings "with the passcode embedded"): the passcode is for the operator's view only.
fn without_passcode(url: &str) -> String {
    let url = url.split('#').next().unwrap_or_default();
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !name.eq_ignore_ascii_case("pwd")
        })
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn record() -> BookingRecord {
        BookingRecord {
            booking_id: "bk_x".into(),
            status: BookingStatus::Scheduled,
            host_user: "me".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            topic: "Intro".into(),
            event_type: "meeting".into(),
            answers: Vec::new(),
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
            attendance_totals: AttendanceTotals::default(),
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

    fn attendee(email: &str, joined_min: u32, left_min: u32) -> Attendance {
        let at = |m: u32| Utc.with_ymd_and_hms(2030, 1, 2, 3, m, 0).unwrap();
        Attendance {
            participant: crate::domain::webhook::event::Participant {
                key: email.into(),
                name: Some("Grace".into()),
                email: Some(email.into()),
            },
            joined_at: vec![at(joined_min)],
            left_at: vec![at(left_min)],
        }
    }

    fn attended() -> BookingRecord {
        let mut booking = record();
        booking.attendance_totals = AttendanceTotals {
            kept: 1,
            joins_not_kept: 0,
            seconds: 20 * 60,
        };
        booking.recording = Some(Recording {
            files: Vec::new(),
            password: Some("rec-pass".into()),
            share_url: Some("https://zoom.us/rec/share/x".into()),
        });
        booking
    }

    #[test]
    fn the_owner_sees_totals_and_the_share_link_but_no_attendee_or_passcode() {
        let view = attended().owner_view();
        assert_eq!(
            view["attendance"],
            json!({"participants": 1, "total_minutes": 20})
        );
        assert_eq!(
            view["recording"],
            json!({"share_url": "https://zoom.us/rec/share/x"})
        );
        let text = view.to_string();
        assert!(
            !text.contains("grace@") && !text.contains("rec-pass"),
            "{text}"
        );
        assert_eq!(view["email"], "ada@example.com");
        assert_eq!(record().owner_view()["recording"], Value::Null);
    }

    #[test]
    fn the_owner_gets_the_share_link_without_an_embedded_passcode() {
        let mut booking = attended();
        let mut shared = |url: &str| {
            booking.recording.as_mut().unwrap().share_url = Some(url.into());
            booking.owner_view()["recording"]["share_url"].clone()
        };
        let base = "https://zoom.us/rec/share/Ab-c.1";
        assert_eq!(shared(&format!("{base}?pwd=rec-pass")), base);
        assert_eq!(shared(&format!("{base}?PWD=rec-pass#x")), base);
        assert_eq!(
            shared(&format!("{base}?startTime=17&pwd=rec-pass&x=1")),
            format!("{base}?startTime=17&x=1")
        );
        assert_eq!(shared(base), base);
        let operator = booking.operator_view(&[]);
        assert_eq!(operator["recording"]["share_url"], base);
        booking.recording.as_mut().unwrap().share_url = Some(format!("{base}?pwd=rec-pass"));
        assert!(booking.operator_view(&[])["recording"]["share_url"]
            .as_str()
            .unwrap()
            .ends_with("pwd=rec-pass"));
    }

    #[test]
    fn an_operator_read_racing_the_move_of_old_entries_lists_each_attendee_once() {
        let mut stale = record();
        stale.attendance = vec![attendee("grace@example.com", 4, 24)];
        let moved = [attendee("grace@example.com", 4, 24)];
        assert_eq!(
            stale.operator_view(&moved)["attendance"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            stale.operator_view(&[])["attendance"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn the_operator_sees_every_kept_attendee_and_the_whole_recording() {
        let view = attended().operator_view(&[attendee("grace@example.com", 4, 24)]);
        assert_eq!(view["attendance"][0]["email"], "grace@example.com");
        assert_eq!(view["attendance"][0]["total_minutes"], 20);
        assert_eq!(view["recording"]["password"], "rec-pass");
        assert_eq!(view["attendance_totals"]["participants"], 1);
    }

    #[test]
    fn a_record_stored_with_attendance_inside_reads_the_same() {
        let mut old = serde_json::to_value(record()).unwrap();
        old.as_object_mut().unwrap().remove("attendance_totals");
        old["attendance"] = json!([
            attendee("grace@example.com", 4, 24),
            attendee("bo@example.com", 0, 10)
        ]);
        let old: BookingRecord = serde_json::from_value(old).unwrap();
        assert_eq!(
            old.owner_view()["attendance"],
            json!({"participants": 2, "total_minutes": 30})
        );
        let operator = old.operator_view(&[]);
        assert_eq!(operator["attendance"].as_array().unwrap().len(), 2);
        // A record without old entries writes none.
        assert!(serde_json::to_value(record())
            .unwrap()
            .get("attendance")
            .is_none());
    }

    #[test]
    fn owner_and_operator_see_the_type_and_the_answers() {
        let mut booking = record();
        booking.event_type = "intro".into();
        booking.answers = vec![Answer {
            id: "company".into(),
            label: "Company".into(),
            value: "Acme".into(),
        }];
        let expected = json!([{"id": "company", "label": "Company", "value": "Acme"}]);
        for view in [booking.owner_view(), booking.operator_view(&[])] {
            assert_eq!(view["type"], "intro");
            assert_eq!(view["answers"], expected);
        }
    }

    #[test]
    fn a_record_from_before_event_types_is_a_meeting_without_answers() {
        let mut old = serde_json::to_value(record()).unwrap();
        let fields = old.as_object_mut().unwrap();
        fields.remove("event_type");
        fields.remove("answers");
        let old: BookingRecord = serde_json::from_value(old).unwrap();
        assert_eq!(old.owner_view()["type"], "meeting");
        assert_eq!(old.owner_view()["answers"], json!([]));
    }
}
