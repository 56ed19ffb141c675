//! When a Zoom access token may be used, when the coordinator refreshes it, and what the
//! coordinator does when a caller reports a token as rejected.
//!
//! The timeline of one token of lifetime L (3599 s on Zoom):
//! - `refresh_due`: L - lead. The coordinator's alarm issues the next token here, so callers
//!   never meet an expired token and never wait on a token request.
//! - `usable until`: L - margin. Callers (isolate memory, KV) stop using it here; the margin
//!   covers clock skew and request time. margin < lead, so a fresh token is always in place first.

use crate::domain::secret::Secret;
use crate::domain::zoom::oauth::TokenResponse;
use serde::{Deserialize, Serialize};

const SECOND_MS: i64 = 1000;
/// KV refuses expirations less than 60 s ahead.
const KV_MIN_TTL_SECS: i64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(test, derive(PartialEq))]
pub struct IssuedToken {
    pub access_token: Secret,
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
}

impl IssuedToken {
    pub fn from_response(response: TokenResponse, now_ms: i64) -> Self {
        let lifetime_ms = i64::try_from(response.expires_in)
            .unwrap_or(i64::MAX / SECOND_MS)
            .saturating_mul(SECOND_MS);
        Self {
            access_token: response.access_token,
            issued_at_ms: now_ms,
            expires_at_ms: now_ms.saturating_add(lifetime_ms),
        }
    }

    fn lifetime_ms(&self) -> i64 {
        (self.expires_at_ms - self.issued_at_ms).max(0)
    }

    /// Stop using a token 1/20 of its life (1 s .. 60 s) before it expires.
    fn use_margin_ms(&self) -> i64 {
        (self.lifetime_ms() / 20).clamp(SECOND_MS, 60 * SECOND_MS)
    }

    /// Refresh 1/10 of its life (2 s .. 5 min) before it expires.
    fn refresh_lead_ms(&self) -> i64 {
        (self.lifetime_ms() / 10).clamp(2 * SECOND_MS, 300 * SECOND_MS)
    }

    pub fn usable_at(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms - self.use_margin_ms()
    }

    pub fn refresh_due_ms(&self) -> i64 {
        self.expires_at_ms - self.refresh_lead_ms()
    }

    /// Absolute KV expiration (epoch seconds) matching the end of usability, or `None` when that
    /// is too close for KV to accept (the token is then served from the coordinator only).
    pub fn kv_expiration_secs(&self, now_ms: i64) -> Option<u64> {
        let until_secs = (self.expires_at_ms - self.use_margin_ms()).div_euclid(SECOND_MS);
        (until_secs - now_ms.div_euclid(SECOND_MS) >= KV_MIN_TTL_SECS).then_some(until_secs as u64)
    }
}

#[derive(Debug, Clone)]
#[cfg_attr(test, derive(PartialEq))]
pub enum TokenDecision {
    /// Hand this token to the caller.
    Use(IssuedToken),
    /// Obtain a new token (joining a refresh already under way).
    Refresh,
}

/// The coordinator's rule for a token request. `rejected` is the token the caller saw Zoom
/// refuse (401 code 124), if any. Only a rejection of the *current* token causes a refresh: a
/// report about an older token is answered with the newer one, so a burst of callers holding
/// the same stale token causes at most one token request.
pub fn decide(current: Option<&IssuedToken>, rejected: Option<&str>, now_ms: i64) -> TokenDecision {
    match current {
        Some(token)
            if token.usable_at(now_ms)
                && !rejected.is_some_and(|r| token.access_token.matches(r)) =>
        {
            TokenDecision::Use(token.clone())
        }
        _ => TokenDecision::Refresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_900_000_000_000;

    fn token(name: &str, lifetime_secs: u64) -> IssuedToken {
        IssuedToken::from_response(
            TokenResponse {
                access_token: name.into(),
                expires_in: lifetime_secs,
            },
            NOW,
        )
    }

    #[test]
    fn an_hour_long_zoom_token_is_refreshed_early_and_dropped_before_expiry() {
        let t = token("a", 3599);
        assert_eq!(t.expires_at_ms, NOW + 3_599_000);
        // Refreshed 5 minutes early, abandoned by callers 1 minute early.
        assert_eq!(t.refresh_due_ms(), NOW + 3_299_000);
        assert!(t.usable_at(NOW + 3_538_999));
        assert!(!t.usable_at(NOW + 3_539_000));
        assert_eq!(t.kv_expiration_secs(NOW), Some((NOW / 1000) as u64 + 3539));
    }

    #[test]
    fn refresh_always_precedes_end_of_use() {
        for lifetime in [1, 2, 5, 30, 60, 120, 600, 3599, 86_400] {
            let t = token("a", lifetime);
            assert!(
                t.refresh_due_ms() <= t.expires_at_ms - t.use_margin_ms(),
                "lifetime {lifetime}"
            );
        }
    }

    #[test]
    fn short_tokens_skip_kv() {
        assert_eq!(token("a", 30).kv_expiration_secs(NOW), None);
        assert!(token("a", 120).kv_expiration_secs(NOW).is_some());
        // Late in life, even a long token is too close to its end for KV.
        let t = token("a", 3599);
        assert_eq!(t.kv_expiration_secs(NOW + 3_480_000), None);
    }

    #[test]
    fn a_token_is_refreshed_when_absent_refused_or_expired_and_reused_otherwise() {
        let current = token("current", 3599);
        assert_eq!(decide(None, None, NOW), TokenDecision::Refresh);
        assert_eq!(
            decide(Some(&current), None, NOW),
            TokenDecision::Use(current.clone())
        );
        // Someone reports an older token: they get the current one, no refresh.
        assert_eq!(
            decide(Some(&current), Some("older"), NOW),
            TokenDecision::Use(current.clone())
        );
        // The current token itself was refused: refresh.
        assert_eq!(
            decide(Some(&current), Some("current"), NOW),
            TokenDecision::Refresh
        );
        // Past its usable life: refresh.
        assert_eq!(
            decide(Some(&current), None, NOW + 3_540_000),
            TokenDecision::Refresh
        );
    }
}
