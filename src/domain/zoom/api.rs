//! Classifying Zoom REST answers into what the worker does next.

use crate::domain::api_error::ApiError;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Zoom's error code for an unknown, expired or invalidated access token.
pub const INVALID_ACCESS_TOKEN: i64 = 124;
/// "Meeting does not exist" (with 404).
pub const MEETING_NOT_FOUND: i64 = 3001;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoomOutcome {
    Success,
    /// 401 code 124: the token is no longer valid. Zoom did not act on the request, so it is
    /// safe to ask the coordinator for a newer token and send it once more.
    InvalidToken,
    /// 429: the caller reads Zoom's rate-limit headers (see `rate_limits::read_zoom_429`).
    RateLimited,
    Failed(ApiError),
}

#[derive(Deserialize)]
struct ZoomErrorBody {
    code: Option<i64>,
    message: Option<String>,
}

/// Zoom's error `message`, if any (it is the only sign of some daily-limit 429s).
pub fn zoom_error_message(body: &str) -> String {
    serde_json::from_str::<ZoomErrorBody>(body)
        .ok()
        .and_then(|b| b.message)
        .unwrap_or_default()
}

/// Delay before retry `attempt` (0-based) of an idempotent call: exponential from 200 ms, plus
/// up to 100 ms of jitter so retries from many isolates do not arrive together.
pub fn retry_backoff_ms(attempt: u32, random: u8) -> u64 {
    200 * 2u64.pow(attempt.min(5)) + u64::from(random) * 100 / 256
}

/// Zoom's numeric error `code` from an error body, if there is one.
pub fn zoom_error_code(body: &str) -> Option<i64> {
    serde_json::from_str::<ZoomErrorBody>(body)
        .ok()
        .and_then(|b| b.code)
}

pub fn classify(status: u16, body: &str) -> ZoomOutcome {
    let zoom_code = zoom_error_code(body);
    match status {
        200..=299 => ZoomOutcome::Success,
        401 if zoom_code == Some(INVALID_ACCESS_TOKEN) => ZoomOutcome::InvalidToken,
        401 => ZoomOutcome::Failed(ApiError::ZoomAuthRejected),
        429 => ZoomOutcome::RateLimited,
        500..=599 => ZoomOutcome::Failed(ApiError::ZoomError { status }),
        _ => ZoomOutcome::Failed(ApiError::ZoomRejected { status, zoom_code }),
    }
}

/// Whether a failed DELETE means the meeting is already gone (deleted by someone else, or by an
/// earlier attempt whose answer was lost): for a cancel, that is success. Only Zoom's 404 code
/// 3001 says so. Code 300 is Zoom's generic validation error: the meeting may well still exist,
/// so its slot must not be freed.
pub fn means_already_deleted(err: &ApiError) -> bool {
    matches!(
        err,
        ApiError::ZoomRejected {
            status: 404,
            zoom_code: Some(MEETING_NOT_FOUND)
        }
    )
}

/// An HTTP date as servers send it (IMF-fixdate, `Tue, 01 Jan 2030 00:00:10 GMT`). Read by
/// hand: chrono's RFC 2822 parser would bring its whole format engine into the worker.
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = value.split_ascii_whitespace().collect();
    let [_weekday, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let mut clock = time.split(':').map(|n| n.parse::<u32>().ok());
    let (Some(Some(h)), Some(Some(m)), Some(Some(s)), None) =
        (clock.next(), clock.next(), clock.next(), clock.next())
    else {
        return None;
    };
    chrono::NaiveDate::from_ymd_opt(year.parse().ok()?, month, day.parse().ok()?)?
        .and_hms_opt(h, m, s)
        .map(|t| t.and_utc())
}

/// `Retry-After` as whole seconds from `now`: delta-seconds or an HTTP date, clamped to
/// 1 s .. 1 day so a garbled header can neither spin a client nor lock it out for long.
pub fn retry_after_seconds(header: Option<&str>, now: DateTime<Utc>) -> Option<u32> {
    let value = header?.trim();
    let seconds = match value.parse::<i64>() {
        Ok(s) => s,
        Err(_) => {
            let at = http_date(value).or_else(|| {
                DateTime::parse_from_rfc3339(value)
                    .ok()
                    .map(|t| t.with_timezone(&Utc))
            })?;
            // Round up: retrying early only earns another 429.
            let millis = (at - now).num_milliseconds();
            (millis + 999).div_euclid(1000)
        }
    };
    Some(seconds.clamp(1, 86_400) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_zoom_no_longer_has_counts_as_deleted() {
        let rejected = |status, body: &str| match classify(status, body) {
            ZoomOutcome::Failed(err) => err,
            other => panic!("{other:?}"),
        };
        assert!(means_already_deleted(&rejected(404, r#"{"code":3001}"#)));
        assert!(!means_already_deleted(&rejected(400, r#"{"code":300}"#)));
        assert!(!means_already_deleted(&rejected(404, r#"{"code":300}"#)));
        assert!(!means_already_deleted(&rejected(404, r#"{"code":1001}"#)));
        assert!(!means_already_deleted(&rejected(400, r#"{"code":3000}"#)));
        assert!(!means_already_deleted(&rejected(500, r#"{"code":3001}"#)));
    }
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn zoom_answers_are_classified_as_success_bad_token_rate_limit_or_failure() {
        assert_eq!(classify(201, "{}"), ZoomOutcome::Success);
        assert_eq!(classify(204, ""), ZoomOutcome::Success);
        assert_eq!(
            classify(401, r#"{"code":124,"message":"Invalid access token."}"#),
            ZoomOutcome::InvalidToken
        );
        assert_eq!(
            classify(401, r#"{"code":200}"#),
            ZoomOutcome::Failed(ApiError::ZoomAuthRejected)
        );
        assert_eq!(classify(429, "{}"), ZoomOutcome::RateLimited);
        assert_eq!(
            classify(500, "oops"),
            ZoomOutcome::Failed(ApiError::ZoomError { status: 500 })
        );
        assert_eq!(
            classify(404, r#"{"code":1001,"message":"User does not exist: x."}"#),
            ZoomOutcome::Failed(ApiError::ZoomRejected {
                status: 404,
                zoom_code: Some(1001)
            })
        );
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert_eq!(retry_backoff_ms(0, 0), 200);
        assert_eq!(retry_backoff_ms(1, 0), 400);
        assert_eq!(retry_backoff_ms(2, 255), 800 + 99);
        assert_eq!(retry_backoff_ms(40, 0), 6400);
        assert_eq!(
            zoom_error_message(r#"{"code":429,"message":"daily rate limit"}"#),
            "daily rate limit"
        );
        assert_eq!(zoom_error_message("nope"), "");
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date_within_a_day() {
        assert_eq!(retry_after_seconds(None, now()), None);
        assert_eq!(retry_after_seconds(Some("garbage"), now()), None);
        assert_eq!(retry_after_seconds(Some(" 30 "), now()), Some(30));
        assert_eq!(retry_after_seconds(Some("0"), now()), Some(1));
        assert_eq!(retry_after_seconds(Some("999999"), now()), Some(86_400));
        assert_eq!(
            retry_after_seconds(Some("Tue, 01 Jan 2030 00:00:10 GMT"), now()),
            Some(10)
        );
        assert_eq!(
            retry_after_seconds(Some("2030-01-01T00:01:00Z"), now()),
            Some(60)
        );
        assert_eq!(
            retry_after_seconds(Some("2029-12-31T23:00:00Z"), now()),
            Some(1)
        );
    }
}
