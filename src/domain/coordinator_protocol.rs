//! The internal protocol between the stateless fetch handler and the `ZoomCoordinator` Durable
//! Object. Both sides serialize these types, so they cannot drift apart.

use crate::domain::api_error::ApiError;
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

/// Body of `POST /permit`: one Zoom call of `category`. With `daily`, the call is a meeting
/// create or update and counts against a host's daily allowance: `host` names the meeting's
/// host, or `None` lets the coordinator pick one with allowance left (round-robin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitRequest {
    pub category: Category,
    pub daily: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The call repeats one that failed (counted for the operator status).
    #[serde(default)]
    pub retry: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitGrant {
    /// The host the allowance was taken from (for `daily` permits).
    pub host: Option<String>,
    /// The call's slot: send at this time (epoch ms), and not much later (see
    /// `rate_limits::too_late_to_send`).
    pub send_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermitDenied {
    /// Every eligible host has used its allowance for this UTC day.
    DailyQuotaExhausted { retry_after: u32 },
    /// The per-second budget (or a block Zoom imposed) would make the caller wait too long.
    RateLimited { retry_after: u32 },
}

pub type PermitAnswer = Result<PermitGrant, PermitDenied>;

impl From<PermitDenied> for ApiError {
    fn from(denied: PermitDenied) -> Self {
        match denied {
            PermitDenied::DailyQuotaExhausted { retry_after } => {
                ApiError::DailyQuotaExhausted { retry_after }
            }
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
