//! Decoding a booking body (JSON or an HTML form) into raw fields, before any rule is applied.

use crate::domain::api_error::{ApiError, FieldError, FieldErrorKind};
use serde_json::Value;
use std::collections::HashMap;

/// Largest booking body accepted. A booking is a few hundred bytes; the cap keeps a hostile
/// client from making the worker buffer megabytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
}

/// Picks the parser from `Content-Type` (parameters such as `charset` are ignored).
pub fn body_kind(content_type: Option<&str>) -> Result<BodyKind, ApiError> {
    let essence = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json") => Ok(BodyKind::Json),
        Some("application/x-www-form-urlencoded") => Ok(BodyKind::Form),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

/// One submitted value, before validation. JSON keeps its type so `"name": 5` can be refused.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum RawValue {
    Text(String),
    Number(serde_json::Number),
    /// A JSON object (only `answers` may be one).
    Object(serde_json::Map<String, Value>),
    Other,
}

pub(crate) struct RawFields(HashMap<String, RawValue>);

impl RawFields {
    pub(crate) fn from_body(kind: BodyKind, body: &[u8]) -> Result<Self, ApiError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        match kind {
            BodyKind::Json => Self::from_json(body),
            BodyKind::Form => Self::from_form(body),
        }
    }

    fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::Malformed(format!("invalid JSON ({e})")))?;
        let Value::Object(map) = value else {
            return Err(ApiError::Malformed(
                "the JSON body must be an object".into(),
            ));
        };
        let fields = map
            .into_iter()
            .filter_map(|(k, v)| {
                let raw = match v {
                    Value::Null => return None,
                    Value::String(s) => RawValue::Text(s),
                    Value::Number(n) => RawValue::Number(n),
                    Value::Object(o) => RawValue::Object(o),
                    _ => RawValue::Other,
                };
                Some((k, raw))
            })
            .collect();
        Ok(Self(fields))
    }

    fn from_form(body: &[u8]) -> Result<Self, ApiError> {
        if std::str::from_utf8(body).is_err() {
            return Err(ApiError::Malformed("the form body is not UTF-8".into()));
        }
        let mut fields = HashMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            // The first occurrence wins: a repeated field cannot override what the form showed.
            fields
                .entry(k.into_owned())
                .or_insert(RawValue::Text(v.into_owned()));
        }
        Ok(Self(fields))
    }

    /// The field as submitted, for rules that accept more than text (e.g. a JSON number).
    pub(super) fn raw(&self, field: &str) -> Option<&RawValue> {
        self.0.get(field)
    }

    /// Whether the field was sent with a value (blank counts as absent).
    pub(in crate::domain::booking) fn has(&self, field: &str) -> bool {
        match self.0.get(field) {
            None => false,
            Some(RawValue::Text(s)) => !s.trim().is_empty(),
            Some(_) => true,
        }
    }

    /// The trimmed text of a field; blank counts as absent (an HTML form sends empty inputs).
    pub(crate) fn text(&self, field: &'static str) -> Result<Option<String>, FieldError> {
        match self.0.get(field) {
            None => Ok(None),
            Some(RawValue::Text(s)) => {
                let trimmed = s.trim();
                Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
            }
            Some(_) => Err(FieldError::new(
                field,
                FieldErrorKind::WrongType,
                format!("'{field}' must be a string."),
            )),
        }
    }

    pub(crate) fn required_text(&self, field: &'static str) -> Result<String, FieldError> {
        self.text(field)?.ok_or_else(|| {
            FieldError::new(
                field,
                FieldErrorKind::Missing,
                format!("'{field}' is required."),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_booking;
    use super::super::test_support::{context, form, json};
    use super::*;
    use crate::domain::time_zone::Zone;

    #[test]
    fn json_and_form_content_types_are_recognised_and_others_are_415() {
        assert_eq!(
            body_kind(Some("application/json; charset=utf-8")),
            Ok(BodyKind::Json)
        );
        assert_eq!(
            body_kind(Some("Application/X-WWW-Form-Urlencoded")),
            Ok(BodyKind::Form)
        );
        for ct in [
            None,
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
        ] {
            assert_eq!(body_kind(ct), Err(ApiError::UnsupportedMediaType));
        }
    }

    #[test]
    fn malformed_bodies_are_400() {
        for body in ["{", "[]", "\"x\"", ""] {
            assert!(
                matches!(json(body), Err(ApiError::Malformed(_))),
                "{body:?}"
            );
        }
        assert!(matches!(
            parse_booking(BodyKind::Form, b"name=\xff\xfe", context(&Zone::utc())),
            Err(ApiError::Malformed(_))
        ));
    }

    #[test]
    fn oversized_body_is_413() {
        let body = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            parse_booking(BodyKind::Json, &body, context(&Zone::utc())),
            Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES
            })
        );
    }

    #[test]
    fn repeated_form_field_keeps_the_first_value() {
        let b =
            form("name=A&email=a%40b.io&start_time=2030-03-02T09:00:00Z&duration=15&duration=600")
                .unwrap();
        assert_eq!(b.duration_minutes, 15);
    }
}
