//! Reads [`Config`] from wrangler vars and secrets.

use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use crate::domain::event_types::{self, EventTypes};
use crate::domain::turnstile::TurnstileConfig;
use crate::domain::webhook::config::WebhookConfig;
use crate::domain::zoom::HostUser;
use crate::edge::intl_zones::IntlZones;
use std::cell::RefCell;
use std::rc::Rc;
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

thread_local! {
    /// The event types last read, by the text they were read from and the host pool they were
    /// checked against: vars do not change within an isolate, so each is parsed once.
    static TYPES: RefCell<Option<(String, TypesRead)>> = const { RefCell::new(None) };
}

/// The event types, or every problem with them (each naming its path).
pub type TypesRead = Result<Rc<EventTypes>, Vec<String>>;

/// The event types in force (`BOOKING_TYPES`, else the embedded `booking-types.json`, else the
/// implicit type), checked against `config`'s host pool. Cached per isolate.
pub fn read_types(env: &Env, config: &Config) -> TypesRead {
    let var = lookup(env)(event_types::VAR);
    let pool: Vec<&str> = config.host_users.iter().map(HostUser::as_str).collect();
    let key = format!("{}\n{}", pool.join(","), var.as_deref().unwrap_or(""));
    TYPES.with(|cache| {
        if let Some((cached_key, read)) = cache.borrow().as_ref() {
            if *cached_key == key {
                return read.clone();
            }
        }
        let read = EventTypes::resolve(var.as_deref(), event_types::EMBEDDED, &config.host_users)
            .and_then(|mut types| match types.check_zones(&IntlZones) {
                problems if problems.is_empty() => Ok(Rc::new(types)),
                problems => Err(problems),
            });
        *cache.borrow_mut() = Some((key, read.clone()));
        read
    })
}

/// The event types, or `503 not_configured` naming every problem: for the booking routes,
/// `/v1/types` and `/book/*`.
pub fn load_types(env: &Env, config: &Config) -> Result<Rc<EventTypes>, ApiError> {
    read_types(env, config).map_err(|problems| ApiError::NotConfigured { problems })
}

/// The event types for a handler that needs nothing else of the settings (`GET /v1/types`, the
/// `/book/<slug>` page): `503 not_configured` naming every problem, of the settings or of the
/// types. One call: `let types = settings::event_types(env)?;`.
pub fn event_types(env: &Env) -> Result<Rc<EventTypes>, ApiError> {
    load_types(env, &load(env)?)
}
