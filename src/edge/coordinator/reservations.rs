//! The create path's single-writer step: one coordinator call decides idempotency, picks a free
//! host with allowance and holds the slot, all before any await that could let another request
//! in; the worker then creates the meeting and commits or releases.

use super::calendar::{booking_holder, external_holder};
use super::Handle;
use super::ZoomCoordinator;
use crate::domain::booking::host_pool::{HostLoad, Span};
use crate::domain::booking::idempotency::Attempt;
use crate::domain::booking::reservation::{choose, decide, may_move, Decision, Facts, Pool};
use crate::domain::config::Config;
use crate::domain::coordinator::{
    CommitBooking, MoveReservation, Refusal, ReleaseReservation, ReserveOutcome, ReserveRequest,
};
use crate::domain::rate_limits::{utc_day, CREATE_CATEGORY};
use crate::edge::clock;
use chrono::{DateTime, Utc};
use worker::Result;

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
        let loads = self
            .host_loads(&config.host_users, ask.span, now, &[])
            .await?;
        let facts = Facts {
            existing: existing.as_ref(),
            fingerprint: &ask.fingerprint,
            submit_limits: self.within_submit_limits(&subjects, now_ms)?,
            pool: self.pool(&config, &loads, now),
        };
        let index = match decide(&facts) {
            Decision::Replay(answer) => return Ok(ReserveOutcome::Replay(answer)),
            Decision::Refuse(refusal) => return Ok(ReserveOutcome::Refused(refusal)),
            Decision::Hold { host } => host,
        };
        let hold = CreateHold {
            key: &ask.idempotency_key,
            attempt: Attempt::in_flight(ask.fingerprint, ask.booking_id, now_ms),
            span: ask.span,
        };
        let outcome = self
            .hold_for_create(&config, index, &loads, hold, now)
            .await?;
        if matches!(outcome, ReserveOutcome::Reserved { .. }) {
            self.count_submission(&subjects, now_ms)?;
        }
        Ok(outcome)
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
        let attempt = self.attempt(&ask.idempotency_key)?;
        if !may_move(attempt.as_ref(), &ask.booking_id, now_ms) {
            return Ok(ReserveOutcome::Refused(Refusal::InProgress));
        }
        let holder = booking_holder(&ask.booking_id);
        let loads = self
            .host_loads(&config.host_users, ask.span, now, &[holder.as_str()])
            .await?;
        let index = match choose(&self.pool(&config, &loads, now)) {
            Decision::Hold { host } => host,
            Decision::Refuse(refusal) => return Ok(ReserveOutcome::Refused(refusal)),
            Decision::Replay(answer) => return Ok(ReserveOutcome::Replay(answer)),
        };
        let fingerprint = attempt.map(|a| a.fingerprint).unwrap_or_default();
        let hold = CreateHold {
            key: &ask.idempotency_key,
            attempt: Attempt::in_flight(fingerprint, ask.booking_id, now_ms),
            span: ask.span,
        };
        self.hold_for_create(&config, index, &loads, hold, now)
            .await
    }
}

/// A booking's slot about to be held for its create: the attempt in flight under its key.
struct CreateHold<'a> {
    key: &'a str,
    attempt: Attempt,
    span: Span,
}

impl ZoomCoordinator {
    /// The host pool as `domain::booking::reservation` decides over it.
    fn pool<'a>(&self, config: &Config, loads: &'a [HostLoad], now: DateTime<Utc>) -> Pool<'a> {
        Pool {
            loads,
            daily_limit: config.daily_create_limit,
            max_concurrent: config.host_max_concurrent,
            cursor: self.host_cursor.get(),
            now,
        }
    }

    /// Carries out a hold on the pool's host `index` for a new booking or a moved one: the
    /// create's per-second slot (or `RateLimited`, with nothing written), the attempt in flight
    /// under its key, the slot held until the attempt's lease, and one unit of the host's
    /// allowance.
    async fn hold_for_create(
        &self,
        config: &Config,
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
        let host = config.host_users[index].clone();
        self.host_cursor.set(index + 1);
        let holder = booking_holder(&hold.attempt.booking_id);
        let lease = Some(hold.attempt.lease_until_ms);
        self.put_attempt(hold.key, &hold.attempt, now_ms)?;
        self.hold(&holder, &host, hold.span, lease, None)?;
        self.take_quota(&utc_day(now), &host, loads[index].used_today)
            .await?;
        Ok(ReserveOutcome::Reserved { host, send_at_ms })
    }
}

impl Handle<CommitBooking> for ZoomCoordinator {
    /// The meeting exists: the booking, its slot and the answer to replay become permanent.
    async fn handle(&self, commit: CommitBooking) -> Result<()> {
        let now_ms = clock::now_ms();
        let record = &commit.record;
        self.hold_for_booking(record)?;
        // A sync or webhook may have seen the meeting before this commit and taken it for one
        // made elsewhere: it is this booking, and must not count twice.
        self.free(&external_holder(record.meeting.id))?;
        let attempt = Attempt::answered(
            commit.fingerprint.clone(),
            record.booking_id.clone(),
            commit.answer.clone(),
            now_ms,
            commit.key_retention_ms,
        );
        self.put_attempt(&commit.idempotency_key, &attempt, now_ms)?;
        self.store_booking(record).await
    }
}

impl Handle<ReleaseReservation> for ZoomCoordinator {
    /// The booking failed after its reservation: free the key (so the client may retry) and,
    /// unless the meeting may exist after all, the slot.
    async fn handle(&self, release: ReleaseReservation) -> Result<()> {
        self.drop_attempt(&release.idempotency_key, &release.booking_id)?;
        if !release.keep_slot {
            self.free(&booking_holder(&release.booking_id))?;
        }
        Ok(())
    }
}
