//! The internal protocol between the stateless fetch handler and the `ZoomCoordinator` Durable
//! Object. Both sides serialize these types, so they cannot drift apart.

use crate::domain::api_error::ApiError;
use crate::domain::booking::host_pool::{NoFreeHost, Span};
use crate::domain::booking::idempotency::StoredAnswer;
use crate::domain::booking::submit_limits::Submitter;
use crate::domain::booking::BookingRecord;
use crate::domain::rate_limits::{Category, ZoomBlock};
use crate::domain::token_policy::IssuedToken;
use crate::domain::zoom::oauth::TokenFailure;
use serde::{Deserialize, Serialize};

pub const TOKEN_PATH: &str = "/token";
pub const BOOKINGS_PREFIX: &str = "/bookings/";
/// `POST` a `MeetingEvent` (a verified webhook delivery) to apply it to its booking once.
pub const WEBHOOK_EVENTS_PATH: &str = "/webhook-events";
/// `POST` a `PermitRequest` before every Zoom API call.
pub const PERMIT_PATH: &str = "/permit";
/// `POST` a `Zoom429Report` when Zoom answered 429 anyway.
pub const ZOOM_429_PATH: &str = "/zoom-429";
/// `GET` the operator status.
pub const STATUS_PATH: &str = "/status";
/// `POST` a `ReserveRequest` before creating a meeting: idempotency, host and slot in one step.
pub const RESERVE_PATH: &str = "/reservations";
/// `POST` a `CommitBooking` once Zoom created the meeting.
pub const COMMIT_PATH: &str = "/reservations/commit";
/// `POST` a `ReleaseReservation` when the booking failed after its reservation.
pub const RELEASE_PATH: &str = "/reservations/release";
/// `POST` a `RescheduleRequest` before moving a meeting at Zoom.
pub const RESCHEDULE_PATH: &str = "/reschedules";
/// `POST` a `RescheduleCommit` once Zoom moved the meeting.
pub const RESCHEDULE_COMMIT_PATH: &str = "/reschedules/commit";
/// `POST` a `RescheduleRelease` when Zoom did not move it.
pub const RESCHEDULE_RELEASE_PATH: &str = "/reschedules/release";
/// `POST` a `CancelBooking` once Zoom no longer has the meeting.
pub const CANCEL_PATH: &str = "/cancellations";
/// `POST` a `HostSync`: a host's complete list of upcoming meetings, read from Zoom.
pub const HOST_SYNC_PATH: &str = "/host-sync";

/// Body of `POST /permit`: one Zoom call of `category`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitRequest {
    pub category: Category,
    /// The call repeats one that failed (counted for the operator status).
    #[serde(default)]
    pub retry: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitGrant {
    /// The call's slot: send at this time (epoch ms), and not much later (see
    /// `rate_limits::too_late_to_send`).
    pub send_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermitDenied {
    /// The per-second budget (or a block Zoom imposed) would make the caller wait too long.
    RateLimited { retry_after: u32 },
}

pub type PermitAnswer = Result<PermitGrant, PermitDenied>;

impl From<PermitDenied> for ApiError {
    fn from(denied: PermitDenied) -> Self {
        match denied {
            PermitDenied::RateLimited { retry_after } => ApiError::ZoomRateLimited { retry_after },
        }
    }
}

/// Body of `POST /zoom-429`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zoom429Report {
    pub host: Option<String>,
    pub block: ZoomBlock,
}

/// Body of `POST /token`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// A token Zoom just refused with code 124, so the coordinator replaces it if still current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_token: Option<String>,
}

/// Why the coordinator could not hand out a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenGrantError {
    /// Zoom refused the credentials.
    Rejected,
    /// Zoom's OAuth service failed or could not be reached.
    Unavailable,
}

/// Body of the answer to `POST /token`.
pub type TokenGrant = Result<IssuedToken, TokenGrantError>;

/// How long a client should wait after the OAuth service failed.
const AUTH_RETRY_AFTER_SECS: u32 = 5;

impl From<TokenFailure> for TokenGrantError {
    fn from(failure: TokenFailure) -> Self {
        match failure {
            TokenFailure::Rejected { .. } => Self::Rejected,
            TokenFailure::Unavailable { .. } => Self::Unavailable,
        }
    }
}

impl From<TokenGrantError> for ApiError {
    fn from(err: TokenGrantError) -> Self {
        match err {
            TokenGrantError::Rejected => ApiError::ZoomAuthRejected,
            TokenGrantError::Unavailable => ApiError::ZoomAuthUnavailable {
                retry_after: AUTH_RETRY_AFTER_SECS,
            },
        }
    }
}

/// Body of `POST /reservations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveRequest {
    pub booking_id: String,
    /// Stored idempotency key (`client:…` or the derived `auto:…`).
    pub idempotency_key: String,
    pub fingerprint: String,
    pub span: Span,
    /// Who books, for the per-IP and per-email limits.
    pub submitter: Submitter,
}

/// Why the coordinator refused to go ahead with a booking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    KeyReused,
    InProgress,
    SlotUnavailable,
    DailyQuotaExhausted { retry_after: u32 },
    Cancelled,
    NotFound,
    TooManyBookings { retry_after: u32 },
}

impl Refusal {
    /// Why no host can take a slot; a spent allowance resets in `quota_resets_in` seconds.
    pub fn no_free_host(reason: NoFreeHost, quota_resets_in: u32) -> Refusal {
        match reason {
            NoFreeHost::SlotTaken => Refusal::SlotUnavailable,
            NoFreeHost::QuotaExhausted => Refusal::DailyQuotaExhausted {
                retry_after: quota_resets_in,
            },
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::KeyReused => ApiError::IdempotencyKeyReused,
            Refusal::InProgress => ApiError::RequestInProgress { retry_after: 1 },
            Refusal::SlotUnavailable => ApiError::SlotUnavailable,
            Refusal::DailyQuotaExhausted { retry_after } => {
                ApiError::DailyQuotaExhausted { retry_after }
            }
            Refusal::Cancelled => ApiError::BookingCancelled,
            Refusal::NotFound => ApiError::NotFound,
            Refusal::TooManyBookings { retry_after } => ApiError::TooManyBookings { retry_after },
        }
    }
}

/// Answer to `POST /reservations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReserveOutcome {
    /// The slot is held on `host` (and its daily allowance taken): create the meeting, sent at
    /// `send_at_ms` (the create's per-second permit, granted in the same step).
    Reserved {
        host: String,
        send_at_ms: i64,
    },
    /// The key already made a booking: this is its answer.
    Replay(StoredAnswer),
    Refused(Refusal),
    /// The per-second budget is spent for now; nothing was reserved.
    RateLimited(PermitDenied),
}

/// Body of `POST /reservations/commit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitBooking {
    pub record: BookingRecord,
    pub idempotency_key: String,
    pub fingerprint: String,
    /// How long the key's answer is replayed.
    pub key_retention_ms: i64,
    pub answer: StoredAnswer,
}

/// Body of `POST /reservations/release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseReservation {
    pub booking_id: String,
    pub idempotency_key: String,
    /// Keep the slot held until its lease lapses: the meeting may exist at Zoom after all.
    pub keep_slot: bool,
}

/// Body of `POST /reschedules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleRequest {
    pub booking_id: String,
    pub span: Span,
}

/// Answer to `POST /reschedules`: the booking as it stands, or why it cannot move.
pub type RescheduleOutcome = Result<BookingRecord, Refusal>;

/// Body of `POST /reschedules/commit`: the schedule Zoom now has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleCommit {
    pub booking_id: String,
    pub start_time: chrono::DateTime<chrono::Utc>,
    pub duration: u32,
    pub timezone: String,
}

/// Body of `POST /reschedules/release` and `POST /cancellations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRef {
    pub booking_id: String,
}

/// Body of `POST /host-sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSync {
    pub host: String,
    /// Zoom's user id for `host`, so webhooks (which name hosts by id) can be mapped to it.
    pub host_id: Option<String>,
    pub meetings: Vec<(u64, Span)>,
}

pub fn booking_path(booking_id: &str) -> String {
    format!("{BOOKINGS_PREFIX}{booking_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_round_trips_as_json() {
        let ok: TokenGrant = Ok(IssuedToken {
            access_token: "t".into(),
            issued_at_ms: 1,
            expires_at_ms: 2,
        });
        let err: TokenGrant = Err(TokenGrantError::Unavailable);
        for grant in [ok, err] {
            let wire = serde_json::to_string(&grant).unwrap();
            assert_eq!(serde_json::from_str::<TokenGrant>(&wire).unwrap(), grant);
        }
        assert_eq!(
            serde_json::to_string(&TokenRequest::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn grant_errors_map_to_public_errors() {
        assert_eq!(ApiError::from(TokenGrantError::Rejected).status(), 502);
        let unavailable = ApiError::from(TokenGrantError::Unavailable);
        assert_eq!(unavailable.status(), 503);
        assert_eq!(unavailable.retry_after(), Some(5));
    }
}
