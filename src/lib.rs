//! zoom-booking-edge: a Cloudflare Worker that turns a booking form into a Zoom meeting.
//!
//! The crate is split by what may run where:
//! - [`domain`] is plain Rust (no `worker` import): request validation, Zoom payloads and error
//!   classification, token-cache policy, the public error contract. It is unit-tested natively.
//! - `edge` (wasm32 only) is the thin workers-rs shell: the fetch handler, the `ZoomCoordinator`
//!   Durable Object, KV and outbound `fetch`. It only moves bytes between the runtime and `domain`.

pub mod domain;

#[cfg(target_arch = "wasm32")]
mod edge;

/// Version stamped by `build.rs` (crate version plus the git commit it was built from).
pub const BUILD_VERSION: &str = env!("BUILD_VERSION_STAMP");
