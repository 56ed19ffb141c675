//! What the worker says to Zoom and how it reads the answers. Request building and response
//! classification only: sending is the edge's job.

pub mod api;
pub mod meetings;
pub mod oauth;
pub mod retry;

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
    fn path_segment_escapes_separators() {
        assert_eq!(super::path_segment("me"), "me");
        assert_eq!(super::path_segment("a.b@x.io"), "a.b@x.io");
        assert_eq!(super::path_segment("a/b?c d"), "a%2Fb%3Fc%20d");
    }
}
