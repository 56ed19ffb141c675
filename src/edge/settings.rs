//! Reads [`Config`] from wrangler vars and secrets.

use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use worker::Env;

/// A setting may be a var (`[vars]`, `--var`) or a secret (`wrangler secret put`).
pub fn load(env: &Env) -> Result<Config, ApiError> {
    Config::from_lookup(|name| {
        env.secret(name)
            .map(|s| s.to_string())
            .or_else(|_| env.var(name).map(|v| v.to_string()))
            .ok()
    })
    .map_err(|problems| ApiError::NotConfigured { problems })
}
