//! The coordinator's decision when a new booking asks for a slot, from what it knows at that
//! moment. The order is the rule: an earlier answer under the same key wins over everything
//! (a retry after a lost answer must get its booking even if limits have filled since), then the
//! submitter's limits, then a free host with allowance.

use crate::domain::booking::host_pool::{choose_host, HostLoad};
use crate::domain::booking::idempotency::{on_repeat, Attempt, Repeat, StoredAnswer};
use crate::domain::booking::replay::replayed;
use crate::domain::booking::BookingId;
use crate::domain::coordinator::Refusal;
use crate::domain::rate_limits::seconds_until_utc_midnight;
use chrono::{DateTime, Utc};

/// What the coordinator knows when the request arrives.
pub struct Facts<'a> {
    /// The request's stored key (`client:…` or a keyless submission's `auto:…`).
    pub key: &'a str,
    /// The attempt stored under the request's key, if any.
    pub existing: Option<&'a Attempt>,
    pub fingerprint: &'a str,
    /// `Err(seconds to wait)` if the submitter's IP or email used its allowance.
    pub submit_limits: Result<(), u32>,
    pub pool: Pool<'a>,
}

/// The host pool as the slot sees it.
pub struct Pool<'a> {
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
    /// The key already made a booking: answer what it answered then (without the
    /// `manage_token` for a keyless submission, `booking::replay::replayed`).
    Replay(StoredAnswer),
    Refuse(Refusal),
    /// Hold the slot on the host at this index of the pool (and take its allowance).
    Hold {
        host: usize,
    },
}

pub fn decide(facts: &Facts<'_>) -> Decision {
    let now_ms = facts.pool.now.timestamp_millis();
    if let Some(repeated) = on_repeated(facts.key, facts.existing, facts.fingerprint, now_ms) {
        return repeated;
    }
    if let Err(retry_after) = facts.submit_limits {
        return Decision::Refuse(Refusal::TooManyBookings { retry_after });
    }
    choose(&facts.pool)
}

/// The decision for a request its key has seen before (`idempotency::on_repeat`), `None` for a
/// new one. The first step of `decide`, and one the coordinator can take before reading the
/// host pool: a replayed or refused repeat costs it one read, however often it is sent.
pub fn on_repeated(
    key: &str,
    existing: Option<&Attempt>,
    fingerprint: &str,
    now_ms: i64,
) -> Option<Decision> {
    match on_repeat(existing, fingerprint, now_ms) {
        Repeat::Proceed => None,
        Repeat::Replay(answer) => Some(Decision::Replay(replayed(key, answer))),
        Repeat::KeyReused => Some(Decision::Refuse(Refusal::KeyReused)),
        Repeat::InProgress { retry_after } => {
            Some(Decision::Refuse(Refusal::InProgress { retry_after }))
        }
    }
}

/// Whether a reservation may move to another host: only while its attempt is still its own and
/// in flight. If the lease lapsed and a retry under the same key took the key over, or the
/// attempt is gone, moving would let two requests create meetings under one key.
pub fn may_move(attempt: Option<&Attempt>, booking_id: &BookingId, now_ms: i64) -> bool {
    attempt.is_some_and(|a| {
        &a.booking_id == booking_id
            && a.answer.is_none()
            && a.unknown_since_ms.is_none()
            && a.lease_until_ms > now_ms
    })
}

/// A free host with allowance from the pool, or why there is none. Also the whole rule when a
/// reserved booking moves because Zoom refused its host with the daily limit: the refused host
/// then counts as spent, and the key, the submitter and the slot are the same request.
pub fn choose(pool: &Pool<'_>) -> Decision {
    match choose_host(
        pool.loads,
        pool.daily_limit,
        pool.max_concurrent,
        pool.cursor,
    ) {
        Ok(host) => Decision::Hold { host },
        Err(reason) => Decision::Refuse(Refusal::no_free_host(
            reason,
            seconds_until_utc_midnight(pool.now),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::saga::Intent;
    use crate::domain::zoom::HostUser;
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

    fn pool(loads: &[HostLoad]) -> Pool<'_> {
        Pool {
            loads,
            daily_limit: 100,
            max_concurrent: 1,
            cursor: 0,
            now: now(),
        }
    }

    fn facts<'a>(existing: Option<&'a Attempt>, loads: &'a [HostLoad]) -> Facts<'a> {
        Facts {
            key: "client:k-1",
            existing,
            fingerprint: "fp",
            submit_limits: Ok(()),
            pool: pool(loads),
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
            intent: None,
            unknown_since_ms: None,
            checks: 0,
        }
    }

    #[test]
    fn a_new_request_holds_the_first_free_host_from_the_cursor() {
        let loads = [BUSY, FREE, FREE];
        assert_eq!(decide(&facts(None, &loads)), Decision::Hold { host: 1 });
        let from_two = Facts {
            pool: Pool {
                cursor: 2,
                ..pool(&loads)
            },
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
    fn a_keyless_submission_is_replayed_without_its_manage_token() {
        let attempt = Attempt {
            answer: Some(StoredAnswer {
                status: 201,
                body: json!({"booking_id": "bk_1", "manage_token": "mt_x"}),
            }),
            ..answered()
        };
        let keyed = facts(Some(&attempt), &[FREE]);
        assert!(matches!(decide(&keyed), Decision::Replay(a) if a.body["manage_token"] == "mt_x"));
        let keyless = Facts {
            key: "auto:fp",
            ..facts(Some(&attempt), &[FREE])
        };
        assert_eq!(
            decide(&keyless),
            Decision::Replay(StoredAnswer {
                status: 201,
                body: json!({"booking_id": "bk_1", "manage_token_withheld": true}),
            })
        );
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
            Decision::Refuse(Refusal::InProgress { retry_after: 1 })
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
    fn a_move_takes_the_next_host_with_allowance_or_none_is_left() {
        assert_eq!(choose(&pool(&[SPENT, FREE])), Decision::Hold { host: 1 });
        assert_eq!(
            choose(&pool(&[SPENT, SPENT])),
            Decision::Refuse(Refusal::DailyQuotaExhausted { retry_after: 3600 })
        );
    }

    #[test]
    fn only_a_reservation_still_in_flight_under_its_own_key_may_move() {
        let now_ms = now().timestamp_millis();
        let intent = Intent {
            host: HostUser::parse("h@example.com").unwrap(),
            booking: crate::domain::booking::saga::tests::booking(),
        };
        let mine = Attempt::in_flight("fp".into(), "bk_1".into(), now_ms, 30_000, intent);
        assert!(may_move(Some(&mine), &"bk_1".into(), now_ms));
        // A retry took the key over after the lease lapsed.
        assert!(!may_move(Some(&mine), &"bk_2".into(), now_ms));
        assert!(!may_move(Some(&mine), &"bk_1".into(), mine.lease_until_ms));
        // Its outcome became unknown: the coordinator resolves it; it no longer moves.
        let unknown = Attempt {
            unknown_since_ms: Some(now_ms),
            ..mine.clone()
        };
        assert!(!may_move(Some(&unknown), &"bk_1".into(), now_ms));
        // The key already has its answer, or no attempt at all.
        assert!(!may_move(Some(&answered()), &"bk_1".into(), now_ms));
        assert!(!may_move(None, &"bk_1".into(), now_ms));
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
