//! Token refresh: single-flight, stored durably, published to KV, renewed ahead of expiry.
//!
//! A Durable Object delivers new requests while an earlier one awaits `fetch`, so without the
//! shared flight a cold burst would issue N tokens (and, on accounts where a new token
//! invalidates the previous one, break N-1 of them).

use super::store::Read as _;
use super::{jobs, Handle, ZoomCoordinator};
use crate::domain::coordinator::jobs::Job;
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
    /// The refresh job: refresh when the current token is due (the refresh schedules the next
    /// one), retry soon if that fails; a token not yet due is looked at again when it is.
    pub(super) async fn refresh_if_due(&self) -> Result<()> {
        let now_ms = clock::now_ms();
        let Some(current) = self.load_current().await else {
            // No token yet: the first booking asks for one, and its refresh schedules the next.
            return jobs::done(&self.state, Job::TokenRefresh);
        };
        let due_ms = current.refresh_due_ms();
        if now_ms < due_ms {
            return jobs::schedule(&self.state, Job::TokenRefresh, due_ms).await;
        }
        if self.refresh().await.is_err() {
            let retry_at = now_ms + REFRESH_RETRY_MS;
            jobs::schedule(&self.state, Job::TokenRefresh, retry_at).await?;
        }
        Ok(())
    }

    pub(super) async fn load_current(&self) -> Option<IssuedToken> {
        if !self.loaded.get() {
            match self.state.storage().read::<IssuedToken>(TOKEN_KEY).await {
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
    if let Err(err) = jobs::schedule(state, Job::TokenRefresh, token.refresh_due_ms()).await {
        console_warn!("refresh job could not be scheduled: {err}");
    }
    tokens::publish(env, &config, &token).await;
    Ok(token)
}
