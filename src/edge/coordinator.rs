//! `ZoomCoordinator`: the Durable Object (one per Zoom account) that is the single writer of the
//! account's token and booking ledger.
//!
//! Token refresh is single-flight: however many requests need a new token at once, one token
//! request is in flight and they all await its result. A Durable Object delivers new requests
//! while an earlier one awaits `fetch`, so without this a cold burst would issue N tokens (and,
//! on accounts where a new token invalidates the previous one, break N-1 of them).

use super::{clock, settings, tokens, zoom_oauth};
use crate::domain::booking::BookingRecord;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::{
    booking_path, PermitAnswer, PermitDenied, PermitGrant, PermitRequest, TokenGrant,
    TokenGrantError, TokenRequest, Zoom429Report, BOOKINGS_PREFIX, PERMIT_PATH, STATUS_PATH,
    TOKEN_PATH, WEBHOOK_EVENTS_PATH, ZOOM_429_PATH,
};
use crate::domain::rate_limits::{
    choose_host, seconds_until_utc_midnight, utc_day, Category, PermitSchedule, ZoomBlock,
};
use crate::domain::token_policy::{decide, IssuedToken, TokenDecision};
use crate::domain::webhook::effects;
use crate::domain::webhook::event::MeetingEvent;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use worker::{
    console_error, console_warn, durable_object, DurableObject, Env, Method, Request, Response,
    Result, State,
};

const TOKEN_KEY: &str = "token";
/// Webhook deliveries are remembered this long; Zoom's last retry comes after ~85 minutes, and
/// the promise to operators is at least 24 hours.
const DELIVERY_MEMORY_SECS: i64 = 48 * 3600;
/// Longest a caller is asked to wait for a per-second permit before it is told to come back
/// later (503 with Retry-After) instead of queueing.
const MAX_PERMIT_WAIT_MS: i64 = 5_000;
const ZOOM_429_COUNT_KEY: &str = "stats:zoom_429";
const RETRY_COUNT_KEY: &str = "stats:retries";
/// After a failed refresh the alarm tries again this much later.
const REFRESH_RETRY_MS: i64 = 30_000;

type RefreshFlight = Shared<LocalBoxFuture<'static, TokenGrant>>;

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
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        match (req.method(), path.as_str()) {
            (Method::Post, TOKEN_PATH) => {
                let ask: TokenRequest = req.json().await.unwrap_or_default();
                let grant = self.grant(ask.rejected_token.as_deref()).await;
                Response::from_json(&grant)
            }
            (Method::Put, p) if p.starts_with(BOOKINGS_PREFIX) => {
                let record: BookingRecord = req.json().await?;
                if p != booking_path(&record.booking_id) {
                    return Response::error("booking id does not match path", 400);
                }
                // Record and meeting index in one write, so neither exists without the other.
                let entries = json!({
                    ledger_key(&record.booking_id): &record,
                    meeting_key(record.meeting.id): &record.booking_id,
                });
                self.state
                    .storage()
                    .put_multiple_raw(plain_object(&entries)?)
                    .await?;
                Ok(Response::empty()?.with_status(204))
            }
            (Method::Get, p) if p.starts_with(BOOKINGS_PREFIX) => {
                let id = &p[BOOKINGS_PREFIX.len()..];
                match self
                    .state
                    .storage()
                    .get::<BookingRecord>(&ledger_key(id))
                    .await?
                {
                    Some(record) => Response::from_json(&record),
                    None => Response::error("no such booking", 404),
                }
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
        let due = self
            .load_current()
            .await
            .is_some_and(|t| clock::now_ms() >= t.refresh_due_ms());
        if due && self.refresh().await.is_err() {
            // An i64 alarm time is an offset from now.
            self.state.storage().set_alarm(REFRESH_RETRY_MS).await?;
        }
        Response::ok("")
    }
}

fn ledger_key(booking_id: &str) -> String {
    format!("booking:{booking_id}")
}

/// A plain JS object (serde-wasm-bindgen would make a JS `Map`, which storage ignores).
fn plain_object(value: &serde_json::Value) -> Result<js_sys::Object> {
    js_sys::JSON::parse(&value.to_string())
        .map(Into::into)
        .map_err(|_| worker::Error::RustError("entries are not a JSON object".into()))
}

/// Create/update requests a host made on a UTC day.
fn quota_key(day: &str, host: &str) -> String {
    format!("quota:{day}:{host}")
}

fn whole_seconds(ms: i64) -> u32 {
    ((ms + 999) / 1000).clamp(1, 86_400) as u32
}

fn meeting_key(meeting_id: u64) -> String {
    format!("meeting:{meeting_id}")
}

impl ZoomCoordinator {
    fn config(&self) -> Result<Config> {
        settings::load(&self.env)
            .map_err(|e| worker::Error::RustError(format!("not configured: {}", e.message())))
    }

    /// Grants one Zoom call: never more per second than the account's budget allows, never a
    /// create/update beyond a host's daily allowance, never while Zoom has us blocked.
    async fn permit(&self, ask: &PermitRequest) -> Result<PermitAnswer> {
        let config = self.config()?;
        let storage = self.state.storage();
        if ask.retry {
            let retries = storage.get::<u64>(RETRY_COUNT_KEY).await?.unwrap_or(0);
            storage.put(RETRY_COUNT_KEY, retries + 1).await?;
        }
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        let blocked_until = self
            .blocked_until
            .borrow()
            .get(&ask.category)
            .copied()
            .unwrap_or(0);
        let earliest = now_ms.max(blocked_until);
        if earliest - now_ms > MAX_PERMIT_WAIT_MS {
            return Ok(Err(PermitDenied::RateLimited {
                retry_after: whole_seconds(earliest - now_ms),
            }));
        }
        // Daily allowance: read every candidate host's usage (storage reads hold other
        // events back, so the choice and the increment below see one consistent state).
        let day = utc_day(now);
        let mut chosen = None;
        if ask.daily {
            let hosts = ask
                .host
                .clone()
                .map_or_else(|| config.host_users.clone(), |h| vec![h]);
            let mut used = Vec::with_capacity(hosts.len());
            for host in &hosts {
                used.push(
                    storage
                        .get::<u32>(&quota_key(&day, host))
                        .await?
                        .unwrap_or(0),
                );
            }
            let Some(i) = choose_host(&used, config.daily_create_limit, self.host_cursor.get())
            else {
                return Ok(Err(PermitDenied::DailyQuotaExhausted {
                    retry_after: seconds_until_utc_midnight(now),
                }));
            };
            chosen = Some((hosts[i].clone(), used[i], i));
        }
        let limit = config.rate_limits.per_second(ask.category);
        let max_wait = MAX_PERMIT_WAIT_MS - (earliest - now_ms);
        let Some(send_at) =
            self.schedule
                .borrow_mut()
                .reserve(ask.category, limit, earliest, max_wait)
        else {
            return Ok(Err(PermitDenied::RateLimited {
                retry_after: whole_seconds(crate::domain::rate_limits::WINDOW_MS),
            }));
        };
        let host = match chosen {
            Some((host, used, index)) => {
                self.host_cursor.set(index + 1);
                storage.put(&quota_key(&day, &host), used + 1).await?;
                Some(host)
            }
            None => None,
        };
        Ok(Ok(PermitGrant {
            host,
            wait_ms: send_at - now_ms,
        }))
    }

    /// Zoom answered 429 anyway: stop sending what it blocked until the block passes.
    async fn record_429(&self, report: &Zoom429Report) -> Result<()> {
        let storage = self.state.storage();
        let count = storage.get::<u64>(ZOOM_429_COUNT_KEY).await?.unwrap_or(0);
        storage.put(ZOOM_429_COUNT_KEY, count + 1).await?;
        match &report.block {
            ZoomBlock::PerSecond { category, until_ms } => {
                let mut blocks = self.blocked_until.borrow_mut();
                let until = blocks.entry(*category).or_insert(0);
                *until = (*until).max(*until_ms);
            }
            // The host's allowance is spent for the day, whatever our own count said.
            ZoomBlock::Daily { .. } => {
                if let Some(host) = &report.host {
                    let config = self.config()?;
                    let key = quota_key(&utc_day(clock::now()), host);
                    storage.put(&key, config.daily_create_limit).await?;
                }
            }
        }
        Ok(())
    }

    /// Operator view: today's usage per host, blocks in force, token age (never the token).
    async fn status(&self) -> Result<serde_json::Value> {
        let config = self.config()?;
        let storage = self.state.storage();
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        let day = utc_day(now);
        let mut hosts = Vec::new();
        for host in &config.host_users {
            let used = storage
                .get::<u32>(&quota_key(&day, host))
                .await?
                .unwrap_or(0);
            hosts.push(json!({
                "host": host,
                "create_update_used_today": used,
                "daily_limit": config.daily_create_limit,
                "daily_quota_exhausted": used >= config.daily_create_limit,
            }));
        }
        let blocks: Vec<_> = self
            .blocked_until
            .borrow()
            .iter()
            .filter(|(_, until)| **until > now_ms)
            .map(|(category, until)| json!({"category": category, "seconds_left": whole_seconds(until - now_ms)}))
            .collect();
        let token = self.load_current().await.map(|t| {
            json!({
                "age_seconds": (now_ms - t.issued_at_ms) / 1000,
                "expires_in_seconds": (t.expires_at_ms - now_ms) / 1000,
            })
        });
        let zoom_429s = storage.get::<u64>(ZOOM_429_COUNT_KEY).await?.unwrap_or(0);
        let retries = storage.get::<u64>(RETRY_COUNT_KEY).await?.unwrap_or(0);
        Ok(json!({
            "utc_day": day,
            "seconds_until_quota_reset": seconds_until_utc_midnight(now),
            "hosts": hosts,
            "blocks": blocks,
            "token": token,
            "zoom_429s": zoom_429s,
            "retries": retries,
            "per_second_limits": {
                "light": config.rate_limits.per_second(Category::Light),
                "medium": config.rate_limits.per_second(Category::Medium),
                "heavy": config.rate_limits.per_second(Category::Heavy),
            },
        }))
    }

    /// Applies a webhook event to the booking of its meeting, once per delivery identity.
    /// Events for meetings this service did not book are ignored.
    async fn apply_event(&self, event: &MeetingEvent) -> Result<()> {
        let storage = self.state.storage();
        let Some(meeting_id) = event.meeting_id else {
            return Ok(());
        };
        let Some(booking_id) = storage.get::<String>(&meeting_key(meeting_id)).await? else {
            return Ok(());
        };
        let key = ledger_key(&booking_id);
        let Some(mut record) = storage.get::<BookingRecord>(&key).await? else {
            return Ok(());
        };
        // From here to the write there is no await: the dedupe mark and the effect are
        // committed together, and no other event for this booking can interleave.
        if self.first_delivery(&event.dedupe_key())? {
            effects::apply(&mut record, event);
            record.webhook_events.applied += 1;
        } else {
            record.webhook_events.duplicates_ignored += 1;
        }
        storage.put(&key, &record).await
    }

    /// Remembers a delivery identity; false if it was seen before (a Zoom redelivery).
    fn first_delivery(&self, dedupe_key: &str) -> Result<bool> {
        let sql = self.state.storage().sql();
        let now = clock::now_ms().div_euclid(1000);
        sql.exec(
            "CREATE TABLE IF NOT EXISTS webhook_deliveries \
             (key TEXT PRIMARY KEY, seen_at INTEGER NOT NULL)",
            None,
        )?;
        sql.exec(
            "CREATE INDEX IF NOT EXISTS webhook_deliveries_seen_at ON webhook_deliveries (seen_at)",
            None,
        )?;
        let inserted: Vec<serde_json::Value> = sql
            .exec(
                "INSERT INTO webhook_deliveries (key, seen_at) VALUES (?, ?) \
                 ON CONFLICT (key) DO NOTHING RETURNING key",
                vec![dedupe_key.into(), now.into()],
            )?
            .to_array()?;
        sql.exec(
            "DELETE FROM webhook_deliveries WHERE seen_at < ?",
            vec![(now - DELIVERY_MEMORY_SECS).into()],
        )?;
        Ok(!inserted.is_empty())
    }

    async fn load_current(&self) -> Option<IssuedToken> {
        if !self.loaded.get() {
            match self.state.storage().get::<IssuedToken>(TOKEN_KEY).await {
                Ok(stored) => {
                    let mut current = self.current.borrow_mut();
                    // A refresh may have finished while storage was read; keep the newer token.
                    if current.is_none() {
                        *current = stored;
                    }
                    self.loaded.set(true);
                }
                Err(err) => console_error!("token storage read failed: {err}"),
            }
        }
        self.current.borrow().clone()
    }

    async fn grant(&self, rejected: Option<&str>) -> TokenGrant {
        let current = self.load_current().await;
        match decide(current.as_ref(), rejected, clock::now_ms()) {
            TokenDecision::Use(token) => Ok(token),
            TokenDecision::Refresh => self.refresh().await,
        }
    }

    /// Joins the refresh under way, or starts one.
    async fn refresh(&self) -> TokenGrant {
        let flight = self
            .flight
            .borrow_mut()
            .get_or_insert_with(|| self.start_refresh())
            .clone();
        flight.await
    }

    fn start_refresh(&self) -> RefreshFlight {
        let state = Rc::clone(&self.state);
        let env = self.env.clone();
        let current = Rc::clone(&self.current);
        let flight = Rc::clone(&self.flight);
        async move {
            let grant = issue_and_store(&state, &env).await;
            if let Ok(token) = &grant {
                *current.borrow_mut() = Some(token.clone());
            }
            // Done: the next caller that needs a token decides afresh against `current`.
            flight.borrow_mut().take();
            grant
        }
        .boxed_local()
        .shared()
    }
}

/// Issues a token, stores it durably, publishes it to KV and schedules the next refresh.
async fn issue_and_store(state: &State, env: &Env) -> TokenGrant {
    let config = settings::load(env).map_err(|_| TokenGrantError::Unavailable)?;
    let token = zoom_oauth::issue_token(&config).await?;
    let storage = state.storage();
    if let Err(err) = storage.put(TOKEN_KEY, &token).await {
        console_error!("token storage write failed: {err}");
    }
    let due = chrono::DateTime::from_timestamp_millis(token.refresh_due_ms()).unwrap_or_default();
    if let Err(err) = storage.set_alarm(due).await {
        console_warn!("refresh alarm could not be set: {err}");
    }
    tokens::publish(env, &config, &token).await;
    Ok(token)
}
