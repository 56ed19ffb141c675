//! `GET /v1/availability`'s coordinator step: the reader's count, then one range query over
//! `slots` and `availability::free_mask` — the booking path's own rule for each start.
//! Nothing is written but the count.

use super::{Handle, ZoomCoordinator};
use crate::domain::availability::free_mask;
use crate::domain::booking::host_pool::{eligible_hosts, Span};
use crate::domain::booking::submit_limits::{availability_subject, check, Rule};
use crate::domain::coordinator::{AvailabilityAnswer, AvailabilityRefusal, AvailabilityRequest};
use crate::edge::clock;
use serde::Deserialize;
use worker::Result;

impl Handle<AvailabilityRequest> for ZoomCoordinator {
    async fn handle(&self, ask: AvailabilityRequest) -> Result<AvailabilityAnswer> {
        let config = self.config()?;
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        // Counted first, in this same step: a reader past its limit costs one indexed read.
        if let Some(subject) = availability_subject(ask.ip.as_deref(), &config.submit_limits) {
            if let Err(retry_after) = self.count_read(&subject, now_ms)? {
                return Ok(Err(AvailabilityRefusal::TooManyRequests { retry_after }));
            }
        }
        let Some(starts) = ask.starts.expand() else {
            return Ok(Err(AvailabilityRefusal::TooManyStarts));
        };
        let (Some(&first), Some(&last)) = (starts.first(), starts.last()) else {
            return Ok(Ok(Default::default()));
        };
        let reach = ask.buffers.reach_ms();
        let window = Span {
            start_ms: first - reach,
            end_ms: last + i64::from(ask.duration_minutes) * 60_000 + reach,
        };
        let hosts = eligible_hosts(&config.host_users, ask.hosts.as_deref());
        let calendars = self.calendars_with_usage(&hosts, window, now, &[]).await?;
        Ok(Ok(free_mask(
            &starts,
            ask.duration_minutes,
            ask.buffers,
            &calendars,
            config.daily_create_limit,
            config.host_max_concurrent,
        )))
    }
}

impl ZoomCoordinator {
    /// Counts one read for `subject` if its rule lets one more in (`Err`: seconds to wait; a
    /// refused read is not counted). Every reader's reads older than the window go first — a
    /// range of `availability_reads_by_time` holding exactly the rows deleted — so the table
    /// keeps one window of reads, however many addresses a reader rotates through, and the
    /// subject's rows left are all inside it (at most its limit's worth).
    fn count_read(
        &self,
        subject: &(String, Rule),
        now_ms: i64,
    ) -> Result<std::result::Result<(), u32>> {
        #[derive(Deserialize)]
        struct Row {
            at_ms: f64,
        }
        let (name, rule) = subject;
        let since = now_ms - i64::from(rule.window_secs) * 1000;
        self.execute(
            "DELETE FROM availability_reads WHERE at_ms <= ?",
            vec![since.into()],
        )?;
        let rows: Vec<Row> = self.rows(
            "SELECT at_ms FROM availability_reads WHERE subject = ?",
            vec![name.as_str().into()],
        )?;
        let times: Vec<i64> = rows.iter().map(|r| r.at_ms as i64).collect();
        if let Err(wait) = check(*rule, &times, now_ms) {
            return Ok(Err(wait));
        }
        self.execute(
            "INSERT INTO availability_reads (subject, at_ms) VALUES (?, ?)",
            vec![name.as_str().into(), now_ms.into()],
        )?;
        Ok(Ok(()))
    }
}
