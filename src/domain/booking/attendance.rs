//! Who attended a booking's meeting, kept per participant and bounded.
//!
//! Each participant's joins and leaves are kept on their own (the coordinator gives them a row
//! each), and the booking keeps only its totals, so a record stays the same size however large
//! the meeting: before, every participant event rewrote one record whose attendance grew until
//! it passed the storage value limit, after which every later event for the booking failed.
//!
//! Bounds: at most [`MAX_PARTICIPANTS_KEPT`] participants per booking (Zoom's largest meetings),
//! at most [`MAX_TIMES_KEPT`] join and as many leave times per participant (the earliest), and
//! [`MAX_TEXT_KEPT`] characters of a name or email.
//! A participant beyond the bound is not kept: each of their joins counts one participant in the
//! totals (a rejoin counts again, as they cannot be told apart without a row) and their minutes
//! count nothing. Later events keep applying either way.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::webhook::event::Participant;

/// Participants kept per booking; Zoom's meetings hold at most 1000.
pub const MAX_PARTICIPANTS_KEPT: u32 = 1000;
/// Join (and leave) times kept per participant: the earliest ones.
pub const MAX_TIMES_KEPT: usize = 100;
/// Characters of a participant's name or email kept (Zoom's own are far shorter).
pub const MAX_TEXT_KEPT: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    pub participant: Participant,
    /// Sorted, without repeats.
    #[serde(deserialize_with = "crate::domain::wire_time::list")]
    pub joined_at: Vec<DateTime<Utc>>,
    #[serde(deserialize_with = "crate::domain::wire_time::list")]
    pub left_at: Vec<DateTime<Utc>>,
}

/// The booking's side of its attendance: what the owner is shown, kept in the record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceTotals {
    /// Participants with a kept entry.
    pub kept: u32,
    /// Joins of participants beyond [`MAX_PARTICIPANTS_KEPT`], who have no entry.
    pub joins_not_kept: u32,
    /// Time present of the kept participants, summed.
    pub seconds: i64,
}

impl AttendanceTotals {
    pub fn participants(&self) -> u32 {
        self.kept.saturating_add(self.joins_not_kept)
    }

    pub fn total_minutes(&self) -> i64 {
        (self.seconds + 30) / 60
    }

    /// The totals of entries stored the old way (all in the record), as if they had arrived one
    /// by one: the first [`MAX_PARTICIPANTS_KEPT`] are kept, the rest counted.
    pub fn of(entries: &[Attendance]) -> (AttendanceTotals, &[Attendance]) {
        let kept = entries.len().min(MAX_PARTICIPANTS_KEPT as usize);
        let totals = AttendanceTotals {
            kept: kept as u32,
            joins_not_kept: entries[kept..]
                .iter()
                .map(|a| a.joined_at.len().max(1) as u32)
                .sum(),
            seconds: entries[..kept].iter().map(Attendance::total_seconds).sum(),
        };
        (totals, &entries[..kept])
    }

    /// The sum of two sets of totals (a record read before its old entries were moved).
    pub fn plus(self, other: AttendanceTotals) -> AttendanceTotals {
        AttendanceTotals {
            kept: self.kept.saturating_add(other.kept),
            joins_not_kept: self.joins_not_kept.saturating_add(other.joins_not_kept),
            seconds: self.seconds + other.seconds,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Joined,
    Left,
}

/// Applies one join or leave. `entry` is the participant's kept entry, if any; the answer is the
/// entry to keep now (`None`: the participant is beyond the bound and not kept). The totals
/// follow the entry's change, so they stay exact whatever order events arrive in.
pub fn record_presence(
    totals: &mut AttendanceTotals,
    entry: Option<Attendance>,
    who: &Participant,
    presence: Presence,
    at: DateTime<Utc>,
) -> Option<Attendance> {
    let mut entry = match entry {
        Some(entry) => entry,
        None if totals.kept >= MAX_PARTICIPANTS_KEPT => {
            if presence == Presence::Joined {
                totals.joins_not_kept = totals.joins_not_kept.saturating_add(1);
            }
            return None;
        }
        None => {
            totals.kept += 1;
            Attendance {
                participant: Participant {
                    key: who.key.clone(),
                    name: None,
                    email: None,
                },
                joined_at: Vec::new(),
                left_at: Vec::new(),
            }
        }
    };
    let before = entry.total_seconds();
    // Later events may know more (e.g. the email) than the first one did.
    let kept = |text: &Option<String>| {
        text.as_ref()
            .map(|t| t.chars().take(MAX_TEXT_KEPT).collect::<String>())
    };
    if entry.participant.name.is_none() {
        entry.participant.name = kept(&who.name);
    }
    if entry.participant.email.is_none() {
        entry.participant.email = kept(&who.email);
    }
    match presence {
        Presence::Joined => insert_sorted(&mut entry.joined_at, at),
        Presence::Left => insert_sorted(&mut entry.left_at, at),
    }
    totals.seconds += entry.total_seconds() - before;
    Some(entry)
}

/// Keeps the earliest [`MAX_TIMES_KEPT`] times: the same whatever order they arrive in.
fn insert_sorted(times: &mut Vec<DateTime<Utc>>, at: DateTime<Utc>) {
    if let Err(position) = times.binary_search(&at) {
        times.insert(position, at);
        times.truncate(MAX_TIMES_KEPT);
    }
}

impl Attendance {
    /// Time present: each join paired with the first leave after it (and before the next join).
    /// A join without a leave yet counts nothing.
    pub fn total_seconds(&self) -> i64 {
        let mut total = 0;
        for (i, joined) in self.joined_at.iter().enumerate() {
            let next_join = self.joined_at.get(i + 1);
            if let Some(left) = self
                .left_at
                .iter()
                .find(|left| *left >= joined && next_join.is_none_or(|next| *left <= next))
            {
                total += (*left - *joined).num_seconds();
            }
        }
        total
    }

    pub fn total_minutes(&self) -> i64 {
        (self.total_seconds() + 30) / 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 2, 10, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn person(key: &str) -> Participant {
        Participant {
            key: key.into(),
            name: Some(key.into()),
            email: None,
        }
    }

    #[test]
    fn totals_follow_each_entry_whatever_the_order() {
        let ada = person("ada");
        let events = [
            (Presence::Left, t(11)),
            (Presence::Joined, t(20)),
            (Presence::Joined, t(1)),
            (Presence::Left, t(25)),
            (Presence::Joined, t(1)),
        ];
        let mut totals = AttendanceTotals::default();
        let mut entry = None;
        for (presence, at) in events {
            entry = record_presence(&mut totals, entry, &ada, presence, at);
        }
        let entry = entry.unwrap();
        assert_eq!(entry.joined_at, vec![t(1), t(20)]);
        assert_eq!((totals.kept, totals.total_minutes()), (1, 15));
        assert_eq!(totals.seconds, entry.total_seconds());
    }

    #[test]
    fn a_later_event_fills_in_what_the_first_did_not_know_and_text_is_capped() {
        let mut totals = AttendanceTotals::default();
        let first = record_presence(&mut totals, None, &person("p"), Presence::Joined, t(0));
        let with_email = Participant {
            email: Some("p@example.com".into()),
            ..person("p")
        };
        let entry = record_presence(&mut totals, first, &with_email, Presence::Left, t(5));
        assert_eq!(
            entry.unwrap().participant.email.as_deref(),
            Some("p@example.com")
        );
        assert_eq!(totals.kept, 1);
        let long = Participant {
            name: Some("n".repeat(5000)),
            ..person("q")
        };
        let entry = record_presence(&mut totals, None, &long, Presence::Joined, t(0)).unwrap();
        assert_eq!(entry.participant.name.unwrap().len(), MAX_TEXT_KEPT);
    }

    #[test]
    fn participants_beyond_the_bound_are_counted_but_not_kept() {
        let mut totals = AttendanceTotals {
            kept: MAX_PARTICIPANTS_KEPT,
            ..Default::default()
        };
        let late = person("late");
        assert_eq!(
            record_presence(&mut totals, None, &late, Presence::Joined, t(0)),
            None
        );
        assert_eq!(
            record_presence(&mut totals, None, &late, Presence::Left, t(9)),
            None
        );
        assert_eq!(totals.participants(), MAX_PARTICIPANTS_KEPT + 1);
        assert_eq!(totals.seconds, 0);
        // Someone already kept still is.
        let kept = record_presence(
            &mut totals,
            Some(Attendance {
                participant: person("early"),
                joined_at: vec![t(0)],
                left_at: vec![],
            }),
            &person("early"),
            Presence::Left,
            t(10),
        );
        assert!(kept.is_some());
        assert_eq!(totals.total_minutes(), 10);
    }

    #[test]
    fn a_participant_keeps_the_earliest_times_only() {
        let mut totals = AttendanceTotals::default();
        let who = person("busy");
        let mut entry = None;
        for minute in (0..(MAX_TIMES_KEPT as i64 + 20)).rev() {
            entry = record_presence(&mut totals, entry, &who, Presence::Joined, t(minute * 2));
        }
        let entry = entry.unwrap();
        assert_eq!(entry.joined_at.len(), MAX_TIMES_KEPT);
        assert_eq!(entry.joined_at[0], t(0));
    }

    #[test]
    fn entries_stored_the_old_way_give_the_same_totals() {
        let entry = |key: &str, joined: i64, left: i64| Attendance {
            participant: person(key),
            joined_at: vec![t(joined)],
            left_at: vec![t(left)],
        };
        let old = vec![entry("a", 0, 10), entry("b", 5, 35)];
        let (totals, kept) = AttendanceTotals::of(&old);
        assert_eq!(kept.len(), 2);
        assert_eq!((totals.participants(), totals.total_minutes()), (2, 40));
        let many: Vec<Attendance> = (0..MAX_PARTICIPANTS_KEPT + 3)
            .map(|i| entry(&i.to_string(), 0, 1))
            .collect();
        let (totals, kept) = AttendanceTotals::of(&many);
        assert_eq!(kept.len(), MAX_PARTICIPANTS_KEPT as usize);
        assert_eq!(totals.participants(), MAX_PARTICIPANTS_KEPT + 3);
        assert_eq!(totals.total_minutes(), i64::from(MAX_PARTICIPANTS_KEPT));
    }
}
