//! The create path's single-writer step: one coordinator call decides idempotency, picks a free
//! host with allowance and holds the slot, all before any await that could let another request
//! in; the worker then creates the meeting and commits or releases.

use super::calendar::{booking_holder, external_holder};
use super::Handle;
use super::ZoomCoordinator;
use crate::domain::booking::host_pool::{choose_host, HostLoad};
use crate::domain::booking::idempotency::{on_repeat, Attempt, Repeat, IN_FLIGHT_LEASE_MS};
use crate::domain::coordinator::{
    CommitBooking, Refusal, ReleaseReservation, ReserveOutcome, ReserveRequest,
};
use crate::domain::rate_limits::{seconds_until_utc_midnight, utc_day, CREATE_CATEGORY};
use crate::edge::clock;
use worker::Result;

impl Handle<ReserveRequest> for ZoomCoordinator {
    async fn handle(&self, ask: ReserveRequest) -> Result<ReserveOutcome> {
        let config = self.config()?;
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        match on_repeat(
            self.attempt(&ask.idempotency_key)?.as_ref(),
            &ask.fingerprint,
            now_ms,
        ) {
            Repeat::Proceed => {}
            Repeat::Replay(answer) => return Ok(ReserveOutcome::Replay(answer)),
            Repeat::KeyReused => return Ok(ReserveOutcome::Refused(Refusal::KeyReused)),
            Repeat::InProgress => return Ok(ReserveOutcome::Refused(Refusal::InProgress)),
        }
        let subjects = ask.submitter.subjects(&config.submit_limits);
        if let Err(retry_after) = self.within_submit_limits(&subjects, now_ms)? {
            return Ok(ReserveOutcome::Refused(Refusal::TooManyBookings {
                retry_after,
            }));
        }
        // Storage reads keep the input gate closed: nothing interleaves until the writes below.
        let day = utc_day(now);
        let busy = self.overlapping_per_host(ask.span, now_ms, ["", ""])?;
        let mut loads = Vec::with_capacity(config.host_users.len());
        for host in &config.host_users {
            loads.push(HostLoad {
                used_today: self.quota_used(&day, host).await?,
                overlapping: busy.get(host).copied().unwrap_or(0),
            });
        }
        let index = match choose_host(
            &loads,
            config.daily_create_limit,
            config.host_max_concurrent,
            self.host_cursor.get(),
        ) {
            Ok(index) => index,
            Err(reason) => {
                let resets_in = seconds_until_utc_midnight(now);
                return Ok(ReserveOutcome::Refused(Refusal::no_free_host(
                    reason, resets_in,
                )));
            }
        };
        let send_at_ms = match self.send_slot(&config, CREATE_CATEGORY, now_ms) {
            Ok(send_at_ms) => send_at_ms,
            Err(denied) => return Ok(ReserveOutcome::RateLimited(denied)),
        };
        let host = config.host_users[index].clone();
        self.host_cursor.set(index + 1);
        let lease_until_ms = now_ms + IN_FLIGHT_LEASE_MS;
        self.hold(
            &booking_holder(&ask.booking_id),
            &host,
            ask.span,
            Some(lease_until_ms),
            None,
        )?;
        let attempt = Attempt {
            fingerprint: ask.fingerprint.clone(),
            booking_id: ask.booking_id.clone(),
            answer: None,
            lease_until_ms,
            expires_at_ms: lease_until_ms,
        };
        self.put_attempt(&ask.idempotency_key, &attempt, now_ms)?;
        self.count_submission(&subjects, now_ms)?;
        self.take_quota(&day, &host, loads[index].used_today)
            .await?;
        Ok(ReserveOutcome::Reserved { host, send_at_ms })
    }
}

impl ZoomCoordinator {}

impl Handle<CommitBooking> for ZoomCoordinator {
    /// The meeting exists: the booking, its slot and the answer to replay become permanent.
    async fn handle(&self, commit: CommitBooking) -> Result<()> {
        let now_ms = clock::now_ms();
        let record = &commit.record;
        self.hold_for_booking(record)?;
        // A sync or webhook may have seen the meeting before this commit and taken it for one
        // made elsewhere: it is this booking, and must not count twice.
        self.free(&external_holder(record.meeting.id))?;
        let attempt = Attempt {
            fingerprint: commit.fingerprint.clone(),
            booking_id: record.booking_id.clone(),
            answer: Some(commit.answer.clone()),
            lease_until_ms: now_ms,
            expires_at_ms: now_ms + commit.key_retention_ms,
        };
        self.put_attempt(&commit.idempotency_key, &attempt, now_ms)?;
        self.store_booking(record).await
    }
}

impl ZoomCoordinator {}

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
