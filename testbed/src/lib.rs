//! Runs the real stack locally: the Zoom emulator (in-process, on a free loopback port) and the
//! built worker under `wrangler dev` (workerd with local KV and SQLite Durable Objects), then
//! talks to both over real HTTP. Used by the end-to-end tests and the benchmark.
//!
//! - `options`: what a stack starts with (credentials, emulator settings, worker vars);
//! - `stack`: starting, waiting for and stopping the processes;
//! - `split`: the coordinator in its own `wrangler dev` session, to stop and start in a test;
//! - `worker_calls`, `emulator_calls`: the calls the scenarios make on each side;
//! - `http`: one exchange, read whatever its status;
//! - `fixtures`, `concurrency`: booking data and load from many threads.

mod concurrency;
mod emulator_calls;
mod fixtures;
mod http;
mod options;
mod split;
mod stack;
mod worker_calls;

pub use concurrency::run_concurrently;
pub use fixtures::{future_utc, merged, unique_email};
pub use http::{send, send_with, Answer};
pub use options::{
    StackOptions, ACCOUNT_ID, ADMIN_TOKEN, BOOKING_SIGNING_KEY, CLIENT_ID, CLIENT_SECRET,
    WEBHOOK_SECRET, WEBHOOK_SECRET_PREVIOUS,
};
pub use stack::{root, CoordinatorFrozen, CoordinatorStopped, Stack};
