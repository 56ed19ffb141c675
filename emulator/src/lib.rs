//! A loopback emulator of the parts of the Zoom API zoom-booking-edge depends on: S2S OAuth
//! (`multi` and `legacy` token modes), meetings, Zoom's error shapes and rate limits, plus a
//! control surface (`/_emulator/*`) for tests. Used by the end-to-end tests (in-process) and by
//! the local dev run (the `zoom-emulator` binary).

pub mod control;
pub mod http;
pub mod meetings;
pub mod oauth;
mod rng;
pub mod state;
pub mod webhooks;

pub use http::{EmuRequest, Reply};
pub use state::{Settings, TokenMode};

use state::State;
use std::io::Read;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// Largest request body read; bigger bodies are cut (Zoom's own limits are far lower).
const MAX_REQUEST_BYTES: u64 = 4 * 1024 * 1024;

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
        if req.method == "POST" && req.path == "/_emulator/webhooks/deliver" {
            // Planned under the lock, sent without it: the receiver may call back into Zoom.
            let planned = req
                .json()
                .ok_or_else(|| "expected a JSON body".to_owned())
                .and_then(|body| webhooks::plan(&self.lock(), &body));
            return match planned {
                Ok(plan) => Reply::json(200, webhooks::deliver(&plan)),
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
    let server = tiny_http::Server::http(addr).map_err(std::io::Error::other)?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or_else(|| std::io::Error::other("emulator is not on an IP socket"))?;
    let host = addr.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
    let base_url = format!("http://{host}:{port}");
    let emulator = Emulator::new(settings, base_url.clone());
    let serving = emulator.clone();
    thread::spawn(move || {
        for request in server.incoming_requests() {
            let emulator = serving.clone();
            thread::spawn(move || respond(&emulator, request));
        }
    });
    Ok(RunningEmulator {
        emulator,
        base_url,
        port,
    })
}

fn respond(emulator: &Emulator, mut request: tiny_http::Request) {
    let mut req = EmuRequest::new(request.method().as_str(), request.url());
    for header in request.headers() {
        req.headers.insert(
            header.field.as_str().as_str().to_ascii_lowercase(),
            header.value.as_str().to_owned(),
        );
    }
    let mut body = Vec::new();
    let _ = request
        .as_reader()
        .take(MAX_REQUEST_BYTES)
        .read_to_end(&mut body);
    req.body = body;
    let reply = emulator.dispatch(&req);
    let bytes = reply
        .body
        .as_ref()
        .map(|b| b.to_string().into_bytes())
        .unwrap_or_default();
    let mut response = tiny_http::Response::from_data(bytes).with_status_code(reply.status);
    let mut headers = reply.headers.clone();
    if reply.body.is_some() {
        headers.push((
            "Content-Type".into(),
            "application/json;charset=UTF-8".into(),
        ));
    }
    for (name, value) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    }
    let _ = request.respond(response);
}
