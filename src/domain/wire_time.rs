//! Reading instants (`DateTime<Utc>`) back from JSON: every struct field of that type that is
//! deserialized names one of these with `#[serde(deserialize_with = "...")]`.
//!
//! chrono's own `Deserialize` reads through its relaxed RFC 3339 parser, which is its whole
//! format engine (strftime items, RFC 2822, ...): about 5 KiB of the compressed worker
//! (docs/benchmark.md). Every instant the worker reads was written as RFC 3339 by chrono's
//! `Serialize` (its records and messages) or by Zoom (`ZoomMeeting::start_time`), which
//! `DateTime::parse_from_rfc3339`, chrono's small dedicated parser, reads. Writing is unchanged.

use chrono::{DateTime, Utc};
use serde::de::{Deserialize, Deserializer, Error, Visitor};
use std::fmt;

struct Instant(DateTime<Utc>);

struct Rfc3339;

impl Visitor<'_> for Rfc3339 {
    type Value = Instant;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Instant, E> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| Instant(t.with_timezone(&Utc)))
            .map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        d.deserialize_str(Rfc3339)
    }
}

/// A `DateTime<Utc>` field.
pub fn one<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    Instant::deserialize(d).map(|i| i.0)
}

/// An `Option<DateTime<Utc>>` field; with `deserialize_with` serde no longer reads an absent
/// field as `None` by itself, so such a field also takes `#[serde(default)]`.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<Instant>::deserialize(d).map(|o| o.map(|i| i.0))
}

/// A `Vec<DateTime<Utc>>` field.
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DateTime<Utc>>, D::Error> {
    Vec::<Instant>::deserialize(d).map(|v| v.into_iter().map(|i| i.0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde::Serialize;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "one")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "optional")]
        maybe: Option<DateTime<Utc>>,
        #[serde(deserialize_with = "list")]
        all: Vec<DateTime<Utc>>,
    }

    #[test]
    fn instants_read_back_as_chrono_wrote_them() {
        let at = Utc.with_ymd_and_hms(2030, 1, 31, 8, 0, 0).unwrap();
        let fine = at + chrono::Duration::milliseconds(250);
        for sample in [
            Sample {
                at,
                maybe: Some(fine),
                all: vec![at, fine],
            },
            Sample {
                at: fine,
                maybe: None,
                all: vec![],
            },
        ] {
            let wire = serde_json::to_string(&sample).unwrap();
            assert_eq!(
                serde_json::from_str::<Sample>(&wire).unwrap(),
                sample,
                "{wire}"
            );
        }
    }

    #[test]
    fn any_rfc_3339_offset_is_read_as_utc_and_anything_else_refused() {
        let read = |wire: &str| serde_json::from_str::<Sample>(wire);
        let sample =
            read(r#"{"at":"2030-01-31T09:00:00+01:00","all":["2030-01-31T08:00:00.5Z"]}"#).unwrap();
        assert_eq!(
            sample.at,
            Utc.with_ymd_and_hms(2030, 1, 31, 8, 0, 0).unwrap()
        );
        assert_eq!(sample.maybe, None);
        assert_eq!(sample.all[0].timestamp_subsec_millis(), 500);
        assert!(read(r#"{"at":"2030-01-31T09:00:00","all":[]}"#).is_err());
        assert!(read(r#"{"at":"tomorrow","all":[]}"#).is_err());
        assert!(read(r#"{"at":1,"all":[]}"#).is_err());
        assert!(read(r#"{"at":null,"all":[]}"#).is_err());
        assert!(read(r#"{"all":[]}"#).is_err());
        assert!(read(r#"{"at":"2030-01-31T09:00:00Z"}"#).is_err());
    }
}
