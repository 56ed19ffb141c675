//! Pure product logic: no `worker` import, no clock, no randomness. Time and random bytes are
//! passed in by the caller so every rule here is deterministic under `cargo test`.

pub mod api_error;
pub mod availability;
pub mod booking;
pub mod config;
pub mod coordinator;
pub mod cors;
pub mod event_types;
pub mod openapi;
pub mod operator;
pub mod page;
pub mod rate_limits;
pub mod routes;
pub mod secret;
pub mod time_zone;
pub mod token_policy;
pub mod turnstile;
pub mod webhook;
pub mod wire_time;
pub mod zoom;
