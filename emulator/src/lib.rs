//! A loopback emulator of the parts of the Zoom API zoom-booking-edge depends on: S2S OAuth
//! (`multi` and `legacy` token modes), meetings, Zoom's error shapes and rate limits, plus a
//! control surface (`/_emulator/*`) for tests. Used by the end-to-end tests (in-process) and by
//! the local dev run (the `zoom-emulator` binary).

mod clock;
pub mod control;
pub mod http;
pub mod meetings;
pub mod oauth;
mod rng;
mod server;
pub mod state;
pub mod turnstile;
pub mod webhooks;

pub use http::{EmuRequest, Reply};
pub use state::{Settings, TokenMode};

use state::State;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// Largest request body read; bigger bodies are cut (Zoom's own limits are far lower).
pub(crate) const MAX_REQUEST_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct Emulator {
    state: Arc<Mutex<State>>,
}

impl Emulator {
    pub fn new(settings: Settings, base_url: String) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::new(settings, base_url))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in one request must not wedge the emulator for the rest of a test run.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers one request. Injected latency is slept outside the lock, so concurrent calls
    /// overlap the way they would at Zoom.
    pub fn dispatch(&self, req: &EmuRequest) -> Reply {
        meetings::run_deferred(&mut self.lock());
        if req.method == "POST" && req.path == "/_emulator/webhooks/deliver" {
            // Planned under the lock, sent without it: the receiver may call back into Zoom.
            let planned = req
                .json()
                .ok_or_else(|| "expected a JSON body".to_owned())
                .and_then(|body| webhooks::plan(&self.lock(), &body));
            return match planned {
                Ok(plan) => Reply::json(200, webhooks::deliver_and_follow_up(&self.state, plan)),
                Err(message) => Reply::json(400, serde_json::json!({ "error": message })),
            };
        }
        if let Some(rest) = req.path.strip_prefix("/_emulator") {
            return control::handle(&mut self.lock(), req, rest);
        }
        let latency = self.lock().latency_ms;
        if latency > 0 {
            thread::sleep(Duration::from_millis(latency));
        }
        let mut state = self.lock();
        if req.path == "/oauth/token" {
            oauth::issue_token(&mut state, req)
        } else if req.path == "/turnstile/v0/siteverify" {
            turnstile::siteverify(&mut state, req)
        } else if let Some(rest) = req.path.strip_prefix("/v2") {
            meetings::handle(&mut state, req, rest)
        } else {
            Reply::zoom_error(404, 300, "The requested API does not exist.")
        }
    }
}

pub struct RunningEmulator {
    pub emulator: Emulator,
    pub base_url: String,
    pub port: u16,
}

/// Serves the emulator on `addr` (e.g. `127.0.0.1:0` for a free port) from a background thread.
pub fn serve(settings: Settings, addr: &str) -> std::io::Result<RunningEmulator> {
    let listener = std::net::TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let base_url = format!("http://{}:{}", local.ip(), local.port());
    let emulator = Emulator::new(settings, base_url.clone());
    let serving = emulator.clone();
    thread::spawn(move || server::serve_forever(listener, move |req| serving.dispatch(req)));
    Ok(RunningEmulator {
        emulator,
        base_url,
        port: local.port(),
    })
}
