//! Server-to-Server OAuth: the token request and the reading of its answer.
//!
//! `POST {oauth}/oauth/token?grant_type=account_credentials&account_id=…` with Basic auth. The
//! answer has no refresh token; a token lives `expires_in` seconds (3599 on real Zoom).

use crate::domain::config::{Config, ZoomCredentials};
use crate::domain::secret::Secret;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Deserialize;

/// URL of the token request. `token_index` selects an independent token slot on accounts where
/// Zoom enabled it (see docs/design.md, legacy `token_index`); `None` sends no index.
pub fn token_url(config: &Config, token_index: Option<u8>) -> String {
    let mut url = format!(
        "{}/oauth/token?grant_type=account_credentials&account_id={}",
        config.oauth_base,
        form_urlencoded::byte_serialize(config.credentials.account_id.as_bytes())
            .collect::<String>()
    );
    if let Some(index) = token_index {
        url.push_str(&format!("&token_index={index}"));
    }
    url
}

/// `Authorization` header value: `Basic base64(client_id:client_secret)`.
pub fn basic_authorization(credentials: &ZoomCredentials) -> String {
    let pair = format!(
        "{}:{}",
        credentials.client_id.expose(),
        credentials.client_secret.expose()
    );
    format!("Basic {}", STANDARD.encode(pair))
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(PartialEq))]
pub struct TokenResponse {
    pub access_token: Secret,
    pub expires_in: u64,
}

/// Why a token could not be obtained. Carries no token material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFailure {
    /// Zoom refused the credentials or account id (4xx): retrying will not help.
    Rejected { status: u16 },
    /// Zoom's OAuth service failed (5xx, 429) or answered something unreadable.
    Unavailable { status: u16 },
}

/// Reads the token endpoint's answer.
pub fn read_token_response(status: u16, body: &str) -> Result<TokenResponse, TokenFailure> {
    match status {
        200 => serde_json::from_str::<TokenResponse>(body)
            .ok()
            .filter(|t| !t.access_token.is_empty() && t.expires_in > 0)
            .ok_or(TokenFailure::Unavailable { status }),
        429 => Err(TokenFailure::Unavailable { status }),
        400..=499 => Err(TokenFailure::Rejected { status }),
        _ => Err(TokenFailure::Unavailable { status }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_lookup(
            |k| {
                Some(
                    match k {
                        "ZOOM_ACCOUNT_ID" => "acc t&1",
                        "ZOOM_CLIENT_ID" => "client",
                        "ZOOM_CLIENT_SECRET" => "secret",
                        "ZOOM_OAUTH_BASE" => "http://127.0.0.1:1/",
                        "BOOKING_SIGNING_KEY" => "signing-key-0123456789abcdef-0123456789",
                        _ => return None,
                    }
                    .to_owned(),
                )
            },
            &crate::domain::time_zone::CompiledZones,
        )
        .unwrap()
    }

    #[test]
    fn token_url_escapes_account_and_adds_index() {
        assert_eq!(
            token_url(&config(), None),
            "http://127.0.0.1:1/oauth/token?grant_type=account_credentials&account_id=acc+t%261"
        );
        assert!(token_url(&config(), Some(2)).ends_with("&token_index=2"));
    }

    #[test]
    fn basic_header_matches_rfc7617() {
        // base64("client:secret")
        assert_eq!(
            basic_authorization(&config().credentials),
            "Basic Y2xpZW50OnNlY3JldA=="
        );
    }

    #[test]
    fn token_answers_are_classified() {
        assert_eq!(
            read_token_response(
                200,
                r#"{"access_token":"t","token_type":"bearer","expires_in":3599,"scope":"x"}"#
            ),
            Ok(TokenResponse {
                access_token: "t".into(),
                expires_in: 3599
            })
        );
        assert_eq!(
            read_token_response(200, "{}"),
            Err(TokenFailure::Unavailable { status: 200 })
        );
        assert_eq!(
            read_token_response(
                401,
                r#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#
            ),
            Err(TokenFailure::Rejected { status: 401 })
        );
        assert_eq!(
            read_token_response(400, "{}"),
            Err(TokenFailure::Rejected { status: 400 })
        );
        assert_eq!(
            read_token_response(503, ""),
            Err(TokenFailure::Unavailable { status: 503 })
        );
        assert_eq!(
            read_token_response(429, ""),
            Err(TokenFailure::Unavailable { status: 429 })
        );
    }
}
