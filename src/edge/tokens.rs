//! The read path for Zoom access tokens: isolate memory, then KV, then the coordinator.
//!
//! KV is eventually consistent (a write can take ~60 s to be seen everywhere), so a token read
//! here may already be superseded. That is normal: Zoom answers 401 code 124 and the caller
//! asks the coordinator to replace exactly that token (see `domain::zoom::retry`).

use super::clock;
use super::coordinator::Coordinator;
use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use crate::domain::coordinator::TokenRequest;
use crate::domain::token_policy::IssuedToken;
use std::cell::RefCell;
use worker::{console_warn, Env};

const KV_BINDING: &str = "TOKEN_CACHE";

thread_local! {
    /// (account id, token): an isolate serves many requests, so most never touch KV.
    static ISOLATE_TOKEN: RefCell<Option<(String, IssuedToken)>> = const { RefCell::new(None) };
}

pub fn kv_key(config: &Config) -> String {
    format!("zoom-token:{}", config.credentials.account_id)
}

fn remember(config: &Config, token: &IssuedToken) {
    ISOLATE_TOKEN.with(|slot| {
        *slot.borrow_mut() = Some((config.credentials.account_id.clone(), token.clone()));
    });
}

fn from_isolate(config: &Config, now_ms: i64) -> Option<IssuedToken> {
    ISOLATE_TOKEN.with(|slot| {
        slot.borrow()
            .as_ref()
            .filter(|(account, token)| {
                *account == config.credentials.account_id && token.usable_at(now_ms)
            })
            .map(|(_, token)| token.clone())
    })
}

async fn from_kv(env: &Env, config: &Config, now_ms: i64) -> Option<IssuedToken> {
    let kv = env.kv(KV_BINDING).ok()?;
    // As text read by serde_json, like every other JSON here (`json` reads through
    // serde-wasm-bindgen: a second reader, see `coordinator::store`).
    let read = kv.get(&kv_key(config)).text().await.and_then(|text| {
        text.map(|t| serde_json::from_str::<IssuedToken>(&t))
            .transpose()
            .map_err(worker::kv::KvError::from)
    });
    match read {
        Ok(token) => token.filter(|t| t.usable_at(now_ms)),
        Err(err) => {
            console_warn!("token cache read failed: {err}");
            None
        }
    }
}

/// A token believed valid now.
pub async fn current(
    env: &Env,
    config: &Config,
    coordinator: &Coordinator,
) -> Result<IssuedToken, ApiError> {
    #[cfg(feature = "benchmark")]
    if config.token_strategy == crate::domain::config::TokenStrategy::PerCall {
        return super::zoom::oauth::issue_token(config)
            .await
            .map_err(ApiError::from);
    }
    let now_ms = clock::now_ms();
    if let Some(token) = from_isolate(config, now_ms) {
        return Ok(token);
    }
    let token = match from_kv(env, config, now_ms).await {
        Some(token) => token,
        None => coordinator.send(&TokenRequest::default()).await??,
    };
    remember(config, &token);
    Ok(token)
}

/// A token to use instead of `rejected`, which Zoom just refused with code 124.
pub async fn replace_rejected(
    coordinator: &Coordinator,
    config: &Config,
    rejected: &IssuedToken,
) -> Result<IssuedToken, ApiError> {
    let ask = TokenRequest {
        rejected_token: Some(rejected.access_token.clone()),
    };
    let token = coordinator.send(&ask).await??;
    remember(config, &token);
    Ok(token)
}

/// Publishes a freshly issued token for the read path; called by the coordinator only.
pub async fn publish(env: &Env, config: &Config, token: &IssuedToken) {
    let Some(expiration) = token.kv_expiration_secs(clock::now_ms()) else {
        return;
    };
    let result = match env.kv(KV_BINDING) {
        // As JSON bytes: `put` of a serializable value goes through a generic conversion that
        // also formats floats (core's float printer, 6 KiB compressed) for a case never taken.
        Ok(kv) => match serde_json::to_vec(token)
            .map_err(worker::kv::KvError::from)
            .and_then(|json| kv.put_bytes(&kv_key(config), &json))
        {
            Ok(put) => put
                .expiration(expiration)
                .execute()
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    if let Err(err) = result {
        // Callers fall back to the coordinator, so a failed publish costs latency, not bookings.
        console_warn!("token cache write failed: {err}");
    }
}
