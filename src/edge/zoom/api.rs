//! Calls to Zoom's REST API, each behind a coordinator permit. The retry policy (a rejected
//! token, 5xx, no answer) is `domain::zoom::retry`; this file executes its steps and reports
//! 429s to the coordinator.

use crate::domain::api_error::ApiError;
use crate::domain::booking::BookingId;
use crate::domain::config::Config;
use crate::domain::coordinator::{PermitRequest, Zoom429Report};
use crate::domain::rate_limits::{
    read_zoom_429, retry_after_secs, too_late_to_send, Category, Zoom429, ZoomBlock,
};
use crate::domain::token_policy::IssuedToken;
use crate::domain::zoom::api::{classify, retry_after_seconds, zoom_error_message, ZoomOutcome};
pub use crate::domain::zoom::retry::CallError;
use crate::domain::zoom::retry::{Retries, Sent, Step};
use crate::domain::zoom::HostUser;
use crate::edge::coordinator::Coordinator;
use crate::edge::{clock, outbound, tokens};
use serde_json::Value;
use std::time::Duration;
use worker::{console_log, console_warn, Delay, Env, Headers, Method};

/// New slots asked for when a caller keeps waking too late for its slot.
const MAX_RESCHEDULES: usize = 3;

/// A successful (2xx) Zoom answer.
pub struct ZoomReply {
    pub status: u16,
    pub body: String,
}

/// One Zoom call: what it is, and whose daily allowance it uses (creates and updates; the
/// allowance itself is taken with the slot, this names the host a daily-limit 429 blocks).
pub struct ZoomCall<'a> {
    pub method: Method,
    pub path: String,
    pub body: Option<&'a Value>,
    pub category: Category,
    pub daily_host: Option<&'a HostUser>,
    /// Nothing is sent at or after this time (epoch ms): the call then fails, not sent, with
    /// `booking_abandoned` (only a booking's create has one).
    pub send_before_ms: Option<i64>,
    /// The owner's read of this booking's invitation: its first permit counts against
    /// `OWNER_READ_LIMIT_PER_BOOKING` (`booking::owner_limits`).
    pub owner_read: Option<&'a BookingId>,
}

pub struct ZoomApi<'a> {
    env: &'a Env,
    config: &'a Config,
    coordinator: &'a Coordinator,
}

fn is_idempotent(method: &Method) -> bool {
    matches!(method, Method::Get | Method::Patch | Method::Delete)
}

impl<'a> ZoomApi<'a> {
    pub fn new(env: &'a Env, config: &'a Config, coordinator: &'a Coordinator) -> Self {
        Self {
            env,
            config,
            coordinator,
        }
    }

    /// Waits for the call's per-second slot: `granted` if the coordinator already gave one, else
    /// a new permit. A caller that wakes too late for its slot asks for another.
    async fn wait_for_slot(
        &self,
        mut request: PermitRequest,
        mut granted: Option<i64>,
    ) -> Result<(), ApiError> {
        for _ in 0..MAX_RESCHEDULES {
            let send_at_ms = match granted.take() {
                Some(at) => at,
                None => {
                    let send_at_ms = self.coordinator.send(&request).await??.send_at_ms;
                    // The read is counted once, with its first permit.
                    request.owner_read = None;
                    send_at_ms
                }
            };
            let wait = send_at_ms - clock::now_ms();
            if wait > 0 {
                Delay::from(Duration::from_millis(wait as u64)).await;
            }
            if !too_late_to_send(send_at_ms, clock::now_ms()) {
                return Ok(());
            }
        }
        Err(ApiError::ZoomRateLimited { retry_after: 1 })
    }

    /// Takes a permit, then sends, retrying as `domain::zoom::retry` decides.
    pub async fn send(&self, call: &ZoomCall<'_>) -> Result<ZoomReply, CallError> {
        self.send_in_slots(call, None).await
    }

    /// Sends in a slot the coordinator granted with another decision (a booking's reservation).
    pub async fn send_at(
        &self,
        call: &ZoomCall<'_>,
        send_at_ms: i64,
    ) -> Result<ZoomReply, CallError> {
        self.send_in_slots(call, Some(send_at_ms)).await
    }

    /// Every request to Zoom goes out in its own per-second slot: the first in `granted` (or a
    /// new permit), each resend in a new one. The token is in hand before the slot is waited
    /// for, so nothing stands between the slot and the send. A call that stops before its first
    /// send fails `NotSent`: Zoom never received it.
    async fn send_in_slots(
        &self,
        call: &ZoomCall<'_>,
        mut granted: Option<i64>,
    ) -> Result<ZoomReply, CallError> {
        let mut retries = Retries::default();
        let mut sent_before = false;
        let stopped = |err: ApiError, sent_before: bool| CallError::before_send(err, sent_before);
        let mut token = tokens::current(self.env, self.config, self.coordinator)
            .await
            .map_err(|e| stopped(e, sent_before))?;
        loop {
            let permit = PermitRequest {
                category: call.category,
                retry: retries.is_resend(),
                owner_read: call.owner_read.filter(|_| !sent_before).cloned(),
            };
            self.wait_for_slot(permit, granted.take())
                .await
                .map_err(|e| stopped(e, sent_before))?;
            if call
                .send_before_ms
                .is_some_and(|deadline| clock::now_ms() >= deadline)
            {
                console_warn!("zoom {:?} {}: too late to send", call.method, call.path);
                return Err(stopped(ApiError::BookingAbandoned, sent_before));
            }
            sent_before = true;
            let (sent, reply) = match self.send_once(call, &token).await {
                Ok(reply) => (Sent::Succeeded, Some(reply)),
                Err(sent) => (sent, None),
            };
            let random = || clock::random_128().map(|r| r[0]).unwrap_or(0);
            let step = retries.next_step(is_idempotent(&call.method), sent, random);
            retries = retries.after(&step);
            match step {
                Step::Done => return reply.ok_or(CallError::OutcomeUnknown),
                Step::ReplaceTokenAndResend => {
                    token = tokens::replace_rejected(self.coordinator, self.config, &token).await?;
                }
                Step::BackOffAndResend { wait_ms } => {
                    console_warn!(
                        "zoom {:?} {}: retry in {wait_ms} ms",
                        call.method,
                        call.path
                    );
                    Delay::from(Duration::from_millis(wait_ms)).await;
                    token = tokens::current(self.env, self.config, self.coordinator).await?;
                }
                Step::GiveUp(err) => return Err(err),
            }
        }
    }

    /// Sends once and reads the answer: the reply on success, else what the send came to.
    async fn send_once(&self, call: &ZoomCall<'_>, token: &IssuedToken) -> Result<ZoomReply, Sent> {
        let raw = self.exchange(call, token).await?;
        let outcome = classify(raw.status, &raw.body);
        // Method, path and status only: bodies may hold join links and passwords.
        match &outcome {
            ZoomOutcome::Success => {
                console_log!("zoom {:?} {} -> {}", call.method, call.path, raw.status)
            }
            _ => console_warn!(
                "zoom {:?} {} -> {} ({outcome:?})",
                call.method,
                call.path,
                raw.status
            ),
        }
        match outcome {
            ZoomOutcome::Success => Ok(ZoomReply {
                status: raw.status,
                body: raw.body,
            }),
            ZoomOutcome::InvalidToken => Err(Sent::TokenRejected),
            ZoomOutcome::RateLimited => Err(Sent::Failed(self.rate_limited(call, &raw).await)),
            ZoomOutcome::Failed(err) => Err(Sent::Failed(err)),
        }
    }

    /// Zoom answered 429 despite the permits (another app on the account, or a stale view of the
    /// day's usage): the coordinator records the block so no one sends until it passes.
    async fn rate_limited(&self, call: &ZoomCall<'_>, reply: &RawReply) -> ApiError {
        let header = |name: &str| reply.headers.get(name).ok().flatten();
        let now = clock::now();
        let retry_after = header("retry-after");
        let limit_type = header("x-ratelimit-type");
        let limit_category = header("x-ratelimit-category");
        let message = zoom_error_message(&reply.body);
        let answer = Zoom429 {
            limit_type: limit_type.as_deref(),
            limit_category: limit_category.as_deref(),
            retry_after_secs: retry_after_seconds(retry_after.as_deref(), now),
            message: &message,
        };
        let block = read_zoom_429(&answer, call.category, call.daily_host.is_some(), now);
        let report = Zoom429Report {
            host: call.daily_host.cloned(),
            block: block.clone(),
        };
        if let Err(err) = self.coordinator.send(&report).await {
            console_warn!("429 could not be recorded: {err:?}");
        }
        let seconds_until = |until_ms: i64| retry_after_secs(until_ms - now.timestamp_millis());
        match block {
            ZoomBlock::Daily { until_ms } => ApiError::DailyQuotaExhausted {
                retry_after: seconds_until(until_ms),
            },
            ZoomBlock::PerSecond { until_ms, .. } => ApiError::ZoomRateLimited {
                retry_after: seconds_until(until_ms),
            },
        }
    }

    /// One HTTP exchange with Zoom under `token`, bounded by `ZOOM_TIMEOUT_MS`.
    async fn exchange(&self, call: &ZoomCall<'_>, token: &IssuedToken) -> Result<RawReply, Sent> {
        let headers = Headers::new();
        headers
            .set(
                "authorization",
                &format!("Bearer {}", token.access_token.expose()),
            )
            .map_err(|_| Sent::Failed(ApiError::ZoomAuthRejected))?;
        if call.body.is_some() {
            let _ = headers.set("content-type", "application/json");
        }
        let url = format!("{}{}", self.config.api_base, call.path);
        let body = call.body.map(|b| b.to_string());
        let request = outbound::request(&url, call.method.clone(), Some(&headers), body)
            .map_err(|_| Sent::NoAnswer)?;
        let timeout = Duration::from_millis(self.config.zoom_timeout_ms);
        let mut response = outbound::send(request, timeout).await.map_err(|e| {
            console_warn!("zoom {:?} {}: {e:?}", call.method, call.path);
            Sent::NoAnswer
        })?;
        let body = response.text().await.map_err(|_| Sent::NoAnswer)?;
        Ok(RawReply {
            status: response.status_code(),
            headers: response.headers().clone(),
            body,
        })
    }
}

struct RawReply {
    status: u16,
    headers: Headers,
    body: String,
}
