//! Zoom's rate limits as arithmetic: per-second budgets per category, the daily Create/Update
//! quota per host (reset at 00:00 UTC), and what a Zoom 429 tells us. No clock: `now` is passed.

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Zoom's rate-limit categories. Create Meeting is medium; get, update and delete are light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Light, Category::Medium, Category::Heavy];

    fn index(self) -> usize {
        match self {
            Category::Light => 0,
            Category::Medium => 1,
            Category::Heavy => 2,
        }
    }

    /// From Zoom's `X-RateLimit-Category` header (`Light`, `Medium`, `Heavy`).
    pub fn from_header(value: &str) -> Option<Category> {
        match value.trim().to_ascii_lowercase().as_str() {
            "light" => Some(Category::Light),
            "medium" => Some(Category::Medium),
            "heavy" => Some(Category::Heavy),
            _ => None,
        }
    }
}

/// Requests per second per category for a Zoom plan, before the operator's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits(pub [u32; 3]);

impl PlanLimits {
    pub fn for_plan(plan: &str) -> Option<PlanLimits> {
        match plan.trim().to_ascii_lowercase().as_str() {
            "free" | "basic" => Some(PlanLimits([4, 2, 1])),
            "pro" => Some(PlanLimits([30, 20, 10])),
            "business" | "business_plus" | "enterprise" => Some(PlanLimits([80, 60, 40])),
            // No real account is unmetered: the benchmark measures the worker itself rather
            // than Zoom's pacing. Compiled into benchmark builds only.
            #[cfg(feature = "benchmark")]
            "unmetered" => Some(PlanLimits([100_000, 100_000, 100_000])),
            _ => None,
        }
    }

    /// The part of the account's limits this service may use (the rest belongs to other apps
    /// on the account); never below one request per second.
    pub fn share(self, share: f64) -> PlanLimits {
        PlanLimits(
            self.0
                .map(|limit| ((limit as f64 * share).floor() as u32).max(1)),
        )
    }

    pub fn per_second(self, category: Category) -> u32 {
        self.0[category.index()]
    }
}

/// Window the per-second budget is counted over. Slightly over a second, so calls that reach
/// Zoom a little later than scheduled still never bunch into one of Zoom's seconds.
pub const WINDOW_MS: i64 = 1100;

/// How late after its scheduled time a call may still be sent. A caller that wakes later than
/// this (a stalled isolate, a slow hop from the coordinator) asks for a new slot instead: sends
/// then always fall within `[slot, slot + tolerance]`, and since `WINDOW_MS - 1000` covers the
/// tolerance, no 1-second window at Zoom ever sees more than the limit.
pub const SEND_LATENESS_TOLERANCE_MS: i64 = 100;
// The guarantee above holds only while the tolerance fits in the window's margin.
const _: () = assert!(SEND_LATENESS_TOLERANCE_MS <= WINDOW_MS - 1000);

/// Whether a call scheduled for `send_at_ms` is too late to be sent at `now_ms`.
pub fn too_late_to_send(send_at_ms: i64, now_ms: i64) -> bool {
    now_ms - send_at_ms > SEND_LATENESS_TOLERANCE_MS
}

/// Per-second permits by category as a schedule: each grant is a send time; at most `limit`
/// send times fall within any `WINDOW_MS`. A caller told to wait sleeps until its send time,
/// so a burst is spread out instead of refused.
#[derive(Debug, Default, Clone)]
pub struct PermitSchedule {
    granted: [VecDeque<i64>; 3],
}

impl PermitSchedule {
    /// The earliest send time at or after `now_ms` for one more `category` request, reserved;
    /// `None` (nothing reserved) if that is more than `max_wait_ms` away.
    pub fn reserve(
        &mut self,
        category: Category,
        limit: u32,
        now_ms: i64,
        max_wait_ms: i64,
    ) -> Option<i64> {
        let log = &mut self.granted[category.index()];
        while log.front().is_some_and(|t| *t <= now_ms - WINDOW_MS) {
            log.pop_front();
        }
        let limit = limit.max(1) as usize;
        let at = if log.len() < limit {
            now_ms.max(log.back().copied().unwrap_or(now_ms))
        } else {
            // The limit-th most recent grant must leave the window first.
            (log[log.len() - limit] + WINDOW_MS).max(now_ms)
        };
        if at - now_ms > max_wait_ms {
            return None;
        }
        log.push_back(at);
        Some(at)
    }
}

/// The UTC day a quota counts against, as `YYYY-MM-DD`.
pub fn utc_day(now: DateTime<Utc>) -> String {
    // Written by hand: chrono's `format` would bring its whole format engine into the worker.
    format!("{:04}-{:02}-{:02}", now.year(), now.month(), now.day())
}

/// Next 00:00 UTC after `now`.
pub fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    (now.date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now)
}

/// Zoom's category for Create Meeting: the coordinator grants a booking's create its slot in
/// this category together with the reservation.
pub const CREATE_CATEGORY: Category = Category::Medium;

/// A wait in milliseconds as `Retry-After` seconds: rounded up (retrying early only earns
/// another refusal) and kept within 1 s .. 1 day.
pub fn retry_after_secs(millis: i64) -> u32 {
    (millis.saturating_add(999) / 1000).clamp(1, 86_400) as u32
}

/// Whole seconds until the daily quota resets (at least 1).
pub fn seconds_until_utc_midnight(now: DateTime<Utc>) -> u32 {
    retry_after_secs((next_utc_midnight(now) - now).num_milliseconds())
}

/// What a Zoom 429 says is blocked, and until when. On the wire an object tagged by `scope`,
/// read back through the flat `ZoomBlockWire` (why: `webhook::event::wire`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case", try_from = "ZoomBlockWire")]
pub enum ZoomBlock {
    /// The account's per-second budget for a category.
    PerSecond { category: Category, until_ms: i64 },
    /// The host's daily Create/Update allowance, until 00:00 UTC.
    Daily { until_ms: i64 },
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum BlockScope {
    PerSecond,
    Daily,
}

/// Both variants' fields; `category` is required of `per_second` only.
#[derive(Deserialize)]
struct ZoomBlockWire {
    scope: BlockScope,
    category: Option<Category>,
    until_ms: i64,
}

impl TryFrom<ZoomBlockWire> for ZoomBlock {
    type Error = &'static str;

    fn try_from(w: ZoomBlockWire) -> Result<ZoomBlock, &'static str> {
        Ok(match w.scope {
            BlockScope::PerSecond => ZoomBlock::PerSecond {
                category: w.category.ok_or("missing field `category`")?,
                until_ms: w.until_ms,
            },
            BlockScope::Daily => ZoomBlock::Daily {
                until_ms: w.until_ms,
            },
        })
    }
}

/// What a 429 from Zoom said. Zoom's headers are optional and inconsistent: `X-RateLimit-Type`
/// (`QPS` / `Daily-limit`), `X-RateLimit-Category`, and `Retry-After` as seconds or a date; some
/// daily-limit answers carry only the message, some only a `Retry-After` date.
pub struct Zoom429<'a> {
    pub limit_type: Option<&'a str>,
    pub limit_category: Option<&'a str>,
    pub retry_after_secs: Option<u32>,
    pub message: &'a str,
}

/// How close to 00:00 UTC a bare `Retry-After` must point to be read as the daily limit.
const MIDNIGHT_TOLERANCE_MS: i64 = 60_000;

/// Reads a Zoom 429 refusing a call of `category`; `daily_call` says whether the call uses a
/// host's daily Create/Update allowance (only those can meet the daily limit).
pub fn read_zoom_429(
    answer: &Zoom429<'_>,
    category: Category,
    daily_call: bool,
    now: DateTime<Utc>,
) -> ZoomBlock {
    let now_ms = now.timestamp_millis();
    let midnight_ms = next_utc_midnight(now).timestamp_millis();
    let until_ms = |secs: u32| now_ms + i64::from(secs) * 1000;
    // Without a type and without the message, a Retry-After that points at the next 00:00 UTC
    // is the daily limit's reset (a per-second limit never asks to wait until then).
    let until_midnight = answer.limit_type.is_none()
        && daily_call
        && answer
            .retry_after_secs
            .is_some_and(|secs| (until_ms(secs) - midnight_ms).abs() <= MIDNIGHT_TOLERANCE_MS);
    let says_daily = answer
        .limit_type
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("daily-limit"))
        || answer
            .message
            .to_ascii_lowercase()
            .contains("daily rate limit")
        || until_midnight;
    if says_daily {
        return ZoomBlock::Daily {
            until_ms: answer.retry_after_secs.map_or(midnight_ms, until_ms),
        };
    }
    ZoomBlock::PerSecond {
        category: answer
            .limit_category
            .and_then(Category::from_header)
            .unwrap_or(category),
        until_ms: until_ms(answer.retry_after_secs.unwrap_or(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::host_pool::{choose_host, HostLoad};
    use chrono::TimeZone;
    use std::collections::HashMap;

    /// A 429 refusing a create (a call that uses the host's daily allowance).
    fn read(
        limit_type: Option<&str>,
        limit_category: Option<&str>,
        retry_after_secs: Option<u32>,
        message: &str,
        category: Category,
        now: DateTime<Utc>,
    ) -> ZoomBlock {
        let answer = Zoom429 {
            limit_type,
            limit_category,
            retry_after_secs,
            message,
        };
        read_zoom_429(&answer, category, true, now)
    }

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 31, h, m, s).unwrap()
    }

    #[test]
    fn each_plan_has_its_limits_and_a_share_keeps_at_least_one() {
        let pro = PlanLimits::for_plan("Pro").unwrap();
        assert_eq!(pro, PlanLimits([30, 20, 10]));
        assert_eq!(PlanLimits::for_plan("free"), Some(PlanLimits([4, 2, 1])));
        assert_eq!(
            PlanLimits::for_plan("business"),
            Some(PlanLimits([80, 60, 40]))
        );
        assert_eq!(PlanLimits::for_plan("gold"), None);
        assert_eq!(pro.share(0.5), PlanLimits([15, 10, 5]));
        assert_eq!(PlanLimits([4, 2, 1]).share(0.1), PlanLimits([1, 1, 1]));
        assert_eq!(pro.per_second(Category::Medium), 20);
    }

    /// However many requests arrive at once, no window of WINDOW_MS holds more than the limit.
    #[test]
    fn schedule_never_exceeds_the_limit_in_any_window() {
        let mut schedule = PermitSchedule::default();
        let mut grants = Vec::new();
        // 100 requests at the same instant, then 50 more a little later.
        for i in 0..150 {
            let now = if i < 100 { 0 } else { 700 };
            if let Some(t) = schedule.reserve(Category::Medium, 20, now, 10_000) {
                assert!(t >= now);
                grants.push(t);
            }
        }
        assert_eq!(grants.len(), 150);
        for (i, start) in grants.iter().enumerate() {
            let in_window = grants[i..]
                .iter()
                .filter(|t| **t < start + WINDOW_MS)
                .count();
            assert!(
                in_window <= 20,
                "{in_window} grants in the window from {start}"
            );
        }
        // The first 20 go at once; the rest are spread out, not refused.
        assert_eq!(grants.iter().filter(|t| **t == 0).count(), 20);
    }

    #[test]
    fn schedule_refuses_beyond_the_wait_bound_without_reserving() {
        let mut schedule = PermitSchedule::default();
        for _ in 0..10 {
            assert_eq!(schedule.reserve(Category::Heavy, 10, 0, 0), Some(0));
        }
        assert_eq!(schedule.reserve(Category::Heavy, 10, 0, 1000), None);
        assert_eq!(schedule.reserve(Category::Heavy, 10, 0, 1100), Some(1100));
        // Categories are independent.
        assert_eq!(schedule.reserve(Category::Light, 30, 0, 0), Some(0));
        // Once the window has passed, permits are immediate again.
        assert_eq!(schedule.reserve(Category::Heavy, 10, 5000, 0), Some(5000));
    }

    #[test]
    fn lateness_tolerance_fits_inside_the_window_margin() {
        assert!(!too_late_to_send(1000, 1100));
        assert!(too_late_to_send(1000, 1101));
        assert!(!too_late_to_send(1000, 900));
    }

    #[test]
    fn waits_round_up_to_whole_seconds_within_a_day() {
        assert_eq!(retry_after_secs(0), 1);
        assert_eq!(retry_after_secs(1), 1);
        assert_eq!(retry_after_secs(1000), 1);
        assert_eq!(retry_after_secs(1001), 2);
        assert_eq!(retry_after_secs(-5000), 1);
        assert_eq!(retry_after_secs(i64::MAX), 86_400);
    }

    #[test]
    fn the_quota_day_and_its_reset_turn_over_at_utc_midnight() {
        let before = at(23, 59, 59);
        assert_eq!(utc_day(before), "2030-01-31");
        assert_eq!(seconds_until_utc_midnight(before), 1);
        assert_eq!(
            next_utc_midnight(before),
            Utc.with_ymd_and_hms(2030, 2, 1, 0, 0, 0).unwrap()
        );
        let after = before + Duration::seconds(1);
        assert_eq!(utc_day(after), "2030-02-01");
        assert_eq!(seconds_until_utc_midnight(after), 86_400);
        assert_eq!(seconds_until_utc_midnight(at(12, 0, 0)), 43_200);
        let almost =
            Utc.with_ymd_and_hms(2030, 1, 31, 23, 59, 59).unwrap() + Duration::milliseconds(999);
        assert_eq!(seconds_until_utc_midnight(almost), 1);
    }

    /// A host's allowance, kept per UTC day as the coordinator keeps it, across midnight.
    #[test]
    fn a_hosts_daily_allowance_runs_out_and_renews_at_utc_midnight() {
        let mut used: HashMap<(String, usize), u32> = HashMap::new();
        let mut take = |now: DateTime<Utc>, cursor: usize| {
            let day = utc_day(now);
            let counts: Vec<u32> = (0..2)
                .map(|h| *used.get(&(day.clone(), h)).unwrap_or(&0))
                .collect();
            let loads: Vec<HostLoad> = counts
                .iter()
                .map(|&used_today| HostLoad {
                    used_today,
                    overlapping: 0,
                })
                .collect();
            let host = choose_host(&loads, 3, 1, cursor).ok()?;
            *used.entry((day, host)).or_default() += 1;
            Some(host)
        };
        let evening = at(23, 59, 0);
        let granted: Vec<Option<usize>> = (0..7)
            .map(|i| take(evening + Duration::seconds(i), i as usize))
            .collect();
        // Two hosts of 3 each, alternating; the seventh is refused until midnight.
        assert_eq!(
            granted,
            vec![Some(0), Some(1), Some(0), Some(1), Some(0), Some(1), None]
        );
        assert_eq!(
            seconds_until_utc_midnight(evening + Duration::seconds(6)),
            54
        );
        // One second past midnight: a new day, a fresh allowance.
        let morning = Utc.with_ymd_and_hms(2030, 2, 1, 0, 0, 1).unwrap();
        assert_eq!(take(morning, 0), Some(0));
        assert_eq!(take(morning, 1), Some(1));
    }

    #[test]
    fn every_form_of_zoom_429_is_read_as_a_daily_or_per_second_block() {
        let now = at(12, 0, 0);
        let midnight = next_utc_midnight(now).timestamp_millis();
        let daily_message = "You have exceeded the daily rate limit (100) of Meeting Create/Update API \
            requests permitted for this particular user. You may resume these requests at GMT 00:00:00.";
        // Daily limit with the header, without any header, and with a Retry-After.
        assert_eq!(
            read(Some("Daily-limit"), None, None, "", Category::Medium, now),
            ZoomBlock::Daily { until_ms: midnight }
        );
        assert_eq!(
            read(None, None, None, daily_message, Category::Medium, now),
            ZoomBlock::Daily { until_ms: midnight }
        );
        assert_eq!(
            read(
                Some("Daily-limit"),
                None,
                Some(60),
                "",
                Category::Medium,
                now
            ),
            ZoomBlock::Daily {
                until_ms: now.timestamp_millis() + 60_000
            }
        );
        // Per-second: Zoom's category wins over ours; Retry-After defaults to one second.
        assert_eq!(
            read(
                Some("QPS"),
                Some("Heavy"),
                Some(3),
                "",
                Category::Light,
                now
            ),
            ZoomBlock::PerSecond {
                category: Category::Heavy,
                until_ms: now.timestamp_millis() + 3000
            }
        );
        assert_eq!(
            read(None, None, None, "Too many requests", Category::Light, now),
            ZoomBlock::PerSecond {
                category: Category::Light,
                until_ms: now.timestamp_millis() + 1000
            }
        );
        // Neither header nor message, only a Retry-After that lies hours away (a date at
        // midnight UTC): the daily limit. A few seconds, or an explicit per-second type, is not.
        assert_eq!(
            read(
                None,
                None,
                Some(12 * 3600),
                "Too many requests",
                Category::Medium,
                now
            ),
            ZoomBlock::Daily { until_ms: midnight }
        );
        assert!(matches!(
            read(None, None, Some(8), "", Category::Medium, now),
            ZoomBlock::PerSecond { .. }
        ));
        assert!(matches!(
            read(Some("QPS"), None, Some(120), "", Category::Medium, now),
            ZoomBlock::PerSecond { .. }
        ));
    }

    #[test]
    fn a_block_reads_back_from_its_scope_tagged_wire_form() {
        let per_second = ZoomBlock::PerSecond {
            category: Category::Medium,
            until_ms: 5,
        };
        let wire = serde_json::to_string(&per_second).unwrap();
        assert_eq!(
            wire,
            r#"{"scope":"per_second","category":"medium","until_ms":5}"#
        );
        assert_eq!(
            serde_json::from_str::<ZoomBlock>(&wire).unwrap(),
            per_second
        );
        let daily = ZoomBlock::Daily { until_ms: 9 };
        let wire = serde_json::to_string(&daily).unwrap();
        assert_eq!(wire, r#"{"scope":"daily","until_ms":9}"#);
        assert_eq!(serde_json::from_str::<ZoomBlock>(&wire).unwrap(), daily);
        let error = |wire: &str| {
            serde_json::from_str::<ZoomBlock>(wire)
                .unwrap_err()
                .to_string()
        };
        assert!(
            error(r#"{"scope":"per_second","until_ms":5}"#).contains("missing field `category`")
        );
        assert!(error(r#"{"scope":"daily"}"#).contains("missing field `until_ms`"));
        assert!(error(r#"{"scope":"weekly","until_ms":5}"#).contains("unknown variant"));
    }
}
