//! Which meeting API a request names, and what Zoom files it under: its rate-limit category and
//! the target name tests aim injected failures at.

use crate::state::Category;

pub(super) enum Route {
    Create(String),
    List(String),
    Get(u64),
    Update(u64),
    Delete(u64),
    Invitation(u64),
    /// A well-formed meeting path whose id is not a number: Zoom answers "does not exist".
    UnknownMeeting(String),
}

impl Route {
    pub(super) fn parse(method: &str, path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let meeting = |raw: &str, make: fn(u64) -> Route| {
            Some(
                raw.parse::<u64>()
                    .map(make)
                    .unwrap_or_else(|_| Route::UnknownMeeting(raw.to_owned())),
            )
        };
        match (method, segments.as_slice()) {
            ("POST", ["users", user, "meetings"]) => Some(Route::Create(decode(user))),
            ("GET", ["users", user, "meetings"]) => Some(Route::List(decode(user))),
            ("GET", ["meetings", id]) => meeting(id, Route::Get),
            ("PATCH", ["meetings", id]) => meeting(id, Route::Update),
            ("DELETE", ["meetings", id]) => meeting(id, Route::Delete),
            ("GET", ["meetings", id, "invitation"]) => meeting(id, Route::Invitation),
            _ => None,
        }
    }

    pub(super) fn category(&self) -> Category {
        match self {
            Route::Create(_) | Route::List(_) => Category::Medium,
            _ => Category::Light,
        }
    }

    /// Name used to aim injected failures.
    pub(super) fn target(&self) -> &'static str {
        match self {
            Route::Create(_) => "create_meeting",
            Route::List(_) => "list_meetings",
            Route::Get(_) | Route::UnknownMeeting(_) => "get_meeting",
            Route::Update(_) => "update_meeting",
            Route::Delete(_) => "delete_meeting",
            Route::Invitation(_) => "invitation",
        }
    }
}

/// Percent-decodes a path segment (`+` stays `+` in paths, unlike in forms).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
