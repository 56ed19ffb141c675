//! Who may see or change a booking: its owner (the `manage_token` from the 201 answer), and for
//! reading only, the operator (`ADMIN_TOKEN`). Everyone else learns nothing, not even whether the
//! booking exists: a wrong token is `404 not_found` whatever the id, no token is `401`.

use crate::domain::api_error::ApiError;
use crate::domain::booking::manage_token::{bearer, verify};
use crate::domain::booking::BookingId;
use crate::domain::operator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read, reschedule, cancel.
    Owner,
    /// Read only.
    Operator,
}

pub fn authorize(
    signing_key: &str,
    admin_token: Option<&str>,
    booking_id: &BookingId,
    authorization: Option<&str>,
) -> Result<Access, ApiError> {
    let Some(presented) = bearer(authorization) else {
        return Err(ApiError::Unauthorized);
    };
    if verify(signing_key, booking_id, presented) {
        return Ok(Access::Owner);
    }
    if operator::authorize(admin_token, authorization).is_ok() {
        return Ok(Access::Operator);
    }
    Err(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::manage_token::issue;

    const KEY: &str = "test-signing-key-0123456789abcdef";
    const ADMIN: &str = "operator-token-0123456789";

    fn check(booking_id: &str, header: Option<&str>) -> Result<Access, ApiError> {
        authorize(KEY, Some(ADMIN), &booking_id.into(), header)
    }

    #[test]
    fn owners_and_operators_get_in_and_strangers_do_not() {
        let owner = format!("Bearer {}", issue(KEY, &"bk_a".into()));
        assert_eq!(check("bk_a", Some(&owner)), Ok(Access::Owner));
        assert_eq!(
            check("bk_a", Some(&format!("Bearer {ADMIN}"))),
            Ok(Access::Operator)
        );
        // A's token on B, a garbled token, no token.
        assert_eq!(check("bk_b", Some(&owner)), Err(ApiError::NotFound));
        assert_eq!(
            check("bk_a", Some("Bearer mt_xyz")),
            Err(ApiError::NotFound)
        );
        assert_eq!(check("bk_a", None), Err(ApiError::Unauthorized));
        assert_eq!(
            check("bk_a", Some("Basic abc")),
            Err(ApiError::Unauthorized)
        );
        // Without an operator token configured, only owners get in.
        assert_eq!(
            authorize(KEY, None, &"bk_a".into(), Some(&format!("Bearer {ADMIN}"))),
            Err(ApiError::NotFound)
        );
    }
}
