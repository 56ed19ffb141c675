//! Everything the emulator remembers: settings, issued tokens, meetings, limits and counters.

use crate::rng::Rng;
use crate::webhooks::{DeliveryLog, ZOOM_RETRY_GAPS_MS};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

/// How re-issuing a token affects earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenMode {
    /// Zoom today: a new token leaves earlier ones valid until they expire.
    Multi,
    /// Zoom before mid-2023: a new token invalidates the previous one of the same `token_index`.
    Legacy,
}

impl std::str::FromStr for TokenMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "multi" => Ok(Self::Multi),
            "legacy" => Ok(Self::Legacy),
            other => Err(format!("unknown token mode '{other}' (multi|legacy)")),
        }
    }
}

/// Zoom's rate-limit categories for the APIs the product uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Light,
    Medium,
    Heavy,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Self::Light => "Light",
            Self::Medium => "Medium",
            Self::Heavy => "Heavy",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub token_mode: TokenMode,
    pub token_ttl_secs: u64,
    /// Zoom users that exist on the account; `me` is the first.
    pub users: Vec<String>,
    /// Requests per second for light / medium / heavy; `None` disables per-second limits.
    pub per_second: Option<[u32; 3]>,
    /// Meeting create/update requests per user per UTC day.
    pub daily_create_limit: u32,
    /// Secret token webhook deliveries are signed with.
    pub webhook_secret: String,
    /// Where webhook deliveries go unless a request names a URL.
    pub webhook_url: Option<String>,
    /// Gaps before each redelivery of a delivery that got no 2xx, each after the previous
    /// attempt: Zoom's 5, 20 and 60 minutes unless a test scales them down; empty: no retries.
    pub webhook_retry_gaps_ms: Vec<u64>,
}

impl Settings {
    /// Zoom's redelivery gaps divided by `divisor` (100: 3 s, 12 s, 36 s), for tests.
    pub fn webhook_retries_scaled(mut self, divisor: u64) -> Self {
        self.webhook_retry_gaps_ms = ZOOM_RETRY_GAPS_MS
            .iter()
            .map(|gap| gap / divisor.max(1))
            .collect();
        self
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            account_id: "emulated-account".into(),
            client_id: "emulated-client".into(),
            client_secret: "emulated-secret".into(),
            token_mode: TokenMode::Multi,
            token_ttl_secs: 3599,
            users: vec![
                "host@example.com".into(),
                "host2@example.com".into(),
                "host3@example.com".into(),
                "host4@example.com".into(),
            ],
            // Zoom's Pro plan.
            per_second: Some([30, 20, 10]),
            daily_create_limit: 100,
            webhook_secret: "emulated-webhook-secret".into(),
            webhook_url: None,
            webhook_retry_gaps_ms: ZOOM_RETRY_GAPS_MS.to_vec(),
        }
    }
}

pub struct TokenRecord {
    pub slot: String,
    pub expires_at_ms: i64,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub id: u64,
    pub uuid: String,
    pub host_id: String,
    pub host_email: String,
    pub topic: String,
    #[serde(rename = "type")]
    pub meeting_type: u8,
    pub status: String,
    pub start_time: String,
    pub duration: u32,
    pub timezone: String,
    pub agenda: String,
    pub created_at: String,
    pub start_url: String,
    pub join_url: String,
    pub password: String,
    /// The host's personal meeting ID, when the meeting uses it (`settings.use_pmi`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmi: Option<String>,
    pub settings: Value,
}

/// One Create Meeting request the meeting API acted on: the user its path named and its body
/// exactly as received (JSON, or the raw text when it was not JSON).
#[derive(Debug, Clone, Serialize)]
pub struct CreateRequest {
    pub user: String,
    pub body: Value,
    /// The meeting it made, if it made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_id: Option<u64>,
}

/// Most create requests remembered (the oldest are forgotten first): a benchmark run creates
/// thousands.
pub const MAX_CREATE_REQUESTS: usize = 2_000;

/// A failure to answer instead of the real behaviour, for the next `remaining` matching calls.
#[derive(Debug, Clone)]
pub struct InjectedFailure {
    pub target: String,
    /// `None`: the call is carried out as usual and only its answer is delayed (`delay_ms`),
    /// as when Zoom acts on a request but the response never makes it back in time.
    pub status: Option<u16>,
    pub delay_ms: u64,
    /// With a `status`: that answer is sent at once and the call is still carried out this much
    /// later (Zoom queued it, and the gateway gave up before Zoom acted).
    pub carry_out_after_ms: Option<u64>,
    pub remaining: u32,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

/// A call answered already and carried out when its time comes (see `carry_out_after_ms`).
#[derive(Debug, Clone)]
pub struct Deferred {
    pub due_ms: i64,
    pub request: crate::http::EmuRequest,
    /// The `/v2` path it named.
    pub path: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    /// Every call of the token endpoint, successful or not.
    pub token_requests: u64,
    /// Tokens issued, by `token_index` ("default" when none was given).
    pub tokens_issued: BTreeMap<String, u64>,
    /// API calls refused with 401 code 124.
    pub invalid_token_requests: u64,
    pub api_requests: u64,
    pub create_attempts: u64,
    pub meetings_created: u64,
    pub meetings_updated: u64,
    pub meetings_deleted: u64,
    /// Turnstile `siteverify` checks answered.
    pub siteverify_requests: u64,
    /// Pages of `GET /users/{id}/meetings` served.
    pub list_requests: u64,
    /// 429 answers, per-second and daily.
    pub rate_limited: u64,
    pub injected_failures: u64,
}

pub struct State {
    pub settings: Settings,
    pub base_url: String,
    pub tokens: HashMap<String, TokenRecord>,
    /// Legacy mode: the one live token of each slot.
    pub current_by_slot: HashMap<String, String>,
    pub meetings: BTreeMap<u64, Meeting>,
    /// (user, UTC date) -> create/update requests that day.
    pub daily_usage: HashMap<(String, String), u32>,
    /// category -> (epoch second, requests in it).
    pub per_second_usage: HashMap<Category, (i64, u32)>,
    pub failures: Vec<InjectedFailure>,
    /// Calls answered with an injected failure but still to be carried out.
    pub deferred: Vec<Deferred>,
    pub latency_ms: u64,
    /// Added to the wall clock, so tests can cross a UTC midnight.
    pub clock_offset_ms: i64,
    /// Largest page `GET /users/{id}/meetings` returns (Zoom: 300), so tests can make pages.
    pub max_page_size: usize,
    /// Users whose meeting settings schedule meetings on their personal meeting ID.
    pub pmi_users: HashSet<String>,
    /// Per user (as the account lists them): meeting settings locked at the account, which
    /// win over what a create or update sends, as Zoom's locked settings do.
    pub locked_settings: HashMap<String, Map<String, Value>>,
    /// Create Meeting requests since the reset, oldest first (see `MAX_CREATE_REQUESTS`).
    pub create_requests: VecDeque<CreateRequest>,
    pub counters: Counters,
    pub rng: Rng,
    /// Webhook delivery attempts and pending redeliveries.
    pub webhook_log: DeliveryLog,
}

/// Zoom's largest list page.
pub const MAX_PAGE_SIZE: usize = 300;

impl State {
    pub fn new(settings: Settings, base_url: String) -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        Self {
            settings,
            base_url,
            tokens: HashMap::new(),
            current_by_slot: HashMap::new(),
            meetings: BTreeMap::new(),
            daily_usage: HashMap::new(),
            per_second_usage: HashMap::new(),
            failures: Vec::new(),
            deferred: Vec::new(),
            latency_ms: 0,
            clock_offset_ms: 0,
            max_page_size: MAX_PAGE_SIZE,
            pmi_users: HashSet::new(),
            locked_settings: HashMap::new(),
            create_requests: VecDeque::new(),
            counters: Counters::default(),
            rng: Rng::seeded(seed),
            webhook_log: DeliveryLog::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        wall + self.clock_offset_ms
    }

    /// `now_ms` as a UTC instant.
    pub fn now_utc(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    /// Forgets meetings, usage, counters, injections, user settings (PMI, locks), recorded
    /// create requests and webhook attempts (pending redeliveries are cancelled); issued tokens
    /// stay valid, as they would at Zoom, so a running worker is not disturbed by a test
    /// resetting the scene.
    pub fn reset(&mut self, token_mode: Option<TokenMode>) {
        if let Some(mode) = token_mode {
            self.settings.token_mode = mode;
        }
        self.meetings.clear();
        self.daily_usage.clear();
        self.per_second_usage.clear();
        self.failures.clear();
        self.deferred.clear();
        self.latency_ms = 0;
        self.clock_offset_ms = 0;
        self.max_page_size = MAX_PAGE_SIZE;
        self.pmi_users.clear();
        self.locked_settings.clear();
        self.create_requests.clear();
        self.counters = Counters::default();
        self.webhook_log.forget();
    }

    /// Remembers a create request's body as received.
    pub fn record_create(&mut self, user: &str, body: &[u8]) {
        let body = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
        if self.create_requests.len() >= MAX_CREATE_REQUESTS {
            self.create_requests.pop_front();
        }
        self.create_requests.push_back(CreateRequest {
            user: user.to_owned(),
            body,
            meeting_id: None,
        });
    }

    /// Overlays `settings` with the user's locked settings: what the account enforces wins.
    pub fn apply_locks(&self, user: &str, settings: &mut Value) {
        if let (Some(locked), Value::Object(settings)) = (self.locked_settings.get(user), settings)
        {
            settings.extend(locked.clone());
        }
    }

    /// Takes one matching injected failure, if any is armed for `target`.
    pub fn take_failure(&mut self, targets: &[&str]) -> Option<InjectedFailure> {
        let index = self
            .failures
            .iter()
            .position(|f| f.remaining > 0 && targets.contains(&f.target.as_str()))?;
        let failure = &mut self.failures[index];
        failure.remaining -= 1;
        let taken = failure.clone();
        if failure.remaining == 0 {
            self.failures.remove(index);
        }
        self.counters.injected_failures += 1;
        Some(taken)
    }
}
