//! The coordinator finishing booking attempts whose outcome is unknown (`booking::saga`), as
//! the `ResolveAttempts` job of its alarm: for each due attempt it reads the host's meetings at
//! Zoom, looks for the attempt's marker, and adopts, deletes or releases as the saga decides —
//! without waiting for any client to come back.

use super::store::Read as _;
use super::{jobs, Handle, ZoomCoordinator};
use crate::domain::booking::idempotency::{is_client_key, Attempt};
use crate::domain::booking::marker::Marker;
use crate::domain::booking::saga::{self, Found, Resolution};
use crate::domain::config::Config;
use crate::domain::coordinator::jobs::Job;
use crate::domain::coordinator::OrphanDeleted;
use crate::domain::zoom::api::means_already_deleted;
use crate::domain::zoom::meetings::ZoomMeeting;
use crate::domain::zoom::HostUser;
use crate::edge::clock;
use crate::edge::coordinator::Coordinator;
use crate::edge::zoom::api::{CallError, ZoomApi};
use worker::{console_error, console_log, Result};

/// Attempts looked at per alarm run: each costs a few Zoom calls; the rest wait a moment.
const PER_RUN: u32 = 5;
/// When more were due than one run takes, the next run follows this soon.
const NEXT_RUN_MS: i64 = 1_000;
const RESOLVED_KEY: &str = "stats:attempts_resolved";
const ADOPTED_KEY: &str = "stats:attempts_adopted";
const DELETED_KEY: &str = "stats:attempts_deleted";
/// How long a released attempt's marker is remembered: a create Zoom carries out later than
/// this is not expected.
const RELEASED_MEMORY_MS: i64 = 7 * 24 * 3600 * 1000;

impl ZoomCoordinator {
    /// The job: resolves the attempts due now, then sets its row to the next one due (or
    /// removes it). An attempt whose resolution fails is looked at again after a backoff, never
    /// at once, so one bad row cannot spin the alarm or starve the others.
    pub(super) async fn resolve_due_attempts(&self) -> Result<()> {
        let config = self.config()?;
        let due = self.due_attempts(clock::now_ms(), PER_RUN)?;
        if !due.is_empty() {
            // Zoom calls take permits and tokens from this same object, as every call does.
            let coordinator = Coordinator::of(&self.env, &config.credentials.account_id)
                .map_err(|e| worker::Error::RustError(e.message()))?;
            let zoom = ZoomApi::new(&self.env, &config, &coordinator);
            for (key, read) in &due {
                if let Err(err) = self.resolve(&zoom, &config, key, read).await {
                    console_error!("attempt {} not resolved: {err}", read.booking_id);
                    if let Err(err) = self.back_off(key, read) {
                        // Its check stays due: the next run (never sooner than a second) retries.
                        console_error!("attempt {} not backed off: {err}", read.booking_id);
                    }
                }
            }
        }
        match self.next_attempt_due()? {
            Some(at) => {
                let at = at.max(clock::now_ms() + NEXT_RUN_MS);
                jobs::schedule(&self.state, Job::ResolveAttempts, at).await
            }
            None => jobs::done(&self.state, Job::ResolveAttempts),
        }
    }

    /// One due attempt, as `saga` decides. Other requests run while Zoom is read, so the row
    /// is read again before anything is decided, and every write is made only if the row is
    /// still exactly as it was read (no await between that check and the write).
    async fn resolve(
        &self,
        zoom: &ZoomApi<'_>,
        config: &Config,
        key: &str,
        read: &Attempt,
    ) -> Result<()> {
        let now_ms = clock::now_ms();
        let Some(attempt) = self.attempt(key)?.filter(|a| {
            a.booking_id == read.booking_id && a.answer.is_none() && a.lease_until_ms <= now_ms
        }) else {
            return Ok(());
        };
        let Some(intent) = attempt.intent.clone() else {
            // Journaled but unreadable (a format this version does not know): never free the
            // key of an attempt whose meeting may exist; it waits for a version that can read it.
            console_error!("attempt {}: journal unreadable", attempt.booking_id);
            return self.back_off(key, &attempt);
        };
        if attempt.unknown_since_ms.is_none() {
            // The handler's lease lapsed: the attempt is the coordinator's from now on (a late
            // keyless commit is refused, `saga::on_commit`), first checked when a list can
            // prove something.
            return self.reschedule_check(key, &saga::take_over(&attempt));
        }
        let booking_id = &attempt.booking_id;
        let marker = Marker::of(config.booking_signing_key.expose(), booking_id);
        let found = find_marked(zoom, &intent.host, &marker).await;
        if !self.unchanged(key, &attempt)? {
            return Ok(());
        }
        let mut resolution = saga::after_check(&attempt, is_client_key(key), found, now_ms);
        let mut deleted = false;
        if let Resolution::Delete(meeting_id) = resolution {
            deleted = match zoom.delete_meeting(meeting_id).await {
                Ok(_) => true,
                Err(CallError::Failed(err)) => means_already_deleted(&err),
                Err(CallError::OutcomeUnknown | CallError::NotSent(_)) => false,
            };
            if !self.unchanged(key, &attempt)? {
                return Ok(());
            }
            resolution = saga::after_delete(&attempt, deleted, clock::now_ms());
        }
        match resolution {
            Resolution::Adopt(meeting) => self.adopt(config, key, &attempt, meeting).await,
            Resolution::Release => {
                // Zoom may have received the create: only the email's count is given back.
                self.release_attempt(key, booking_id, false).await?;
                if deleted {
                    console_log!("attempt {booking_id}: its keyless meeting was deleted");
                    return self.count(DELETED_KEY).await;
                }
                // Should Zoom still carry the create out, the Cron run will know the meeting
                // for an orphan by this marker.
                self.remember_released(&marker, &intent.host, now_ms)?;
                self.count(RESOLVED_KEY).await
            }
            Resolution::CheckAgain { at_ms } => {
                self.reschedule_check(key, &saga::check_again(&attempt, at_ms))
            }
            // `after_delete` never answers Delete.
            Resolution::Delete(_) => Ok(()),
        }
    }

    /// Whether `key` still holds `attempt` exactly as it was read: the same booking, no answer,
    /// the same next check.
    fn unchanged(&self, key: &str, attempt: &Attempt) -> Result<bool> {
        Ok(self.attempt(key)?.is_some_and(|a| {
            a.booking_id == attempt.booking_id
                && a.answer.is_none()
                && a.lease_until_ms == attempt.lease_until_ms
                && a.checks == attempt.checks
        }))
    }

    /// Looks at an attempt again after a backoff (if it is still as it was read).
    fn back_off(&self, key: &str, attempt: &Attempt) -> Result<()> {
        if !self.unchanged(key, attempt)? {
            return Ok(());
        }
        let at = clock::now_ms() + saga::backoff_ms(attempt.checks);
        self.reschedule_check(key, &saga::check_again(attempt, at))
    }

    /// Commits the meeting Zoom made for a keyed attempt, as its handler would have: the retry
    /// under the key gets this answer.
    async fn adopt(
        &self,
        config: &Config,
        key: &str,
        attempt: &Attempt,
        meeting: ZoomMeeting,
    ) -> Result<()> {
        let Some(intent) = &attempt.intent else {
            return Ok(());
        };
        let record = meeting.into_record(
            attempt.booking_id.clone(),
            &intent.host,
            &intent.booking,
            clock::now(),
        );
        let answer = saga::answer_for(&record, config.booking_signing_key.expose());
        self.commit_attempt(key, &record, answer, None).await?;
        console_log!(
            "attempt {}: meeting {} adopted",
            record.booking_id,
            record.meeting.id
        );
        self.count(ADOPTED_KEY).await
    }

    /// Keeps the marker of a released attempt for `RELEASED_MEMORY_MS`, and forgets older ones.
    fn remember_released(&self, marker: &Marker, host: &HostUser, now_ms: i64) -> Result<()> {
        self.execute(
            "INSERT OR REPLACE INTO released_markers (marker, host, released_at_ms) \
             VALUES (?, ?, ?)",
            vec![marker.as_str().into(), host.as_str().into(), now_ms.into()],
        )?;
        self.execute(
            "DELETE FROM released_markers WHERE released_at_ms < ?",
            vec![(now_ms - RELEASED_MEMORY_MS).into()],
        )
    }

    /// The markers of attempts on `host` released as "Zoom made nothing".
    pub(super) fn released_markers(&self, host: &HostUser) -> Result<Vec<Marker>> {
        #[derive(serde::Deserialize)]
        struct Row {
            marker: String,
        }
        let rows: Vec<Row> = self.rows(
            "SELECT marker FROM released_markers WHERE host = ?",
            vec![host.as_str().into()],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| Marker::parse(&r.marker))
            .collect())
    }

    async fn count(&self, key: &str) -> Result<()> {
        let storage = self.state.storage();
        let n = storage.read::<u64>(key).await?.unwrap_or(0);
        storage.put(key, n + 1).await
    }

    /// `attempts` in the operator status.
    pub(super) async fn attempt_counts(&self) -> Result<serde_json::Value> {
        let storage = self.state.storage();
        let mut counts = serde_json::json!({ "pending": self.pending_attempts(clock::now_ms())? });
        for (name, key) in [
            ("resolved", RESOLVED_KEY),
            ("adopted", ADOPTED_KEY),
            ("deleted", DELETED_KEY),
        ] {
            counts[name] = storage.read::<u64>(key).await?.unwrap_or(0).into();
        }
        Ok(counts)
    }
}

/// What a check of the host's meetings found: the meeting carrying `marker` (read back in full),
/// that the whole list has none (read from when), or that it could not be read to the end.
async fn find_marked(zoom: &ZoomApi<'_>, host: &HostUser, marker: &Marker) -> Found {
    let read_started_ms = clock::now_ms();
    match zoom.find_marked(host, marker, saga::RESOLUTION_PAGES).await {
        Ok(Some(meeting)) => Found::Meeting(meeting),
        Ok(None) => Found::Nothing { read_started_ms },
        Err(_) => Found::Unreadable,
    }
}

impl Handle<OrphanDeleted> for ZoomCoordinator {
    /// A meeting the sync found orphaned was deleted by the worker: counted with the deleted.
    async fn handle(&self, _deleted: OrphanDeleted) -> Result<()> {
        self.count(DELETED_KEY).await
    }
}
