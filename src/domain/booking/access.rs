//! Who may see or change a booking: its owner (the `manage_token` from the 201 answer), and for
//! reading only, the operator (`ADMIN_TOKEN`). Everyone else learns nothing, not even whether the
//! booking exists: a wrong token is `404 not_found` whatever the id, no token is `401`.

use crate::domain::api_error::ApiError;
use crate::domain::booking::manage_token::{bearer, verify};
use crate::domain::booking::{BookingId, BookingRecord};
use crate::domain::operator;

/// How long a cancelled booking stays readable by its owner's token, from its cancellation.
pub const CANCELLED_OWNER_DAYS: i64 = 30;

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

/// Whether `access` may still see `record` at `now_ms`: a cancelled booking is gone for its
/// owner 30 days after its cancellation (`404 not_found`, as for any unknown booking), so a
/// token that leaked later reads nothing; the operator can always read it.
pub fn may_see(access: Access, record: &BookingRecord, now_ms: i64) -> Result<(), ApiError> {
    let expired = record
        .cancelled_at_ms()
        .is_some_and(|at| now_ms - at >= CANCELLED_OWNER_DAYS * 86_400_000);
    match access {
        Access::Owner if expired => Err(ApiError::NotFound),
        _ => Ok(()),
    }
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

    #[test]
    fn a_cancelled_booking_is_gone_for_its_owner_after_30_days_but_not_for_the_operator() {
        use crate::domain::booking::BookingStatus;
        let mut record = crate::domain::booking::record::tests::record();
        let day = 86_400_000;
        let cancelled_at = record.created_at.timestamp_millis() + 3 * day;
        assert_eq!(
            may_see(Access::Owner, &record, cancelled_at + 400 * day),
            Ok(())
        );
        record.cancel(cancelled_at);
        assert_eq!(record.status, BookingStatus::Cancelled);
        let later = |days: i64| cancelled_at + days * day;
        assert_eq!(may_see(Access::Owner, &record, later(29)), Ok(()));
        assert_eq!(may_see(Access::Owner, &record, later(30) - 1), Ok(()));
        assert_eq!(
            may_see(Access::Owner, &record, later(30)),
            Err(ApiError::NotFound)
        );
        assert_eq!(may_see(Access::Operator, &record, later(365)), Ok(()));
    }
}
