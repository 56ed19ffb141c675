//! `ZoomCoordinator`: the Durable Object (one per Zoom account) that is the account's single
//! writer: it alone refreshes the access token, grants Zoom permits against the rate limits and
//! daily quotas, and keeps the booking ledger that webhooks update.
//!
//! Split by concern: `token_refresh`, `permits` (per-second budget), `reservations` (new
//! bookings: idempotency, host choice, slot), `changes` (reschedule, cancel), `calendar` and
//! `attempts` (SQLite tables), `host_sync`, `ledger` (records, webhooks); this file routes.

mod attempts;
mod attendance;
mod availability;
mod calendar;
mod changes;
mod client;
mod host_sync;
mod jobs;
mod ledger;
mod mismatches;
mod permits;
mod reservations;
mod resolution;
mod schema;
mod store;
mod submissions;
mod token_refresh;

pub use client::Coordinator;

use super::{clock, settings};
use crate::domain::availability::{loads_at, Buffers, HostCalendar};
use crate::domain::booking::give_back;
use crate::domain::booking::host_pool::{HostLoad, Span};
use crate::domain::config::Config;
use crate::domain::coordinator::jobs::Job;
use crate::domain::coordinator::*;
use crate::domain::rate_limits::{utc_day, Category, PermitSchedule};
use crate::domain::token_policy::IssuedToken;
use crate::domain::zoom::HostUser;
use chrono::{DateTime, Utc};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use store::Read as _;
use token_refresh::RefreshFlight;
use worker::{console_error, durable_object, DurableObject, Env, Request, Response, Result, State};

/// How the coordinator answers one kind of message. Each message's handler lives with the
/// concern it belongs to (`reservations`, `changes`, `permits`, ...).
trait Handle<M: Message> {
    async fn handle(&self, message: M) -> Result<M::Answer>;
}

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
        // Once per instance: every handler may use the SQLite tables.
        self.ensure_schema()?;
        let route = req.path();
        let body = req.text().await?;
        macro_rules! dispatch {
            ($($message:ident => $answer:ty),* $(,)?) => {
                $(if route == $message::ROUTE {
                    return self.answer::<$message>(&body).await;
                })*
            };
        }
        for_each_message!(dispatch);
        Response::error("no such message", 404)
    }

    /// Runs the due jobs of the one alarm (`jobs`): the token refresh ahead of expiry, so no
    /// booking ever waits on a token request, and the resolution of attempts whose outcome is
    /// unknown. Each job is leased while it runs and replaces its own row when done; one failing
    /// does not stop the others. Whatever happened, the table is then made whole again from what
    /// the object stores (a token to refresh, attempts to resolve).
    async fn alarm(&self) -> Result<Response> {
        self.ensure_schema()?;
        let now_ms = clock::now_ms();
        let due = jobs::lease_due(&self.state, now_ms, now_ms + FAILED_JOB_RETRY_MS)?;
        for job in due {
            let ran = match job {
                Job::TokenRefresh => self.refresh_if_due().await,
                Job::ResolveAttempts => self.resolve_due_attempts().await,
            };
            if let Err(err) = ran {
                // Its lease stands: it runs again in `FAILED_JOB_RETRY_MS`.
                console_error!("job {} failed: {err}", job.name());
            }
        }
        self.ensure_jobs().await?;
        jobs::arm(&self.state).await?;
        Response::ok("")
    }
}

/// `span` widened by `buffers`' reach on both sides: every meeting that can conflict with it.
fn widened(span: Span, buffers: Buffers) -> Span {
    Span {
        start_ms: span.start_ms - buffers.reach_ms(),
        end_ms: span.end_ms + buffers.reach_ms(),
    }
}

/// A job whose run failed (storage, configuration) or died runs again this much later.
const FAILED_JOB_RETRY_MS: i64 = 30_000;

/// Create/Update requests a host made on a UTC day.
fn quota_key(day: &str, host: &HostUser) -> String {
    format!("quota:{day}:{host}")
}

/// Set when Zoom said `host` spent its allowance on a UTC day (`spend_day`): nothing is given
/// back to that day's count (`give_back::host_count_after_give_back`).
fn spent_by_zoom_key(day: &str, host: &HostUser) -> String {
    format!("quota_spent_by_zoom:{day}:{host}")
}

/// The given-back count of `host`'s Create/Update allowance (operator status).
fn given_back_host_kind(host: &HostUser) -> String {
    format!("create_update:{host}")
}

impl ZoomCoordinator {
    /// Every job the stored state needs has a row: a stored token its refresh (objects armed
    /// before the jobs table existed had only an alarm), pending attempts their resolution. A
    /// row that is there keeps its time (a job may have set a retry on purpose); nothing is
    /// made due sooner than a second from now, so a job that keeps failing cannot spin.
    async fn ensure_jobs(&self) -> Result<()> {
        let soonest = clock::now_ms() + 1_000;
        if let Some(token) = self.load_current().await {
            let due = token.refresh_due_ms().max(soonest);
            jobs::schedule_if_absent(&self.state, Job::TokenRefresh, due).await?;
        }
        if let Some(due) = self.next_attempt_due()? {
            jobs::schedule_if_absent(&self.state, Job::ResolveAttempts, due.max(soonest)).await?;
        }
        Ok(())
    }

    /// Reads one message, has its handler answer it, and sends the answer back as JSON.
    async fn answer<M: Message>(&self, body: &str) -> Result<Response>
    where
        Self: Handle<M>,
    {
        let message: M = serde_json::from_str(body)?;
        let answer = self.handle(message).await?;
        Response::from_json(&answer)
    }

    fn config(&self) -> Result<Config> {
        settings::load(&self.env)
            .map_err(|e| worker::Error::RustError(format!("not configured: {}", e.message())))
    }

    /// Each of `hosts`' Create/Update calls today and meetings conflicting with `span` under
    /// `buffers` (`availability::loads_at`, the rule the availability answer uses), ignoring
    /// the `except` holders (a moving booking's own slots). One range query, widened by the
    /// buffers' reach.
    async fn host_loads(
        &self,
        hosts: &[HostUser],
        span: Span,
        buffers: Buffers,
        now: DateTime<Utc>,
        except: &[&str],
    ) -> Result<Vec<HostLoad>> {
        let calendars = self
            .calendars_with_usage(hosts, widened(span, buffers), now, except)
            .await?;
        Ok(loads_at(span, buffers, &calendars))
    }

    /// `host_calendars` with each host's Create/Update calls today.
    async fn calendars_with_usage(
        &self,
        hosts: &[HostUser],
        window: Span,
        now: DateTime<Utc>,
        except: &[&str],
    ) -> Result<Vec<HostCalendar>> {
        let day = utc_day(now);
        let mut calendars = self.host_calendars(hosts, window, now.timestamp_millis(), except)?;
        for (calendar, host) in calendars.iter_mut().zip(hosts) {
            calendar.used_today = self.quota_used(&day, host).await?;
        }
        Ok(calendars)
    }

    /// Create/Update calls `host` made on `day` (Zoom's daily allowance is per host per UTC day).
    async fn quota_used(&self, day: &str, host: &HostUser) -> Result<u32> {
        let used = self.state.storage().read(&quota_key(day, host)).await?;
        Ok(used.unwrap_or(0))
    }

    /// Zoom said `host` has used its daily allowance, whatever our own count says.
    async fn spend_day(&self, config: &Config, host: &HostUser) -> Result<()> {
        let day = utc_day(clock::now());
        let storage = self.state.storage();
        storage.put(&spent_by_zoom_key(&day, host), true).await?;
        storage
            .put(&quota_key(&day, host), config.daily_create_limit)
            .await
    }

    /// Gives one Create/Update back to `host`'s allowance today: the call it was taken for never
    /// reached Zoom (`domain::booking::give_back`). Counted for the operator status, in total
    /// (`create_update`) and per host.
    async fn give_back_quota(&self, host: &HostUser) -> Result<()> {
        let day = utc_day(clock::now());
        let key = quota_key(&day, host);
        let storage = self.state.storage();
        let used = storage.read::<u32>(&key).await?.unwrap_or(0);
        let spent = storage.read::<bool>(&spent_by_zoom_key(&day, host)).await?;
        let Some(left) = give_back::host_count_after_give_back(used, spent.unwrap_or(false)) else {
            return Ok(());
        };
        storage.put(&key, left).await?;
        self.count_given_back("create_update", 1).await?;
        self.count_given_back(&given_back_host_kind(host), 1).await
    }

    /// Counts one more Create/Update for `host`, which had used `used`.
    async fn take_quota(&self, day: &str, host: &HostUser, used: u32) -> Result<()> {
        self.state
            .storage()
            .put(&quota_key(day, host), used + 1)
            .await
    }
}
