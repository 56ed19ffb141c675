//! What the worker says to Zoom and how it reads the answers. Request building and response
//! classification only: sending is the edge's job.

pub mod api;
pub mod meetings;
pub mod oauth;
pub mod retry;

use serde::{Deserialize, Serialize};

/// A Zoom user who hosts booked meetings, as `ZOOM_HOST_USER` names it: a user id, an email
/// address, or `me` (the app's own user). One word of at most 128 visible characters; it goes
/// into Zoom paths percent-encoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HostUser(String);

impl HostUser {
    pub fn parse(raw: &str) -> Option<HostUser> {
        let valid = !raw.is_empty()
            && raw.chars().count() <= 128
            && raw.chars().all(|c| !c.is_whitespace() && !c.is_control());
        valid.then(|| HostUser(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HostUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Tests compare configured hosts with the names they set.
#[cfg(test)]
impl PartialEq<&str> for HostUser {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Test fixtures name hosts literally; a malformed one is a broken test.
#[cfg(test)]
impl From<&str> for HostUser {
    fn from(value: &str) -> Self {
        HostUser::parse(value).expect("a test host user")
    }
}

/// Percent-encodes one URL path segment (a Zoom user id may be an email address).
pub fn path_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_host_user_is_one_visible_word() {
        for good in ["me", "host@example.com", "KDcuGIm1QgePTO8WbOqwIQ"] {
            assert_eq!(super::HostUser::parse(good).unwrap(), good);
        }
        for bad in ["", "a b", "a\tb", "x\u{7}", &"x".repeat(129)] {
            assert!(super::HostUser::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn path_segment_escapes_separators() {
        assert_eq!(super::path_segment("me"), "me");
        assert_eq!(super::path_segment("a.b@x.io"), "a.b@x.io");
        assert_eq!(super::path_segment("a/b?c d"), "a%2Fb%3Fc%20d");
    }
}
