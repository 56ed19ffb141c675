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

pub use calendar::{conflicts, loads_at, Buffers, HostCalendar};
pub use grid::{Offer, Outside};
pub use starts::{FreeMask, Starts};

use crate::domain::booking::host_pool::{choose_host, Span};
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
