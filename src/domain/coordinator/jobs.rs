//! The coordinator's due jobs. A Durable Object has one alarm; every job that needs waking up
//! (token refresh, resolving attempts whose outcome is unknown, and later the notification
//! outbox) is a row with its due time, and the alarm is set to the earliest. Running one job
//! never moves another's time.

/// A kind of job; at most one row each (its due time is the earliest any of its work needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// Renew the access token ahead of expiry (`token_policy`).
    TokenRefresh,
    /// Check Zoom for booking attempts whose outcome is unknown (`booking::saga`).
    ResolveAttempts,
}

impl Job {
    pub const ALL: [Job; 2] = [Job::TokenRefresh, Job::ResolveAttempts];

    /// The row's name in the jobs table.
    pub fn name(self) -> &'static str {
        match self {
            Job::TokenRefresh => "token_refresh",
            Job::ResolveAttempts => "resolve_attempts",
        }
    }

    pub fn from_name(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.name() == name)
    }
}

/// When the alarm must next fire: at the earliest due job (none: no alarm).
pub fn next_alarm(jobs: &[(Job, i64)]) -> Option<i64> {
    jobs.iter().map(|(_, due_ms)| *due_ms).min()
}

/// The jobs to run at `now_ms`, earliest first.
pub fn due(jobs: &[(Job, i64)], now_ms: i64) -> Vec<Job> {
    let mut due: Vec<(Job, i64)> = jobs
        .iter()
        .copied()
        .filter(|(_, at)| *at <= now_ms)
        .collect();
    due.sort_by_key(|(_, at)| *at);
    due.into_iter().map(|(job, _)| job).collect()
}

/// A job's new due time when more work asks for `wanted_ms`: the earlier of the two, so adding
/// work never postpones work already scheduled.
pub fn earlier(existing_ms: Option<i64>, wanted_ms: i64) -> i64 {
    existing_ms.map_or(wanted_ms, |at| at.min(wanted_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn the_alarm_fires_at_the_earliest_job() {
        let jobs = [
            (Job::TokenRefresh, 55 * MINUTE),
            (Job::ResolveAttempts, 10_000),
        ];
        assert_eq!(next_alarm(&jobs), Some(10_000));
        assert_eq!(next_alarm(&[]), None);
    }

    #[test]
    fn token_refresh_still_fires_on_time_while_other_jobs_are_pending() {
        // Attempts keep asking to be checked again, every ten seconds, for an hour.
        let refresh_at = 55 * MINUTE;
        let mut jobs = vec![
            (Job::TokenRefresh, refresh_at),
            (Job::ResolveAttempts, 10_000),
        ];
        let mut fired_refresh_at = None;
        while fired_refresh_at.is_none() {
            let now = next_alarm(&jobs).unwrap();
            for job in due(&jobs, now) {
                jobs.retain(|(j, _)| *j != job);
                match job {
                    Job::ResolveAttempts => jobs.push((job, now + 10_000)),
                    Job::TokenRefresh => fired_refresh_at = Some(now),
                }
            }
        }
        assert_eq!(fired_refresh_at, Some(refresh_at));
    }

    #[test]
    fn more_work_never_postpones_a_job() {
        assert_eq!(earlier(Some(5_000), 9_000), 5_000);
        assert_eq!(earlier(Some(9_000), 5_000), 5_000);
        assert_eq!(earlier(None, 9_000), 9_000);
    }

    #[test]
    fn jobs_run_earliest_first_and_only_when_due() {
        let jobs = [(Job::TokenRefresh, 2_000), (Job::ResolveAttempts, 1_000)];
        assert_eq!(due(&jobs, 1_500), [Job::ResolveAttempts]);
        assert_eq!(due(&jobs, 2_000), [Job::ResolveAttempts, Job::TokenRefresh]);
        for job in Job::ALL {
            assert_eq!(Job::from_name(job.name()), Some(job));
        }
        assert_eq!(Job::from_name("other"), None);
    }
}
