//! The coordinator's decision when a new booking asks for a slot, from what it knows at that
//! moment. The order is the rule: an earlier answer under the same key wins over everything
//! (a retry after a lost answer must get its booking even if limits have filled since), then the
//! submitter's limits, then a free host with allowance.

use crate::domain::booking::host_pool::{choose_host, HostLoad};
use crate::domain::booking::idempotency::{on_repeat, Attempt, Repeat, StoredAnswer};
use crate::domain::coordinator::Refusal;
use crate::domain::rate_limits::seconds_until_utc_midnight;
use chrono::{DateTime, Utc};

/// What the coordinator knows when the request arrives.
pub struct Facts<'a> {
    /// The attempt stored under the request's key, if any.
    pub existing: Option<&'a Attempt>,
    pub fingerprint: &'a str,
    /// `Err(seconds to wait)` if the submitter's IP or email used its allowance.
    pub submit_limits: Result<(), u32>,
    /// Each configured host's calls today and meetings overlapping the slot, in pool order.
    pub loads: &'a [HostLoad],
    pub daily_limit: u32,
    pub max_concurrent: u32,
    /// Round-robin position over the pool.
    pub cursor: usize,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The key already made a booking: answer what it answered then.
    Replay(StoredAnswer),
    Refuse(Refusal),
    /// Hold the slot on the host at this index of the pool (and take its allowance).
    Hold {
        host: usize,
    },
}

pub fn decide(facts: &Facts<'_>) -> Decision {
    let now_ms = facts.now.timestamp_millis();
    match on_repeat(facts.existing, facts.fingerprint, now_ms) {
        Repeat::Proceed => {}
        Repeat::Replay(answer) => return Decision::Replay(answer),
        Repeat::KeyReused => return Decision::Refuse(Refusal::KeyReused),
        Repeat::InProgress => return Decision::Refuse(Refusal::InProgress),
    }
    if let Err(retry_after) = facts.submit_limits {
        return Decision::Refuse(Refusal::TooManyBookings { retry_after });
    }
    match choose_host(
        facts.loads,
        facts.daily_limit,
        facts.max_concurrent,
        facts.cursor,
    ) {
        Ok(host) => Decision::Hold { host },
        Err(reason) => Decision::Refuse(Refusal::no_free_host(
            reason,
            seconds_until_utc_midnight(facts.now),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    const FREE: HostLoad = HostLoad {
        used_today: 0,
        overlapping: 0,
    };
    const BUSY: HostLoad = HostLoad {
        used_today: 0,
        overlapping: 1,
    };
    const SPENT: HostLoad = HostLoad {
        used_today: 100,
        overlapping: 0,
    };

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 23, 0, 0).unwrap()
    }

    fn facts<'a>(existing: Option<&'a Attempt>, loads: &'a [HostLoad]) -> Facts<'a> {
        Facts {
            existing,
            fingerprint: "fp",
            submit_limits: Ok(()),
            loads,
            daily_limit: 100,
            max_concurrent: 1,
            cursor: 0,
            now: now(),
        }
    }

    fn answered() -> Attempt {
        Attempt {
            fingerprint: "fp".into(),
            booking_id: "bk_1".into(),
            answer: Some(StoredAnswer {
                status: 201,
                body: json!({"booking_id": "bk_1"}),
            }),
            lease_until_ms: 0,
            expires_at_ms: i64::MAX,
        }
    }

    #[test]
    fn a_new_request_holds_the_first_free_host_from_the_cursor() {
        let loads = [BUSY, FREE, FREE];
        assert_eq!(decide(&facts(None, &loads)), Decision::Hold { host: 1 });
        let from_two = Facts {
            cursor: 2,
            ..facts(None, &loads)
        };
        assert_eq!(decide(&from_two), Decision::Hold { host: 2 });
    }

    #[test]
    fn a_repeated_key_is_replayed_even_when_limits_and_hosts_are_spent() {
        let attempt = answered();
        let everything_spent = Facts {
            submit_limits: Err(600),
            ..facts(Some(&attempt), &[SPENT])
        };
        assert!(matches!(decide(&everything_spent), Decision::Replay(a) if a.status == 201));
    }

    #[test]
    fn a_key_reused_for_another_request_or_still_in_flight_is_refused() {
        let attempt = answered();
        let other = Facts {
            fingerprint: "other",
            ..facts(Some(&attempt), &[FREE])
        };
        assert_eq!(decide(&other), Decision::Refuse(Refusal::KeyReused));
        let in_flight = Attempt {
            answer: None,
            lease_until_ms: i64::MAX,
            ..answered()
        };
        assert_eq!(
            decide(&facts(Some(&in_flight), &[FREE])),
            Decision::Refuse(Refusal::InProgress)
        );
    }

    #[test]
    fn a_submitter_over_its_limit_is_refused_before_any_host_is_chosen() {
        let over = Facts {
            submit_limits: Err(42),
            ..facts(None, &[FREE])
        };
        assert_eq!(
            decide(&over),
            Decision::Refuse(Refusal::TooManyBookings { retry_after: 42 })
        );
    }

    #[test]
    fn no_free_host_is_a_busy_slot_or_a_spent_day_until_midnight_utc() {
        assert_eq!(
            decide(&facts(None, &[BUSY, SPENT])),
            Decision::Refuse(Refusal::SlotUnavailable)
        );
        assert_eq!(
            decide(&facts(None, &[SPENT, SPENT])),
            Decision::Refuse(Refusal::DailyQuotaExhausted { retry_after: 3600 })
        );
    }
}
