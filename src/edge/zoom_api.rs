//! Calls to Zoom's REST API, each behind a coordinator permit, with the one-retry rule for
//! rejected tokens, 429 reporting, and bounded retries of idempotent calls.

use super::{clock, coordinator_client, outbound, tokens};
use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::{PermitRequest, Zoom429Report};
use crate::domain::rate_limits::{
    read_zoom_429, retry_after_secs, too_late_to_send, Category, ZoomBlock,
};
use crate::domain::token_policy::IssuedToken;
use crate::domain::zoom::response::{
    classify, retry_after_seconds, retry_backoff_ms, zoom_error_message, ZoomOutcome,
};
use serde_json::Value;
use std::time::Duration;
use worker::{console_log, console_warn, Delay, Env, Headers, Method, Request, RequestInit};

const UNREACHABLE_RETRY_AFTER_SECS: u32 = 5;
/// New slots asked for when a caller keeps waking too late for its slot.
const MAX_RESCHEDULES: usize = 3;
/// Retries of an idempotent call after a 5xx, a timeout or a connection failure.
const IDEMPOTENT_RETRIES: u32 = 2;

/// A successful (2xx) Zoom answer.
pub struct ZoomReply {
    pub status: u16,
    pub body: String,
}

/// Why a call did not succeed.
#[derive(Debug)]
pub enum CallError {
    /// The request may have reached Zoom but no answer came (timeout, dropped connection):
    /// for a create, the meeting may exist.
    OutcomeUnknown,
    Failed(ApiError),
}

impl From<ApiError> for CallError {
    fn from(err: ApiError) -> Self {
        CallError::Failed(err)
    }
}

impl From<CallError> for ApiError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::OutcomeUnknown => ApiError::ZoomUnavailable {
                retry_after: UNREACHABLE_RETRY_AFTER_SECS,
            },
            CallError::Failed(err) => err,
        }
    }
}

/// One Zoom call: what it is, and whose daily allowance it uses (creates and updates; the
/// allowance itself is taken with the slot, this names the host a daily-limit 429 blocks).
pub struct ZoomCall<'a> {
    pub method: Method,
    pub path: String,
    pub body: Option<&'a Value>,
    pub category: Category,
    pub daily_host: Option<&'a str>,
}

struct RawReply {
    status: u16,
    headers: Headers,
    body: String,
}

pub struct ZoomApi<'a> {
    env: &'a Env,
    config: &'a Config,
}

fn is_idempotent(method: &Method) -> bool {
    matches!(method, Method::Get | Method::Patch | Method::Delete)
}

impl<'a> ZoomApi<'a> {
    pub fn new(env: &'a Env, config: &'a Config) -> Self {
        Self { env, config }
    }

    /// Waits for the call's per-second slot: `granted` if the coordinator already gave one, else
    /// a new permit. A caller that wakes too late for its slot asks for another.
    async fn wait_for_slot(
        &self,
        request: PermitRequest,
        mut granted: Option<i64>,
    ) -> Result<(), ApiError> {
        for _ in 0..MAX_RESCHEDULES {
            let send_at_ms = match granted.take() {
                Some(at) => at,
                None => {
                    coordinator_client::permit(self.env, self.config, &request)
                        .await?
                        .send_at_ms
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

    /// Takes a permit, then sends. Idempotent calls are retried after transient failures.
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

    fn permit_request(&self, call: &ZoomCall<'_>, retry: bool) -> PermitRequest {
        PermitRequest {
            category: call.category,
            retry,
        }
    }

    /// Every request to Zoom goes out in its own per-second slot: the first in `granted` (or a
    /// new permit), each retry in a new one.
    async fn send_in_slots(
        &self,
        call: &ZoomCall<'_>,
        mut granted: Option<i64>,
    ) -> Result<ZoomReply, CallError> {
        let mut attempt = 0;
        loop {
            let slot = self.permit_request(call, attempt > 0);
            match self.send_authenticated(call, slot, granted.take()).await {
                Err(CallError::OutcomeUnknown)
                | Err(CallError::Failed(ApiError::ZoomError { .. }))
                    if is_idempotent(&call.method) && attempt < IDEMPOTENT_RETRIES =>
                {
                    let random = clock::random_128().map(|r| r[0]).unwrap_or(0);
                    let wait = retry_backoff_ms(attempt, random);
                    console_warn!(
                        "zoom {:?} {}: retry {} in {wait} ms",
                        call.method,
                        call.path,
                        attempt + 1
                    );
                    Delay::from(Duration::from_millis(wait)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends with the current token; after a 124 (a stale or re-issued token, which Zoom did not
    /// act on) the coordinator replaces it and the call is sent exactly once more. The token is
    /// in hand before the slot is waited for, so nothing stands between the slot and the send.
    async fn send_authenticated(
        &self,
        call: &ZoomCall<'_>,
        slot: PermitRequest,
        granted: Option<i64>,
    ) -> Result<ZoomReply, CallError> {
        let token = tokens::current(self.env, self.config).await?;
        self.wait_for_slot(slot.clone(), granted).await?;
        let reply = self.send_once(call, &token).await?;
        match self.outcome(call, &reply).await? {
            Some(()) => Ok(reply.into()),
            None => {
                let fresh = tokens::replace_rejected(self.env, self.config, &token).await?;
                let retry_slot = PermitRequest {
                    retry: true,
                    ..slot
                };
                self.wait_for_slot(retry_slot, None).await?;
                let retry = self.send_once(call, &fresh).await?;
                match self.outcome(call, &retry).await? {
                    Some(()) => Ok(retry.into()),
                    None => Err(CallError::Failed(ApiError::ZoomAuthUnavailable {
                        retry_after: UNREACHABLE_RETRY_AFTER_SECS,
                    })),
                }
            }
        }
    }

    /// `Ok(Some(()))` on success, `Ok(None)` for a rejected token, `Err` for every failure.
    async fn outcome(
        &self,
        call: &ZoomCall<'_>,
        reply: &RawReply,
    ) -> Result<Option<()>, CallError> {
        let outcome = classify(reply.status, &reply.body);
        // Method, path and status only: bodies may hold join links and passwords.
        match &outcome {
            ZoomOutcome::Success => {
                console_log!("zoom {:?} {} -> {}", call.method, call.path, reply.status)
            }
            _ => console_warn!(
                "zoom {:?} {} -> {} ({outcome:?})",
                call.method,
                call.path,
                reply.status
            ),
        }
        match outcome {
            ZoomOutcome::Success => Ok(Some(())),
            ZoomOutcome::InvalidToken => Ok(None),
            ZoomOutcome::RateLimited => {
                Err(CallError::Failed(self.rate_limited(call, reply).await))
            }
            ZoomOutcome::Failed(err) => Err(CallError::Failed(err)),
        }
    }

    /// Zoom answered 429 despite the permits (another app on the account, or a stale view of the
    /// day's usage): the coordinator records the block so no one sends until it passes.
    async fn rate_limited(&self, call: &ZoomCall<'_>, reply: &RawReply) -> ApiError {
        let header = |name: &str| reply.headers.get(name).ok().flatten();
        let now = clock::now();
        let block = read_zoom_429(
            header("x-ratelimit-type").as_deref(),
            header("x-ratelimit-category").as_deref(),
            retry_after_seconds(header("retry-after").as_deref(), now),
            &zoom_error_message(&reply.body),
            call.category,
            now,
        );
        let report = Zoom429Report {
            host: call.daily_host.map(str::to_owned),
            block: block.clone(),
        };
        if let Err(err) = coordinator_client::report_429(self.env, self.config, &report).await {
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

    async fn send_once(
        &self,
        call: &ZoomCall<'_>,
        token: &IssuedToken,
    ) -> Result<RawReply, CallError> {
        let headers = Headers::new();
        headers
            .set("authorization", &format!("Bearer {}", token.access_token))
            .map_err(|_| CallError::Failed(ApiError::ZoomAuthRejected))?;
        if call.body.is_some() {
            let _ = headers.set("content-type", "application/json");
        }
        let mut init = RequestInit::new();
        init.with_method(call.method.clone())
            .with_headers(headers)
            .with_body(call.body.map(|b| b.to_string().into()));
        let url = format!("{}{}", self.config.api_base, call.path);
        let request = Request::new_with_init(&url, &init).map_err(|_| CallError::OutcomeUnknown)?;
        let timeout = Duration::from_millis(self.config.zoom_timeout_ms);
        let mut response = outbound::send(request, timeout).await.map_err(|e| {
            console_warn!("zoom {:?} {}: {e:?}", call.method, call.path);
            CallError::OutcomeUnknown
        })?;
        let body = response
            .text()
            .await
            .map_err(|_| CallError::OutcomeUnknown)?;
        Ok(RawReply {
            status: response.status_code(),
            headers: response.headers().clone(),
            body,
        })
    }
}

impl From<RawReply> for ZoomReply {
    fn from(raw: RawReply) -> Self {
        Self {
            status: raw.status,
            body: raw.body,
        }
    }
}
