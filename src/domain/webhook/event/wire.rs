//! Reading an `Effect` back from its wire form, `{"kind": "<variant>", <the variant's fields>}`.
//!
//! serde's derived reader for an internally tagged enum first buffers the whole object in its
//! private `Content` tree and then reads each variant from that: a generic machinery of its own
//! (with a second copy of every field type's reader), about 8 KiB of the compressed worker
//! together with `rate_limits::ZoomBlock`'s (docs/benchmark.md). One flat struct holding every
//! variant's fields reads the same objects with the reader serde_json already has; the variant's
//! required fields are then asked for by name, with serde's own "missing field" message.

use super::{Effect, Participant, RecordingFile};
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Started,
    Ended,
    Created,
    Deleted,
    Updated,
    ParticipantJoined,
    ParticipantLeft,
    RecordingCompleted,
    Ignored,
}

/// Every field any variant has (a name means the same type in every variant that has it).
#[derive(Deserialize)]
pub(super) struct EffectWire {
    kind: Kind,
    #[serde(default, deserialize_with = "crate::domain::wire_time::optional")]
    at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::domain::wire_time::optional")]
    start_time: Option<DateTime<Utc>>,
    duration: Option<u32>,
    timezone: Option<String>,
    participant: Option<Participant>,
    files: Option<Vec<RecordingFile>>,
    password: Option<String>,
    share_url: Option<String>,
}

/// serde's wording for an absent required field.
fn missing(field: &str) -> String {
    format!("missing field `{field}`")
}

impl TryFrom<EffectWire> for Effect {
    type Error = String;

    fn try_from(w: EffectWire) -> Result<Effect, String> {
        let at = || w.at.ok_or_else(|| missing("at"));
        let participant = || w.participant.clone().ok_or_else(|| missing("participant"));
        Ok(match w.kind {
            Kind::Started => Effect::Started { at: at()? },
            Kind::Ended => Effect::Ended { at: at()? },
            Kind::Created => Effect::Created {
                start_time: w.start_time,
                duration: w.duration,
            },
            Kind::Deleted => Effect::Deleted,
            Kind::Updated => Effect::Updated {
                start_time: w.start_time,
                duration: w.duration,
                timezone: w.timezone,
            },
            Kind::ParticipantJoined => Effect::ParticipantJoined {
                participant: participant()?,
                at: at()?,
            },
            Kind::ParticipantLeft => Effect::ParticipantLeft {
                participant: participant()?,
                at: at()?,
            },
            Kind::RecordingCompleted => Effect::RecordingCompleted {
                files: w.files.ok_or_else(|| missing("files"))?,
                password: w.password,
                share_url: w.share_url,
            },
            Kind::Ignored => Effect::Ignored,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_900_000_000 + minute * 60, 0).unwrap()
    }

    fn every_variant() -> Vec<Effect> {
        let participant = Participant {
            key: "PU1".into(),
            name: Some("Ada".into()),
            email: None,
        };
        vec![
            Effect::Started { at: t(1) },
            Effect::Ended { at: t(2) },
            Effect::Created {
                start_time: Some(t(3)),
                duration: Some(30),
            },
            Effect::Created {
                start_time: None,
                duration: None,
            },
            Effect::Deleted,
            Effect::Updated {
                start_time: None,
                duration: Some(45),
                timezone: Some("Europe/Paris".into()),
            },
            Effect::ParticipantJoined {
                participant: participant.clone(),
                at: t(4),
            },
            Effect::ParticipantLeft {
                participant,
                at: t(5),
            },
            Effect::RecordingCompleted {
                files: vec![RecordingFile {
                    id: Some("f1".into()),
                    file_type: Some("MP4".into()),
                    recording_type: None,
                    recording_start: None,
                    recording_end: None,
                    play_url: Some("https://zoom.example/play".into()),
                    download_url: None,
                }],
                password: None,
                share_url: Some("https://zoom.example/share".into()),
            },
            Effect::Ignored,
        ]
    }

    #[test]
    fn every_effect_reads_back_as_it_was_written() {
        for effect in every_variant() {
            let wire = serde_json::to_string(&effect).unwrap();
            assert_eq!(
                serde_json::from_str::<Effect>(&wire).unwrap(),
                effect,
                "{wire}"
            );
        }
    }

    #[test]
    fn the_wire_form_is_an_object_tagged_by_kind() {
        assert_eq!(
            serde_json::to_value(Effect::Started { at: t(1) }).unwrap(),
            json!({"kind": "started", "at": "2030-03-17T17:47:40Z"})
        );
        assert_eq!(
            serde_json::to_value(Effect::Deleted).unwrap(),
            json!({"kind": "deleted"})
        );
        // The tag may come anywhere; fields the kind does not have are ignored.
        let read: Effect =
            serde_json::from_str(r#"{"at":"2030-03-17T17:47:40Z","x":1,"kind":"ended"}"#).unwrap();
        assert_eq!(read, Effect::Ended { at: t(1) });
        // Absent optional fields are None.
        let read: Effect = serde_json::from_str(r#"{"kind":"created"}"#).unwrap();
        assert_eq!(
            read,
            Effect::Created {
                start_time: None,
                duration: None
            }
        );
    }

    #[test]
    fn a_kind_without_its_required_fields_or_an_unknown_kind_is_refused() {
        let error = |wire: &str| {
            serde_json::from_str::<Effect>(wire)
                .unwrap_err()
                .to_string()
        };
        assert!(error(r#"{"kind":"started"}"#).contains("missing field `at`"));
        assert!(
            error(r#"{"kind":"participant_left","at":"2030-03-17T17:47:40Z"}"#)
                .contains("missing field `participant`")
        );
        assert!(error(r#"{"kind":"recording_completed"}"#).contains("missing field `files`"));
        assert!(error(r#"{"kind":"exploded"}"#).contains("unknown variant"));
        assert!(error(r#"{"at":"2030-03-17T17:47:40Z"}"#).contains("missing field `kind`"));
        assert!(error(r#"{"kind":"started","at":"yesterday"}"#).contains("input"));
    }
}
