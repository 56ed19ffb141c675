//! The coordinator's messages, and the one table of each message and the answer it gets.

use super::Message;
use crate::domain::api_error::{ApiError, FieldError, FieldErrorKind};
use crate::domain::availability::{Buffers, FreeMask, Starts};
use crate::domain::booking::host_pool::{NoFreeHost, Span};
use crate::domain::booking::idempotency::StoredAnswer;
use crate::domain::booking::replay::KeyedAnswer;
pub use crate::domain::booking::saga::CommitVerdict;
use crate::domain::booking::submit_limits::Submitter;
use crate::domain::booking::{Attendance, ValidBooking};
pub use crate::domain::booking::{BookingId, BookingRecord};
pub use crate::domain::event_types::mismatch::MismatchReport;
use crate::domain::rate_limits::{Category, ZoomBlock};
use crate::domain::secret::Secret;
use crate::domain::token_policy::IssuedToken;
pub use crate::domain::webhook::event::MeetingEvent;
use crate::domain::zoom::oauth::TokenFailure;
use crate::domain::zoom::HostUser;
use serde::{Deserialize, Serialize};

/// The table of every coordinator message and its answer. Calls `$callback!` with the whole
/// list, so each side generates what it needs from the one list (the `Message` impls here, the
/// dispatch in the Durable Object).
macro_rules! for_each_message {
    ($callback:ident) => {
        $callback! {
            TokenRequest => TokenGrant,
            PermitRequest => PermitAnswer,
            Zoom429Report => (),
            StatusRequest => serde_json::Value,
            ReserveRequest => ReserveOutcome,
            CommitBooking => CommitVerdict,
            CreateUnknown => (),
            ReleaseReservation => (),
            MoveReservation => ReserveOutcome,
            KeyedReplay => Option<KeyedAnswer>,
            GetBooking => Option<BookingRecord>,
            GetAttendance => Vec<Attendance>,
            RescheduleRequest => RescheduleOutcome,
            RescheduleCommit => Option<BookingRecord>,
            RescheduleRelease => (),
            RescheduleUnknown => (),
            CancelBooking => Option<BookingRecord>,
            HostSync => SyncOutcome,
            OrphanDeleted => (),
            MeetingEvent => (),
            AvailabilityRequest => AvailabilityAnswer,
        }
    };
}
#[cfg(target_arch = "wasm32")]
pub(crate) use for_each_message;

macro_rules! impl_message {
    ($($message:ident => $answer:ty),* $(,)?) => {
        $(impl Message for $message {
            const ROUTE: &'static str = concat!("/", stringify!($message));
            type Answer = $answer;
        })*
    };
}
for_each_message!(impl_message);

/// Asked before every Zoom API call: a per-second slot for one call of `category`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitRequest {
    pub category: Category,
    /// The call repeats one that failed (counted for the operator status).
    #[serde(default)]
    pub retry: bool,
    /// The call is the owner's read of this booking's invitation: counted against
    /// `OWNER_READ_LIMIT_PER_BOOKING` with the permit, refused when it is spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_read: Option<BookingId>,
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
    /// The owner's reads of the booking are spent for now (`booking::owner_limits`).
    TooManyChanges { retry_after: u32 },
}

pub type PermitAnswer = Result<PermitGrant, PermitDenied>;

impl From<PermitDenied> for ApiError {
    fn from(denied: PermitDenied) -> Self {
        match denied {
            PermitDenied::RateLimited { retry_after } => ApiError::ZoomRateLimited { retry_after },
            PermitDenied::TooManyChanges { retry_after } => {
                ApiError::TooManyChanges { retry_after }
            }
        }
    }
}

/// Zoom answered 429 anyway: the coordinator records the block it imposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zoom429Report {
    pub host: Option<HostUser>,
    pub block: ZoomBlock,
}

/// Asks for the current access token.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TokenRequest {
    /// A token Zoom just refused with code 124, so the coordinator replaces it if still current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_token: Option<Secret>,
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

/// The token, or why none could be had.
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

/// Before a meeting is created: idempotency, host and slot decided in one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveRequest {
    pub booking_id: BookingId,
    /// Stored idempotency key (`client:…` or the derived `auto:…`).
    pub idempotency_key: String,
    pub fingerprint: String,
    pub span: Span,
    /// Who books, for the per-IP and per-email limits.
    pub submitter: Submitter,
    /// The booking, journaled with the attempt so the coordinator can finish it without its
    /// handler (`booking::saga`).
    pub booking: ValidBooking,
    /// The hosts the booking's type takes (`host_pool::allowed_hosts`); `None`: the whole pool.
    #[serde(default)]
    pub hosts: Option<Vec<HostUser>>,
    /// The type's buffers (`Buffers::of`): what the slot must keep free around it, counted by
    /// `availability::loads_at` as the availability answer counts them. (Absent from an older
    /// worker: none.)
    #[serde(default)]
    pub buffers: Buffers,
}

/// Why the coordinator refused to go ahead with a booking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    KeyReused,
    InProgress {
        retry_after: u32,
    },
    SlotUnavailable,
    DailyQuotaExhausted {
        retry_after: u32,
    },
    Cancelled,
    NotFound,
    TooManyBookings {
        retry_after: u32,
    },
    /// The booking's owner made its allowance of reschedules for now.
    TooManyChanges {
        retry_after: u32,
    },
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
            Refusal::InProgress { retry_after } => ApiError::RequestInProgress { retry_after },
            Refusal::SlotUnavailable => ApiError::SlotUnavailable,
            Refusal::DailyQuotaExhausted { retry_after } => {
                ApiError::DailyQuotaExhausted { retry_after }
            }
            Refusal::Cancelled => ApiError::BookingCancelled,
            Refusal::NotFound => ApiError::NotFound,
            Refusal::TooManyBookings { retry_after } => ApiError::TooManyBookings { retry_after },
            Refusal::TooManyChanges { retry_after } => ApiError::TooManyChanges { retry_after },
        }
    }
}

/// What a `ReserveRequest` gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReserveOutcome {
    /// The slot is held on `host` (and its daily allowance taken): create the meeting, sent at
    /// `send_at_ms` (the create's per-second permit, granted in the same step) and never at or
    /// after `send_before_ms` (`saga::create_deadline`: the coordinator may then be proving that
    /// nothing was made).
    Reserved {
        host: HostUser,
        send_at_ms: i64,
        send_before_ms: i64,
    },
    /// The key already made a booking: this is its answer.
    Replay(StoredAnswer),
    Refused(Refusal),
    /// The per-second budget is spent for now; nothing was reserved.
    RateLimited(PermitDenied),
}

/// Read-only, and asked only when a booking's Turnstile check refused it under a client's key:
/// the answer that key already holds for this same request, or that it is still being made
/// (`booking::replay::replay_without_bot_check`), so a retry after a lost answer gets its
/// booking (or `409 request_in_progress`) although its Turnstile token is spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyedReplay {
    /// Stored idempotency key (only a `client:…` key can be answered).
    pub idempotency_key: String,
    pub fingerprint: String,
}

/// Zoom created the meeting: the booking, its slot and its answer become permanent, if the
/// attempt under the key is still this booking's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitBooking {
    pub record: BookingRecord,
    pub idempotency_key: String,
    pub answer: StoredAnswer,
    /// Settings Zoom made otherwise than sent, for the operator status: carried by the commit
    /// the booking sends anyway, so reporting them costs no round trip. Absent (and so absent
    /// from an older worker's commit) when Zoom made every setting as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_mismatch: Option<MismatchReport>,
}

/// The worker could not learn whether Zoom made the meeting: the coordinator takes the attempt
/// over and resolves it (`booking::saga`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateUnknown {
    pub booking_id: BookingId,
    pub idempotency_key: String,
}

/// The booking failed after its reservation, and Zoom certainly made no meeting: the key and
/// the slot are free again, and the email's count (`booking::give_back`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseReservation {
    pub booking_id: BookingId,
    pub idempotency_key: String,
    /// No create for it ever left the worker (`saga::AfterCreate::NeverSent`): the IP's count
    /// and the host's daily allowance are given back too. (Absent from an older worker: false.)
    #[serde(default)]
    pub never_sent: bool,
}

/// Before a meeting is moved at Zoom: holds the new slot on the booking's host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleRequest {
    pub booking_id: BookingId,
    pub span: Span,
    /// The booking's type's buffers, as for a new booking.
    #[serde(default)]
    pub buffers: Buffers,
}

/// The booking as it stands, or why it cannot move.
pub type RescheduleOutcome = Result<BookingRecord, Refusal>;

/// Zoom moved the meeting: the schedule Zoom now has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleCommit {
    pub booking_id: BookingId,
    #[serde(deserialize_with = "crate::domain::wire_time::one")]
    pub start_time: chrono::DateTime<chrono::Utc>,
    pub duration: u32,
    pub timezone: String,
}

/// Zoom refused the create on the reserved host with its daily limit (and made nothing): that
/// host's day is spent, and the same slot is held on another host with allowance, for the same
/// request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveReservation {
    pub booking_id: BookingId,
    pub idempotency_key: String,
    pub span: Span,
    /// The host Zoom refused.
    pub refused_host: HostUser,
    /// The hosts the booking's type takes, as reserved; `None`: the whole pool.
    #[serde(default)]
    pub hosts: Option<Vec<HostUser>>,
    /// The buffers of the booking's type, as reserved.
    #[serde(default)]
    pub buffers: Buffers,
}

/// Whether Zoom moved the meeting could not be learned: the new slot stays held past the next
/// Cron reconciliation, which moves the booking if Zoom did (a `meeting.updated` webhook may
/// do so sooner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleUnknown {
    pub booking_id: BookingId,
}

/// Zoom did not move the meeting: the new slot is let go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleRelease {
    pub booking_id: BookingId,
    /// The PATCH never left the worker: the host's Create/Update and the booking's reschedule
    /// count are given back (`booking::give_back`).
    #[serde(default)]
    pub never_sent: bool,
}

/// Zoom no longer has the meeting: the booking is cancelled and its slot freed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelBooking {
    pub booking_id: BookingId,
    /// Found by reconciliation (deleted at Zoom without a webhook), not asked for by the owner:
    /// counted for the operator.
    #[serde(default)]
    pub reconciled: bool,
}

/// Reads a booking from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetBooking {
    pub booking_id: BookingId,
}

/// Reads the attendance kept per participant for a booking (the operator's view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetAttendance {
    pub booking_id: BookingId,
}

/// Asks for the operator status (usage, blocks, token age; never token values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest {}

/// What a host's sync found: meetings made outside the service, bookings moved to follow Zoom,
/// and bookings whose meeting Zoom's list lacks (the worker asks Zoom about each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOutcome {
    pub made_elsewhere: usize,
    pub moved: usize,
    pub suspects: Vec<Suspect>,
    /// Meetings carrying the marker of an attempt released as "Zoom made nothing", with no
    /// booking: the worker deletes them (`booking::reconcile::orphans`).
    #[serde(default)]
    pub orphans: Vec<u64>,
}

/// The worker deleted an orphan meeting the sync found (counted for the operator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrphanDeleted {
    pub meeting_id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspect {
    pub booking_id: BookingId,
    pub meeting_id: u64,
}

/// A host's complete list of upcoming meetings, read from Zoom (the Cron Trigger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSync {
    pub host: HostUser,
    /// Zoom's user id for `host`, so webhooks (which name hosts by id) can be mapped to it.
    pub host_id: Option<String>,
    pub meetings: Vec<(u64, Span)>,
    /// The listed meetings whose agenda ends with a marker (`booking::marker`), as hex.
    #[serde(default)]
    pub markers: Vec<(u64, String)>,
    /// When the worker began reading the list (epoch ms): bookings changed since are newer
    /// than the list and left alone.
    pub listed_at_ms: i64,
}

/// `GET /v1/availability`: which of `starts` a booking of `duration_minutes` with `buffers`
/// could take now, on the `hosts` of its type. Counted toward the reader's
/// `AVAILABILITY_LIMIT_PER_IP` in the same step; reads nothing else and writes nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityRequest {
    /// The hosts the type takes (`host_pool::allowed_hosts`); `None`: the whole pool.
    #[serde(default)]
    pub hosts: Option<Vec<HostUser>>,
    /// The candidates the type's rules admit (`Offer::candidates`), ascending.
    pub starts: Starts,
    pub duration_minutes: u32,
    #[serde(default)]
    pub buffers: Buffers,
    /// The reader's address (`CF-Connecting-IP`), for the per-IP limit.
    #[serde(default)]
    pub ip: Option<String>,
}

/// Why an availability read was not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AvailabilityRefusal {
    /// The reader's address made its allowance of reads for now.
    TooManyRequests { retry_after: u32 },
    /// More starts than one question may carry (`availability::starts::MAX_STARTS`): never
    /// sent by this worker, refused rather than expanded into unbounded work.
    TooManyStarts,
}

/// Which starts are free (`1`), in the order asked, or why the read was refused.
pub type AvailabilityAnswer = Result<FreeMask, AvailabilityRefusal>;

impl From<AvailabilityRefusal> for ApiError {
    fn from(refusal: AvailabilityRefusal) -> Self {
        match refusal {
            AvailabilityRefusal::TooManyRequests { retry_after } => {
                ApiError::TooManyRequests { retry_after }
            }
            AvailabilityRefusal::TooManyStarts => FieldError::new(
                "to",
                FieldErrorKind::RangeTooLong,
                "Ask about fewer days at once.",
            )
            .into(),
        }
    }
}
