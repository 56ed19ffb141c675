//! Owner tokens: the `manage_token` a booking's 201 answer carries, which alone lets its holder
//! read, reschedule or cancel that booking.
//!
//! The token is `mt_` + base64url(HMAC-SHA256(BOOKING_SIGNING_KEY, "zbe.manage.v1:" + booking id)).
//! Nothing is stored: the token is recomputed from the id in the URL, so it is checked before the
//! ledger is read, and a wrong token is refused the same way whether the booking exists or not.
//! Rotating the key revokes every token.

use crate::domain::booking::BookingId;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

const PREFIX: &str = "mt_";
/// Domain separation: the key signs nothing else with this label. Its `zbe` (zoom-booking-edge)
/// prefix stays: a new label would invalidate every manage token already handed out.
const LABEL: &str = "zbe.manage.v1:";

fn mac(key: &str, booking_id: &BookingId) -> [u8; 32] {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(LABEL.as_bytes());
    mac.update(booking_id.as_str().as_bytes());
    mac.finalize().into_bytes().into()
}

/// The owner token of `booking_id`.
pub fn issue(key: &str, booking_id: &BookingId) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(mac(key, booking_id)))
}

/// Whether `presented` is the owner token of `booking_id` (constant-time).
pub fn verify(key: &str, booking_id: &BookingId, presented: &str) -> bool {
    let Some(encoded) = presented.strip_prefix(PREFIX) else {
        return false;
    };
    let Ok(given) = URL_SAFE_NO_PAD.decode(encoded) else {
        return false;
    };
    bool::from(given.as_slice().ct_eq(&mac(key, booking_id)))
}

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer(authorization: Option<&str>) -> Option<&str> {
    authorization?
        .trim()
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-signing-key-0123456789abcdef";

    #[test]
    fn a_token_opens_its_own_booking_only() {
        let a = issue(KEY, &"bk_a".into());
        assert!(a.starts_with("mt_") && a.len() == 3 + 43);
        assert!(verify(KEY, &"bk_a".into(), &a));
        assert!(!verify(KEY, &"bk_b".into(), &a));
        assert!(!verify(
            "another-key-0123456789abcdef-xyz",
            &"bk_a".into(),
            &a
        ));
        assert_ne!(issue(KEY, &"bk_a".into()), issue(KEY, &"bk_b".into()));
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let token = issue(KEY, &"bk_a".into());
        for i in 0..token.len() {
            for replacement in ['A', 'z', '0', '_', '-'] {
                let mut tampered: Vec<char> = token.chars().collect();
                if tampered[i] == replacement {
                    continue;
                }
                tampered[i] = replacement;
                let tampered: String = tampered.into_iter().collect();
                assert!(!verify(KEY, &"bk_a".into(), &tampered), "{tampered}");
            }
        }
        for bad in ["", "mt_", "mt_%%%", &token[3..], &token[..token.len() - 1]] {
            assert!(!verify(KEY, &"bk_a".into(), bad), "{bad}");
        }
    }

    #[test]
    fn only_a_bearer_header_with_a_token_yields_the_token() {
        assert_eq!(bearer(Some("Bearer mt_x")), Some("mt_x"));
        assert_eq!(bearer(Some("  Bearer  mt_x ")), Some("mt_x"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }
}
