//! `GET /v1/availability`'s coordinator step: the reader's per-IP count, then one range query
//! over `slots` and `availability::free_mask` — the booking path's own rule for each start.
//! Nothing is written but the count.

use super::{Handle, ZoomCoordinator};
use crate::domain::availability::free_mask;
use crate::domain::booking::host_pool::{eligible_hosts, Span};
use crate::domain::booking::submit_limits::{availability_subject, Rule};
use crate::domain::coordinator::{AvailabilityAnswer, AvailabilityRefusal, AvailabilityRequest};
use crate::edge::clock;
use worker::Result;

impl Handle<AvailabilityRequest> for ZoomCoordinator {
    async fn handle(&self, ask: AvailabilityRequest) -> Result<AvailabilityAnswer> {
        let config = self.config()?;
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        // Counted first, in this same step: a reader past its limit costs one indexed read.
        let subject = availability_subject(ask.ip.as_deref(), &config.submit_limits);
        if let Some(subject) = &subject {
            if let Err(retry_after) =
                self.within_submit_limits(std::slice::from_ref(subject), now_ms)?
            {
                return Ok(Err(AvailabilityRefusal::TooManyRequests { retry_after }));
            }
            self.count_read(subject, now_ms)?;
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
    /// Counts one read for `subject`, dropping its reads older than its window: a reader keeps
    /// at most its limit's worth of rows, however long it keeps reading.
    fn count_read(&self, (subject, rule): &(String, Rule), now_ms: i64) -> Result<()> {
        self.execute(
            "DELETE FROM submissions WHERE subject = ? AND at_ms <= ?",
            vec![
                subject.as_str().into(),
                (now_ms - i64::from(rule.window_secs) * 1000).into(),
            ],
        )?;
        self.execute(
            "INSERT INTO submissions (subject, at_ms) VALUES (?, ?)",
            vec![subject.as_str().into(), now_ms.into()],
        )
    }
}
