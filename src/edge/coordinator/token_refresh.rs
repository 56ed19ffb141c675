//! Token refresh: single-flight, stored durably, published to KV, renewed ahead of expiry.
//!
//! A Durable Object delivers new requests while an earlier one awaits `fetch`, so without the
//! shared flight a cold burst would issue N tokens (and, on accounts where a new token
//! invalidates the previous one, break N-1 of them).

use super::{Handle, ZoomCoordinator};
use crate::domain::coordinator::{TokenGrant, TokenGrantError, TokenRequest};
use crate::domain::secret::Secret;
use crate::domain::token_policy::{decide, IssuedToken, TokenDecision};
use crate::edge::{clock, settings, tokens, zoom};
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use std::rc::Rc;
use worker::{console_error, console_warn, Env, Result, State};

const TOKEN_KEY: &str = "token";
/// After a failed refresh the alarm tries again this much later.
const REFRESH_RETRY_MS: i64 = 30_000;

pub(super) type RefreshFlight = Shared<LocalBoxFuture<'static, TokenGrant>>;

impl Handle<TokenRequest> for ZoomCoordinator {
    /// The current token, or a replacement for a rejected one that is still current.
    async fn handle(&self, ask: TokenRequest) -> Result<TokenGrant> {
        let current = self.load_current().await;
        let rejected = ask.rejected_token.as_ref().map(Secret::expose);
        Ok(match decide(current.as_ref(), rejected, clock::now_ms()) {
            TokenDecision::Use(token) => Ok(token),
            TokenDecision::Refresh => self.refresh().await,
        })
    }
}

impl ZoomCoordinator {
    /// The alarm's work: refresh when the current token is due, retry soon if that fails.
    pub(super) async fn refresh_if_due(&self) -> Result<()> {
        let due = self
            .load_current()
            .await
            .is_some_and(|t| clock::now_ms() >= t.refresh_due_ms());
        if due && self.refresh().await.is_err() {
            // An i64 alarm time is an offset from now.
            self.state.storage().set_alarm(REFRESH_RETRY_MS).await?;
        }
        Ok(())
    }

    pub(super) async fn load_current(&self) -> Option<IssuedToken> {
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
    let token = zoom::oauth::issue_token(&config).await?;
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
