//! Zoom's rate limits, as the gates a request passes before it is carried out: requests per
//! second by category (every meeting API), and meeting creates/updates per host per UTC day.

use crate::http::Reply;
use crate::state::{Category, State};
use chrono::{Duration, TimeZone, Utc};

/// Counts one request against its category's allowance for the current second, or answers 429.
pub(super) fn per_second_limit(state: &mut State, category: Category) -> Option<Reply> {
    let limits = state.settings.per_second?;
    let limit = match category {
        Category::Light => limits[0],
        Category::Medium => limits[1],
        Category::Heavy => limits[2],
    };
    let second = state.now_ms().div_euclid(1000);
    let usage = state
        .per_second_usage
        .entry(category)
        .or_insert((second, 0));
    if usage.0 != second {
        *usage = (second, 0);
    }
    if usage.1 >= limit {
        state.counters.rate_limited += 1;
        return Some(
            Reply::zoom_error(
                429,
                429,
                "You have reached the maximum per-second rate limit for this API. Try again later.",
            )
            .with_header("X-RateLimit-Category", category.name())
            .with_header("X-RateLimit-Type", "QPS")
            .with_header("Retry-After", "1"),
        );
    }
    usage.1 += 1;
    None
}

/// Counts one create/update request against the host's daily allowance, or answers 429.
pub(super) fn daily_limit(state: &mut State, user: &str) -> Option<Reply> {
    let now = state.now_utc();
    let key = (user.to_owned(), now.format("%Y-%m-%d").to_string());
    let limit = state.settings.daily_create_limit;
    let used = state.daily_usage.entry(key).or_insert(0);
    if *used >= limit {
        state.counters.rate_limited += 1;
        let midnight = (now + Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|t| Utc.from_utc_datetime(&t))
            .unwrap_or(now);
        return Some(
            Reply::zoom_error(
                429,
                429,
                format!(
                    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API \
                     requests permitted for this particular user. You may resume these requests \
                     at GMT 00:00:00."
                ),
            )
            .with_header("X-RateLimit-Type", "Daily-limit")
            .with_header("X-RateLimit-Limit", limit.to_string())
            .with_header("X-RateLimit-Remaining", "0")
            .with_header(
                "Retry-After",
                midnight.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            ),
        );
    }
    *used += 1;
    None
}
