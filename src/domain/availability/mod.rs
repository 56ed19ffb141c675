//! When a guest can book: an event type's working hours, notice, horizon and buffers, and each
//! host's calendar, decided once for both questions the service answers — "is this start
//! bookable?" (the booking and reschedule paths) and "which starts are?" (`GET
//! /v1/availability`). An answer never lies because both go through the same two functions:
//!
//! - [`Offer::admits`]: the type's rules for a start (hours and date overrides read in the
//!   type's zone, the slot grid, notice, horizon). The worker checks it while validating, so a
//!   start outside them is `422 outside_availability` before anything has happened;
//! - [`loads_at`]: what each host's calendar holds against a start, with the type's buffers,
//!   which `booking::host_pool::choose_host` turns into a host or a refusal. The coordinator
//!   runs both in the one step that holds the slot.
//!
//! [`offered`] is the two together: the availability answer lists exactly the starts of the
//! grid for which it holds.

mod calendar;
mod grid;
pub mod query;
mod starts;
mod sweep;

pub use calendar::{conflicts, loads_at, Buffers, HostCalendar};
pub use grid::{Offer, Outside};
pub use starts::{FreeMask, Starts};
pub use sweep::free_mask;

use crate::domain::api_error::{FieldError, FieldErrorKind};
use crate::domain::booking::host_pool::{choose_host, Span};
use crate::domain::event_types::EventType;
use crate::domain::time_zone::{Zone, ZoneRules};
use chrono::{DateTime, Utc};

/// Whether a booking of `offer`'s type and length starting at `start`, asked now, would be
/// accepted: the type's rules admit it and some eligible host is free with allowance left.
pub fn offered(
    offer: &Offer<'_>,
    hosts: &[HostCalendar],
    daily_limit: u32,
    max_concurrent: u32,
    start: DateTime<Utc>,
) -> bool {
    offer.admits(start).is_ok()
        && free_with(
            hosts,
            offer.buffers(),
            daily_limit,
            max_concurrent,
            Span::of(start, offer.duration_minutes()),
        )
}

/// The booking and reschedule check: `422 outside_availability` (field `start_time`) for a
/// start `event_type`'s rules do not offer at `duration_minutes`. `keeps_start`: a reschedule
/// that changes only the length of a meeting whose start stays is not refused for notice or
/// horizon (the start was accepted when it was booked), only for leaving the hours.
pub fn check_start(
    event_type: &EventType,
    duration_minutes: u32,
    start: DateTime<Utc>,
    zones: &dyn ZoneRules,
    default_timezone: &Zone,
    now: DateTime<Utc>,
    keeps_start: bool,
) -> Result<(), FieldError> {
    let Some(spec) = event_type.availability() else {
        return Ok(());
    };
    // `EventTypes::check_zones` refused unknown zones when the types were loaded.
    let zone = query::hours_zone(event_type, zones, default_timezone)
        .unwrap_or_else(|| default_timezone.clone());
    let offer = Offer::new(event_type, duration_minutes, zone, zones, now);
    let message = match offer.admits(start) {
        Ok(()) => return Ok(()),
        Err(Outside::TooSoon | Outside::TooFar) if keeps_start => return Ok(()),
        Err(Outside::NotOpen) => "'start_time' is not one of this type's available times (GET \
             /v1/availability lists them)."
            .to_owned(),
        Err(Outside::TooSoon) => format!(
            "'start_time' must be at least {} minutes from now.",
            spec.min_notice_minutes
        ),
        Err(Outside::TooFar) => format!(
            "'start_time' must be less than {} days from now.",
            spec.horizon_days
        ),
    };
    Err(FieldError::new(
        "start_time",
        FieldErrorKind::OutsideAvailability,
        message,
    ))
}

/// Whether some host could take `candidate`: `choose_host`'s answer over [`loads_at`].
pub fn free_with(
    hosts: &[HostCalendar],
    buffers: Buffers,
    daily_limit: u32,
    max_concurrent: u32,
    candidate: Span,
) -> bool {
    let loads = loads_at(candidate, buffers, hosts);
    choose_host(&loads, daily_limit, max_concurrent, 0).is_ok()
}

#[cfg(test)]
mod tests;
