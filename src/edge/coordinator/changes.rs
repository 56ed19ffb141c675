//! Changing a booking after the fact: reschedule (hold the new slot, then commit or release) and
//! cancel. Only the booking's own host is considered: the join link guests hold is that host's.

use super::calendar::{booking_holder, reschedule_holder};
use super::Handle;
use super::ZoomCoordinator;
use crate::domain::booking::give_back;
use crate::domain::booking::host_pool::choose_host;
use crate::domain::booking::idempotency::IN_FLIGHT_LEASE_MS;
use crate::domain::booking::owner_limits::{OwnerAction, RESCHEDULE};
use crate::domain::booking::reschedule_outcome::UNKNOWN_HOLD_MS;
use crate::domain::booking::{BookingRecord, BookingStatus};
use crate::domain::coordinator::{
    CancelBooking, Refusal, RescheduleCommit, RescheduleOutcome, RescheduleRelease,
    RescheduleRequest, RescheduleUnknown,
};
use crate::domain::rate_limits::{seconds_until_utc_midnight, utc_day};
use crate::edge::clock;
use worker::Result;

impl Handle<RescheduleRequest> for ZoomCoordinator {
    /// Holds the new slot on the booking's host (and takes a Create/Update from its allowance,
    /// as Zoom counts the PATCH, and one from the booking's own reschedule limit), or says why
    /// the booking cannot move there. The limit is checked and counted in this one step, before
    /// anything is held or sent: two PATCHes cannot both take the last one.
    async fn handle(&self, ask: RescheduleRequest) -> Result<RescheduleOutcome> {
        let config = self.config()?;
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        let Some(record) = self.booking_record(&ask.booking_id).await? else {
            return Ok(Err(Refusal::NotFound));
        };
        if record.status == BookingStatus::Cancelled {
            return Ok(Err(Refusal::Cancelled));
        }
        let pending = reschedule_holder(&ask.booking_id);
        if self.held(&pending, now_ms)?.is_some() {
            return Ok(Err(Refusal::InProgress { retry_after: 1 }));
        }
        // An owner past the limit learns nothing more, not even whether the time is free: a
        // PATCH cannot probe the host's calendar beyond the limit.
        let limit = OwnerAction::Reschedule.subject(&config.owner_limits, &ask.booking_id);
        if let Err(retry_after) = self.within_submit_limits(limit.as_slice(), now_ms)? {
            return Ok(Err(Refusal::TooManyChanges { retry_after }));
        }
        // The same rule as a new booking, over a pool of one: the meeting keeps its host, and
        // its own current slot does not stand in its way.
        let host = &record.host_user;
        let own = booking_holder(&ask.booking_id);
        let except = [own.as_str(), pending.as_str()];
        let loads = self
            .host_loads(
                std::slice::from_ref(host),
                ask.span,
                ask.buffers,
                now,
                &except,
            )
            .await?;
        let free = choose_host(
            &loads,
            config.daily_create_limit,
            config.host_max_concurrent,
            0,
        );
        if let Err(reason) = free {
            let resets_in = seconds_until_utc_midnight(now);
            return Ok(Err(Refusal::no_free_host(reason, resets_in)));
        }
        self.count_submission(limit.as_slice(), now_ms, Some(&ask.booking_id))?;
        self.hold(
            &pending,
            host,
            ask.span,
            Some(now_ms + IN_FLIGHT_LEASE_MS),
            None,
        )?;
        self.take_quota(&utc_day(now), host, loads[0].used_today)
            .await?;
        Ok(Ok(record))
    }
}

impl Handle<RescheduleCommit> for ZoomCoordinator {
    /// Zoom moved the meeting: the booking and its slot follow.
    async fn handle(&self, commit: RescheduleCommit) -> Result<Option<BookingRecord>> {
        let Some(mut record) = self.booking_record(&commit.booking_id).await? else {
            return Ok(None);
        };
        self.forget_keyless_answers(&record.booking_id)?;
        record.reschedule(
            commit.start_time,
            commit.duration,
            &commit.timezone,
            clock::now_ms(),
        );
        self.hold_for_booking(&record)?;
        self.free(&reschedule_holder(&record.booking_id))?;
        self.store_booking(&record).await?;
        Ok(Some(record))
    }
}

impl Handle<RescheduleUnknown> for ZoomCoordinator {
    async fn handle(&self, ask: RescheduleUnknown) -> Result<()> {
        let holder = reschedule_holder(&ask.booking_id);
        let now_ms = clock::now_ms();
        match self.held(&holder, now_ms)? {
            Some((host, span)) => {
                self.hold(&holder, &host, span, Some(now_ms + UNKNOWN_HOLD_MS), None)
            }
            None => Ok(()),
        }
    }
}

impl Handle<RescheduleRelease> for ZoomCoordinator {
    /// Zoom did not move the meeting: the new time goes; if the PATCH never left the worker,
    /// what the reschedule took is given back (once: only while its hold is there to release).
    async fn handle(&self, release: RescheduleRelease) -> Result<()> {
        let holder = reschedule_holder(&release.booking_id);
        let now = clock::now();
        let held = self.held(&holder, now.timestamp_millis())?;
        self.free(&holder)?;
        let given = give_back::on_reschedule_release(
            held.is_some(),
            release.never_sent,
            IN_FLIGHT_LEASE_MS,
            now,
        );
        if given.owner_count {
            let subject = format!("{RESCHEDULE}{}", release.booking_id);
            self.give_back_latest("reschedule", &subject).await?;
        }
        match held {
            Some((host, _)) if given.host_quota => self.give_back_quota(&host).await,
            _ => Ok(()),
        }
    }
}

impl Handle<CancelBooking> for ZoomCoordinator {
    /// Zoom no longer has the meeting: the booking is cancelled and its slot is free.
    async fn handle(&self, booking: CancelBooking) -> Result<Option<BookingRecord>> {
        let Some(mut record) = self.booking_record(&booking.booking_id).await? else {
            return Ok(None);
        };
        if booking.reconciled && record.status != BookingStatus::Cancelled {
            self.count_reconciliation_fix().await?;
        }
        self.forget_keyless_answers(&record.booking_id)?;
        record.cancel(clock::now_ms());
        self.hold_for_booking(&record)?;
        self.free(&reschedule_holder(&record.booking_id))?;
        self.store_booking(&record).await?;
        Ok(Some(record))
    }
}
