//! The limits' counts (`domain::booking::submit_limits`, `domain::booking::owner_limits`): the
//! `submissions` table of which subject did what when, and the counts given back
//! (`domain::booking::give_back`), per UTC day, for the operator status.

use super::store::Read as _;
use super::ZoomCoordinator;
use crate::domain::booking::owner_limits::{INVITATION_READ, RESCHEDULE};
use crate::domain::booking::submit_limits::{check, Rule, EMAIL, IP};
use crate::domain::booking::BookingId;
use crate::domain::rate_limits::utc_day;
use crate::edge::clock;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Result, SqlStorageValue};

/// Longest window a limit may have (`N/day`): older rows can go.
const LONGEST_WINDOW_MS: i64 = 86_400 * 1000;

/// The kinds of count, by subject prefix, as the operator status names them.
const KINDS: [(&str, &str); 4] = [
    ("ip", IP),
    ("email", EMAIL),
    ("reschedule", RESCHEDULE),
    ("invitation_read", INVITATION_READ),
];

#[derive(Deserialize)]
struct Row {
    at_ms: f64,
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

fn given_back_key(day: &str, kind: &str) -> String {
    format!("given_back:{day}:{kind}")
}

impl ZoomCoordinator {
    /// `Err(seconds to wait)` if any subject has used its allowance.
    pub(super) fn within_submit_limits(
        &self,
        subjects: &[(String, Rule)],
        now_ms: i64,
    ) -> Result<std::result::Result<(), u32>> {
        for (subject, rule) in subjects {
            let since = now_ms - i64::from(rule.window_secs) * 1000;
            let rows: Vec<Row> = self.rows(
                "SELECT at_ms FROM submissions WHERE subject = ? AND at_ms > ?",
                vec![subject.as_str().into(), since.into()],
            )?;
            let times: Vec<i64> = rows.iter().map(|r| r.at_ms as i64).collect();
            if let Err(wait) = check(*rule, &times, now_ms) {
                return Ok(Err(wait));
            }
        }
        Ok(Ok(()))
    }

    /// Counts one for each subject, on behalf of `booking_id` (if it may be given back).
    pub(super) fn count_submission(
        &self,
        subjects: &[(String, Rule)],
        now_ms: i64,
        booking_id: Option<&BookingId>,
    ) -> Result<()> {
        let booking: SqlStorageValue = match booking_id {
            Some(id) => id.as_str().into(),
            None => SqlStorageValue::Null,
        };
        for (subject, _) in subjects {
            self.execute(
                "INSERT INTO submissions (subject, at_ms, booking_id) VALUES (?, ?, ?)",
                vec![subject.as_str().into(), now_ms.into(), booking.clone()],
            )?;
        }
        self.execute(
            "DELETE FROM submissions WHERE at_ms < ?",
            vec![(now_ms - LONGEST_WINDOW_MS).into()],
        )
    }

    /// Gives back `booking_id`'s email count and, with `ip`, its IP count.
    pub(super) async fn give_back_submissions(
        &self,
        booking_id: &BookingId,
        ip: bool,
    ) -> Result<()> {
        let mut prefixes = vec![("email", EMAIL)];
        if ip {
            prefixes.push(("ip", IP));
        }
        for (kind, prefix) in prefixes {
            let removed = self.remove_rows(
                "subject >= ? AND subject < ? AND booking_id = ?",
                vec![
                    prefix.into(),
                    prefix_end(prefix).as_str().into(),
                    booking_id.as_str().into(),
                ],
            )?;
            self.count_given_back(kind, removed).await?;
        }
        Ok(())
    }

    /// Gives back the latest count of `subject` (an owner action that never reached Zoom).
    pub(super) async fn give_back_latest(&self, kind: &str, subject: &str) -> Result<()> {
        let removed = self.remove_rows(
            "rowid = (SELECT rowid FROM submissions WHERE subject = ? \
             ORDER BY at_ms DESC LIMIT 1)",
            vec![subject.into()],
        )?;
        self.count_given_back(kind, removed).await
    }

    /// Removes the rows `filter` selects; how many there were.
    fn remove_rows(&self, filter: &str, bindings: Vec<SqlStorageValue>) -> Result<u64> {
        let found: Vec<Count> = self.rows(
            &format!("SELECT COUNT(*) AS n FROM submissions WHERE {filter}"),
            bindings.clone(),
        )?;
        self.execute(&format!("DELETE FROM submissions WHERE {filter}"), bindings)?;
        Ok(found.first().map_or(0, |c| c.n as u64))
    }

    /// Adds `n` to today's given-back count of `kind` (`create_update` per host too).
    pub(super) async fn count_given_back(&self, kind: &str, n: u64) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let day = utc_day(clock::now());
        let before = self.given_back_today(&day, kind).await?;
        self.state
            .storage()
            .put(&given_back_key(&day, kind), before + n)
            .await
    }

    /// Today's given-back count of `kind`.
    pub(super) async fn given_back_today(&self, day: &str, kind: &str) -> Result<u64> {
        let back = self
            .state
            .storage()
            .read::<u64>(&given_back_key(day, kind))
            .await?;
        Ok(back.unwrap_or(0))
    }

    /// `allowance` in the operator status: per kind, the counts taken today (UTC) that still
    /// count, and those given back today.
    pub(super) async fn allowance_status(&self, day: &str, day_start_ms: i64) -> Result<Value> {
        let mut counted = json!({});
        let mut given_back = json!({});
        for (kind, prefix) in KINDS {
            let rows: Vec<Count> = self.rows(
                "SELECT COUNT(*) AS n FROM submissions WHERE subject >= ? AND subject < ? \
                 AND at_ms >= ?",
                vec![
                    prefix.into(),
                    prefix_end(prefix).as_str().into(),
                    day_start_ms.into(),
                ],
            )?;
            counted[kind] = rows.first().map_or(0, |c| c.n as u64).into();
            given_back[kind] = self.given_back_today(day, kind).await?.into();
        }
        given_back["create_update"] = self.given_back_today(day, "create_update").await?.into();
        Ok(json!({ "counted_today": counted, "given_back_today": given_back }))
    }
}

/// The first string after every string starting with `prefix` (which ends in `:`), for an
/// index-friendly range scan.
fn prefix_end(prefix: &str) -> String {
    format!("{};", prefix.trim_end_matches(':'))
}
