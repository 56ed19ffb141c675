//! How many bookings one client may make: per IP address and per email address, over a sliding
//! window (OWASP API6: one visitor must not be able to take every slot). On by default;
//! `BOOKING_LIMIT_PER_IP` / `BOOKING_LIMIT_PER_EMAIL` take `N/minute`, `N/hour`, `N/day` or
//! `off`. Only bookings that got a slot count: a refused or replayed request costs nothing.

use crate::domain::booking::EmailAddress;
use crate::domain::config::setting;
use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_IP: &str = "30/hour";
pub const DEFAULT_PER_EMAIL: &str = "5/hour";

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
}

impl SubmitLimits {
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) -> SubmitLimits {
        let mut rule = |name: &str, default: &str| {
            let raw = setting(&lookup, name).unwrap_or_else(|| default.to_owned());
            Rule::parse(&raw).unwrap_or_else(|InvalidRule| {
                problems.push(format!(
                    "{name} must be N/minute, N/hour, N/day (N at least 1) or off"
                ));
                None
            })
        };
        SubmitLimits {
            per_ip: rule("BOOKING_LIMIT_PER_IP", DEFAULT_PER_IP),
            per_email: rule("BOOKING_LIMIT_PER_EMAIL", DEFAULT_PER_EMAIL),
        }
    }
}

/// Who is booking, as the limits count them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitter {
    /// The client's address (`CF-Connecting-IP`), when known.
    pub ip: Option<String>,
    /// Counted as its `normalized()` form, so letter case does not make a second address.
    pub email: EmailAddress,
}

impl Submitter {
    /// The counters this submission is held to, with their rules.
    pub fn subjects(&self, limits: &SubmitLimits) -> Vec<(String, Rule)> {
        let mut subjects = Vec::new();
        if let (Some(ip), Some(rule)) = (&self.ip, limits.per_ip) {
            subjects.push((format!("ip:{ip}"), rule));
        }
        if let Some(rule) = limits.per_email {
            subjects.push((format!("email:{}", self.email.normalized()), rule));
        }
        subjects
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
        };
        let names: Vec<String> = who.subjects(&both).into_iter().map(|(s, _)| s).collect();
        assert_eq!(names, ["ip:203.0.113.7", "email:ada@example.com"]);
        assert!(who.subjects(&SubmitLimits::default()).is_empty());
        let no_ip = Submitter { ip: None, ..who };
        assert_eq!(no_ip.subjects(&both).len(), 1);
    }
}
