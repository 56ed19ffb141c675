//! What Zoom made otherwise than it was asked: the settings a create sent, compared with the
//! `settings` of Zoom's answer.
//!
//! Zoom does not always make what it is sent. Settings locked at the account or group level win
//! over the request, and since 2026-03-15 Zoom takes a named list of settings (watermark, Q&A,
//! AI Companion, interpretation and others) from the host's account whether sent or not. So the
//! worker sends every setting of the type and reads back what Zoom made; each difference is
//! reported to the operator (`settings_mismatch` in the status), never to the guest, and never
//! fails the booking: the meeting exists, and the operator fixes the account.
//!
//! Only the settings sent are compared. A setting the answer does not show (absent or `null`) is
//! *unknown*, not a mismatch: Zoom leaves some settings out of its answer (an empty
//! `alternative_hosts`, settings a plan lacks), and reporting each of those would bury the real
//! differences under noise that no account change can clear.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest text kept of a value Zoom answered (its own values are short; this bounds what the
/// coordinator stores should an answer carry a long one).
pub const MAX_VALUE_CHARS: usize = 200;
/// Most differences the coordinator keeps (one per event type and setting; those least recently
/// seen go first): at most 50 types of 18 settings, in practice a handful.
pub const MAX_RECORDED: usize = 200;

/// One setting Zoom made otherwise than sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingMismatch {
    pub setting: String,
    pub sent: Value,
    pub got: Value,
}

/// A booking's mismatches, under its event type, as the commit carries them to the coordinator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MismatchReport {
    pub event_type: String,
    pub mismatches: Vec<SettingMismatch>,
}

impl MismatchReport {
    /// The report of a create that sent `body` and was answered `answer` (the answer's text), or
    /// `None` when Zoom made every setting it showed as sent.
    pub fn of_create(event_type: &str, body: &Value, answer: &str) -> Option<Self> {
        let sent = body.get("settings").and_then(Value::as_object)?;
        let got = answered_settings(answer)?;
        let mismatches = compare(sent, &got);
        (!mismatches.is_empty()).then(|| Self {
            event_type: event_type.to_owned(),
            mismatches,
        })
    }
}

/// The `settings` object of a meeting object as Zoom answered it; `None` when there is none.
pub fn answered_settings(answer: &str) -> Option<Map<String, Value>> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        settings: Option<Map<String, Value>>,
    }
    serde_json::from_str::<Answer>(answer).ok()?.settings
}

/// Each setting in `sent` that `got` shows with another value, by setting name.
pub fn compare(sent: &Map<String, Value>, got: &Map<String, Value>) -> Vec<SettingMismatch> {
    sent.iter()
        .filter_map(|(setting, sent_value)| {
            let got_value = got.get(setting).filter(|v| !v.is_null())?;
            (!same(setting, sent_value, got_value)).then(|| SettingMismatch {
                setting: setting.clone(),
                sent: bounded(sent_value),
                got: bounded(got_value),
            })
        })
        .collect()
}

/// Whether Zoom's value means what was sent: numbers by value (`2` and `2.0`), alternative
/// hosts as a set of addresses (Zoom may reorder them or change case), anything else exactly.
fn same(setting: &str, sent: &Value, got: &Value) -> bool {
    match (sent, got) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) if setting == "alternative_hosts" => {
            addresses(a) == addresses(b)
        }
        _ => sent == got,
    }
}

fn addresses(list: &str) -> std::collections::BTreeSet<String> {
    list.split([';', ','])
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .collect()
}

/// `value` with long text cut to `MAX_VALUE_CHARS` (an array or object becomes its cut JSON).
fn bounded(value: &Value) -> Value {
    let cut = |text: &str| -> Value {
        if text.chars().count() <= MAX_VALUE_CHARS {
            Value::String(text.to_owned())
        } else {
            let mut kept: String = text.chars().take(MAX_VALUE_CHARS - 1).collect();
            kept.push('…');
            Value::String(kept)
        }
    };
    match value {
        Value::String(text) => cut(text),
        Value::Array(_) | Value::Object(_) => cut(&value.to_string()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn a_locked_setting_zoom_changed_is_a_mismatch_with_what_was_sent_and_what_was_made() {
        let sent = map(json!({"auto_recording": "cloud", "waiting_room": false}));
        let got = map(json!({"auto_recording": "none", "waiting_room": false}));
        assert_eq!(
            compare(&sent, &got),
            vec![SettingMismatch {
                setting: "auto_recording".into(),
                sent: json!("cloud"),
                got: json!("none"),
            }]
        );
    }

    #[test]
    fn settings_made_as_sent_are_no_mismatch() {
        let sent = map(json!({"join_before_host": true, "jbh_time": 10, "audio": "voip"}));
        let got = map(
            json!({"join_before_host": true, "jbh_time": 10, "audio": "voip",
            "use_pmi": false}),
        );
        assert!(compare(&sent, &got).is_empty());
    }

    #[test]
    fn a_setting_the_answer_does_not_show_is_unknown_not_a_mismatch() {
        let sent = map(json!({"watermark": false, "private_meeting": true}));
        let got = map(json!({"private_meeting": null}));
        assert!(compare(&sent, &got).is_empty());
    }

    #[test]
    fn only_settings_sent_are_compared() {
        // Zoom's own choices for settings the type leaves to the account are not differences.
        let sent = map(json!({"waiting_room": true}));
        let got = map(json!({"waiting_room": true, "auto_recording": "cloud", "watermark": true}));
        assert!(compare(&sent, &got).is_empty());
    }

    #[test]
    fn numbers_compare_by_value_and_a_changed_type_is_a_mismatch() {
        let sent = map(json!({"approval_type": 2, "jbh_time": 5, "host_video": true}));
        let got = map(json!({"approval_type": 2.0, "jbh_time": "5", "host_video": "true"}));
        let settings: Vec<_> = compare(&sent, &got)
            .into_iter()
            .map(|m| m.setting)
            .collect();
        assert_eq!(settings, ["host_video", "jbh_time"]);
    }

    #[test]
    fn alternative_hosts_compare_as_a_set_of_addresses() {
        let sent = map(json!({"alternative_hosts": "a@example.com;B@example.com"}));
        let reordered = map(json!({"alternative_hosts": "b@example.com; a@example.com"}));
        assert!(compare(&sent, &reordered).is_empty());
        let dropped = map(json!({"alternative_hosts": "a@example.com"}));
        assert_eq!(compare(&sent, &dropped).len(), 1);
    }

    #[test]
    fn a_long_value_from_zoom_is_cut() {
        let sent = map(json!({"alternative_hosts": "a@example.com"}));
        let got = map(json!({"alternative_hosts": "x".repeat(5000)}));
        let got = &compare(&sent, &got)[0].got;
        assert_eq!(got.as_str().unwrap().chars().count(), MAX_VALUE_CHARS);
        assert!(got.as_str().unwrap().ends_with('…'));
    }

    #[test]
    fn a_create_is_reported_under_its_type_only_when_something_differs() {
        let body = json!({"topic": "T", "settings": {"auto_recording": "cloud"}});
        let locked = r#"{"id": 1, "join_url": "j", "settings": {"auto_recording": "none"}}"#;
        assert_eq!(
            MismatchReport::of_create("intro", &body, locked),
            Some(MismatchReport {
                event_type: "intro".into(),
                mismatches: vec![SettingMismatch {
                    setting: "auto_recording".into(),
                    sent: json!("cloud"),
                    got: json!("none"),
                }],
            })
        );
        let as_sent = r#"{"id": 1, "settings": {"auto_recording": "cloud"}}"#;
        assert_eq!(MismatchReport::of_create("intro", &body, as_sent), None);
    }

    #[test]
    fn an_answer_without_settings_or_unreadable_reports_nothing() {
        let body = json!({"settings": {"auto_recording": "cloud"}});
        for answer in [
            r#"{"id": 1}"#,
            r#"{"id": 1, "settings": null}"#,
            "not json",
            "",
        ] {
            assert_eq!(
                MismatchReport::of_create("intro", &body, answer),
                None,
                "{answer}"
            );
        }
        assert_eq!(
            MismatchReport::of_create("intro", &json!({"topic": "T"}), r#"{"settings": {}}"#),
            None
        );
    }
}
