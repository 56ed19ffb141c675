//! Secret values: credentials, signing keys, access tokens. A `Secret`'s `Debug` never prints
//! it, and it has no `==`: an ordinary comparison stops at the first differing byte and so leaks
//! through timing; [`Secret::matches`] compares in constant time instead.

use serde::{Deserialize, Serialize};
use std::fmt;
use subtle::ConstantTimeEq;

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must send or sign with it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret, in time independent of where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(candidate.as_bytes()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }
}

/// Tests compare values that hold secrets (decisions, answers); production code cannot.
#[cfg(test)]
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

#[cfg(test)]
impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert_eq!(
            format!("{:#?}", Some(&secret)),
            "Some(\n    Secret([redacted]),\n)"
        );
    }

    #[test]
    fn matches_only_the_exact_value() {
        let secret = Secret::new("abc");
        assert!(secret.matches("abc"));
        for other in ["", "ab", "abcd", "abC"] {
            assert!(!secret.matches(other), "{other}");
        }
    }

    #[test]
    fn no_config_token_or_secret_type_prints_a_secret_in_debug() {
        use crate::domain::booking::idempotency::StoredAnswer;
        use crate::domain::config::Config;
        use crate::domain::coordinator::{ReserveOutcome, TokenGrant, TokenRequest};
        use crate::domain::time_zone::CompiledZones;
        use crate::domain::token_policy::IssuedToken;
        use crate::domain::turnstile::TurnstileConfig;
        use crate::domain::webhook::config::WebhookConfig;
        use crate::domain::zoom::oauth::read_token_response;

        const SECRETS: [(&str, &str); 7] = [
            ("ZOOM_CLIENT_ID", "client-id-S1"),
            ("ZOOM_CLIENT_SECRET", "client-secret-S2"),
            (
                "BOOKING_SIGNING_KEY",
                "signing-key-S3-0123456789abcdef-0123",
            ),
            ("ZOOM_WEBHOOK_SECRET_TOKEN", "webhook-secret-S4"),
            ("ZOOM_WEBHOOK_SECRET_TOKEN_PREVIOUS", "webhook-secret-S5"),
            ("TURNSTILE_SECRET_KEY", "turnstile-secret-S6"),
            ("ADMIN_TOKEN", "admin-token-S7-0123456789"),
        ];
        let lookup = |name: &str| {
            SECRETS
                .iter()
                .chain(&[("ZOOM_ACCOUNT_ID", "account")])
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        let token =
            read_token_response(200, r#"{"access_token":"access-S8","expires_in":3599}"#).unwrap();
        let answer = StoredAnswer {
            status: 201,
            body: serde_json::json!({"booking_id": "bk_1", "manage_token": "mt_owner-S9"}),
        };
        let issued = IssuedToken::from_response(token.clone(), 0);
        let printed = [
            format!("{:?}", Config::from_lookup(lookup, &CompiledZones).unwrap()),
            format!("{:?}", WebhookConfig::from_lookup(lookup).unwrap()),
            format!("{:?}", TurnstileConfig::from_lookup(lookup).unwrap()),
            format!("{token:?}"),
            format!("{issued:?}"),
            format!("{:?}", TokenGrant::Ok(issued.clone())),
            format!(
                "{:?}",
                TokenRequest {
                    rejected_token: Some(issued.access_token.clone())
                }
            ),
            format!("{:?}", ReserveOutcome::Replay(answer.clone())),
            format!("{answer:?}"),
        ];
        for debug in &printed {
            assert!(debug.contains("[redacted]"), "{debug}");
            let issued_secrets = ["access-S8", "mt_owner-S9"];
            for secret in SECRETS.iter().map(|(_, v)| *v).chain(issued_secrets) {
                assert!(!debug.contains(secret), "{secret} printed in {debug}");
            }
        }
    }

    #[test]
    fn serializes_as_the_plain_string_it_wraps() {
        let secret: Secret = serde_json::from_str("\"t0k\"").unwrap();
        assert_eq!(secret.expose(), "t0k");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"t0k\"");
    }
}
