//! Cross-origin access for booking forms hosted on other sites (`ALLOWED_ORIGINS`).
//!
//! Only the public booking routes take part; the webhook and operator routes never answer with
//! CORS headers. An origin that is not listed gets no CORS headers at all, so the browser keeps
//! the answer from the page that asked.

/// Methods a cross-origin page may use on the booking routes.
pub const ALLOWED_METHODS: &str = "GET, POST, PATCH, DELETE";
/// Request headers a cross-origin page may send.
pub const ALLOWED_HEADERS: &str = "content-type, idempotency-key, authorization";
/// Response headers a cross-origin page may read.
pub const EXPOSED_HEADERS: &str = "location, retry-after, idempotent-replayed";
/// How long a browser may cache a preflight answer (seconds).
pub const PREFLIGHT_MAX_AGE: &str = "600";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsPolicy {
    /// Exact origins (`https://shop.example.com`), lower-case, without a trailing slash.
    allowed: Vec<String>,
}

impl CorsPolicy {
    /// From `ALLOWED_ORIGINS` (comma-separated). Unset or blank: same origin only.
    pub fn from_setting(raw: Option<&str>) -> Result<CorsPolicy, String> {
        let mut allowed = Vec::new();
        for entry in raw.unwrap_or_default().split(',').map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            let origin = entry.trim_end_matches('/').to_ascii_lowercase();
            let valid = ["https://", "http://"].iter().any(|scheme| {
                origin
                    .strip_prefix(scheme)
                    .is_some_and(|host| !host.is_empty() && !host.contains('/'))
            });
            if !valid {
                return Err(format!(
                    "ALLOWED_ORIGINS entry '{entry}' is not an origin like https://shop.example.com"
                ));
            }
            allowed.push(origin);
        }
        Ok(CorsPolicy { allowed })
    }

    /// Whether a page from `origin` may call the booking API.
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.allowed.contains(&origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_are_allowed() {
        let policy =
            CorsPolicy::from_setting(Some("https://shop.example.com, http://localhost:3000/"))
                .unwrap();
        assert!(policy.allows("https://shop.example.com"));
        assert!(policy.allows("HTTPS://Shop.Example.com"));
        assert!(policy.allows("http://localhost:3000"));
        assert!(!policy.allows("https://evil.example.com"));
        assert!(!policy.allows("https://shop.example.com.evil.net"));
        assert!(!policy.allows("http://shop.example.com"));
        assert!(!policy.allows("null"));
    }

    #[test]
    fn unset_means_same_origin_only_and_bad_entries_are_named() {
        let none = CorsPolicy::from_setting(None).unwrap();
        assert!(!none.allows("https://shop.example.com"));
        assert_eq!(CorsPolicy::from_setting(Some(" , ")).unwrap(), none);
        let err = CorsPolicy::from_setting(Some("shop.example.com")).unwrap_err();
        assert!(err.contains("shop.example.com"));
        assert!(CorsPolicy::from_setting(Some("https://a.example/path")).is_err());
        assert!(CorsPolicy::from_setting(Some("*")).is_err());
    }
}
