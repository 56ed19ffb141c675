//! The running processes: the Zoom emulator in-process on a free loopback port, and the built
//! worker under `wrangler dev` in its own process group, started ready and stopped on drop. A
//! stack started with `StackOptions::split_coordinator` runs the coordinator in a second
//! `wrangler dev` session that tests can stop and start again (see `split`).

use crate::options::StackOptions;
use crate::split;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
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

/// One `wrangler dev` process: how to start it (again), and the process while it runs.
struct Session {
    args: Vec<String>,
    envs: Vec<(&'static str, String)>,
    log: PathBuf,
    child: Option<Child>,
}

impl Session {
    fn spawn(&mut self, root: &Path) {
        // Never two processes for one session.
        self.stop();
        // Appended to, so a restarted session's log follows the stopped one's.
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = Command::new(root.join("node_modules/.bin/wrangler"))
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .current_dir(root)
            .env("WORKER_PREBUILT", "1")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            // Own process group, so stopping the session stops workerd too.
            .process_group(0)
            .spawn()
            .expect("wrangler starts");
        self.child = Some(child);
    }

    /// Stops the process group (TERM, then KILL after 10 s) and waits for it.
    fn stop(&mut self) {
        self.signal_and_wait("-TERM");
    }

    /// Kills the process group at once, as a crash would: nothing is shut down cleanly.
    fn kill(&mut self) {
        self.signal_and_wait("-KILL");
    }

    fn signal_and_wait(&mut self, signal: &str) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args([signal, "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = child.wait();
    }
}

/// The coordinator's own session, in a stack started with `split_coordinator`.
struct CoordinatorSession {
    session: Mutex<Session>,
    url: String,
}

pub struct Stack {
    pub emulator: RunningEmulator,
    pub worker: String,
    front: Mutex<Session>,
    coordinator: Option<CoordinatorSession>,
    pub log: PathBuf,
    pub agent: ureq::Agent,
}

fn lock(session: &Mutex<Session>) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(|p| p.into_inner())
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
        // What both sessions of a split stack share: the state and every var.
        let mut common: Vec<String> = [
            "--ip",
            "127.0.0.1",
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
                common.push("--var".into());
                common.push(format!("{key}:{value}"));
            }
        }
        let session_args = |config: Option<&str>, port: u16, extra: &[&str]| {
            let mut args = vec!["dev".to_owned()];
            if let Some(config) = config {
                args.extend(["--config".to_owned(), config.to_owned()]);
            }
            args.extend([
                "--port".to_owned(),
                port.to_string(),
                "--inspector-port".to_owned(),
                free_port().to_string(),
            ]);
            args.extend(extra.iter().map(|s| s.to_string()));
            args.extend(common.iter().cloned());
            args
        };
        // Exposes `/__scheduled`, so tests can fire the Cron Trigger.
        let scheduled = ["--test-scheduled"];
        let (front_args, coordinator, envs) = if options.split_coordinator {
            let (coordinator_config, front_config) = split::write_configs(&root, &state_dir, name);
            let coordinator_port = free_port();
            let envs = vec![(
                "WRANGLER_REGISTRY_PATH",
                state_dir.join("registry").to_str().unwrap().to_owned(),
            )];
            let session = Session {
                args: session_args(Some(&coordinator_config), coordinator_port, &[]),
                envs: envs.clone(),
                log: state_dir.join("coordinator.log"),
                child: None,
            };
            let coordinator = CoordinatorSession {
                session: Mutex::new(session),
                url: format!("http://127.0.0.1:{coordinator_port}"),
            };
            (
                session_args(Some(&front_config), port, &scheduled),
                Some(coordinator),
                envs,
            )
        } else {
            (session_args(None, port, &scheduled), None, Vec::new())
        };
        let front = Session {
            args: front_args,
            envs,
            log: log.clone(),
            child: None,
        };
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .max_idle_connections_per_host(64)
            .build();
        let stack = Stack {
            emulator,
            worker: format!("http://127.0.0.1:{port}"),
            front: Mutex::new(front),
            coordinator,
            log,
            agent,
        };
        if let Some(split) = &stack.coordinator {
            lock(&split.session).spawn(&root);
            stack.wait_healthy(&split.url);
        }
        lock(&stack.front).spawn(&root);
        stack.wait_healthy(&stack.worker);
        if stack.coordinator.is_some() {
            stack.wait_coordinator_reachable();
        }
        stack
    }

    /// Whether `base` answers `/healthz` within `READY_TIMEOUT`.
    fn healthy(&self, base: &str) -> bool {
        let started = Instant::now();
        while started.elapsed() < READY_TIMEOUT {
            if let Ok(resp) = self.agent.get(&format!("{base}/healthz")).call() {
                if resp.status() == 200 {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        false
    }

    fn wait_healthy(&self, base: &str) {
        assert!(
            self.healthy(base),
            "wrangler dev at {base} did not become ready in {READY_TIMEOUT:?}; log:\n{}",
            self.log_tail()
        );
    }

    /// Kills the worker's runtime outright (every isolate and Durable Object dies mid-step, as
    /// in a crash or an eviction), then starts it again on the same persisted state.
    pub fn crash_and_restart_worker(&self) {
        let mut front = lock(&self.front);
        front.kill();
        front.spawn(&root());
        drop(front);
        self.wait_healthy(&self.worker);
    }

    fn split(&self) -> &CoordinatorSession {
        self.coordinator
            .as_ref()
            .expect("a stack started with StackOptions::split_coordinator")
    }

    /// Stops the coordinator's `wrangler dev` session: until the returned guard restarts it
    /// (or is dropped, as when a scenario fails), every call the worker makes to the Durable
    /// Object fails, as when the object is restarting or unreachable.
    pub fn stop_coordinator(&self) -> CoordinatorStopped<'_> {
        lock(&self.split().session).stop();
        CoordinatorStopped { stack: self }
    }

    /// Freezes the coordinator's processes (SIGSTOP): calls to the object are accepted by the
    /// kernel and never answered, a hung coordinator. The guard thaws them (SIGCONT).
    pub fn freeze_coordinator(&self) -> CoordinatorFrozen<'_> {
        assert!(self.signal_coordinator("-STOP"), "the coordinator runs");
        CoordinatorFrozen { stack: self }
    }

    /// Sends `signal` to the coordinator session's process group; false if it does not run.
    /// Never panics: the guards call it while a failed scenario unwinds.
    fn signal_coordinator(&self, signal: &str) -> bool {
        let session = lock(&self.split().session);
        let Some(child) = session.child.as_ref() else {
            return false;
        };
        let group = format!("-{}", child.id());
        let status = Command::new("kill").args([signal, "--", &group]).status();
        status.is_ok_and(|s| s.success())
    }

    /// Starts the coordinator's session (on the persisted state); whether it serves in time.
    /// Never panics, for the same reason.
    fn start_coordinator(&self) -> bool {
        let split = self.split();
        lock(&split.session).spawn(&root());
        self.healthy(&split.url)
    }

    /// Waits until the front worker reaches the coordinator (the dev registry tells the front
    /// session of a restarted one within moments): the operator status asks the object.
    fn coordinator_reachable(&self) -> bool {
        let started = Instant::now();
        let url = format!("{}/v1/admin/status", self.worker);
        let bearer = format!("Bearer {}", crate::options::ADMIN_TOKEN);
        while started.elapsed() < READY_TIMEOUT {
            let headers = [("authorization", bearer.as_str())];
            let answer = crate::http::send_with(&self.agent, "GET", &url, &headers, b"");
            if answer.status == 200 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn wait_coordinator_reachable(&self) {
        assert!(
            self.coordinator_reachable(),
            "the front worker did not reach the coordinator in {READY_TIMEOUT:?}; log:\n{}",
            self.log_tail()
        );
    }

    pub fn log_tail(&self) -> String {
        let tail = |path: &Path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(40)..].join("\n")
        };
        match &self.coordinator {
            None => tail(&self.log),
            Some(split) => format!(
                "{}\n--- coordinator session log tail ---\n{}",
                tail(&self.log),
                tail(&lock(&split.session).log)
            ),
        }
    }
}

/// The coordinator's session is stopped; `restart` (or dropping this) starts it again.
#[must_use = "dropping the guard starts the coordinator again at once"]
pub struct CoordinatorStopped<'a> {
    stack: &'a Stack,
}

impl CoordinatorStopped<'_> {
    /// Starts the coordinator again and waits until the worker reaches it.
    pub fn restart(self) {
        // `drop` does the work, so a failing scenario that never gets here restarts it too.
        let stack = self.stack;
        drop(self);
        stack.wait_coordinator_reachable();
    }
}

impl Drop for CoordinatorStopped<'_> {
    fn drop(&mut self) {
        // `restart` checks the outcome; here a failed start shows in the next scenario.
        let _ = self.stack.start_coordinator() && self.stack.coordinator_reachable();
    }
}

/// The coordinator's processes are frozen; `thaw` (or dropping this) lets them run on.
#[must_use = "dropping the guard thaws the coordinator at once"]
pub struct CoordinatorFrozen<'a> {
    stack: &'a Stack,
}

impl CoordinatorFrozen<'_> {
    pub fn thaw(self) {
        drop(self);
    }
}

impl Drop for CoordinatorFrozen<'_> {
    fn drop(&mut self) {
        self.stack.signal_coordinator("-CONT");
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        lock(&self.front).stop();
        if let Some(split) = &self.coordinator {
            lock(&split.session).stop();
        }
    }
}
