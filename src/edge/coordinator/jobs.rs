//! The jobs table behind the coordinator's one alarm (`domain::coordinator::jobs` decides; this
//! file stores and arms). Free functions over the object's `State`, so the token refresh (which
//! runs in a shared future, without `&self`) schedules the same way as everything else.

use crate::domain::coordinator::jobs::{self, Job};
use serde::Deserialize;
use worker::{Result, State};

#[derive(Deserialize)]
struct JobRow {
    name: String,
    due_ms: f64,
}

fn all(state: &State) -> Result<Vec<(Job, i64)>> {
    let rows: Vec<JobRow> = super::store::rows(
        state
            .storage()
            .sql()
            .exec("SELECT name, due_ms FROM jobs", None)?,
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|row| Some((Job::from_name(&row.name)?, row.due_ms as i64)))
        .collect())
}

/// When `job` is due, if it has a row.
fn due_of(state: &State, job: Job) -> Result<Option<i64>> {
    Ok(all(state)?
        .into_iter()
        .find_map(|(j, at)| (j == job).then_some(at)))
}

/// Sets `job` due at `due_ms` (replacing its time), and the alarm to the earliest job.
pub async fn schedule(state: &State, job: Job, due_ms: i64) -> Result<()> {
    state.storage().sql().exec(
        "INSERT OR REPLACE INTO jobs (name, due_ms) VALUES (?, ?)",
        vec![job.name().into(), due_ms.into()],
    )?;
    arm(state).await
}

/// Makes `job` due no later than `due_ms`. Cheap when it already is (the usual case: one read,
/// no write), since every new booking asks this.
pub async fn schedule_by(state: &State, job: Job, due_ms: i64) -> Result<()> {
    let existing = due_of(state, job)?;
    let wanted = jobs::earlier(existing, due_ms);
    if existing == Some(wanted) {
        return Ok(());
    }
    schedule(state, job, wanted).await
}

/// Gives `job` a row at `due_ms` unless it has one (whatever its time: a job that set its own
/// time, e.g. a retry after a failure, keeps it).
pub async fn schedule_if_absent(state: &State, job: Job, due_ms: i64) -> Result<()> {
    if due_of(state, job)?.is_some() {
        return Ok(());
    }
    schedule(state, job, due_ms).await
}

/// The jobs due at `now_ms`, each leased until `retry_at_ms`: a job that finishes replaces its
/// row (`schedule`) or removes it (`done`); one whose run dies with the object (a deploy, an
/// eviction) runs again at `retry_at_ms` instead of never.
pub fn lease_due(state: &State, now_ms: i64, retry_at_ms: i64) -> Result<Vec<Job>> {
    let due = jobs::due(&all(state)?, now_ms);
    for job in &due {
        state.storage().sql().exec(
            "UPDATE jobs SET due_ms = ? WHERE name = ?",
            vec![retry_at_ms.into(), job.name().into()],
        )?;
    }
    Ok(due)
}

/// `job` has nothing more to do.
pub fn done(state: &State, job: Job) -> Result<()> {
    state
        .storage()
        .sql()
        .exec("DELETE FROM jobs WHERE name = ?", vec![job.name().into()])?;
    Ok(())
}

/// Sets the alarm to the earliest job, or clears it when there is none.
pub async fn arm(state: &State) -> Result<()> {
    let storage = state.storage();
    match jobs::next_alarm(&all(state)?) {
        Some(at_ms) => {
            if storage.get_alarm().await? != Some(at_ms) {
                let at = chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default();
                storage.set_alarm(at).await?;
            }
            Ok(())
        }
        None => storage.delete_alarm().await,
    }
}
