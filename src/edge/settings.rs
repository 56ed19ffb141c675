//! Reads [`Config`] from wrangler vars and secrets.

use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use crate::domain::turnstile::TurnstileConfig;
use crate::domain::webhook::config::WebhookConfig;
use crate::edge::intl_zones::IntlZones;
use worker::Env;

/// A setting may be a var (`[vars]`, `--var`) or a secret (`wrangler secret put`).
fn lookup(env: &Env) -> impl Fn(&str) -> Option<String> + '_ {
    |name| {
        env.secret(name)
            .map(|s| s.to_string())
            .or_else(|_| env.var(name).map(|v| v.to_string()))
            .ok()
    }
}

pub fn load(env: &Env) -> Result<Config, ApiError> {
    Config::from_lookup(lookup(env), &IntlZones)
        .map_err(|problems| ApiError::NotConfigured { problems })
}

/// Bot protection settings; `None` when it is off.
pub fn load_turnstile(env: &Env) -> Option<TurnstileConfig> {
    TurnstileConfig::from_lookup(lookup(env))
}

pub fn load_webhook(env: &Env) -> Result<WebhookConfig, ApiError> {
    WebhookConfig::from_lookup(lookup(env)).map_err(|problems| ApiError::NotConfigured { problems })
}
