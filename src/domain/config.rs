//! Deployment configuration, read through a lookup function so the same rules apply to wrangler
//! vars, secrets and unit tests. Problems are collected (not first-error) so an operator sees
//! every missing setting in one response.

use crate::domain::booking::owner_limits::OwnerLimits;
use crate::domain::booking::submit_limits::SubmitLimits;
use crate::domain::rate_limits::PlanLimits;
use crate::domain::secret::Secret;
use crate::domain::time_zone::{Zone, ZoneRules};
use crate::domain::zoom::HostUser;

pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";
pub const DEFAULT_OAUTH_BASE: &str = "https://zoom.us";
pub const DEFAULT_HOST_USER: &str = "me";
pub const DEFAULT_PLAN: &str = "pro";
/// Zoom's Create/Update allowance per host user per UTC day.
pub const DEFAULT_DAILY_CREATE_LIMIT: u32 = 100;
pub const DEFAULT_ZOOM_TIMEOUT_MS: u64 = 10_000;
/// Overlapping meetings a host may have: a Pro user hosts one meeting at a time.
pub const DEFAULT_HOST_MAX_CONCURRENT: u32 = 1;
/// Shortest `BOOKING_SIGNING_KEY` accepted: manage tokens are only as strong as this key.
pub const MIN_SIGNING_KEY_CHARS: usize = 32;

/// Where the booking path gets its access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStrategy {
    /// The coordinator's single-flight token, read through isolate memory and KV (the product).
    Coordinator,
    /// A fresh token from Zoom before every call, as most tutorials do: the benchmark's naive
    /// baseline, which on a legacy account breaks concurrent calls. Compiled into benchmark
    /// builds (cargo feature `benchmark`) only.
    #[cfg(feature = "benchmark")]
    PerCall,
}

/// Why a production build refuses a setting only a benchmark build reads: no deployment can be
/// switched to the benchmark's baseline by a var.
const BENCHMARK_ONLY: &str = "is only read by a benchmark build (cargo feature `benchmark`)";

#[derive(Debug, Clone)]
pub struct ZoomCredentials {
    pub account_id: String,
    pub client_id: Secret,
    pub client_secret: Secret,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub credentials: ZoomCredentials,
    /// Base of the REST API, without a trailing slash, e.g. `https://api.zoom.us/v2`.
    pub api_base: String,
    /// Base of the OAuth service, without a trailing slash, e.g. `https://zoom.us`.
    pub oauth_base: String,
    /// Zoom users (id, email or `me`) who host booked meetings; bookings are spread over them.
    pub host_users: Vec<HostUser>,
    pub default_timezone: Zone,
    /// This service's per-second budget per category (the plan's limits times the share).
    pub rate_limits: PlanLimits,
    pub daily_create_limit: u32,
    /// Overlapping meetings one host may have in the ledger (`ZOOM_HOST_MAX_CONCURRENT`).
    pub host_max_concurrent: u32,
    /// `BOOKING_SIGNING_KEY`: manage tokens are HMACs under it.
    pub booking_signing_key: Secret,
    /// Bookings one IP address or email address may make per window.
    pub submit_limits: SubmitLimits,
    /// Reschedules and invitation reads one booking's owner may make per window.
    pub owner_limits: OwnerLimits,
    /// How long one Zoom call may take before it counts as failed.
    pub zoom_timeout_ms: u64,
    pub token_strategy: TokenStrategy,
}

/// A setting by name, trimmed; blank counts as unset.
pub fn setting(lookup: impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Config {
    /// Reads every setting through `lookup` (a var or secret by name; blank counts as unset).
    /// Returns all problems at once, naming settings but never echoing secret values.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        zones: &dyn ZoneRules,
    ) -> Result<Config, Vec<String>> {
        let get = |name: &str| setting(&lookup, name);
        let mut problems = Vec::new();
        let mut required = |name: &str| {
            get(name).unwrap_or_else(|| {
                problems.push(format!("{name} is missing"));
                String::new()
            })
        };
        let credentials = ZoomCredentials {
            account_id: required("ZOOM_ACCOUNT_ID"),
            client_id: Secret::new(required("ZOOM_CLIENT_ID")),
            client_secret: Secret::new(required("ZOOM_CLIENT_SECRET")),
        };
        let booking_signing_key = Secret::new(required("BOOKING_SIGNING_KEY"));
        if !booking_signing_key.is_empty() && booking_signing_key.chars() < MIN_SIGNING_KEY_CHARS {
            problems.push(format!(
                "BOOKING_SIGNING_KEY must be at least {MIN_SIGNING_KEY_CHARS} characters"
            ));
        }
        let mut base_url = |name: &str, default: &str| {
            let value = get(name).unwrap_or_else(|| default.to_owned());
            if !(value.starts_with("https://") || value.starts_with("http://")) {
                problems.push(format!("{name} must be an http(s) URL"));
            }
            value.trim_end_matches('/').to_owned()
        };
        let api_base = base_url("ZOOM_API_BASE", DEFAULT_API_BASE);
        let oauth_base = base_url("ZOOM_OAUTH_BASE", DEFAULT_OAUTH_BASE);
        let mut host_users = Vec::new();
        let hosts = get("ZOOM_HOST_USER").unwrap_or_else(|| DEFAULT_HOST_USER.to_owned());
        for name in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            match HostUser::parse(name) {
                Some(host) => host_users.push(host),
                None => problems.push(format!(
                    "ZOOM_HOST_USER '{name}' is not a Zoom user id, email address or me"
                )),
            }
        }
        if host_users.is_empty() {
            problems.push("ZOOM_HOST_USER names no user".to_owned());
        }
        let plan = get("ZOOM_PLAN").unwrap_or_else(|| DEFAULT_PLAN.to_owned());
        let plan_limits = PlanLimits::for_plan(&plan).unwrap_or_else(|| {
            if plan.eq_ignore_ascii_case("unmetered") {
                problems.push(format!("ZOOM_PLAN '{plan}' {BENCHMARK_ONLY}"));
            } else {
                problems.push(format!("ZOOM_PLAN '{plan}' is not free, pro or business"));
            }
            PlanLimits([1, 1, 1])
        });
        let share = match get("ZOOM_RATE_SHARE") {
            None => 1.0,
            Some(raw) => match raw.parse::<f64>() {
                Ok(share) if share > 0.0 && share <= 1.0 => share,
                _ => {
                    problems.push("ZOOM_RATE_SHARE must be a number in (0, 1]".to_owned());
                    1.0
                }
            },
        };
        let mut positive = |name: &str, default: u64, max: u64| match get(name) {
            None => default,
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => {
                    problems.push(format!("{name} must be a whole number from 1 to {max}"));
                    default
                }
            },
        };
        let daily_create_limit = positive(
            "ZOOM_DAILY_CREATE_LIMIT",
            u64::from(DEFAULT_DAILY_CREATE_LIMIT),
            100_000,
        ) as u32;
        let host_max_concurrent = positive(
            "ZOOM_HOST_MAX_CONCURRENT",
            u64::from(DEFAULT_HOST_MAX_CONCURRENT),
            100_000,
        ) as u32;
        let zoom_timeout_ms = positive("ZOOM_TIMEOUT_MS", DEFAULT_ZOOM_TIMEOUT_MS, 60_000);
        let submit_limits = SubmitLimits::from_lookup(&lookup, &mut problems);
        let owner_limits = OwnerLimits::from_lookup(&lookup, &mut problems);
        let token_strategy = match get("TOKEN_STRATEGY").as_deref() {
            None | Some("coordinator") => TokenStrategy::Coordinator,
            #[cfg(feature = "benchmark")]
            Some("per_call") => TokenStrategy::PerCall,
            #[cfg(not(feature = "benchmark"))]
            Some("per_call") => {
                problems.push(format!("TOKEN_STRATEGY 'per_call' {BENCHMARK_ONLY}"));
                TokenStrategy::Coordinator
            }
            Some(other) => {
                problems.push(format!(
                    "TOKEN_STRATEGY '{other}' is not coordinator or per_call"
                ));
                TokenStrategy::Coordinator
            }
        };
        let default_timezone = match get("DEFAULT_TIMEZONE") {
            None => Zone::utc(),
            Some(name) => zones.zone(&name).unwrap_or_else(|| {
                problems.push(format!(
                    "DEFAULT_TIMEZONE '{name}' is not an IANA time zone"
                ));
                Zone::utc()
            }),
        };
        if problems.is_empty() {
            Ok(Config {
                credentials,
                api_base,
                oauth_base,
                host_users,
                default_timezone,
                rate_limits: plan_limits.share(share),
                daily_create_limit,
                host_max_concurrent,
                booking_signing_key,
                submit_limits,
                owner_limits,
                zoom_timeout_ms,
                token_strategy,
            })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Vec<String>> {
        Config::from_lookup(lookup, &crate::domain::time_zone::CompiledZones)
    }

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const SECRETS: [(&str, &str); 4] = [
        ("ZOOM_ACCOUNT_ID", "acct"),
        ("ZOOM_CLIENT_ID", "cid"),
        ("ZOOM_CLIENT_SECRET", "s3cret"),
        (
            "BOOKING_SIGNING_KEY",
            "signing-key-0123456789abcdef-0123456789",
        ),
    ];

    #[test]
    fn defaults_point_at_real_zoom() {
        let cfg = load(lookup(&SECRETS)).unwrap();
        assert_eq!(cfg.api_base, "https://api.zoom.us/v2");
        assert_eq!(cfg.oauth_base, "https://zoom.us");
        assert_eq!(cfg.host_users, vec!["me"]);
        assert_eq!(cfg.default_timezone, Zone::utc());
        assert_eq!(cfg.rate_limits, PlanLimits([30, 20, 10]));
        assert_eq!(cfg.daily_create_limit, 100);
        assert_eq!(cfg.host_max_concurrent, 1);
        assert_eq!(cfg.zoom_timeout_ms, 10_000);
        assert_eq!(cfg.token_strategy, TokenStrategy::Coordinator);
    }

    #[test]
    fn overrides_are_trimmed_and_normalised() {
        let mut pairs = SECRETS.to_vec();
        pairs.extend([
            ("ZOOM_API_BASE", "http://127.0.0.1:9/v2/"),
            ("ZOOM_OAUTH_BASE", " http://127.0.0.1:9 "),
            ("ZOOM_HOST_USER", "host@example.com, host2@example.com ,"),
            ("DEFAULT_TIMEZONE", "Asia/Tokyo"),
            ("ZOOM_PLAN", "business"),
            ("ZOOM_RATE_SHARE", "0.5"),
            ("ZOOM_DAILY_CREATE_LIMIT", "50"),
            ("ZOOM_HOST_MAX_CONCURRENT", "2"),
        ]);
        let cfg = load(lookup(&pairs)).unwrap();
        assert_eq!(cfg.api_base, "http://127.0.0.1:9/v2");
        assert_eq!(cfg.oauth_base, "http://127.0.0.1:9");
        assert_eq!(
            cfg.host_users,
            vec!["host@example.com", "host2@example.com"]
        );
        assert_eq!(cfg.default_timezone.name(), "Asia/Tokyo");
        assert_eq!(cfg.rate_limits, PlanLimits([40, 30, 20]));
        assert_eq!(cfg.daily_create_limit, 50);
        assert_eq!(cfg.host_max_concurrent, 2);
    }

    #[test]
    fn every_problem_is_reported_and_no_secret_is_echoed() {
        let problems = load(lookup(&[
            ("ZOOM_CLIENT_SECRET", "   "),
            ("ZOOM_API_BASE", "ftp://x"),
            ("DEFAULT_TIMEZONE", "Mars/Olympus"),
            ("ZOOM_PLAN", "gold"),
            ("ZOOM_RATE_SHARE", "1.5"),
            ("ZOOM_TIMEOUT_MS", "0"),
            ("BOOKING_SIGNING_KEY", "short-key"),
            ("ZOOM_HOST_MAX_CONCURRENT", "0"),
        ]))
        .unwrap_err();
        assert_eq!(
            problems,
            vec![
                "ZOOM_ACCOUNT_ID is missing",
                "ZOOM_CLIENT_ID is missing",
                "ZOOM_CLIENT_SECRET is missing",
                "BOOKING_SIGNING_KEY must be at least 32 characters",
                "ZOOM_API_BASE must be an http(s) URL",
                "ZOOM_PLAN 'gold' is not free, pro or business",
                "ZOOM_RATE_SHARE must be a number in (0, 1]",
                "ZOOM_HOST_MAX_CONCURRENT must be a whole number from 1 to 100000",
                "ZOOM_TIMEOUT_MS must be a whole number from 1 to 60000",
                "DEFAULT_TIMEZONE 'Mars/Olympus' is not an IANA time zone",
            ]
        );
    }

    #[cfg(feature = "benchmark")]
    #[test]
    fn a_benchmark_build_reads_the_baseline_settings() {
        let mut pairs = SECRETS.to_vec();
        pairs.extend([("TOKEN_STRATEGY", "per_call"), ("ZOOM_PLAN", "unmetered")]);
        let cfg = load(lookup(&pairs)).unwrap();
        assert_eq!(cfg.token_strategy, TokenStrategy::PerCall);
        assert_eq!(cfg.rate_limits, PlanLimits([100_000, 100_000, 100_000]));
    }

    #[cfg(not(feature = "benchmark"))]
    #[test]
    fn a_production_build_refuses_the_benchmark_settings_by_name() {
        let mut pairs = SECRETS.to_vec();
        pairs.extend([("TOKEN_STRATEGY", "per_call"), ("ZOOM_PLAN", "unmetered")]);
        let problems = load(lookup(&pairs)).unwrap_err();
        assert_eq!(
            problems,
            vec![
                "ZOOM_PLAN 'unmetered' is only read by a benchmark build (cargo feature `benchmark`)",
                "TOKEN_STRATEGY 'per_call' is only read by a benchmark build (cargo feature `benchmark`)",
            ]
        );
        // The product's own strategy, set explicitly, is still fine.
        let mut coordinator = SECRETS.to_vec();
        coordinator.push(("TOKEN_STRATEGY", "coordinator"));
        let cfg = load(lookup(&coordinator)).unwrap();
        assert_eq!(cfg.token_strategy, TokenStrategy::Coordinator);
    }

    #[test]
    fn debug_redacts_credentials() {
        let cfg = load(lookup(&SECRETS)).unwrap();
        let printed = format!("{cfg:?}");
        assert!(!printed.contains("s3cret") && !printed.contains("cid"));
        assert!(!printed.contains("signing-key"));
    }
}
