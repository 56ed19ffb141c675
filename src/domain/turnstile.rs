//! Optional bot protection with Cloudflare Turnstile (OWASP API6: an attacker booking every
//! slot). With `TURNSTILE_SECRET_KEY` set, every booking must carry a Turnstile token
//! (`cf-turnstile-response`, as the widget puts it in the form, or as a header for `fetch`
//! clients) that Cloudflare's siteverify confirms. Anything but a clear "yes" refuses the
//! booking: a verifier that errs or is slow fails closed.

use crate::domain::api_error::ApiError;
use crate::domain::config::setting;
use crate::domain::secret::Secret;
use serde::Deserialize;

pub const DEFAULT_VERIFY_URL: &str = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
/// The form field (and header) that carries the token.
pub const TOKEN_FIELD: &str = "cf-turnstile-response";
/// Longest a token may be (Cloudflare: 2048 characters).
const MAX_TOKEN_CHARS: usize = 2048;
/// How long siteverify may take before the booking is refused.
pub const VERIFY_TIMEOUT_MS: u64 = 3_000;
/// Retry-After when the verifier failed.
const UNAVAILABLE_RETRY_AFTER_SECS: u32 = 5;

#[derive(Debug, Clone)]
pub struct TurnstileConfig {
    pub secret: Secret,
    pub verify_url: String,
    /// Shown in the booking page's widget, if set.
    pub site_key: Option<String>,
}

impl TurnstileConfig {
    /// `None` when `TURNSTILE_SECRET_KEY` is unset: bookings are not checked.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<TurnstileConfig> {
        let secret = setting(&lookup, "TURNSTILE_SECRET_KEY")?;
        Some(TurnstileConfig {
            secret: Secret::new(secret),
            verify_url: setting(&lookup, "TURNSTILE_VERIFY_URL")
                .unwrap_or_else(|| DEFAULT_VERIFY_URL.to_owned()),
            site_key: setting(&lookup, "TURNSTILE_SITE_KEY"),
        })
    }
}

/// The token a booking carries, checked for shape (a missing token is refused without asking
/// Cloudflare).
pub fn presented_token(token: Option<&str>) -> Result<&str, ApiError> {
    match token.map(str::trim) {
        Some(t) if !t.is_empty() && t.len() <= MAX_TOKEN_CHARS => Ok(t),
        _ => Err(ApiError::BotCheckFailed),
    }
}

/// The form body of a siteverify request.
pub fn verify_request_body(secret: &str, token: &str, remote_ip: Option<&str>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("secret", secret)
        .append_pair("response", token);
    if let Some(ip) = remote_ip {
        form.append_pair("remoteip", ip);
    }
    form.finish()
}

/// What siteverify says of a token that was valid once and is no more.
const SPENT: &str = "timeout-or-duplicate";

/// Why a booking's check did not pass: the answer (`error`), and whether Cloudflare said the
/// token was already spent or expired (`timeout-or-duplicate`). Only such a token was once
/// issued to someone who passed a challenge, as a retry after a lost answer re-sends it; a
/// missing or made-up token is refused without anything more being read
/// (`booking::replay::may_replay_refused`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRefused {
    pub error: ApiError,
    pub token_spent: bool,
}

impl From<ApiError> for CheckRefused {
    fn from(error: ApiError) -> Self {
        CheckRefused {
            error,
            token_spent: false,
        }
    }
}

#[derive(Deserialize)]
struct Verdict {
    success: bool,
    #[serde(default, rename = "error-codes")]
    error_codes: Vec<serde_json::Value>,
}

/// Reads siteverify's answer: only a 200 that says `"success": true` lets the booking through.
pub fn read_verdict(status: u16, body: &str) -> Result<(), CheckRefused> {
    if status != 200 {
        return Err(unreachable().into());
    }
    match serde_json::from_str::<Verdict>(body) {
        Ok(Verdict { success: true, .. }) => Ok(()),
        Ok(Verdict {
            success: false,
            error_codes,
        }) => Err(CheckRefused {
            error: ApiError::BotCheckFailed,
            token_spent: error_codes.iter().any(|code| code == SPENT),
        }),
        Err(_) => Err(unreachable().into()),
    }
}

/// The verifier could not be asked (network error or timeout): refuse.
pub fn unreachable() -> ApiError {
    ApiError::BotCheckUnavailable {
        retry_after: UNAVAILABLE_RETRY_AFTER_SECS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_clear_yes_passes() {
        assert_eq!(
            read_verdict(200, r#"{"success":true,"error-codes":[]}"#),
            Ok(())
        );
        let refused = |token_spent| {
            Err(CheckRefused {
                error: ApiError::BotCheckFailed,
                token_spent,
            })
        };
        assert_eq!(
            read_verdict(
                200,
                r#"{"success":false,"error-codes":["timeout-or-duplicate"]}"#
            ),
            refused(true)
        );
        // A token Cloudflare never issued (or none) was not spent: nothing more is read for it.
        for body in [
            r#"{"success":false,"error-codes":["invalid-input-response"]}"#,
            r#"{"success":false,"error-codes":[7]}"#,
            r#"{"success":false}"#,
        ] {
            assert_eq!(read_verdict(200, body), refused(false), "{body}");
        }
        for (status, body) in [
            (500, "{}"),
            (200, "<html>"),
            (200, "{}"),
            (429, r#"{"success":true}"#),
        ] {
            let refused = read_verdict(status, body).unwrap_err();
            assert!(!refused.token_spent);
            let err = refused.error;
            assert_eq!(
                (err.status(), err.code()),
                (503, "bot_check_unavailable"),
                "{status} {body}"
            );
        }
    }

    #[test]
    fn a_blank_token_fails_and_the_verify_request_is_form_encoded() {
        assert_eq!(presented_token(Some(" t ")), Ok("t"));
        for bad in [None, Some(""), Some("  ")] {
            assert_eq!(presented_token(bad), Err(ApiError::BotCheckFailed));
        }
        assert_eq!(
            verify_request_body("s&1", "t=2", Some("203.0.113.9")),
            "secret=s%261&response=t%3D2&remoteip=203.0.113.9"
        );
    }

    #[test]
    fn configuration_is_optional_and_the_secret_is_redacted() {
        assert!(TurnstileConfig::from_lookup(|_| None).is_none());
        let cfg = TurnstileConfig::from_lookup(|k| match k {
            "TURNSTILE_SECRET_KEY" => Some("0x-secret".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.verify_url, DEFAULT_VERIFY_URL);
        assert!(!format!("{cfg:?}").contains("0x-secret"));
    }
}
