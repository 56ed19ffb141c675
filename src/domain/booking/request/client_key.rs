//! The client's idempotency key: the `Idempotency-Key` header, or the body's `idempotency_key`
//! field (what an HTML form can send: a form cannot set headers). Either is the same key, under
//! the same rules; it names the request and is never part of what the booking asks for (its
//! fingerprint).

use super::body::{BodyKind, RawFields, RawValue};
use crate::domain::api_error::ApiError;
use crate::domain::booking::idempotency::{IdempotencyKey, MAX_KEY_CHARS};

/// The body field equivalent to the `Idempotency-Key` header.
pub const KEY_FIELD: &str = "idempotency_key";

/// The request's client key, `None` without one. A header or field that is present must hold 1
/// to 255 characters once trimmed (a blank field counts as present: a form that means to send a
/// key and sends none must not silently become a keyless submission); a JSON field must be a
/// string; a header and a field that disagree are refused rather than one silently winning.
/// All of these are `400 invalid_idempotency_key`. The body is only read for the field here;
/// whether it is a valid booking is `parse_booking`'s answer.
pub fn client_key(
    kind: BodyKind,
    body: &[u8],
    header: Option<&str>,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let from_header = IdempotencyKey::from_header(header)?;
    let from_body = match RawFields::from_body(kind, body) {
        Ok(fields) => match fields.raw(KEY_FIELD) {
            None => None,
            Some(RawValue::Text(text)) => Some(IdempotencyKey::parse(text)?),
            Some(_) => return Err(invalid()),
        },
        // An unreadable body has no field; `parse_booking` says what is wrong with it.
        Err(_) => None,
    };
    match (from_header, from_body) {
        (Some(header), Some(field)) if header != field => Err(invalid()),
        (header, field) => Ok(header.or(field)),
    }
}

fn invalid() -> ApiError {
    ApiError::InvalidIdempotencyKey {
        max_chars: MAX_KEY_CHARS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::idempotency::fingerprint;
    use crate::domain::booking::request::test_support::{form, json};

    fn key(kind: BodyKind, body: &str, header: Option<&str>) -> Result<Option<String>, ApiError> {
        client_key(kind, body.as_bytes(), header).map(|k| k.map(|k| k.stored()))
    }

    fn is_invalid_key(answer: Result<Option<String>, ApiError>) -> bool {
        matches!(answer, Err(e) if (e.status(), e.code()) == (400, "invalid_idempotency_key"))
    }

    #[test]
    fn the_field_is_the_header_in_a_form_or_in_json() {
        let stored = Ok(Some("client:k-1".to_owned()));
        assert_eq!(
            key(BodyKind::Form, "name=A&idempotency_key=+k-1+", None),
            stored
        );
        assert_eq!(
            key(BodyKind::Json, r#"{"idempotency_key":"k-1"}"#, None),
            stored
        );
        assert_eq!(key(BodyKind::Json, "{}", Some("k-1")), stored);
        assert_eq!(key(BodyKind::Form, "name=A", None), Ok(None));
        assert_eq!(
            key(BodyKind::Json, r#"{"idempotency_key":null}"#, None),
            Ok(None)
        );
    }

    #[test]
    fn a_header_and_a_field_must_agree() {
        let both = |field: &str, header| key(BodyKind::Form, field, Some(header));
        assert_eq!(
            both("idempotency_key=k-1", " k-1"),
            Ok(Some("client:k-1".to_owned()))
        );
        assert!(is_invalid_key(both("idempotency_key=k-1", "k-2")));
    }

    #[test]
    fn a_field_is_checked_like_the_header() {
        let long = format!("idempotency_key={}", "x".repeat(256));
        for body in ["idempotency_key=", "idempotency_key=+++", long.as_str()] {
            assert!(is_invalid_key(key(BodyKind::Form, body, None)), "{body}");
        }
        for body in [r#"{"idempotency_key":7}"#, r#"{"idempotency_key":["k"]}"#] {
            assert!(is_invalid_key(key(BodyKind::Json, body, None)), "{body}");
        }
        let at_most = format!("idempotency_key={}", "x".repeat(255));
        assert!(key(BodyKind::Form, &at_most, None).unwrap().is_some());
    }

    #[test]
    fn the_key_is_not_part_of_what_the_booking_asks_for() {
        let plain = "name=Ada&email=ada%40example.com&start_time=2030-03-02T09:00:00Z";
        let keyed = format!("{plain}&idempotency_key=k-1");
        assert_eq!(
            fingerprint(&form(plain).unwrap()),
            fingerprint(&form(&keyed).unwrap())
        );
        let json_keyed = r#"{"name":"Ada","email":"ada@example.com",
            "start_time":"2030-03-02T09:00:00Z","idempotency_key":"k-1"}"#;
        assert_eq!(
            fingerprint(&json(json_keyed).unwrap()),
            fingerprint(&form(plain).unwrap())
        );
    }
}
