//! Instants the way Zoom writes them: UTC, RFC 3339, whole seconds, `Z`.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
