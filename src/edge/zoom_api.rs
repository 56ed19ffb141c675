//! Authenticated calls to Zoom's REST API with the one-retry rule for rejected tokens.

use super::{clock, outbound, tokens};
use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use crate::domain::token_policy::IssuedToken;
use crate::domain::zoom::response::{classify, ZoomOutcome};
use serde_json::Value;
use std::time::Duration;
use worker::{console_log, console_warn, Env, Headers, Method, Request, RequestInit};

const API_TIMEOUT: Duration = Duration::from_secs(15);
const UNREACHABLE_RETRY_AFTER_SECS: u32 = 5;

/// A successful (2xx) Zoom answer.
pub struct ZoomReply {
    pub status: u16,
    pub body: String,
}

struct RawReply {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

pub struct ZoomApi<'a> {
    env: &'a Env,
    config: &'a Config,
}

impl<'a> ZoomApi<'a> {
    pub fn new(env: &'a Env, config: &'a Config) -> Self {
        Self { env, config }
    }

    /// Sends `method path` with the current token. If Zoom says the token is invalid (code 124,
    /// e.g. a stale KV copy or a token re-issued elsewhere), the coordinator replaces it and the
    /// call is sent exactly once more: Zoom did not act on a request it refused that way.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ZoomReply, ApiError> {
        let token = tokens::current(self.env, self.config).await?;
        let reply = self.send_once(method.clone(), path, body, &token).await?;
        match self.outcome(&method, path, &reply) {
            ZoomOutcome::Success => Ok(reply.into()),
            ZoomOutcome::Failed(err) => Err(err),
            ZoomOutcome::InvalidToken => {
                let fresh = tokens::replace_rejected(self.env, self.config, &token).await?;
                let retry = self.send_once(method.clone(), path, body, &fresh).await?;
                match self.outcome(&method, path, &retry) {
                    ZoomOutcome::Success => Ok(retry.into()),
                    ZoomOutcome::Failed(err) => Err(err),
                    ZoomOutcome::InvalidToken => Err(ApiError::ZoomAuthUnavailable {
                        retry_after: UNREACHABLE_RETRY_AFTER_SECS,
                    }),
                }
            }
        }
    }

    fn outcome(&self, method: &Method, path: &str, reply: &RawReply) -> ZoomOutcome {
        let outcome = classify(
            reply.status,
            reply.retry_after.as_deref(),
            &reply.body,
            clock::now(),
        );
        // Method, path and status only: bodies may hold join links and passwords.
        match &outcome {
            ZoomOutcome::Success => console_log!("zoom {method:?} {path} -> {}", reply.status),
            _ => console_warn!("zoom {method:?} {path} -> {} ({outcome:?})", reply.status),
        }
        outcome
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: &IssuedToken,
    ) -> Result<RawReply, ApiError> {
        let unreachable = |context: &str| {
            console_warn!("zoom {path}: {context}");
            ApiError::ZoomUnavailable {
                retry_after: UNREACHABLE_RETRY_AFTER_SECS,
            }
        };
        let headers = Headers::new();
        headers
            .set("authorization", &format!("Bearer {}", token.access_token))
            .map_err(|_| unreachable("token is not a valid header value"))?;
        if body.is_some() {
            let _ = headers.set("content-type", "application/json");
        }
        let mut init = RequestInit::new();
        init.with_method(method)
            .with_headers(headers)
            .with_body(body.map(|b| b.to_string().into()));
        let url = format!("{}{}", self.config.api_base, path);
        let request =
            Request::new_with_init(&url, &init).map_err(|_| unreachable("invalid request"))?;
        let mut response = outbound::send(request, API_TIMEOUT)
            .await
            .map_err(|e| unreachable(&format!("{e:?}")))?;
        let retry_after = response.headers().get("retry-after").ok().flatten();
        let body = response
            .text()
            .await
            .map_err(|_| unreachable("body could not be read"))?;
        Ok(RawReply {
            status: response.status_code(),
            retry_after,
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
