//! The public error contract of the HTTP API: every failure a client can see, mapped to a status,
//! a stable machine-readable `code` and (for Retry-After) a delay, in exactly one place.
//!
//! Wire shape: `{"error":{"code":"…","message":"…","field":"…"}}` (`field` only for field errors).

use crate::domain::webhook::signature::SignatureError;
use serde_json::{json, Value};
use std::borrow::Cow;

/// Why one field of a booking request was refused (422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the client sent it: a fixed name (`email`), or one built from the
    /// request (`answers.company`).
    pub field: Cow<'static, str>,
    pub kind: FieldErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    Missing,
    WrongType,
    InvalidEmail,
    InvalidStartTime,
    StartTimeInPast,
    StartTimeTooFar,
    UnknownTimezone,
    InvalidDuration,
    TooLong,
    InvalidText,
    UnknownType,
    InvalidAnswer,
    OutsideAvailability,
    RangeTooLong,
}

impl FieldErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Missing => "missing_field",
            Self::WrongType => "invalid_field",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidStartTime => "invalid_start_time",
            Self::StartTimeInPast => "start_time_in_past",
            Self::StartTimeTooFar => "start_time_too_far",
            Self::UnknownTimezone => "unknown_timezone",
            Self::InvalidDuration => "invalid_duration",
            Self::TooLong => "field_too_long",
            Self::InvalidText => "invalid_text",
            Self::UnknownType => "unknown_type",
            Self::InvalidAnswer => "invalid_answer",
            Self::OutsideAvailability => "outside_availability",
            Self::RangeTooLong => "range_too_long",
        }
    }
}

impl FieldError {
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        kind: FieldErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            kind,
            message: message.into(),
        }
    }
}

/// Every failure of a public request. Constructed anywhere, turned into HTTP only by the edge's
/// single `ApiError -> Response` conversion, which reads [`ApiError::status`], [`ApiError::body`]
/// and [`ApiError::retry_after`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400: the body could not be read as the declared content type.
    Malformed(String),
    /// 413: the body is larger than the API accepts.
    PayloadTooLarge { limit: usize },
    /// 415: neither JSON nor an HTML form.
    UnsupportedMediaType,
    /// 422: one field is missing or invalid.
    InvalidField(FieldError),
    /// 401: a webhook delivery that cannot be proven to come from Zoom.
    WebhookUnauthorized(SignatureError),
    /// 401: an operator endpoint without the right bearer token.
    Unauthorized,
    /// 404: no such route or resource.
    NotFound,
    /// 405: the route exists but not for this method.
    MethodNotAllowed { allow: String },
    /// 503: the deployment lacks required secrets or has invalid vars (operator error).
    NotConfigured { problems: Vec<String> },
    /// 503: Zoom's OAuth endpoint failed or could not be reached.
    ZoomAuthUnavailable { retry_after: u32 },
    /// 502: Zoom refused the configured credentials.
    ZoomAuthRejected,
    /// 503: Zoom's API could not be reached or timed out.
    ZoomUnavailable { retry_after: u32 },
    /// 503: Zoom rate-limited the account, or the per-second budget is spent for now.
    ZoomRateLimited { retry_after: u32 },
    /// 429: every host has used its daily Create/Update allowance; resets at 00:00 UTC.
    DailyQuotaExhausted { retry_after: u32 },
    /// 502: Zoom answered with a server error or something the worker cannot read.
    ZoomError { status: u16 },
    /// 502: Zoom refused a request the worker considered valid (e.g. an unknown host user).
    ZoomRejected { status: u16, zoom_code: Option<i64> },
    /// 503: the coordinator (Durable Object) failed; nothing was committed.
    CoordinatorUnavailable { retry_after: u32 },
    /// 503: Zoom may have made the meeting but its answer was lost; the coordinator is
    /// confirming the outcome. A retry under the same `Idempotency-Key` gets `409
    /// request_in_progress` until it is known, then the booking's one answer.
    OutcomePending { retry_after: u32 },
    /// 503: the booking took longer than its handler's lease: its create was not sent in time,
    /// or the service had already settled it as not made (a meeting Zoom made late is removed).
    /// Nothing is kept for it; submitting again books anew.
    BookingAbandoned,
    /// 400: an `Idempotency-Key` header or `idempotency_key` field that is empty or too long (or
    /// not a string), or a header and a field that differ.
    InvalidIdempotencyKey { max_chars: usize },
    /// 422: an `Idempotency-Key` already used for a different request.
    IdempotencyKeyReused,
    /// 409: the first request under this `Idempotency-Key` (or the same submission) is still
    /// being processed, or the booking is being changed by another request.
    RequestInProgress { retry_after: u32 },
    /// 409: no host is free for the requested time.
    SlotUnavailable,
    /// 409: the booking was cancelled; it can no longer be changed.
    BookingCancelled,
    /// 429: this IP address or email address made its allowance of bookings for now.
    TooManyBookings { retry_after: u32 },
    /// 429: the booking's owner made its allowance of reschedules (or invitation reads) for
    /// now (`booking::owner_limits`); nothing was changed or sent.
    TooManyChanges { retry_after: u32 },
    /// 429: this IP address made its allowance of availability reads for now
    /// (`AVAILABILITY_LIMIT_PER_IP`); its bookings are counted apart.
    TooManyRequests { retry_after: u32 },
    /// 403: bot protection is on and the booking's Turnstile token is missing or refused.
    BotCheckFailed,
    /// 503: bot protection is on and Turnstile's verifier failed or was too slow.
    BotCheckUnavailable { retry_after: u32 },
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) | Self::InvalidIdempotencyKey { .. } => 400,
            Self::PayloadTooLarge { .. } => 413,
            Self::UnsupportedMediaType => 415,
            Self::InvalidField(_) | Self::IdempotencyKeyReused => 422,
            Self::RequestInProgress { .. } | Self::SlotUnavailable | Self::BookingCancelled => 409,
            Self::WebhookUnauthorized(_) | Self::Unauthorized => 401,
            Self::BotCheckFailed => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::DailyQuotaExhausted { .. }
            | Self::TooManyBookings { .. }
            | Self::TooManyChanges { .. }
            | Self::TooManyRequests { .. } => 429,
            Self::ZoomAuthRejected | Self::ZoomError { .. } | Self::ZoomRejected { .. } => 502,
            Self::NotConfigured { .. }
            | Self::ZoomAuthUnavailable { .. }
            | Self::ZoomUnavailable { .. }
            | Self::ZoomRateLimited { .. }
            | Self::CoordinatorUnavailable { .. }
            | Self::OutcomePending { .. }
            | Self::BookingAbandoned
            | Self::BotCheckUnavailable { .. } => 503,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_request",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidField(f) => f.kind.code(),
            Self::WebhookUnauthorized(reason) => match reason {
                SignatureError::MissingSignature | SignatureError::MissingTimestamp => {
                    "webhook_signature_missing"
                }
                SignatureError::StaleTimestamp => "webhook_timestamp_out_of_range",
                SignatureError::MalformedSignature
                | SignatureError::MalformedTimestamp
                | SignatureError::Mismatch => "webhook_signature_invalid",
            },
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::NotConfigured { .. } => "not_configured",
            Self::ZoomAuthUnavailable { .. } => "zoom_auth_unavailable",
            Self::ZoomAuthRejected => "zoom_auth_rejected",
            Self::ZoomUnavailable { .. } => "zoom_unavailable",
            Self::ZoomRateLimited { .. } => "zoom_rate_limited",
            Self::DailyQuotaExhausted { .. } => "daily_quota_exhausted",
            Self::ZoomError { .. } => "zoom_error",
            Self::ZoomRejected { .. } => "zoom_rejected",
            Self::CoordinatorUnavailable { .. } => "coordinator_unavailable",
            Self::OutcomePending { .. } => "outcome_pending",
            Self::BookingAbandoned => "booking_abandoned",
            Self::InvalidIdempotencyKey { .. } => "invalid_idempotency_key",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::RequestInProgress { .. } => "request_in_progress",
            Self::SlotUnavailable => "slot_unavailable",
            Self::BookingCancelled => "booking_cancelled",
            Self::BotCheckFailed => "bot_check_failed",
            Self::TooManyBookings { .. } => "too_many_bookings",
            Self::TooManyChanges { .. } => "too_many_changes",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::BotCheckUnavailable { .. } => "bot_check_unavailable",
        }
    }

    /// Seconds for a `Retry-After` header; every 503 carries one.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Self::ZoomAuthUnavailable { retry_after }
            | Self::ZoomUnavailable { retry_after }
            | Self::ZoomRateLimited { retry_after }
            | Self::DailyQuotaExhausted { retry_after }
            | Self::CoordinatorUnavailable { retry_after }
            | Self::OutcomePending { retry_after }
            | Self::RequestInProgress { retry_after }
            | Self::BotCheckUnavailable { retry_after }
            | Self::TooManyBookings { retry_after }
            | Self::TooManyChanges { retry_after }
            | Self::TooManyRequests { retry_after } => Some(*retry_after),
            Self::NotConfigured { .. } => Some(60),
            Self::BookingAbandoned => Some(1),
            _ => None,
        }
    }

    /// `WWW-Authenticate` header value for 401 on bearer-protected endpoints.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        match self {
            Self::Unauthorized => Some("Bearer"),
            _ => None,
        }
    }

    /// `Allow` header value for 405.
    pub fn allow(&self) -> Option<&str> {
        match self {
            Self::MethodNotAllowed { allow } => Some(allow.as_str()),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::Malformed(detail) => format!("The request body could not be read: {detail}."),
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than {limit} bytes.")
            }
            Self::UnsupportedMediaType => "Send the booking as application/json or \
                 application/x-www-form-urlencoded."
                .to_owned(),
            Self::InvalidField(f) => f.message.clone(),
            // One message for every signature failure: a forger learns nothing from it.
            Self::WebhookUnauthorized(SignatureError::StaleTimestamp) => {
                "x-zm-request-timestamp is outside the accepted window.".to_owned()
            }
            Self::WebhookUnauthorized(_) => {
                "The delivery does not carry a valid x-zm-signature.".to_owned()
            }
            Self::Unauthorized => "Send a valid bearer token.".to_owned(),
            Self::NotFound => "No such resource.".to_owned(),
            Self::MethodNotAllowed { allow } => format!("Use one of: {allow}."),
            // Names of missing settings help the operator; they are not secret values.
            Self::NotConfigured { problems } => format!(
                "The booking service is not configured: {}. See docs/api.md, Configuration.",
                problems.join("; ")
            ),
            Self::ZoomAuthUnavailable { .. } => {
                "Zoom's sign-in service is unavailable; nothing was booked. Try again shortly."
                    .to_owned()
            }
            Self::ZoomAuthRejected => {
                "Zoom refused the service's credentials; nothing was booked.".to_owned()
            }
            // Also the answer to a reschedule or cancel whose outcome is unknown: it does not
            // claim that nothing happened.
            Self::ZoomUnavailable { .. } => {
                "Zoom could not be reached. Try again shortly.".to_owned()
            }
            Self::ZoomRateLimited { .. } => {
                "Zoom is rate-limiting this account; nothing was booked. Try again later."
                    .to_owned()
            }
            Self::DailyQuotaExhausted { .. } => {
                "Today's Zoom meeting allowance is used up; nothing was booked. It resets at \
                 00:00 UTC."
                    .to_owned()
            }
            Self::ZoomError { status } => format!("Zoom failed with status {status}."),
            Self::ZoomRejected { status, zoom_code } => match zoom_code {
                Some(code) => {
                    format!("Zoom refused the request (status {status}, code {code}).")
                }
                None => format!("Zoom refused the request (status {status})."),
            },
            Self::CoordinatorUnavailable { .. } => {
                "The booking coordinator did not answer; the request may not have been recorded. \
                 Try again shortly."
                    .to_owned()
            }
            Self::OutcomePending { .. } => "Zoom may have made this meeting, but its answer was \
                 lost; the outcome is being confirmed. Ask again with the same Idempotency-Key \
                 to get the booking. Without a key, submit the same form again shortly: you get \
                 the booking if it was completed, or a new one."
                .to_owned(),
            Self::BookingAbandoned => "The booking took too long to complete and was \
                 abandoned; nothing is kept for it (a meeting Zoom made late is removed). Submit \
                 it again."
                .to_owned(),
            Self::InvalidIdempotencyKey { max_chars } => {
                format!(
                    "The Idempotency-Key header (or idempotency_key field) must be 1 to \
                     {max_chars} characters, and the two must agree when both are sent."
                )
            }
            Self::IdempotencyKeyReused => "This Idempotency-Key was already used for a \
                 different request; use a new key for a new booking."
                .to_owned(),
            Self::RequestInProgress { .. } => "The same request is still being processed; \
                 retry shortly to get its answer."
                .to_owned(),
            Self::SlotUnavailable => "No host is free at that time; nothing was booked. \
                 Choose another time."
                .to_owned(),
            Self::BookingCancelled => {
                "The booking was cancelled and can no longer be changed.".to_owned()
            }
            Self::TooManyBookings { .. } => {
                "Too many bookings from this address for now; nothing was booked.".to_owned()
            }
            Self::TooManyChanges { .. } => "This booking was changed or read too often for \
                 now; nothing was changed. Try again after Retry-After seconds."
                .to_owned(),
            Self::TooManyRequests { .. } => "Too many availability requests from this \
                 address for now. Try again after Retry-After seconds."
                .to_owned(),
            Self::BotCheckFailed => "The anti-bot check did not pass; nothing was booked. \
                 Reload the form and try again."
                .to_owned(),
            Self::BotCheckUnavailable { .. } => "The anti-bot check could not be completed; \
                 nothing was booked. Try again shortly."
                .to_owned(),
        }
    }

    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code(), "message": self.message() });
        if let Self::InvalidField(f) = self {
            error["field"] = Value::from(f.field.as_ref());
        }
        json!({ "error": error })
    }
}

impl From<FieldError> for ApiError {
    fn from(f: FieldError) -> Self {
        Self::InvalidField(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_422_with_field_in_body() {
        let err: ApiError =
            FieldError::new("email", FieldErrorKind::InvalidEmail, "Not an email.").into();
        assert_eq!(err.status(), 422);
        assert_eq!(
            err.body(),
            json!({"error":{"code":"invalid_email","message":"Not an email.","field":"email"}})
        );
        assert_eq!(err.retry_after(), None);
    }

    #[test]
    fn every_503_carries_retry_after() {
        let all = [
            ApiError::NotConfigured {
                problems: vec!["ZOOM_CLIENT_ID is missing".into()],
            },
            ApiError::ZoomAuthUnavailable { retry_after: 5 },
            ApiError::ZoomUnavailable { retry_after: 5 },
            ApiError::ZoomRateLimited { retry_after: 7 },
            ApiError::CoordinatorUnavailable { retry_after: 2 },
            ApiError::OutcomePending { retry_after: 5 },
            ApiError::BookingAbandoned,
            ApiError::BotCheckUnavailable { retry_after: 5 },
        ];
        for err in all {
            assert_eq!(err.status(), 503, "{err:?}");
            assert!(err.retry_after().is_some(), "{err:?}");
            assert!(err.body()["error"].get("field").is_none());
        }
    }

    #[test]
    fn zoom_side_failures_are_502() {
        for err in [
            ApiError::ZoomAuthRejected,
            ApiError::ZoomError { status: 500 },
            ApiError::ZoomRejected {
                status: 404,
                zoom_code: Some(1001),
            },
        ] {
            assert_eq!(err.status(), 502);
            assert_eq!(err.retry_after(), None);
        }
    }

    #[test]
    fn booking_conflicts_are_distinct_409s_and_key_misuse_is_a_client_error() {
        let conflicts = [
            ApiError::RequestInProgress { retry_after: 1 },
            ApiError::SlotUnavailable,
            ApiError::BookingCancelled,
        ];
        let codes: Vec<_> = conflicts.iter().map(ApiError::code).collect();
        assert_eq!(
            codes,
            [
                "request_in_progress",
                "slot_unavailable",
                "booking_cancelled"
            ]
        );
        assert!(conflicts.iter().all(|e| e.status() == 409));
        assert_eq!(conflicts[0].retry_after(), Some(1));
        assert_eq!(ApiError::IdempotencyKeyReused.status(), 422);
        assert_eq!(
            ApiError::InvalidIdempotencyKey { max_chars: 255 }.status(),
            400
        );
    }

    #[test]
    fn availability_reads_past_their_limit_are_429_too_many_requests_with_retry_after() {
        let err = ApiError::TooManyRequests { retry_after: 12 };
        assert_eq!(
            (err.status(), err.code(), err.retry_after()),
            (429, "too_many_requests", Some(12))
        );
    }

    #[test]
    fn owner_limits_are_429_too_many_changes_with_retry_after() {
        let err = ApiError::TooManyChanges { retry_after: 3600 };
        assert_eq!(
            (err.status(), err.code(), err.retry_after()),
            (429, "too_many_changes", Some(3600))
        );
    }

    #[test]
    fn not_configured_names_settings_only() {
        let err = ApiError::NotConfigured {
            problems: vec!["ZOOM_CLIENT_SECRET is missing".into()],
        };
        assert_eq!(err.code(), "not_configured");
        assert!(err.message().contains("ZOOM_CLIENT_SECRET is missing"));
    }
}
