//! Limits on what one booking's owner may do, so that one manage token cannot spend a host's
//! day (every reschedule is a Create/Update from the host's 100 a day) or turn the service into
//! an unthrottled Zoom client. Per booking, over a sliding window, with the syntax of the
//! per-client limits (`N/minute`, `N/hour`, `N/day`, `off`):
//!
//! - `RESCHEDULE_LIMIT_PER_BOOKING` (default `5/day`): `PATCH`es that reached Zoom. One is
//!   counted when the coordinator grants its hold (the step before the PATCH is sent, so
//!   concurrent ones count while in flight) and given back when the worker reports it was never
//!   sent (no token could be had, no per-second permit): "reached Zoom" means the request left
//!   the worker, whatever Zoom answered.
//! - `OWNER_READ_LIMIT_PER_BOOKING` (default `20/hour`): the owner's `GET …/invitation` (a Zoom
//!   call each), counted with the call's per-second permit. The operator's reads are not counted.
//!
//! Refused with `429 too_many_changes` and `Retry-After`, before anything is held or sent.

use crate::domain::booking::submit_limits::{rule_setting, Rule};
use crate::domain::booking::BookingId;
use serde::{Deserialize, Serialize};

pub const DEFAULT_RESCHEDULES: &str = "5/day";
pub const DEFAULT_INVITATION_READS: &str = "20/hour";

/// The owner limits in force (`None`: off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OwnerLimits {
    pub reschedules: Option<Rule>,
    pub invitation_reads: Option<Rule>,
}

impl OwnerLimits {
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) -> OwnerLimits {
        OwnerLimits {
            reschedules: rule_setting(
                &lookup,
                "RESCHEDULE_LIMIT_PER_BOOKING",
                DEFAULT_RESCHEDULES,
                problems,
            ),
            invitation_reads: rule_setting(
                &lookup,
                "OWNER_READ_LIMIT_PER_BOOKING",
                DEFAULT_INVITATION_READS,
                problems,
            ),
        }
    }
}

/// An owner action with a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerAction {
    Reschedule,
    InvitationRead,
}

/// Subjects of the owner limits start with these (in the coordinator's one table of counts).
pub const RESCHEDULE: &str = "reschedule:";
pub const INVITATION_READ: &str = "invitation_read:";

impl OwnerAction {
    /// The counter of `booking_id`'s actions of this kind, with its rule, if the limit is on.
    pub fn subject(self, limits: &OwnerLimits, booking_id: &BookingId) -> Option<(String, Rule)> {
        let (prefix, rule) = match self {
            OwnerAction::Reschedule => (RESCHEDULE, limits.reschedules),
            OwnerAction::InvitationRead => (INVITATION_READ, limits.invitation_reads),
        };
        Some((format!("{prefix}{booking_id}"), rule?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::submit_limits::check;

    fn limits(pairs: &[(&str, &str)]) -> (OwnerLimits, Vec<String>) {
        let mut problems = Vec::new();
        let lookup = |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        };
        (OwnerLimits::from_lookup(lookup, &mut problems), problems)
    }

    #[test]
    fn defaults_are_five_reschedules_a_day_and_twenty_reads_an_hour() {
        let (defaults, problems) = limits(&[]);
        assert!(problems.is_empty());
        assert_eq!(
            defaults.reschedules,
            Some(Rule {
                max: 5,
                window_secs: 86_400
            })
        );
        assert_eq!(
            defaults.invitation_reads,
            Some(Rule {
                max: 20,
                window_secs: 3600
            })
        );
    }

    #[test]
    fn settings_take_the_limit_syntax_or_are_named_as_problems() {
        let (set, problems) = limits(&[
            ("RESCHEDULE_LIMIT_PER_BOOKING", "off"),
            ("OWNER_READ_LIMIT_PER_BOOKING", "every so often"),
        ]);
        assert_eq!(set.reschedules, None);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("OWNER_READ_LIMIT_PER_BOOKING"));
        let off = OwnerAction::Reschedule.subject(&set, &"bk_1".into());
        assert_eq!(off, None);
    }

    #[test]
    fn each_booking_counts_its_own_actions_of_each_kind() {
        let (defaults, _) = limits(&[]);
        let subject = |action: OwnerAction, id: &str| action.subject(&defaults, &id.into());
        let (a, _) = subject(OwnerAction::Reschedule, "bk_a").unwrap();
        let (b, _) = subject(OwnerAction::Reschedule, "bk_b").unwrap();
        let (read, _) = subject(OwnerAction::InvitationRead, "bk_a").unwrap();
        assert_eq!(a, "reschedule:bk_a");
        assert_ne!(a, b);
        assert_ne!(a, read);
    }

    #[test]
    fn the_sixth_reschedule_in_a_day_waits_until_the_first_is_a_day_old() {
        let (defaults, _) = limits(&[]);
        let rule = defaults.reschedules.unwrap();
        let hour = 3_600_000;
        let now = 30 * hour;
        // Five reschedules, the first 10 hours ago.
        let five: Vec<i64> = (0..5).map(|i| now - 10 * hour + i * hour).collect();
        assert_eq!(check(rule, &five[..4], now), Ok(()));
        assert_eq!(check(rule, &five, now), Err(14 * 3600));
        // A day after the first, one fits again.
        assert_eq!(check(rule, &five, five[0] + 24 * hour + 1), Ok(()));
    }
}
