//! `ZoomCoordinator`: the Durable Object (one per Zoom account) that is the account's single
//! writer: it alone refreshes the access token, grants Zoom permits against the rate limits and
//! daily quotas, and keeps the booking ledger that webhooks update.
//!
//! Split by concern: `token_refresh`, `permits` (per-second budget), `reservations` (new
//! bookings: idempotency, host choice, slot), `changes` (reschedule, cancel), `calendar` and
//! `attempts` (SQLite tables), `host_sync`, `ledger` (records, webhooks); this file routes.

mod attempts;
mod calendar;
mod changes;
mod host_sync;
mod ledger;
mod permits;
mod reservations;
mod schema;
mod submissions;
mod token_refresh;

use super::settings;
use crate::domain::booking::BookingRecord;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::{
    BookingRef, CommitBooking, HostSync, PermitRequest, ReleaseReservation, RescheduleCommit,
    RescheduleRequest, ReserveRequest, TokenRequest, Zoom429Report, BOOKINGS_PREFIX, CANCEL_PATH,
    COMMIT_PATH, HOST_SYNC_PATH, PERMIT_PATH, RELEASE_PATH, RESCHEDULE_COMMIT_PATH,
    RESCHEDULE_PATH, RESCHEDULE_RELEASE_PATH, RESERVE_PATH, STATUS_PATH, TOKEN_PATH,
    WEBHOOK_EVENTS_PATH, ZOOM_429_PATH,
};
use crate::domain::rate_limits::{Category, PermitSchedule};
use crate::domain::token_policy::IssuedToken;
use crate::domain::webhook::event::MeetingEvent;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use token_refresh::RefreshFlight;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

#[durable_object]
pub struct ZoomCoordinator {
    state: Rc<State>,
    env: Env,
    /// Mirror of the stored token; `loaded` says whether storage was read yet.
    current: Rc<RefCell<Option<IssuedToken>>>,
    loaded: Cell<bool>,
    /// The refresh under way, if any; every caller that needs a new token awaits this one.
    flight: Rc<RefCell<Option<RefreshFlight>>>,
    /// Per-second send times already granted, per category.
    schedule: RefCell<PermitSchedule>,
    /// Category blocks Zoom imposed with a 429: no permit before this time (ms).
    blocked_until: RefCell<HashMap<Category, i64>>,
    /// Round-robin position over the host pool.
    host_cursor: Cell<usize>,
    /// Whether this instance created its SQLite tables yet.
    schema_ready: Cell<bool>,
}

impl DurableObject for ZoomCoordinator {
    fn new(state: State, env: Env) -> Self {
        Self {
            state: Rc::new(state),
            env,
            current: Rc::default(),
            loaded: Cell::new(false),
            flight: Rc::default(),
            schedule: RefCell::default(),
            blocked_until: RefCell::default(),
            host_cursor: Cell::new(0),
            schema_ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        // Once per instance: every handler below may use the SQLite tables.
        self.ensure_schema()?;
        let path = req.path();
        match (req.method(), path.as_str()) {
            (Method::Post, TOKEN_PATH) => {
                let ask: TokenRequest = req.json().await.unwrap_or_default();
                let grant = self.grant(ask.rejected_token.as_deref()).await;
                Response::from_json(&grant)
            }
            (Method::Get, p) if p.starts_with(BOOKINGS_PREFIX) => {
                self.get_booking(&p[BOOKINGS_PREFIX.len()..]).await
            }
            (Method::Post, PERMIT_PATH) => {
                let ask: PermitRequest = req.json().await?;
                Response::from_json(&self.permit(&ask).await?)
            }
            (Method::Post, ZOOM_429_PATH) => {
                let report: Zoom429Report = req.json().await?;
                self.record_429(&report).await?;
                Ok(Response::empty()?.with_status(204))
            }
            (Method::Get, STATUS_PATH) => Response::from_json(&self.status().await?),
            (Method::Post, RESERVE_PATH) => {
                let ask: ReserveRequest = req.json().await?;
                Response::from_json(&self.reserve(&ask).await?)
            }
            (Method::Post, COMMIT_PATH) => {
                let commit: CommitBooking = req.json().await?;
                self.commit(&commit).await?;
                Ok(Response::empty()?.with_status(204))
            }
            (Method::Post, RELEASE_PATH) => {
                self.release(&req.json::<ReleaseReservation>().await?)?;
                Ok(Response::empty()?.with_status(204))
            }
            (Method::Post, RESCHEDULE_PATH) => {
                let ask: RescheduleRequest = req.json().await?;
                Response::from_json(&self.reserve_reschedule(&ask).await?)
            }
            (Method::Post, RESCHEDULE_COMMIT_PATH) => {
                let commit: RescheduleCommit = req.json().await?;
                Self::record_or_404(self.commit_reschedule(&commit).await?)
            }
            (Method::Post, RESCHEDULE_RELEASE_PATH) => {
                self.release_reschedule(&req.json::<BookingRef>().await?)?;
                Ok(Response::empty()?.with_status(204))
            }
            (Method::Post, CANCEL_PATH) => {
                let booking: BookingRef = req.json().await?;
                Self::record_or_404(self.cancel(&booking).await?)
            }
            (Method::Post, HOST_SYNC_PATH) => {
                let sync: HostSync = req.json().await?;
                Response::from_json(&self.sync_host(&sync)?)
            }
            (Method::Post, WEBHOOK_EVENTS_PATH) => {
                let event: MeetingEvent = req.json().await?;
                self.apply_event(&event).await?;
                Ok(Response::empty()?.with_status(204))
            }
            _ => Response::error("not found", 404),
        }
    }

    /// Refreshes the token ahead of expiry so no booking ever waits on a token request.
    async fn alarm(&self) -> Result<Response> {
        self.refresh_if_due().await?;
        Response::ok("")
    }
}

/// Create/Update requests a host made on a UTC day.
fn quota_key(day: &str, host: &str) -> String {
    format!("quota:{day}:{host}")
}

impl ZoomCoordinator {
    fn config(&self) -> Result<Config> {
        settings::load(&self.env)
            .map_err(|e| worker::Error::RustError(format!("not configured: {}", e.message())))
    }

    fn record_or_404(record: Option<BookingRecord>) -> Result<Response> {
        match record {
            Some(record) => Response::from_json(&record),
            None => Response::error("no such booking", 404),
        }
    }

    /// Create/Update calls `host` made on `day` (Zoom's daily allowance is per host per UTC day).
    async fn quota_used(&self, day: &str, host: &str) -> Result<u32> {
        let used = self.state.storage().get(&quota_key(day, host)).await?;
        Ok(used.unwrap_or(0))
    }

    /// Counts one more Create/Update for `host`, which had used `used`.
    async fn take_quota(&self, day: &str, host: &str, used: u32) -> Result<()> {
        self.state
            .storage()
            .put(&quota_key(day, host), used + 1)
            .await
    }
}
