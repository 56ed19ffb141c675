//! The operator (the person who deploys the service): authenticated by
//! `Authorization: Bearer <ADMIN_TOKEN>`; may read the status and any booking, never change one.

use crate::domain::api_error::ApiError;
use crate::domain::booking::manage_token::bearer;
use subtle::ConstantTimeEq;

/// Shortest operator token accepted: a guessable token would make the endpoint public.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

pub fn authorize(configured: Option<&str>, authorization: Option<&str>) -> Result<(), ApiError> {
    let configured = match configured.map(str::trim) {
        Some(token) if token.chars().count() >= MIN_ADMIN_TOKEN_CHARS => token,
        Some(_) => {
            return Err(ApiError::NotConfigured {
                problems: vec![format!(
                    "ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_CHARS} characters"
                )],
            })
        }
        None => {
            return Err(ApiError::NotConfigured {
                problems: vec!["ADMIN_TOKEN is missing".to_owned()],
            })
        }
    };
    let presented = bearer(authorization).unwrap_or_default();
    if bool::from(presented.as_bytes().ct_eq(configured.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef-operator";

    #[test]
    fn bearer_token_must_match_exactly() {
        assert_eq!(
            authorize(Some(TOKEN), Some(&format!("Bearer {TOKEN}"))),
            Ok(())
        );
        for header in [
            None,
            Some(""),
            Some(TOKEN),
            Some("Bearer "),
            Some("Bearer 0123456789abcdef-operatoR"),
            Some("Basic MDEyMzQ1Njc4OWFiY2RlZi1vcGVyYXRvcg=="),
        ] {
            assert_eq!(
                authorize(Some(TOKEN), header),
                Err(ApiError::Unauthorized),
                "{header:?}"
            );
        }
    }

    #[test]
    fn missing_or_weak_admin_token_is_an_operator_error() {
        for configured in [None, Some("short")] {
            let err = authorize(configured, Some("Bearer short")).unwrap_err();
            assert_eq!(err.code(), "not_configured");
        }
    }
}
