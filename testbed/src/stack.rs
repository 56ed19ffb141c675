//! The running processes: the Zoom emulator in-process on a free loopback port, and the built
//! worker under `wrangler dev` in its own process group, started ready and stopped on drop.

use crate::options::StackOptions;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zoom_emulator::{serve, RunningEmulator};

const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// The repository root (this crate lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub struct Stack {
    pub emulator: RunningEmulator,
    pub worker: String,
    /// `wrangler dev`, and what it was started with (to start it again on the same state).
    wrangler: Mutex<Child>,
    args: Vec<String>,
    pub log: PathBuf,
    pub agent: ureq::Agent,
}

impl Stack {
    pub fn start(name: &str, options: StackOptions) -> Stack {
        let root = root();
        assert!(
            root.join("build/index.js").exists()
                && root.join("node_modules/.bin/wrangler").exists(),
            "the worker is not built: run scripts/test.sh or scripts/bench.sh (they install and build first)"
        );
        let emulator = serve(options.emulator, "127.0.0.1:0").expect("emulator starts");
        let port = free_port();
        let state_dir = root.join("target/e2e").join(name);
        let _ = std::fs::remove_dir_all(&state_dir);
        std::fs::create_dir_all(&state_dir).expect("state dir");
        let log = state_dir.join("wrangler.log");
        let mut args: Vec<String> = [
            "dev",
            "--ip",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--inspector-port",
            &free_port().to_string(),
            // Exposes `/__scheduled`, so tests can fire the Cron Trigger.
            "--test-scheduled",
            "--persist-to",
            state_dir.join("state").to_str().unwrap(),
            "--var",
            &format!("ZOOM_API_BASE:{}/v2", emulator.base_url),
            "--var",
            &format!("ZOOM_OAUTH_BASE:{}", emulator.base_url),
            // Used only when a stack turns bot protection on (TURNSTILE_SECRET_KEY).
            "--var",
            &format!(
                "TURNSTILE_VERIFY_URL:{}/turnstile/v0/siteverify",
                emulator.base_url
            ),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (key, value) in &options.vars {
            if let Some(value) = value {
                args.push("--var".into());
                args.push(format!("{key}:{value}"));
            }
        }
        let wrangler = spawn_wrangler(&args, &log);
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .max_idle_connections_per_host(64)
            .build();
        let stack = Stack {
            emulator,
            worker: format!("http://127.0.0.1:{port}"),
            wrangler: Mutex::new(wrangler),
            args,
            log,
            agent,
        };
        stack.wait_ready();
        stack
    }

    /// Kills the worker's runtime outright (every isolate and Durable Object dies mid-step, as
    /// in a crash or an eviction), then starts it again on the same persisted state.
    pub fn crash_and_restart_worker(&self) {
        let mut wrangler = self.wrangler.lock().unwrap();
        stop(&mut wrangler, "-KILL");
        *wrangler = spawn_wrangler(&self.args, &self.log);
        drop(wrangler);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(resp) = self.agent.get(&format!("{}/healthz", self.worker)).call() {
                if resp.status() == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "wrangler dev did not become ready in {READY_TIMEOUT:?}; log:\n{}",
            self.log_tail()
        );
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

/// Starts `wrangler dev` with `args`, appending its output to `log`.
fn spawn_wrangler(args: &[String], log: &PathBuf) -> Child {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log file");
    Command::new(root().join("node_modules/.bin/wrangler"))
        .args(args)
        .current_dir(root())
        .env("WORKER_PREBUILT", "1")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        // Own process group, so stopping the stack stops workerd too.
        .process_group(0)
        .spawn()
        .expect("wrangler starts")
}

/// Stops `wrangler dev` and its workerd: with `signal`, then for good after 10 s.
fn stop(wrangler: &mut Child, signal: &str) {
    let group = format!("-{}", wrangler.id());
    let _ = Command::new("kill").args([signal, "--", &group]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = wrangler.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    let _ = wrangler.wait();
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Ok(wrangler) = self.wrangler.get_mut() {
            stop(wrangler, "-TERM");
        }
    }
}
