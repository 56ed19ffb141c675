//! Permits for Zoom calls: the per-second schedule and the blocks Zoom imposes with 429s. (The
//! daily Create/Update allowance is taken with the slot, in `reservations` and `changes`.) Plus
//! the operator status that reports them.

use super::store::Read as _;
use super::ZoomCoordinator;
use super::{given_back_host_kind, Handle};
use crate::domain::booking::owner_limits::OwnerAction;
use crate::domain::config::Config;
use crate::domain::coordinator::{
    PermitAnswer, PermitDenied, PermitGrant, PermitRequest, StatusRequest, Zoom429Report,
};
use crate::domain::rate_limits::{
    next_utc_midnight, retry_after_secs, seconds_until_utc_midnight, utc_day, Category, ZoomBlock,
    WINDOW_MS,
};
use crate::edge::clock;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use worker::Result;

/// Longest a caller is asked to wait for a per-second permit before it is told to come back
/// later (503 with Retry-After) instead of queueing.
const MAX_PERMIT_WAIT_MS: i64 = 5_000;
const ZOOM_429_COUNT_KEY: &str = "stats:zoom_429";
const RETRY_COUNT_KEY: &str = "stats:retries";
const RECONCILIATION_FIXES_KEY: &str = "stats:reconciliation_fixes";

impl Handle<PermitRequest> for ZoomCoordinator {
    /// Grants one Zoom call: never more per second than the account's budget allows, never
    /// while Zoom has us blocked. An owner's invitation read is checked against and counted to
    /// its booking's limit (`booking::owner_limits`) with its permit, in this one step: refused
    /// before anything is sent, and not counted when no permit is granted.
    async fn handle(&self, ask: PermitRequest) -> Result<PermitAnswer> {
        let config = self.config()?;
        let now_ms = clock::now_ms();
        let limit = ask
            .owner_read
            .as_ref()
            .and_then(|id| OwnerAction::InvitationRead.subject(&config.owner_limits, id));
        if let Err(retry_after) = self.within_submit_limits(limit.as_slice(), now_ms)? {
            return Ok(Err(PermitDenied::TooManyChanges { retry_after }));
        }
        let granted = self.send_slot(&config, ask.category, now_ms);
        if granted.is_ok() {
            self.count_submission(limit.as_slice(), now_ms, ask.owner_read.as_ref())?;
        }
        if ask.retry {
            let storage = self.state.storage();
            let retries = storage.read::<u64>(RETRY_COUNT_KEY).await?.unwrap_or(0);
            storage.put(RETRY_COUNT_KEY, retries + 1).await?;
        }
        Ok(granted.map(|send_at_ms| PermitGrant { send_at_ms }))
    }
}

impl ZoomCoordinator {
    /// One booking brought back in line with Zoom by reconciliation (operator status).
    pub(super) async fn count_reconciliation_fix(&self) -> Result<()> {
        let storage = self.state.storage();
        let fixes = storage
            .read::<u64>(RECONCILIATION_FIXES_KEY)
            .await?
            .unwrap_or(0);
        storage.put(RECONCILIATION_FIXES_KEY, fixes + 1).await
    }

    /// Takes the next send time for a call of `category` in the per-second schedule, after any
    /// block Zoom imposed; refused if the caller would wait more than `MAX_PERMIT_WAIT_MS`.
    /// Synchronous, so callers can take a slot in the same step as other decisions.
    pub(super) fn send_slot(
        &self,
        config: &Config,
        category: Category,
        now_ms: i64,
    ) -> std::result::Result<i64, PermitDenied> {
        let blocked_until = self
            .blocked_until
            .borrow()
            .get(&category)
            .copied()
            .unwrap_or(0);
        let earliest = now_ms.max(blocked_until);
        if earliest - now_ms > MAX_PERMIT_WAIT_MS {
            return Err(PermitDenied::RateLimited {
                retry_after: retry_after_secs(earliest - now_ms),
            });
        }
        let limit = config.rate_limits.per_second(category);
        let max_wait = MAX_PERMIT_WAIT_MS - (earliest - now_ms);
        self.schedule
            .borrow_mut()
            .reserve(category, limit, earliest, max_wait)
            .ok_or(PermitDenied::RateLimited {
                retry_after: retry_after_secs(WINDOW_MS),
            })
    }
}

impl Handle<Zoom429Report> for ZoomCoordinator {
    /// Zoom answered 429 anyway: stop sending what it blocked until the block passes.
    async fn handle(&self, report: Zoom429Report) -> Result<()> {
        let storage = self.state.storage();
        let count = storage.read::<u64>(ZOOM_429_COUNT_KEY).await?.unwrap_or(0);
        storage.put(ZOOM_429_COUNT_KEY, count + 1).await?;
        match &report.block {
            ZoomBlock::PerSecond { category, until_ms } => {
                let mut blocks = self.blocked_until.borrow_mut();
                let until = blocks.entry(*category).or_insert(0);
                *until = (*until).max(*until_ms);
            }
            // The host's allowance is spent for the day, whatever our own count said.
            ZoomBlock::Daily { .. } => {
                if let Some(host) = &report.host {
                    self.spend_day(&self.config()?, host).await?;
                }
            }
        }
        Ok(())
    }
}

impl Handle<StatusRequest> for ZoomCoordinator {
    /// Operator view: today's usage per host (and what was given back), blocks in force, token
    /// age (never the token), the limits' counts taken and given back today.
    async fn handle(&self, _ask: StatusRequest) -> Result<serde_json::Value> {
        let config = self.config()?;
        let storage = self.state.storage();
        let now = clock::now();
        let now_ms = now.timestamp_millis();
        let day = utc_day(now);
        let mut hosts = Vec::new();
        for host in &config.host_users {
            let used = self.quota_used(&day, host).await?;
            let made_elsewhere = self.external_meetings(host, now_ms)?;
            let given_back = self
                .given_back_today(&day, &given_back_host_kind(host))
                .await?;
            hosts.push(json!({
                "host": host,
                "create_update_used_today": used,
                "create_update_given_back_today": given_back,
                "daily_limit": config.daily_create_limit,
                "daily_quota_exhausted": used >= config.daily_create_limit,
                "upcoming_meetings_made_elsewhere": made_elsewhere,
            }));
        }
        let blocks: Vec<_> = self
            .blocked_until
            .borrow()
            .iter()
            .filter(|(_, until)| **until > now_ms)
            .map(|(category, until)| json!({"category": category, "seconds_left": retry_after_secs(until - now_ms)}))
            .collect();
        let token = self.load_current().await.map(|t| {
            json!({
                "age_seconds": (now_ms - t.issued_at_ms) / 1000,
                "expires_in_seconds": (t.expires_at_ms - now_ms) / 1000,
            })
        });
        let zoom_429s = storage.read::<u64>(ZOOM_429_COUNT_KEY).await?.unwrap_or(0);
        let retries = storage.read::<u64>(RETRY_COUNT_KEY).await?.unwrap_or(0);
        let fixes = storage
            .read::<u64>(RECONCILIATION_FIXES_KEY)
            .await?
            .unwrap_or(0);
        Ok(json!({
            "utc_day": day,
            "seconds_until_quota_reset": seconds_until_utc_midnight(now),
            "hosts": hosts,
            "blocks": blocks,
            "token": token,
            "zoom_429s": zoom_429s,
            "retries": retries,
            "reconciliation": { "fixes": fixes },
            "attempts": self.attempt_counts().await?,
            "allowance": self.allowance_status(&day, day_start_ms(now)).await?,
            "per_second_limits": {
                "light": config.rate_limits.per_second(Category::Light),
                "medium": config.rate_limits.per_second(Category::Medium),
                "heavy": config.rate_limits.per_second(Category::Heavy),
            },
            "settings_mismatch": self.mismatch_status()?,
        }))
    }
}

/// 00:00 UTC of `now`'s day, epoch ms.
fn day_start_ms(now: DateTime<Utc>) -> i64 {
    (next_utc_midnight(now) - Duration::days(1)).timestamp_millis()
}
