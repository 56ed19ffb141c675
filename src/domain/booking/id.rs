//! Booking ids: `bk_` and URL-safe base64 of 128 random bits, so they are unguessable and safe in
//! paths. A `BookingId` exists only through [`BookingId::parse`] or [`BookingId::from_random`]:
//! the route checks the one in the path before anything else runs, and everything past it holds
//! a valid one.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BookingId(String);

impl BookingId {
    /// `candidate` if it has the shape of a booking id (`bk_` + URL-safe base64, at most 64).
    pub fn parse(candidate: &str) -> Option<BookingId> {
        let valid = candidate.starts_with("bk_")
            && (4..=64).contains(&candidate.len())
            && candidate
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        valid.then(|| BookingId(candidate.to_owned()))
    }

    pub fn from_random(random: [u8; 16]) -> BookingId {
        BookingId(format!("bk_{}", URL_SAFE_NO_PAD.encode(random)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for BookingId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        BookingId::parse(&value).ok_or_else(|| format!("'{value}' is not a booking id"))
    }
}

impl From<BookingId> for String {
    fn from(id: BookingId) -> String {
        id.0
    }
}

/// Test fixtures name ids literally; a malformed one is a broken test.
#[cfg(test)]
impl From<&str> for BookingId {
    fn from(value: &str) -> Self {
        BookingId::parse(value).expect("a test booking id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_ids_are_prefixed_url_safe_and_distinct() {
        let a = BookingId::from_random([0xff; 16]);
        let b = BookingId::from_random([0x00; 16]);
        assert_eq!(a.as_str(), "bk______________________w");
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 3 + 22);
        assert!(BookingId::parse(a.as_str()).is_some() && BookingId::parse(b.as_str()).is_some());
        for bad in [
            "",
            "bk_",
            "xx_abc",
            "bk_a/b",
            "bk_a.b",
            &format!("bk_{}", "a".repeat(62)),
        ] {
            assert!(BookingId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_stored_id_is_checked_again_when_read() {
        let id: BookingId = serde_json::from_str("\"bk_abc\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"bk_abc\"");
        assert!(serde_json::from_str::<BookingId>("\"../admin\"").is_err());
    }
}
