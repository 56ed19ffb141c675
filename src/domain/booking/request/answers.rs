//! The event type a booking is of (`type`) and the answers to that type's questions
//! (`answers`: a JSON object keyed by question id, or form fields `answers[<id>]`).

use super::body::{RawFields, RawValue};
use super::validate::check_text;
use crate::domain::api_error::{FieldError, FieldErrorKind};
use crate::domain::booking::EmailAddress;
use crate::domain::event_types::schema::QuestionSpec;
use crate::domain::event_types::{EventType, EventTypes, QuestionKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// E.164: a country code and number of at most 15 digits; 8 is the shortest number in use.
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 8..=15;

/// One answer, with the question's label as the type had it when the booking was made (the
/// ledger keeps it even if the operator renames or removes the question later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub id: String,
    pub label: String,
    pub value: String,
}

/// `type`, or the first configured type when absent.
pub(crate) fn parse_type<'t>(
    fields: &RawFields,
    types: &'t EventTypes,
) -> Result<&'t EventType, FieldError> {
    match fields.text("type")? {
        None => Ok(types.default_type()),
        Some(slug) => types.get(&slug).ok_or_else(|| {
            let known: Vec<&str> = types.iter().map(EventType::slug).collect();
            FieldError::new(
                "type",
                FieldErrorKind::UnknownType,
                format!("'type' must be one of: {}.", known.join(", ")),
            )
        }),
    }
}

/// The answers to `event_type`'s questions, in question order. Ids the type does not ask are
/// ignored; a blank answer counts as none.
pub(super) fn parse_answers(
    fields: &RawFields,
    event_type: &EventType,
) -> Result<Vec<Answer>, FieldError> {
    if event_type.questions().is_empty() {
        // Nothing is asked: `answers` is an unknown field, ignored like any other (the implicit
        // type reads a body exactly as before event types).
        return Ok(Vec::new());
    }
    let source = Source::of(fields)?;
    let mut answers = Vec::new();
    for question in event_type.questions() {
        let field = format!("answers.{}", question.id);
        let given = source
            .get(&question.id)
            .map_err(|()| invalid(&field, format!("'{field}' must be a string.")))?;
        match given {
            None if question.required => {
                return Err(invalid(
                    &field,
                    format!("'{field}' ({}) is required.", question.label),
                ))
            }
            None => {}
            Some(text) => answers.push(Answer {
                id: question.id.clone(),
                label: question.label.clone(),
                value: check_answer(question, &field, &text)?,
            }),
        }
    }
    Ok(answers)
}

fn invalid(field: &str, message: String) -> FieldError {
    FieldError::new(field.to_owned(), FieldErrorKind::InvalidAnswer, message)
}

/// Where the answers are in the body.
enum Source<'a> {
    /// JSON: `"answers": {"company": "…"}`.
    Object(&'a Map<String, Value>),
    /// A form (or a body without `answers`): fields named `answers[company]`.
    Flat(&'a RawFields),
}

impl<'a> Source<'a> {
    fn of(fields: &'a RawFields) -> Result<Self, FieldError> {
        match fields.raw("answers") {
            Some(RawValue::Object(map)) => Ok(Self::Object(map)),
            None => Ok(Self::Flat(fields)),
            Some(RawValue::Text(s)) if s.trim().is_empty() => Ok(Self::Flat(fields)),
            Some(_) => Err(invalid(
                "answers",
                "'answers' must be an object keyed by question id.".into(),
            )),
        }
    }

    /// The trimmed answer to `id`; `Err` when it is not text.
    fn get(&self, id: &str) -> Result<Option<String>, ()> {
        let text = |s: &str| {
            let trimmed = s.trim();
            (!trimmed.is_empty()).then(|| trimmed.to_owned())
        };
        match self {
            Self::Object(map) => match map.get(id) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(text(s)),
                Some(_) => Err(()),
            },
            Self::Flat(fields) => match fields.raw(&format!("answers[{id}]")) {
                None => Ok(None),
                Some(RawValue::Text(s)) => Ok(text(s)),
                Some(_) => Err(()),
            },
        }
    }
}

/// The answer as stored: checked against its question's kind and length.
fn check_answer(question: &QuestionSpec, field: &str, value: &str) -> Result<String, FieldError> {
    let max = question.max_length as usize;
    // A phone number's length is that of its E.164 form, whatever separators were typed; a
    // choice is bounded by its options (one longer than `max_length` can still be chosen).
    let measured = !matches!(question.kind, QuestionKind::Phone | QuestionKind::Choice);
    if measured && value.chars().count() > max {
        return Err(invalid(
            field,
            format!("'{field}' must be at most {max} characters."),
        ));
    }
    match question.kind {
        QuestionKind::Text | QuestionKind::LongText => {
            let multiline = question.kind == QuestionKind::LongText;
            check_text(field, value, max, multiline)?;
            Ok(value.to_owned())
        }
        QuestionKind::Email => EmailAddress::parse(value)
            .map(|email| email.as_str().to_owned())
            .map_err(|_| invalid(field, format!("'{field}' must be an email address."))),
        QuestionKind::Phone => e164(value).filter(|n| n.len() <= max).ok_or_else(|| {
            invalid(
                field,
                format!(
                    "'{field}' must be a phone number in international form: '+', the country \
                     code and number, {} to {} digits.",
                    PHONE_DIGITS.start(),
                    PHONE_DIGITS.end()
                ),
            )
        }),
        QuestionKind::Choice => {
            if question.options.iter().any(|option| option == value) {
                Ok(value.to_owned())
            } else {
                Err(invalid(
                    field,
                    format!("'{field}' must be one of: {}.", question.options.join(", ")),
                ))
            }
        }
    }
}

/// A phone number in E.164 (`+4930123456`), from what a person types: spaces, dots, dashes
/// and parentheses between the digits are dropped.
fn e164(typed: &str) -> Option<String> {
    let rest = typed.strip_prefix('+')?;
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let ok = digits.bytes().all(|b| b.is_ascii_digit())
        && PHONE_DIGITS.contains(&digits.len())
        && !digits.starts_with('0');
    ok.then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::now;
    use super::super::{parse_booking, BodyKind, Context, ValidBooking};
    use crate::domain::api_error::ApiError;
    use crate::domain::event_types::{generate_passcode, EventTypes};
    use crate::domain::time_zone::{CompiledZones, Zone};
    use crate::domain::zoom::HostUser;
    use serde_json::json;

    const TYPES: &str = r#"[
      {"slug": "intro", "title": "Intro call", "durations": [15, 30, 45], "default_duration": 30,
       "topic": "Intro call with {name}", "passcode": "generate",
       "zoom_settings": {"auto_recording": "cloud", "waiting_room": false},
       "questions": [
         {"id": "company", "label": "Company", "kind": "text", "required": true, "max_length": 10},
         {"id": "plan", "label": "Plan", "kind": "choice", "options": ["Free", "Pro"]},
         {"id": "phone", "label": "Phone", "kind": "phone"},
         {"id": "cc", "label": "Copy to", "kind": "email"},
         {"id": "notes", "label": "Notes", "kind": "long_text"}
       ]},
      {"slug": "support", "title": "Support", "durations": null, "min_duration": 15,
       "max_duration": 60, "default_duration": 20}
    ]"#;

    fn types_of(json: &str) -> EventTypes {
        let pool = [HostUser::parse("h@example.com").unwrap()];
        EventTypes::parse(json, "BOOKING_TYPES", &pool).unwrap()
    }

    fn types() -> EventTypes {
        types_of(TYPES)
    }

    /// Parses `body` as a booking of one of `types`, in UTC, with the given random bytes.
    fn book_of(
        types: &EventTypes,
        kind: BodyKind,
        body: &str,
        random: [u8; 8],
    ) -> Result<ValidBooking, ApiError> {
        let utc = Zone::utc();
        let context = Context {
            now: now(),
            zones: &CompiledZones,
            default_timezone: &utc,
            types,
            random,
        };
        parse_booking(kind, body.as_bytes(), context)
    }

    fn book(kind: BodyKind, body: &str) -> Result<ValidBooking, ApiError> {
        book_of(&types(), kind, body, [1, 2, 3, 4, 5, 6, 7, 8])
    }

    /// A JSON booking with `extra` fields added.
    fn json(extra: &str) -> Result<ValidBooking, ApiError> {
        book(
            BodyKind::Json,
            &format!(
                r#"{{"name":"Ada","email":"a@b.io","start_time":"2030-03-02T09:00:00Z"{extra}}}"#
            ),
        )
    }

    fn refusal(result: Result<ValidBooking, ApiError>) -> (String, String) {
        match result.unwrap_err() {
            ApiError::InvalidField(f) => (f.field.into_owned(), f.kind.code().to_owned()),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    #[test]
    fn without_type_the_first_type_is_booked_with_its_defaults() {
        let b = json(r#","topic":"ignored","answers":{"company":"Acme"}"#).unwrap();
        assert_eq!(b.event_type, "intro");
        assert_eq!(b.duration_minutes, 30);
        // The template names the meeting; the client's topic is not used.
        assert_eq!(b.topic, "Intro call with Ada");
        assert_eq!(b.settings["auto_recording"], json!("cloud"));
        assert_eq!(b.settings["waiting_room"], json!(false));
        assert_eq!(b.settings["approval_type"], json!(2));
        assert_eq!(
            b.passcode,
            Some(generate_passcode([1, 2, 3, 4, 5, 6, 7, 8]))
        );
    }

    #[test]
    fn a_named_type_is_booked_by_its_own_rules() {
        let b = json(r#","type":"support","topic":"Printer","duration":60"#).unwrap();
        assert_eq!(
            (b.event_type.as_str(), b.duration_minutes, b.topic.as_str()),
            ("support", 60, "Printer")
        );
        assert_eq!(b.passcode, None);
        assert!(b.answers.is_empty());
        assert_eq!(json(r#","type":"support""#).unwrap().duration_minutes, 20);
        // A type without questions ignores `answers`, whatever its shape.
        assert!(json(r#","type":"support","answers":5"#)
            .unwrap()
            .answers
            .is_empty());
    }

    #[test]
    fn an_unknown_type_is_refused_naming_the_types() {
        let err = json(r#","type":"sales""#).unwrap_err();
        assert_eq!(err.code(), "unknown_type");
        assert_eq!(err.body()["error"]["field"], "type");
        assert_eq!(
            err.body()["error"]["message"],
            "'type' must be one of: intro, support."
        );
    }

    #[test]
    fn a_length_the_type_does_not_allow_is_refused_naming_the_allowed_ones() {
        let listed = json(r#","duration":20,"answers":{"company":"A"}"#).unwrap_err();
        assert_eq!(listed.code(), "invalid_duration");
        assert_eq!(
            listed.body()["error"]["message"],
            "'duration' must be one of 15, 30 or 45 minutes."
        );
        let range = json(r#","type":"support","duration":90"#).unwrap_err();
        assert_eq!(
            range.body()["error"]["message"],
            "'duration' must be a whole number of minutes from 15 to 60."
        );
    }

    #[test]
    fn answers_are_kept_in_question_order_and_unknown_ids_are_ignored() {
        let b = json(
            r#","answers":{"cc":"Bob@Example.com","whoami":"x","phone":"+49 (30) 1234-5678",
                "company":" Acme ","plan":"Pro","notes":"line 1\nline 2"}"#,
        )
        .unwrap();
        let answers: Vec<(&str, &str, &str)> = b
            .answers
            .iter()
            .map(|a| (a.id.as_str(), a.label.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            answers,
            [
                ("company", "Company", "Acme"),
                ("plan", "Plan", "Pro"),
                ("phone", "Phone", "+493012345678"),
                ("cc", "Copy to", "Bob@Example.com"),
                ("notes", "Notes", "line 1\nline 2"),
            ]
        );
    }

    #[test]
    fn a_form_sends_answers_as_bracketed_fields() {
        let b = book(
            BodyKind::Form,
            "name=Ada&email=a%40b.io&start_time=2030-03-02T09%3A00%3A00Z&type=intro&duration=15\
             &answers%5Bcompany%5D=Acme&answers%5Bplan%5D=&answers%5Bphone%5D=%2B4930123456",
        )
        .unwrap();
        assert_eq!(b.duration_minutes, 15);
        let ids: Vec<&str> = b.answers.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["company", "phone"]);
    }

    #[test]
    fn each_bad_answer_is_refused_with_its_field() {
        let cases = [
            (
                r#","answers":{}"#,
                pair("answers.company", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"   "}"#,
                pair("answers.company", "invalid_answer"),
            ),
            (r#""#, pair("answers.company", "invalid_answer")),
            (r#","answers":["Acme"]"#, pair("answers", "invalid_answer")),
            (r#","answers":"Acme""#, pair("answers", "invalid_answer")),
            (
                r#","answers":{"company":5}"#,
                pair("answers.company", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"Acme Corporation"}"#,
                pair("answers.company", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"Ac\u202Eme"}"#,
                pair("answers.company", "invalid_text"),
            ),
            (
                r#","answers":{"company":"Ac\nme"}"#,
                pair("answers.company", "invalid_text"),
            ),
            (
                r#","answers":{"company":"A","notes":"x\u0007"}"#,
                pair("answers.notes", "invalid_text"),
            ),
            (
                r#","answers":{"company":"A","plan":"pro"}"#,
                pair("answers.plan", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"A","plan":"Enterprise"}"#,
                pair("answers.plan", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"A","phone":"030 123456"}"#,
                pair("answers.phone", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"A","phone":"+1234567"}"#,
                pair("answers.phone", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"A","phone":"+1234567890123456"}"#,
                pair("answers.phone", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"A","phone":"+0123456789"}"#,
                pair("answers.phone", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"A","phone":"+49abc12345678"}"#,
                pair("answers.phone", "invalid_answer"),
            ),
            (
                r#","answers":{"company":"A","cc":"not-an-email"}"#,
                pair("answers.cc", "invalid_answer"),
            ),
        ];
        for (extra, expected) in cases {
            assert_eq!(refusal(json(extra)), expected, "{extra}");
        }
    }

    #[test]
    fn choice_and_phone_limits_are_inclusive() {
        let b = json(r#","answers":{"company":"0123456789","plan":"Free","phone":"+12345678"}"#)
            .unwrap();
        assert_eq!(b.answers[0].value, "0123456789");
        assert_eq!(b.answers[2].value, "+12345678");
        let fifteen = json(r#","answers":{"company":"A","phone":"+123456789012345"}"#).unwrap();
        assert_eq!(fifteen.answers[1].value, "+123456789012345");
    }

    #[test]
    fn a_booking_journaled_before_event_types_reads_as_the_implicit_type() {
        let old = json!({
            "name": "Ada", "email": "a@b.io", "start": "2030-03-02T09:00:00Z",
            "timezone": "UTC", "duration_minutes": 30, "topic": "T", "agenda": null
        });
        let b: ValidBooking = serde_json::from_value(old).unwrap();
        assert_eq!(b.event_type, "meeting");
        assert!(b.answers.is_empty() && b.settings.is_empty() && b.passcode.is_none());
    }

    fn form(body: &str) -> Result<ValidBooking, ApiError> {
        book(
            BodyKind::Form,
            &format!("name=Ada&email=a%40b.io&start_time=2030-03-02T09%3A00%3A00Z{body}"),
        )
    }

    /// A repeated `answers[<id>]` keeps the first (what the form showed), and odd
    /// names (`answers[]`, `answers[`, `answers[company`, `answers[[company]]`) answer nothing.
    #[test]
    fn repeated_and_odd_form_answer_names() {
        let b = form("&answers%5Bcompany%5D=Acme&answers%5Bcompany%5D=Evil").unwrap();
        assert_eq!(b.answers[0].value, "Acme");
        for odd in [
            "&answers%5B%5D=Acme",
            "&answers%5B=Acme",
            "&answers%5Bcompany=Acme",
            "&answers%5B%5Bcompany%5D%5D=Acme",
            "&answers%5BCompany%5D=Acme",
            "&answers.company=Acme",
        ] {
            assert_eq!(
                refusal(form(odd)),
                pair("answers.company", "invalid_answer"),
                "{odd}"
            );
        }
        // A plain `answers` field in a form is not an object.
        assert_eq!(
            refusal(form("&answers=Acme&answers%5Bcompany%5D=Acme")),
            pair("answers", "invalid_answer")
        );
    }

    /// A JSON `answers` with thousands of keys, as many as the 16 KB body holds, is
    /// read in one pass; only the type's questions are kept, so what the ledger stores is
    /// bounded by the questions (at most 10, each at most its `max_length`), never by the body.
    #[test]
    fn thousands_of_answer_keys_keep_only_the_questions() {
        let mut keys = String::new();
        let mut i = 0;
        while keys.len() < super::super::MAX_BODY_BYTES - 200 {
            keys.push_str(&format!(r#","k{i}":"v""#));
            i += 1;
        }
        assert!(i > 1000);
        let b = json(&format!(r#","answers":{{"company":"Acme"{keys}}}"#)).unwrap();
        assert_eq!(b.answers.len(), 1);
        let over = json(&format!(r#","answers":{{"company":"Acme"{keys}{keys}}}"#)).unwrap_err();
        assert_eq!(over.status(), 413);
    }

    /// A keyless submission's key follows the answers: one that differs in any answer
    /// is another request (it cannot replay someone else's booking), while the same answers in
    /// another order, with surrounding blanks, or with ids the type does not ask meet it.
    #[test]
    fn keyless_keys_follow_the_answers() {
        use crate::domain::booking::idempotency::duplicate_key;
        let key = |extra: &str| duplicate_key(&json(extra).unwrap());
        let base = key(r#","answers":{"company":"Acme","plan":"Pro"}"#);
        assert_eq!(
            base,
            key(r#","answers":{"plan":"Pro","company":" Acme ","whoami":"x","notes":""}"#)
        );
        for other in [
            r#","answers":{"company":"Acme","plan":"Free"}"#,
            r#","answers":{"company":"Acme"}"#,
            r#","answers":{"company":"Acme2","plan":"Pro"}"#,
            r#","answers":{"company":"Acme","plan":"Pro","notes":"hi"}"#,
        ] {
            assert_ne!(base, key(other), "{other}");
        }
    }

    /// The passcode comes from the request's randomness, not from what it asks: a
    /// retry (other random bytes) has the same fingerprint and keyless key, so it meets the
    /// journaled attempt, whose booking (and passcode) every create of it sends. `Debug` (what
    /// a log line would print) never shows it.
    #[test]
    fn the_passcode_is_not_part_of_the_request_and_never_printed() {
        use crate::domain::booking::idempotency::{duplicate_key, fingerprint};
        let types = types();
        let parse = |random: [u8; 8]| {
            let body = r#"{"name":"Ada","email":"a@b.io","start_time":"2030-03-02T09:00:00Z",
                "answers":{"company":"Acme"}}"#;
            book_of(&types, BodyKind::Json, body, random).unwrap()
        };
        let (first, retry) = (parse([1; 8]), parse([2; 8]));
        assert_ne!(first.passcode, retry.passcode);
        assert_eq!(fingerprint(&first), fingerprint(&retry));
        assert_eq!(duplicate_key(&first), duplicate_key(&retry));
        let passcode = first.passcode.clone().unwrap();
        let printed = format!("{first:?}");
        assert!(!printed.contains(&passcode), "{printed}");
        assert!(printed.contains("[redacted]"));
        // Journaled and read back, it is the same passcode.
        let journaled: ValidBooking =
            serde_json::from_value(serde_json::to_value(&first).unwrap()).unwrap();
        assert_eq!(journaled.passcode, first.passcode);
    }

    /// A choice is matched exactly against its options, whatever its `max_length`: an
    /// option longer than it can still be chosen.
    #[test]
    fn a_choice_is_bounded_by_its_options_not_its_max_length() {
        let types = types_of(
            r#"[{"slug":"t","title":"T","durations":[30],"default_duration":30,
                "questions":[{"id":"tier","label":"Tier","kind":"choice","max_length":3,
                              "options":["Enterprise","Pro"]}]}]"#,
        );
        let book = |tier: &str| {
            let body = format!(
                r#"{{"name":"Ada","email":"a@b.io","start_time":"2030-03-02T09:00:00Z",
                    "answers":{{"tier":"{tier}"}}}}"#
            );
            book_of(&types, BodyKind::Json, &body, [0; 8])
        };
        assert_eq!(book("Enterprise").unwrap().answers[0].value, "Enterprise");
        assert_eq!(book("Enterprise!").unwrap_err().code(), "invalid_answer");
    }
}
