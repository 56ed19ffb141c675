//! What a stack is started with: the app credentials both sides share, the emulator's settings
//! and the worker's vars.

use zoom_emulator::{Settings, TokenMode};

pub const ACCOUNT_ID: &str = "e2e-account";
pub const CLIENT_ID: &str = "e2e-client";
pub const CLIENT_SECRET: &str = "e2e-secret-value";
pub const WEBHOOK_SECRET: &str = "e2e-webhook-secret-current";
pub const WEBHOOK_SECRET_PREVIOUS: &str = "e2e-webhook-secret-previous";
pub const ADMIN_TOKEN: &str = "e2e-operator-token-0123456789";
pub const BOOKING_SIGNING_KEY: &str = "e2e-booking-signing-key-0123456789abcdef";

pub struct StackOptions {
    pub emulator: Settings,
    /// Worker vars; `None` leaves a setting out (to test `not_configured`).
    pub vars: Vec<(&'static str, Option<String>)>,
    /// Runs the coordinator in its own `wrangler dev` session (see `split`).
    pub split_coordinator: bool,
}

impl StackOptions {
    pub fn new(token_mode: TokenMode) -> Self {
        Self {
            emulator: Settings {
                account_id: ACCOUNT_ID.into(),
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                token_mode,
                // Per-second pacing is the coordinator's job (issue 4); these scenarios measure
                // token handling, so the emulator does not throttle them.
                per_second: None,
                webhook_secret: WEBHOOK_SECRET.into(),
                ..Settings::default()
            },
            vars: vec![
                ("ZOOM_ACCOUNT_ID", Some(ACCOUNT_ID.into())),
                ("ZOOM_CLIENT_ID", Some(CLIENT_ID.into())),
                ("ZOOM_CLIENT_SECRET", Some(CLIENT_SECRET.into())),
                ("DEFAULT_TIMEZONE", Some("UTC".into())),
                ("ZOOM_WEBHOOK_SECRET_TOKEN", Some(WEBHOOK_SECRET.into())),
                (
                    "ZOOM_WEBHOOK_SECRET_TOKEN_PREVIOUS",
                    Some(WEBHOOK_SECRET_PREVIOUS.into()),
                ),
                ("ADMIN_TOKEN", Some(ADMIN_TOKEN.into())),
                ("BOOKING_SIGNING_KEY", Some(BOOKING_SIGNING_KEY.into())),
                // These stacks book far more than 100 meetings on one host over a run; the daily
                // allowance has its own stack (`quota`) where it is what is examined.
                ("ZOOM_DAILY_CREATE_LIMIT", Some("100000".into())),
                // Likewise, these stacks book many meetings at the same hour on one host; the
                // one-meeting-at-a-time rule is examined in the `slots` stack.
                ("ZOOM_HOST_MAX_CONCURRENT", Some("100000".into())),
                // And these stacks book hundreds of meetings from one address; the per-client
                // limits are examined in the `limits` stack.
                ("BOOKING_LIMIT_PER_IP", Some("off".into())),
                ("BOOKING_LIMIT_PER_EMAIL", Some("off".into())),
                // And some change or read one booking many times; the owner limits are examined
                // in the `slots` stack.
                ("RESCHEDULE_LIMIT_PER_BOOKING", Some("off".into())),
                ("OWNER_READ_LIMIT_PER_BOOKING", Some("off".into())),
            ],
            split_coordinator: false,
        }
    }

    /// The coordinator in its own `wrangler dev` session, which `Stack::stop_coordinator` and
    /// `Stack::start_coordinator` stop and start: the coordinator really unavailable.
    pub fn split_coordinator(mut self) -> Self {
        self.split_coordinator = true;
        self
    }

    /// The emulator's webhook redeliveries come Zoom's gaps divided by `divisor` apart.
    pub fn webhook_retries_scaled(mut self, divisor: u64) -> Self {
        self.emulator = self.emulator.webhook_retries_scaled(divisor);
        self
    }

    /// Short-lived tokens for refresh tests; the daily cap is lifted since such runs book
    /// steadily for many seconds and the cap is not what they examine.
    pub fn token_ttl(mut self, seconds: u64) -> Self {
        self.emulator.token_ttl_secs = seconds;
        self.emulator.daily_create_limit = u32::MAX;
        self
    }

    /// Sets (or overrides) a worker var.
    pub fn var(mut self, name: &'static str, value: &str) -> Self {
        self.vars.retain(|(key, _)| *key != name);
        self.vars.push((name, Some(value.to_owned())));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        for (key, value) in &mut self.vars {
            if *key == name {
                *value = None;
            }
        }
        self
    }
}
