//! How many bookings one client may make: per IP address and per email address, over a sliding
//! window (OWASP API6: one visitor must not be able to take every slot). On by default;
//! `BOOKING_LIMIT_PER_IP` / `BOOKING_LIMIT_PER_EMAIL` take `N/minute`, `N/hour`, `N/day` or
//! `off`.
//!
//! What counts: a booking that got a slot counts for its IP and its email while it is in flight
//! (so concurrent attempts cannot slip past the limit) and for good once Zoom made it. An attempt
//! released because Zoom made nothing takes its email count back (`give_back`), so nobody can
//! lock a stranger's address out with failing attempts; its IP count goes too only when Zoom
//! never received the create. A `409 slot_unavailable` or `422 idempotency_key_reused` refusal
//! counts for the IP up to its limit (probing costs the prober); a `429` or a `409
//! request_in_progress` does not (both carry `Retry-After`: a client retrying then would be
//! refused forever). A replay costs nothing.
//!
//! Availability reads (`GET /v1/availability`) have a per-IP limit of their own,
//! `AVAILABILITY_LIMIT_PER_IP` (default `120/minute`, same syntax), counted under a separate
//! subject so reading never eats the booking allowance. Every read the coordinator answers
//! counts; a refused one (`429 too_many_requests`) does not. Reads without a client address
//! share one counter (`AVAILABILITY_NO_IP`), and a read's count is kept only for its window
//! (the coordinator's `availability_reads` table), not the day a booking's is.
//!
//! Keys: an IPv6 client is counted by its /64 (one subscriber's network, where a client can pick
//! any address), an IPv4 one by its address; an email by its mailbox (`EmailAddress::limit_key`).

use crate::domain::booking::EmailAddress;
use crate::domain::config::setting;
use crate::domain::coordinator::Refusal;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

pub const DEFAULT_PER_IP: &str = "30/hour";
pub const DEFAULT_PER_EMAIL: &str = "5/hour";
pub const DEFAULT_AVAILABILITY_PER_IP: &str = "120/minute";

/// At most `max` bookings within `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub max: u32,
    pub window_secs: u32,
}

/// A limit setting that is not `N/minute`, `N/hour`, `N/day` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidRule;

impl Rule {
    /// `N/minute`, `N/hour`, `N/day`; `off` is `None`.
    pub fn parse(raw: &str) -> Result<Option<Rule>, InvalidRule> {
        let raw = raw.trim().to_ascii_lowercase();
        if raw == "off" {
            return Ok(None);
        }
        let (count, unit) = raw.split_once('/').ok_or(InvalidRule)?;
        let max: u32 = count.trim().parse().map_err(|_| InvalidRule)?;
        let window_secs = match unit.trim() {
            "minute" => 60,
            "hour" => 3600,
            "day" => 86_400,
            _ => return Err(InvalidRule),
        };
        if max == 0 {
            return Err(InvalidRule);
        }
        Ok(Some(Rule { max, window_secs }))
    }
}

/// The limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SubmitLimits {
    pub per_ip: Option<Rule>,
    pub per_email: Option<Rule>,
    /// Availability reads per IP (`AVAILABILITY_LIMIT_PER_IP`).
    #[serde(default)]
    pub availability_per_ip: Option<Rule>,
}

/// The limit setting `name` (or `default`), pushing a problem that names it when invalid.
pub fn rule_setting(
    lookup: impl Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
    problems: &mut Vec<String>,
) -> Option<Rule> {
    let raw = setting(&lookup, name).unwrap_or_else(|| default.to_owned());
    Rule::parse(&raw).unwrap_or_else(|InvalidRule| {
        problems.push(format!(
            "{name} must be N/minute, N/hour, N/day (N at least 1) or off"
        ));
        None
    })
}

impl SubmitLimits {
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) -> SubmitLimits {
        SubmitLimits {
            per_ip: rule_setting(&lookup, "BOOKING_LIMIT_PER_IP", DEFAULT_PER_IP, problems),
            per_email: rule_setting(
                &lookup,
                "BOOKING_LIMIT_PER_EMAIL",
                DEFAULT_PER_EMAIL,
                problems,
            ),
            availability_per_ip: rule_setting(
                &lookup,
                "AVAILABILITY_LIMIT_PER_IP",
                DEFAULT_AVAILABILITY_PER_IP,
                problems,
            ),
        }
    }
}

/// Subjects of the per-IP limit start with this, those of the per-email limit with `EMAIL`.
pub const IP: &str = "ip:";
pub const EMAIL: &str = "email:";
/// Subjects of the availability read limit: apart from `IP`, so reads never use up bookings.
pub const AVAILABILITY_IP: &str = "availability_ip:";
/// The one subject every availability read without a client address shares (no
/// `CF-Connecting-IP`: a request that did not come through Cloudflare's edge). A prefix of its
/// own, so no header value can name it.
pub const AVAILABILITY_NO_IP: &str = "availability_no_ip";

/// The counter an availability read from `ip` is held to, with its rule, if the limit is on.
/// A read without an address is not free: every such read shares one counter, so an
/// anonymous caller the edge did not name cannot make the account's single writer answer
/// without limit.
pub fn availability_subject(ip: Option<&str>, limits: &SubmitLimits) -> Option<(String, Rule)> {
    let rule = limits.availability_per_ip?;
    let subject = match ip {
        Some(ip) => format!("{AVAILABILITY_IP}{}", ip_limit_key(ip)),
        None => AVAILABILITY_NO_IP.to_owned(),
    };
    Some((subject, rule))
}

/// The key the per-IP limit counts a client address under: an IPv6 address by its /64, an IPv4
/// address (or an IPv4-mapped IPv6 one) as it is. A value that is no address counts as itself.
pub fn ip_limit_key(raw: &str) -> String {
    match raw.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => raw.to_owned(),
    }
}

/// Whether a refusal of the coordinator counts toward the per-IP limit: a `409
/// slot_unavailable` or `422 idempotency_key_reused` does (probing busy times costs the
/// prober); a refusal carrying `Retry-After` (429s, `409 request_in_progress`) does not, or a
/// client retrying when told would be refused forever. Nor does a probe from an address
/// already at its limit (`ip_within_limit` false): it gets no booking anyway, and a key-reuse
/// refusal comes before the limit is checked, so counting it would let one client add rows
/// without bound.
pub fn counts_toward_ip_limit(refusal: &Refusal, ip_within_limit: bool) -> bool {
    ip_within_limit && matches!(refusal, Refusal::SlotUnavailable | Refusal::KeyReused)
}

/// Who is booking, as the limits count them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitter {
    /// The client's address (`CF-Connecting-IP`), when known.
    pub ip: Option<String>,
    /// Counted as its `limit_key()`, so letter case or a `+tag` does not make a second address.
    pub email: EmailAddress,
}

impl Submitter {
    /// The counters this submission is held to, with their rules.
    pub fn subjects(&self, limits: &SubmitLimits) -> Vec<(String, Rule)> {
        let mut subjects: Vec<(String, Rule)> = self.ip_subject(limits).into_iter().collect();
        if let Some(rule) = limits.per_email {
            subjects.push((format!("{EMAIL}{}", self.email.limit_key()), rule));
        }
        subjects
    }

    /// The per-IP counter alone (what a refusal that probes costs), if it is in force.
    pub fn ip_subject(&self, limits: &SubmitLimits) -> Option<(String, Rule)> {
        let (ip, rule) = (self.ip.as_deref()?, limits.per_ip?);
        Some((format!("{IP}{}", ip_limit_key(ip)), rule))
    }
}

/// Whether one more booking fits, given the times (epoch ms) of the subject's bookings still
/// in the window; if not, seconds until the oldest leaves it.
pub fn check(rule: Rule, recent_ms: &[i64], now_ms: i64) -> Result<(), u32> {
    let window_ms = i64::from(rule.window_secs) * 1000;
    let mut inside: Vec<i64> = recent_ms
        .iter()
        .copied()
        .filter(|t| *t > now_ms - window_ms)
        .collect();
    if inside.len() < rule.max as usize {
        return Ok(());
    }
    inside.sort_unstable();
    // The booking that must leave the window before another fits.
    let blocking = inside[inside.len() - rule.max as usize];
    Err(crate::domain::rate_limits::retry_after_secs(
        blocking + window_ms - now_ms,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_or_name_the_setting() {
        assert_eq!(
            Rule::parse("5/hour"),
            Ok(Some(Rule {
                max: 5,
                window_secs: 3600
            }))
        );
        assert_eq!(
            Rule::parse(" 10 / Minute "),
            Ok(Some(Rule {
                max: 10,
                window_secs: 60
            }))
        );
        assert_eq!(Rule::parse("off"), Ok(None));
        for bad in ["", "5", "0/hour", "5/week", "x/hour"] {
            assert_eq!(Rule::parse(bad), Err(InvalidRule), "{bad}");
        }
        let mut problems = Vec::new();
        let limits = SubmitLimits::from_lookup(
            |k| (k == "BOOKING_LIMIT_PER_IP").then(|| "lots".to_owned()),
            &mut problems,
        );
        assert_eq!(
            limits.per_email,
            Some(Rule {
                max: 5,
                window_secs: 3600
            })
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("BOOKING_LIMIT_PER_IP"));
    }

    #[test]
    fn availability_reads_default_to_120_a_minute_on_a_subject_apart_from_bookings() {
        let mut problems = Vec::new();
        let limits = SubmitLimits::from_lookup(|_| None, &mut problems);
        assert!(problems.is_empty());
        let rule = Rule {
            max: 120,
            window_secs: 60,
        };
        assert_eq!(limits.availability_per_ip, Some(rule));
        let subject = availability_subject(Some("2001:db8:1:2:3::9"), &limits);
        assert_eq!(
            subject,
            Some(("availability_ip:2001:db8:1:2::/64".to_owned(), rule))
        );
        // Never the booking limit's counter.
        let booker = Submitter {
            ip: Some("2001:db8:1:2:3::9".into()),
            email: EmailAddress::parse("a@example.com").unwrap(),
        };
        assert_ne!(booker.ip_subject(&limits).unwrap().0, subject.unwrap().0);
        // Unknown address: one counter all such reads share, which no header value can name.
        let anonymous = availability_subject(None, &limits);
        assert_eq!(anonymous, Some((AVAILABILITY_NO_IP.to_owned(), rule)));
        for header in ["", "availability_no_ip", "unknown", " "] {
            assert_ne!(availability_subject(Some(header), &limits), anonymous);
        }
    }

    #[test]
    fn the_availability_limit_takes_the_limit_syntax_or_off() {
        let read = |value: &'static str| {
            let mut problems = Vec::new();
            let limits = SubmitLimits::from_lookup(
                |k| (k == "AVAILABILITY_LIMIT_PER_IP").then(|| value.to_owned()),
                &mut problems,
            );
            (limits.availability_per_ip, problems)
        };
        assert_eq!(
            read("20/minute").0,
            Some(Rule {
                max: 20,
                window_secs: 60
            })
        );
        let (off, problems) = read("off");
        assert_eq!(off, None);
        assert!(problems.is_empty());
        assert_eq!(
            availability_subject(Some("203.0.113.7"), &SubmitLimits::default()),
            None
        );
        let (_, problems) = read("a lot");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("AVAILABILITY_LIMIT_PER_IP"));
    }

    #[test]
    fn a_full_sliding_window_refuses_with_the_wait_until_one_fits() {
        let rule = Rule {
            max: 2,
            window_secs: 60,
        };
        assert_eq!(check(rule, &[], 100_000), Ok(()));
        assert_eq!(check(rule, &[90_000], 100_000), Ok(()));
        // Two inside the window: the older one leaves it at 50_000 + 60_000.
        assert_eq!(check(rule, &[90_000, 50_000], 100_000), Err(10));
        // Bookings older than the window do not count.
        assert_eq!(check(rule, &[90_000, 30_000, 39_000], 100_000), Ok(()));
    }

    #[test]
    fn ipv6_neighbours_in_one_64_share_a_key_and_ipv4_keeps_its_address() {
        let a = ip_limit_key("2001:db8:85a3:7:0:8a2e:370:7334");
        let b = ip_limit_key("2001:DB8:85A3:0007::1");
        assert_eq!(a, "2001:db8:85a3:7::/64");
        assert_eq!(a, b);
        assert_ne!(a, ip_limit_key("2001:db8:85a3:8::1"));
        assert_eq!(ip_limit_key("203.0.113.7"), "203.0.113.7");
        assert_ne!(ip_limit_key("203.0.113.7"), ip_limit_key("203.0.113.8"));
        // An IPv4 client seen through an IPv4-mapped address is the same client.
        assert_eq!(ip_limit_key("::ffff:203.0.113.7"), "203.0.113.7");
        // A header that is no address counts as itself.
        assert_eq!(ip_limit_key("not an ip"), "not an ip");
    }

    #[test]
    fn only_refusals_without_retry_after_cost_the_prober() {
        assert!(counts_toward_ip_limit(&Refusal::SlotUnavailable, true));
        assert!(counts_toward_ip_limit(&Refusal::KeyReused, true));
        for free in [
            Refusal::InProgress { retry_after: 1 },
            Refusal::TooManyBookings { retry_after: 60 },
            Refusal::DailyQuotaExhausted { retry_after: 60 },
        ] {
            assert!(!counts_toward_ip_limit(&free, true), "{free:?}");
        }
    }

    #[test]
    fn a_prober_already_at_its_limit_adds_no_more_counts() {
        // A reused key is refused before the limit is looked at: past the limit it would
        // otherwise add a count per request, without bound.
        assert!(!counts_toward_ip_limit(&Refusal::KeyReused, false));
        assert!(!counts_toward_ip_limit(&Refusal::SlotUnavailable, false));
    }

    #[test]
    fn subjects_follow_the_limits_in_force() {
        let who = Submitter {
            ip: Some("203.0.113.7".into()),
            email: "Ada@Example.com".into(),
        };
        let both = SubmitLimits {
            per_ip: Some(Rule {
                max: 30,
                window_secs: 3600,
            }),
            per_email: Some(Rule {
                max: 5,
                window_secs: 3600,
            }),
            // Reads are never a booking's subject.
            availability_per_ip: Some(Rule {
                max: 120,
                window_secs: 60,
            }),
        };
        let names: Vec<String> = who.subjects(&both).into_iter().map(|(s, _)| s).collect();
        assert_eq!(names, ["ip:203.0.113.7", "email:ada@example.com"]);
        let tagged = Submitter {
            ip: Some("2001:db8:1:2:aaaa::1".into()),
            email: "ADA+spam@example.com".into(),
        };
        let names: Vec<String> = tagged.subjects(&both).into_iter().map(|(s, _)| s).collect();
        assert_eq!(names, ["ip:2001:db8:1:2::/64", "email:ada@example.com"]);
        assert!(who.subjects(&SubmitLimits::default()).is_empty());
        let no_ip = Submitter { ip: None, ..who };
        assert_eq!(no_ip.subjects(&both).len(), 1);
    }
}
