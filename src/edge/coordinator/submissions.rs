//! The per-IP and per-email booking limits (`domain::booking::submit_limits`): the `submissions`
//! table of who booked when.

use super::ZoomCoordinator;
use crate::domain::booking::submit_limits::{check, Rule};
use serde::Deserialize;
use worker::Result;

/// Longest window a limit may have (`N/day`): older rows can go.
const LONGEST_WINDOW_MS: i64 = 86_400 * 1000;

#[derive(Deserialize)]
struct Row {
    at_ms: f64,
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

    pub(super) fn count_submission(&self, subjects: &[(String, Rule)], now_ms: i64) -> Result<()> {
        for (subject, _) in subjects {
            self.execute(
                "INSERT INTO submissions (subject, at_ms) VALUES (?, ?)",
                vec![subject.as_str().into(), now_ms.into()],
            )?;
        }
        self.execute(
            "DELETE FROM submissions WHERE at_ms < ?",
            vec![(now_ms - LONGEST_WINDOW_MS).into()],
        )
    }
}
