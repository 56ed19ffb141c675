//! The fetch handler's side of the coordinator protocol: one generic client sends any
//! [`Message`] to the account's Durable Object and reads its typed answer.

use crate::domain::api_error::ApiError;
use crate::domain::coordinator::Message;
use crate::edge::outbound;
use worker::{console_error, console_warn, Env, Method, Stub};

const BINDING: &str = "ZOOM_COORDINATOR";
const COORDINATOR_RETRY_AFTER_SECS: u32 = 2;

fn unavailable(context: &str, err: impl std::fmt::Display) -> ApiError {
    console_error!("coordinator {context} failed: {err}");
    ApiError::CoordinatorUnavailable {
        retry_after: COORDINATOR_RETRY_AFTER_SECS,
    }
}

/// The coordinator of one Zoom account.
pub struct Coordinator {
    stub: Stub,
}

impl Coordinator {
    pub fn of(env: &Env, account_id: &str) -> Result<Self, ApiError> {
        let stub = env
            .durable_object(BINDING)
            .and_then(|ns| ns.get_by_name(account_id))
            .map_err(|e| unavailable("binding", e))?;
        Ok(Self { stub })
    }

    /// Posts `message` to its route and reads the answer. Anything but a readable 2xx (the
    /// object failed, was overloaded or restarted) is `coordinator_unavailable`.
    pub async fn send<M: Message>(&self, message: &M) -> Result<M::Answer, ApiError> {
        let route = M::ROUTE;
        // Protocol types serialize infallibly (plain data, string keys).
        let body = serde_json::to_string(message).map_err(|e| unavailable(route, e))?;
        let url = format!("https://coordinator{route}");
        let request = outbound::request(&url, Method::Post, None, Some(body))
            .map_err(|e| unavailable(route, e))?;
        let mut response = self
            .stub
            .fetch_with_request(request)
            .await
            .map_err(|e| unavailable(route, e))?;
        match response.status_code() {
            200..=299 => {}
            status => return Err(unavailable(route, format!("status {status}"))),
        }
        let text = response.text().await.map_err(|e| unavailable(route, e))?;
        serde_json::from_str(&text).map_err(|e| unavailable(route, e))
    }

    /// Sends a message whose failure the caller can live with (something else finishes the
    /// work: a lease lapsing, the next Cron run): a failure is logged as `what`, not returned.
    pub async fn send_or_log<M: Message>(&self, message: &M, what: &str) {
        if let Err(err) = self.send(message).await {
            console_warn!("{what} ({})", err.code());
        }
    }
}
