//! The create path's single-writer steps (`booking::saga`): one coordinator call decides
//! idempotency, picks a free host with allowance, holds the slot and journals the attempt, all
//! before any await that could let another request in; the worker then creates the meeting and
//! commits, releases, or hands the attempt over (`CreateUnknown`) for `resolution` to finish.

use super::calendar::{booking_holder, external_holder};
use super::ZoomCoordinator;
use super::{jobs, Handle};
use crate::domain::booking::give_back;
use crate::domain::booking::host_pool::{
    cursor_after, cursor_among, eligible_hosts, HostLoad, Span,
};
use crate::domain::booking::idempotency::{is_client_key, retention_ms, Attempt, StoredAnswer};
use crate::domain::booking::replay::{replay_without_bot_check, KeyedAnswer};
use crate::domain::booking::reservation::{
    choose, decide, may_move, on_repeated, Decision, Facts, Pool,
};
use crate::domain::booking::saga::{self, on_commit, on_unknown, CommitVerdict, Intent};
use crate::domain::booking::submit_limits::counts_toward_ip_limit;
use crate::domain::booking::{BookingId, BookingRecord, ValidBooking};
use crate::domain::config::Config;
use crate::domain::coordinator::jobs::Job;
use crate::domain::coordinator::{
    CommitBooking, CreateUnknown, KeyedReplay, MismatchReport, MoveReservation, Refusal,
    ReleaseReservation, ReserveOutcome, ReserveRequest,
};
use crate::domain::rate_limits::{utc_day, CREATE_CATEGORY};
use crate::domain::zoom::HostUser;
use crate::edge::clock;
use chrono::{DateTime, Utc};
use worker::{console_error, Result};

impl Handle<ReserveRequest> for ZoomCoordinator {
    /// Reads what `domain::booking::reservation` decides from, then carries the decision out:
    /// no await between the reads and the writes yields to another request (storage calls keep
    /// the object's input gate closed).
    async fn handle(&self, ask: ReserveRequest) -> Result<ReserveOutcome> {
        let config = self.config()?;
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        let existing = self.attempt(&ask.idempotency_key)?;
        let subjects = ask.submitter.subjects(&config.submit_limits);
        // A repeat is decided from its attempt alone: a replay flood reads nothing else.
        let repeated = on_repeated(
            &ask.idempotency_key,
            existing.as_ref(),
            &ask.fingerprint,
            now_ms,
        );
        let mut loads = Vec::new();
        // Only the hosts of the booking's type.
        let hosts = eligible_hosts(&config.host_users, ask.hosts.as_deref());
        let decision = match repeated {
            Some(decision) => decision,
            None => {
                loads = self
                    .host_loads(&hosts, ask.span, ask.buffers, now, &[])
                    .await?;
                decide(&Facts {
                    key: &ask.idempotency_key,
                    existing: existing.as_ref(),
                    fingerprint: &ask.fingerprint,
                    submit_limits: self.within_submit_limits(&subjects, now_ms)?,
                    pool: self.pool(&config, &hosts, &loads, now),
                })
            }
        };
        let index = match decision {
            Decision::Replay(answer) => return Ok(ReserveOutcome::Replay(answer)),
            Decision::Refuse(refusal) => {
                // Probing costs the prober (`submit_limits`), in this same step.
                let ip = ask.submitter.ip_subject(&config.submit_limits);
                let within = self.within_submit_limits(ip.as_slice(), now_ms)?.is_ok();
                if counts_toward_ip_limit(&refusal, within) {
                    self.count_submission(ip.as_slice(), now_ms, None)?;
                }
                return Ok(ReserveOutcome::Refused(refusal));
            }
            Decision::Hold { host } => host,
        };
        let booking_id = ask.booking_id.clone();
        let hold = CreateHold {
            key: &ask.idempotency_key,
            fingerprint: ask.fingerprint,
            booking_id: ask.booking_id,
            booking: ask.booking,
            span: ask.span,
        };
        let outcome = self
            .hold_for_create(&config, &hosts, index, &loads, hold, now)
            .await?;
        if matches!(outcome, ReserveOutcome::Reserved { .. }) {
            // Counted while in flight; given back if Zoom makes nothing (`give_back`).
            self.count_submission(&subjects, now_ms, Some(&booking_id))?;
        }
        Ok(outcome)
    }
}

impl Handle<KeyedReplay> for ZoomCoordinator {
    /// Reads, never writes: a refused request leaves nothing behind.
    async fn handle(&self, ask: KeyedReplay) -> Result<Option<KeyedAnswer>> {
        let existing = self.attempt(&ask.idempotency_key)?;
        Ok(replay_without_bot_check(
            &ask.idempotency_key,
            existing.as_ref(),
            &ask.fingerprint,
            clock::now_ms(),
        ))
    }
}

impl Handle<MoveReservation> for ZoomCoordinator {
    /// Zoom refused the reserved host with its daily limit: that host's day is spent (in this
    /// same step, whether or not the worker's 429 report arrived), and the booking's hold moves
    /// to the next host with allowance, in a new per-second slot, with a renewed lease.
    async fn handle(&self, ask: MoveReservation) -> Result<ReserveOutcome> {
        let config = self.config()?;
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        self.spend_day(&config, &ask.refused_host).await?;
        let movable = self
            .attempt(&ask.idempotency_key)?
            .filter(|a| may_move(Some(a), &ask.booking_id, now_ms));
        // An attempt reserved before the journal existed cannot move either: it could not be
        // finished without its handler.
        let Some((fingerprint, Some(intent))) = movable.map(|a| (a.fingerprint, a.intent)) else {
            return Ok(ReserveOutcome::Refused(Refusal::InProgress {
                retry_after: 1,
            }));
        };
        let holder = booking_holder(&ask.booking_id);
        // The move stays among the hosts of the booking's type.
        let hosts = eligible_hosts(&config.host_users, ask.hosts.as_deref());
        let loads = self
            .host_loads(&hosts, ask.span, ask.buffers, now, &[holder.as_str()])
            .await?;
        let index = match choose(&self.pool(&config, &hosts, &loads, now)) {
            Decision::Hold { host } => host,
            Decision::Refuse(refusal) => return Ok(ReserveOutcome::Refused(refusal)),
            Decision::Replay(answer) => return Ok(ReserveOutcome::Replay(answer)),
        };
        let hold = CreateHold {
            key: &ask.idempotency_key,
            fingerprint,
            booking_id: ask.booking_id,
            booking: intent.booking,
            span: ask.span,
        };
        self.hold_for_create(&config, &hosts, index, &loads, hold, now)
            .await
    }
}

/// A booking's slot about to be held for its create, and what its attempt journals.
struct CreateHold<'a> {
    key: &'a str,
    fingerprint: String,
    booking_id: BookingId,
    booking: ValidBooking,
    span: Span,
}

impl ZoomCoordinator {
    /// The booking's eligible `hosts` (and their `loads`) as `domain::booking::reservation`
    /// decides over them.
    fn pool<'a>(
        &self,
        config: &Config,
        hosts: &[HostUser],
        loads: &'a [HostLoad],
        now: DateTime<Utc>,
    ) -> Pool<'a> {
        Pool {
            loads,
            daily_limit: config.daily_create_limit,
            max_concurrent: config.host_max_concurrent,
            cursor: cursor_among(&config.host_users, hosts, self.host_cursor.get()),
            now,
        }
    }

    /// Carries out a hold on `hosts[index]` for a new booking or a moved one: the
    /// create's per-second slot (or `RateLimited`, with nothing written), the attempt journaled
    /// under its key, the slot held until the attempt is committed or released (never lapsing:
    /// the meeting may exist until the attempt is resolved), one unit of the host's allowance,
    /// and the resolution job due when the handler's lease ends.
    async fn hold_for_create(
        &self,
        config: &Config,
        hosts: &[HostUser],
        index: usize,
        loads: &[HostLoad],
        hold: CreateHold<'_>,
        now: DateTime<Utc>,
    ) -> Result<ReserveOutcome> {
        let now_ms = now.timestamp_millis();
        let send_at_ms = match self.send_slot(config, CREATE_CATEGORY, now_ms) {
            Ok(send_at_ms) => send_at_ms,
            Err(denied) => return Ok(ReserveOutcome::RateLimited(denied)),
        };
        let host = hosts[index].clone();
        self.host_cursor
            .set(cursor_after(&config.host_users, &host));
        let holder = booking_holder(&hold.booking_id);
        let intent = Intent {
            host: host.clone(),
            booking: hold.booking,
        };
        let lease_ms = saga::lease_ms(config.zoom_timeout_ms);
        let attempt =
            Attempt::in_flight(hold.fingerprint, hold.booking_id, now_ms, lease_ms, intent);
        self.put_attempt(hold.key, &attempt, now_ms)?;
        self.hold(&holder, &host, hold.span, None, None)?;
        self.take_quota(&utc_day(now), &host, loads[index].used_today)
            .await?;
        jobs::schedule_by(&self.state, Job::ResolveAttempts, attempt.lease_until_ms).await?;
        Ok(ReserveOutcome::Reserved {
            host,
            send_at_ms,
            send_before_ms: saga::create_deadline(attempt.lease_until_ms, config.zoom_timeout_ms),
        })
    }

    /// Commits the attempt under `key` with its booking, unless it is no longer that booking's
    /// (`saga::on_commit`): the one write that makes a booking, its slot and its answer
    /// permanent, whether its handler or a resolution found the meeting.
    pub(super) async fn commit_attempt(
        &self,
        key: &str,
        record: &BookingRecord,
        answer: StoredAnswer,
        settings_mismatch: Option<&MismatchReport>,
    ) -> Result<CommitVerdict> {
        let now_ms = clock::now_ms();
        let existing = self.attempt(key)?;
        let keyed = is_client_key(key);
        let fingerprint = match on_commit(existing.as_ref(), &record.booking_id, keyed, now_ms) {
            Ok(()) => existing.map(|a| a.fingerprint).unwrap_or_default(),
            Err(verdict) => return Ok(verdict),
        };
        self.hold_for_booking(record)?;
        // A sync or webhook may have seen the meeting before this commit and taken it for one
        // made elsewhere: it is this booking, and must not count twice.
        self.free(&external_holder(record.meeting.id))?;
        let attempt = Attempt::answered(
            fingerprint,
            record.booking_id.clone(),
            answer.clone(),
            now_ms,
            retention_ms(key),
        );
        self.put_attempt(key, &attempt, now_ms)?;
        self.store_booking(record).await?;
        // Only a booking committed now is counted: a commit repeated (its answer lost) or
        // refused (the key moved on, the meeting is deleted) reports nothing.
        if let Some(report) = settings_mismatch {
            if let Err(e) = self.record_mismatches(report, record, now_ms) {
                console_error!("settings mismatch not recorded: {e}");
            }
        }
        Ok(CommitVerdict::Committed(answer))
    }

    /// Zoom made no meeting for the attempt: its key and its slot are free again (unless the
    /// key has moved on to another attempt, or the attempt was committed after all), and what
    /// it took is given back as `give_back` decides (`never_sent`: no create for it ever left
    /// its handler).
    pub(super) async fn release_attempt(
        &self,
        key: &str,
        booking_id: &BookingId,
        never_sent: bool,
    ) -> Result<()> {
        let config = self.config()?;
        let attempt = self.attempt(key)?;
        if attempt
            .as_ref()
            .is_some_and(|a| &a.booking_id == booking_id && a.answer.is_some())
        {
            return Ok(());
        }
        let lease_ms = saga::lease_ms(config.zoom_timeout_ms);
        let given = give_back::on_release(
            attempt.as_ref(),
            booking_id,
            never_sent,
            lease_ms,
            clock::now(),
        );
        self.drop_attempt(key, booking_id)?;
        self.free(&booking_holder(booking_id))?;
        let Some(given) = given else {
            return Ok(());
        };
        self.give_back_submissions(booking_id, given.ip).await?;
        match &given.host_quota {
            Some(host) => self.give_back_quota(host).await,
            None => Ok(()),
        }
    }
}

impl Handle<CommitBooking> for ZoomCoordinator {
    /// The meeting exists: the booking, its slot and the answer to replay become permanent.
    /// Settings Zoom made otherwise than sent are recorded for the operator when the booking is
    /// committed now (not on a repeated or refused commit); a failure to record them is logged
    /// and never fails the booking.
    async fn handle(&self, commit: CommitBooking) -> Result<CommitVerdict> {
        self.commit_attempt(
            &commit.idempotency_key,
            &commit.record,
            commit.answer,
            commit.settings_mismatch.as_ref(),
        )
        .await
    }
}

impl Handle<CreateUnknown> for ZoomCoordinator {
    /// The worker could not learn whether Zoom made the meeting: the attempt becomes the
    /// coordinator's to resolve, first checked within `saga::FIRST_CHECK_MS`.
    async fn handle(&self, ask: CreateUnknown) -> Result<()> {
        let now_ms = clock::now_ms();
        let attempt = self.attempt(&ask.idempotency_key)?;
        let Some(unknown) = on_unknown(attempt.as_ref(), &ask.booking_id, now_ms) else {
            return Ok(());
        };
        self.put_attempt(&ask.idempotency_key, &unknown, now_ms)?;
        jobs::schedule_by(&self.state, Job::ResolveAttempts, unknown.lease_until_ms).await
    }
}

impl Handle<ReleaseReservation> for ZoomCoordinator {
    /// The booking failed after its reservation and Zoom made nothing: free the key (so the
    /// client may retry) and the slot.
    async fn handle(&self, release: ReleaseReservation) -> Result<()> {
        self.release_attempt(
            &release.idempotency_key,
            &release.booking_id,
            release.never_sent,
        )
        .await
    }
}
