//! The booking ledger entry and what a client is shown of it.
//!
//! The record never holds the host's `start_url` (it embeds the host's ZAK): the worker has no use
//! for it, so it is dropped when Zoom's answer is parsed and cannot leak from here.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Scheduled,
}

/// The guest-facing facts of a Zoom meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetails {
    /// Zoom's meeting id: the key for every API call about this meeting.
    pub id: u64,
    pub uuid: String,
    pub join_url: String,
    pub password: Option<String>,
    pub start_time: DateTime<Utc>,
    pub duration: u32,
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRecord {
    pub booking_id: String,
    pub status: BookingStatus,
    pub host_user: String,
    pub name: String,
    pub email: String,
    pub topic: String,
    pub meeting: MeetingDetails,
    pub created_at: DateTime<Utc>,
}

/// `bk_` + 128 random bits, URL-safe: unguessable and safe in paths.
pub fn booking_id_from_random(random: [u8; 16]) -> String {
    format!("bk_{}", URL_SAFE_NO_PAD.encode(random))
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
                "start_time": rfc3339_utc(m.start_time),
                "duration": m.duration,
                "timezone": m.timezone,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn booking_ids_are_prefixed_url_safe_and_distinct() {
        let a = booking_id_from_random([0xff; 16]);
        let b = booking_id_from_random([0x00; 16]);
        assert_eq!(a, "bk______________________w");
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 22);
    }

    #[test]
    fn public_view_has_the_documented_shape() {
        let record = BookingRecord {
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
                start_time: Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap(),
                duration: 30,
                timezone: "Asia/Tokyo".into(),
            },
            created_at: Utc.with_ymd_and_hms(2029, 12, 1, 0, 0, 0).unwrap(),
        };
        assert_eq!(
            record.public_view(),
            json!({
                "booking_id": "bk_x",
                "status": "scheduled",
                "meeting": {
                    "id": 85012345678u64,
                    "join_url": "https://zoom.us/j/85012345678?pwd=x",
                    "password": "123456",
                    "start_time": "2030-01-02T03:04:05Z",
                    "duration": 30,
                    "timezone": "Asia/Tokyo"
                }
            })
        );
    }
}
