//! Meeting API payloads: `POST /users/{userId}/meetings` and the meeting object Zoom returns.

use crate::domain::booking::host_pool::Span;
use crate::domain::booking::marker::Marker;
use crate::domain::booking::record::rfc3339_utc;
use crate::domain::booking::request::MAX_AGENDA_CHARS;
use crate::domain::booking::reschedule::Reschedule;
use crate::domain::booking::{
    BookingId, BookingRecord, BookingStatus, MeetingDetails, ValidBooking,
};
use crate::domain::event_types::schema::default_zoom_settings;
use crate::domain::zoom::{path_segment, HostUser};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// Zoom meeting type 2: a scheduled meeting.
const SCHEDULED_MEETING: u8 = 2;

pub fn create_meeting_path(host_user: &HostUser) -> String {
    format!("/users/{}/meetings", path_segment(host_user.as_str()))
}

/// Body of Create Meeting. The start is sent in UTC (`…Z`) so Zoom never has to interpret a local
/// time; `timezone` tells Zoom how to display it to the host and guests. `settings` are the
/// booking's type's, every key sent on every create (Zoom fills what is omitted from the host's
/// account); `password` only when the worker generated one. The agenda ends with the booking's
/// `marker`, by which a meeting whose create answer was lost is found again.
pub fn create_meeting_body(booking: &ValidBooking, marker: &Marker) -> Value {
    let settings = if booking.settings.is_empty() {
        // Journaled before event types: the settings every meeting had then.
        default_zoom_settings()
    } else {
        booking.settings.clone()
    };
    let mut body = json!({
        "topic": booking.topic,
        "type": SCHEDULED_MEETING,
        "start_time": rfc3339_utc(booking.start),
        "duration": booking.duration_minutes,
        "timezone": booking.timezone.name(),
        "settings": settings,
        "agenda": marker.agenda(meeting_agenda(booking).as_deref()),
    });
    if let Some(passcode) = &booking.passcode {
        body["password"] = json!(passcode);
    }
    body
}

/// The guest's agenda, then one `Label: value` line per answer, cut with `…` to what Zoom's
/// 2000 characters leave beside the booking reference (which must stay the last line). The
/// ledger keeps the answers in full.
fn meeting_agenda(booking: &ValidBooking) -> Option<String> {
    let answers: Vec<String> = booking
        .answers
        .iter()
        .map(|a| format!("{}: {}", a.label, a.value))
        .collect();
    let text = match (booking.agenda.as_deref(), answers.is_empty()) {
        (agenda, true) => agenda?.to_owned(),
        (None, false) => answers.join("\n"),
        (Some(agenda), false) => format!("{agenda}\n\n{}", answers.join("\n")),
    };
    if text.chars().count() <= MAX_AGENDA_CHARS {
        return Some(text);
    }
    let mut cut: String = text.chars().take(MAX_AGENDA_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

/// `/meetings/{id}`: get, update (PATCH) or delete one meeting.
pub fn meeting_path(meeting_id: u64) -> String {
    format!("/meetings/{meeting_id}")
}

/// `GET /meetings/{id}/invitation`: the invitation text guests are sent.
pub fn invitation_path(meeting_id: u64) -> String {
    format!("/meetings/{meeting_id}/invitation")
}

/// Body of Update Meeting for a reschedule: only the schedule changes, so the meeting id, join
/// link and passcode guests already have stay valid.
pub fn reschedule_body(change: &Reschedule) -> Value {
    json!({
        "start_time": rfc3339_utc(change.start),
        "duration": change.duration_minutes,
        "timezone": change.timezone.name(),
    })
}

/// Which of a host's meetings `GET /users/{id}/meetings` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Meetings yet to start: what blocks the host's calendar.
    Upcoming,
    /// Every scheduled meeting not yet expired, including those under way: a meeting whose
    /// start has passed is still found (the upcoming list drops it).
    Scheduled,
}

impl ListKind {
    fn name(self) -> &'static str {
        match self {
            ListKind::Upcoming => "upcoming",
            ListKind::Scheduled => "scheduled",
        }
    }
}

/// `GET /users/{id}/meetings` of `kind`, one page.
pub fn list_path(host_user: &HostUser, kind: ListKind, page_token: &str) -> String {
    format!(
        "/users/{}/meetings?type={}&page_size=300&next_page_token={}",
        path_segment(host_user.as_str()),
        kind.name(),
        form_urlencoded::byte_serialize(page_token.as_bytes()).collect::<String>()
    )
}

/// The fields of Zoom's meeting object the product keeps. `start_url` is deliberately absent:
/// unknown fields are dropped by serde, so the host's ZAK never enters the worker's data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ZoomMeeting {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    pub join_url: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::wire_time::optional")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration: Option<u32>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// The host's personal meeting ID, when the host's settings make Zoom use it (`use_pmi`).
    #[serde(default, deserialize_with = "id_text")]
    pub pmi: Option<String>,
}

/// Zoom sends some ids as strings and some as numbers; either becomes text.
fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// One entry of a host's upcoming-meetings list: enough to know when the host is busy, and
/// which booking it is (the marker on its agenda's last line, if it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedMeeting {
    pub id: u64,
    pub span: Span,
    pub marker: Option<Marker>,
}

/// One page of `GET /users/{id}/meetings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// Meetings with a fixed start and length (recurring meetings without a fixed time and
    /// instant meetings hold no slot and are left out).
    pub meetings: Vec<ListedMeeting>,
    /// Zoom's user id of the host (`host_id`), as webhooks name it.
    pub host_id: Option<String>,
    /// Empty on the last page.
    pub next_page_token: String,
}

impl ListPage {
    pub fn parse(body: &str) -> Option<ListPage> {
        let page: Value = serde_json::from_str(body).ok()?;
        let entries = page.get("meetings")?.as_array()?;
        let meetings = entries
            .iter()
            .filter_map(|m| {
                let start = m["start_time"]
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())?;
                let minutes = u32::try_from(m["duration"].as_u64()?).ok()?;
                Some(ListedMeeting {
                    id: m["id"].as_u64()?,
                    span: Span::of(start.with_timezone(&Utc), minutes),
                    marker: m["agenda"].as_str().and_then(Marker::in_agenda),
                })
            })
            .collect();
        let host_id = entries
            .iter()
            .find_map(|m| m["host_id"].as_str())
            .map(str::to_owned);
        Some(ListPage {
            meetings,
            host_id,
            next_page_token: page["next_page_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

impl ZoomMeeting {
    pub fn parse(body: &str) -> Option<ZoomMeeting> {
        serde_json::from_str(body).ok()
    }

    /// Ledger record for a meeting just created for `booking`. Zoom's echo of start, duration
    /// and timezone wins over the request, since it is what guests will see.
    pub fn into_record(
        self,
        booking_id: BookingId,
        host_user: &HostUser,
        booking: &ValidBooking,
        now: DateTime<Utc>,
    ) -> BookingRecord {
        BookingRecord {
            booking_id,
            status: BookingStatus::Scheduled,
            host_user: host_user.clone(),
            name: booking.name.clone(),
            email: booking.email.clone(),
            topic: booking.topic.clone(),
            event_type: booking.event_type.clone(),
            answers: booking.answers.clone(),
            meeting: MeetingDetails {
                id: self.id,
                uuid: self.uuid,
                join_url: self.join_url,
                password: self.password,
                pmi: self.pmi,
                start_time: self.start_time.unwrap_or(booking.start),
                duration: self.duration.unwrap_or(booking.duration_minutes),
                timezone: self
                    .timezone
                    .unwrap_or_else(|| booking.timezone.name().to_owned()),
            },
            created_at: now,
            lifecycle: Default::default(),
            attendance_totals: Default::default(),
            attendance: Vec::new(),
            recording: None,
            webhook_events: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time_zone::Zone;
    use chrono::TimeZone;

    fn booking() -> ValidBooking {
        ValidBooking {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            start: Utc.with_ymd_and_hms(2030, 1, 2, 0, 30, 0).unwrap(),
            timezone: Zone::known("Asia/Tokyo"),
            duration_minutes: 45,
            topic: "Intro".into(),
            agenda: None,
            event_type: "meeting".into(),
            answers: Vec::new(),
            settings: Default::default(),
            passcode: None,
        }
    }

    #[test]
    fn create_body_sends_utc_start_display_timezone_and_the_marker() {
        let marker = Marker::of("key", &"bk_1".into());
        let body = create_meeting_body(&booking(), &marker);
        assert_eq!(body["start_time"], "2030-01-02T00:30:00Z");
        assert_eq!(body["timezone"], "Asia/Tokyo");
        assert_eq!(body["type"], 2);
        assert_eq!(body["duration"], 45);
        assert_eq!(body["agenda"], format!("Ref: {}", marker.as_str()));
        let mut with_agenda = booking();
        with_agenda.agenda = Some("Plan".into());
        assert_eq!(
            create_meeting_body(&with_agenda, &marker)["agenda"],
            format!("Plan\n\nRef: {}", marker.as_str())
        );
    }

    #[test]
    fn a_booking_from_before_event_types_gets_the_built_in_settings_and_no_passcode() {
        let body = create_meeting_body(&booking(), &Marker::of("key", &"bk_1".into()));
        assert_eq!(
            body["settings"],
            json!({"join_before_host": false, "waiting_room": true, "approval_type": 2})
        );
        assert!(body.get("password").is_none());
    }

    #[test]
    fn a_typed_booking_sends_every_setting_of_its_type_and_its_passcode() {
        let mut b = booking();
        let settings = json!({"join_before_host": true, "waiting_room": false,
            "approval_type": 0, "auto_recording": "cloud", "jbh_time": 10});
        b.settings = settings.as_object().unwrap().clone();
        b.passcode = Some("042917".into());
        let body = create_meeting_body(&b, &Marker::of("key", &"bk_1".into()));
        assert_eq!(body["settings"], settings);
        assert_eq!(body["password"], "042917");
    }

    fn answer(label: &str, value: &str) -> crate::domain::booking::Answer {
        crate::domain::booking::Answer {
            id: label.to_lowercase(),
            label: label.into(),
            value: value.into(),
        }
    }

    #[test]
    fn answers_follow_the_agenda_one_line_each_before_the_reference() {
        let marker = Marker::of("key", &"bk_1".into());
        let mut b = booking();
        b.answers = vec![answer("Company", "Acme"), answer("Plan", "Pro")];
        let body = create_meeting_body(&b, &marker);
        let reference = format!("Ref: {}", marker.as_str());
        assert_eq!(
            body["agenda"],
            format!("Company: Acme\nPlan: Pro\n\n{reference}")
        );
        b.agenda = Some("Roadmap".into());
        let body = create_meeting_body(&b, &marker);
        assert_eq!(
            body["agenda"],
            format!("Roadmap\n\nCompany: Acme\nPlan: Pro\n\n{reference}")
        );
    }

    #[test]
    fn a_long_agenda_with_answers_is_cut_to_zoom_s_limit_keeping_the_reference() {
        let marker = Marker::of("key", &"bk_1".into());
        let mut b = booking();
        b.agenda = Some("a".repeat(MAX_AGENDA_CHARS));
        b.answers = vec![answer("Details", &"é".repeat(1500))];
        let body = create_meeting_body(&b, &marker);
        let agenda = body["agenda"].as_str().unwrap();
        assert_eq!(agenda.chars().count(), 2000);
        assert!(agenda.ends_with(&format!("…\n\nRef: {}", marker.as_str())));
        assert_eq!(Marker::in_agenda(agenda), Some(marker));
        // Exactly at the limit: nothing is cut.
        b.agenda = None;
        b.answers = vec![answer("D", &"x".repeat(MAX_AGENDA_CHARS - 3))];
        let agenda = create_meeting_body(&b, &Marker::of("key", &"bk_1".into()))["agenda"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(agenda.chars().count(), 2000);
        assert!(!agenda.contains('…'));
    }

    /// An answer is guest input, and a `long_text` one may hold a line that looks like
    /// another booking's reference. The service's own marker stays the agenda's last line,
    /// whether the agenda is cut or not, so the forged line is never read as the marker.
    #[test]
    fn a_forged_ref_line_in_an_answer_is_never_the_marker() {
        let victim = Marker::of("key", &"bk_victim".into());
        let mine = Marker::of("key", &"bk_guest".into());
        let forged = format!("Ref: {}", victim.as_str());
        for notes in [
            forged.clone(),
            format!("hello\n\n{forged}"),
            format!("{forged}\r\n\r\n"),
            format!("{}\n{forged}", "x".repeat(1990)),
        ] {
            let mut b = booking();
            b.agenda = Some(forged.clone());
            b.answers = vec![answer("Notes", &notes)];
            let agenda = create_meeting_body(&b, &mine)["agenda"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(agenda.chars().count() <= 2000);
            assert_eq!(Marker::in_agenda(&agenda), Some(mine.clone()), "{notes:?}");
        }
    }

    /// The most the answers can be (10 questions at the longest `max_length`, in
    /// multi-byte characters) after the longest guest agenda still gives Zoom at most 2000
    /// characters, ending with `…` and the reference.
    #[test]
    fn the_longest_agenda_and_answers_fit_zoom_s_limit() {
        let marker = Marker::of("key", &"bk_1".into());
        let mut b = booking();
        b.agenda = Some("日".repeat(MAX_AGENDA_CHARS));
        b.answers = (0..10)
            .map(|i| answer(&format!("Q{i}"), &"😀".repeat(2000)))
            .collect();
        let agenda = create_meeting_body(&b, &marker)["agenda"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(agenda.chars().count(), 2000);
        assert!(agenda.ends_with(&format!("…\n\nRef: {}", marker.as_str())));
        // Only answers: cut the same way.
        b.agenda = None;
        let agenda = create_meeting_body(&b, &marker)["agenda"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(agenda.chars().count(), 2000);
        assert_eq!(Marker::in_agenda(&agenda), Some(marker));
    }

    /// An attempt journaled before event types (its booking without `event_type`,
    /// `answers`, `settings`, `passcode`) read by the new code creates its meeting with the
    /// built-in settings, no passcode and the agenda as it was.
    #[test]
    fn an_attempt_journaled_before_event_types_creates_as_before() {
        let old = json!({
            "host": "h@example.com",
            "booking": {
                "name": "Ada", "email": "a@b.io", "start": "2030-03-02T09:00:00Z",
                "timezone": "UTC", "duration_minutes": 30, "topic": "T", "agenda": "Plan"
            }
        });
        let intent: crate::domain::booking::saga::Intent = serde_json::from_value(old).unwrap();
        let marker = Marker::of("key", &"bk_1".into());
        let body = create_meeting_body(&intent.booking, &marker);
        assert_eq!(
            body["settings"],
            json!({"join_before_host": false, "waiting_room": true, "approval_type": 2})
        );
        assert!(body.get("password").is_none());
        assert_eq!(body["agenda"], format!("Plan\n\nRef: {}", marker.as_str()));
        assert_eq!(intent.booking.event_type, "meeting");
    }

    #[test]
    fn host_path_is_escaped() {
        assert_eq!(create_meeting_path(&"me".into()), "/users/me/meetings");
        // A space cannot reach a path: it is no HostUser (see `HostUser::parse`).
        assert_eq!(
            create_meeting_path(&"a/b?c@x.io".into()),
            "/users/a%2Fb%3Fc@x.io/meetings"
        );
    }

    #[test]
    fn parsing_drops_start_url() {
        let zoom = r#"{"uuid":"abc==","id":86220627999,"host_id":"h","topic":"Intro","type":2,
            "start_time":"2030-01-02T00:30:00Z","duration":45,"timezone":"Asia/Tokyo",
            "start_url":"https://zoom.us/s/86220627999?zak=SECRET","join_url":"https://zoom.us/j/86220627999?pwd=p",
            "password":"216899"}"#;
        let meeting = ZoomMeeting::parse(zoom).unwrap();
        let record = meeting.into_record("bk_1".into(), &"me".into(), &booking(), Utc::now());
        let stored = serde_json::to_string(&record).unwrap();
        assert!(!stored.contains("zak") && !stored.contains("start_url"));
        assert_eq!(record.meeting.id, 86220627999);
        assert_eq!(record.meeting.password.as_deref(), Some("216899"));
        assert_eq!(record.meeting.start_time, booking().start);
    }

    #[test]
    fn a_listed_meeting_carries_the_marker_of_its_agenda() {
        let listed = |entry: Value| {
            let page = json!({ "meetings": [entry] }).to_string();
            ListPage::parse(&page).unwrap().meetings.remove(0)
        };
        let marker = Marker::of("key", &"bk_1".into());
        let entry = json!({"id": 1, "topic": "Intro", "start_time": "2030-01-02T00:30:00Z",
            "duration": 45, "agenda": marker.agenda(Some("Plan"))});
        assert_eq!(listed(entry).marker, Some(marker));
        let unmarked = json!({"id": 1, "topic": "Intro", "start_time": "2030-01-02T00:30:00Z",
            "duration": 45, "agenda": "Plan"});
        assert_eq!(listed(unmarked).marker, None);
        assert_eq!(
            list_path(&"a@b.io".into(), ListKind::Upcoming, "x y"),
            "/users/a@b.io/meetings?type=upcoming&page_size=300&next_page_token=x+y"
        );
        assert_eq!(
            list_path(&"a@b.io".into(), ListKind::Scheduled, ""),
            "/users/a@b.io/meetings?type=scheduled&page_size=300&next_page_token="
        );
    }

    #[test]
    fn a_pmi_meeting_keeps_both_ids() {
        for pmi in [r#""5641291234""#, "5641291234"] {
            let zoom = format!(
                r#"{{"id":86220627999,"join_url":"https://zoom.us/j/5641291234?pwd=p","pmi":{pmi}}}"#
            );
            let record = ZoomMeeting::parse(&zoom).unwrap().into_record(
                "bk_1".into(),
                &"me".into(),
                &booking(),
                Utc::now(),
            );
            assert_eq!(record.meeting.id, 86220627999);
            assert_eq!(record.meeting.pmi.as_deref(), Some("5641291234"));
        }
        let plain = ZoomMeeting::parse(r#"{"id":1,"join_url":"j","pmi":""}"#).unwrap();
        assert_eq!(plain.pmi, None);
    }

    #[test]
    fn list_pages_keep_slots_and_the_page_token() {
        let body = r#"{"next_page_token":"npt2","meetings":[
            {"id":11,"host_id":"KDcuGIm1QgePTO8WbOqwIQ","start_time":"2030-01-02T09:00:00Z","duration":30},
            {"id":12,"type":3,"duration":60},
            {"id":13,"start_time":"2030-01-02T10:00:00Z"}]}"#;
        let page = ListPage::parse(body).unwrap();
        let nine = Utc.with_ymd_and_hms(2030, 1, 2, 9, 0, 0).unwrap();
        assert_eq!(
            page.meetings,
            vec![ListedMeeting {
                id: 11,
                span: Span::of(nine, 30),
                marker: None,
            }]
        );
        assert_eq!(page.host_id.as_deref(), Some("KDcuGIm1QgePTO8WbOqwIQ"));
        assert_eq!(page.next_page_token, "npt2");
        let last = ListPage::parse(r#"{"meetings":[]}"#).unwrap();
        assert!(last.next_page_token.is_empty() && last.host_id.is_none());
        assert!(ListPage::parse(r#"{"code":124}"#).is_none());
    }

    #[test]
    fn reschedule_changes_only_the_schedule() {
        let change = Reschedule {
            start: Utc.with_ymd_and_hms(2030, 1, 3, 8, 0, 0).unwrap(),
            timezone: Zone::known("Europe/Berlin"),
            duration_minutes: 45,
        };
        assert_eq!(
            reschedule_body(&change),
            json!({"start_time": "2030-01-03T08:00:00Z", "duration": 45, "timezone": "Europe/Berlin"})
        );
        assert_eq!(meeting_path(5), "/meetings/5");
        assert_eq!(invitation_path(5), "/meetings/5/invitation");
    }

    #[test]
    fn unparseable_meeting_is_none() {
        assert!(ZoomMeeting::parse(r#"{"id":"not a number"}"#).is_none());
        assert!(ZoomMeeting::parse("<html>").is_none());
    }
}
