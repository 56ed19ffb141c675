//! The Cron Trigger: reads every host's upcoming meetings from Zoom (all pages) and hands each
//! complete list to the coordinator, so meetings booked by hand or by other apps block their
//! slots. Webhooks keep the calendar current between runs.

use super::zoom_api::{CallError, ZoomApi};
use super::{coordinator_client, settings};
use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::HostSync;
use crate::domain::zoom::meetings::ListPage;
use std::fmt;
use worker::{console_error, console_log, event, Env, ScheduleContext, ScheduledEvent};

/// Upper bound on pages per host (300 meetings each): a malformed answer that always names a
/// next page cannot keep the handler running.
const MAX_PAGES: usize = 100;

/// Why a host's list was not synced. Its previous view stays: a partial list would free the
/// slots of meetings on pages never read.
enum SyncError {
    Zoom(ApiError),
    UnreadablePage,
    TooManyPages,
    Coordinator(ApiError),
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Zoom(err) => write!(f, "Zoom: {}", err.code()),
            SyncError::UnreadablePage => f.write_str("a list page Zoom sent could not be read"),
            SyncError::TooManyPages => write!(f, "more than {MAX_PAGES} pages"),
            SyncError::Coordinator(err) => write!(f, "coordinator: {}", err.code()),
        }
    }
}

impl From<CallError> for SyncError {
    fn from(err: CallError) -> Self {
        SyncError::Zoom(err.into())
    }
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let config = match settings::load(&env) {
        Ok(config) => config,
        Err(err) => return console_error!("sync skipped: {}", err.message()),
    };
    for host in &config.host_users {
        // One host's failure does not stop the others; its old view stays until the next run.
        match sync_host(&env, &config, host).await {
            Ok(external) => console_log!("sync {host}: {external} meetings made elsewhere"),
            Err(err) => console_error!("sync {host} failed ({err}); its previous view stays"),
        }
    }
}

async fn sync_host(env: &Env, config: &Config, host: &str) -> Result<usize, SyncError> {
    let zoom = ZoomApi::new(env, config);
    let mut meetings = Vec::new();
    let mut host_id = None;
    let mut page_token = String::new();
    for _ in 0..MAX_PAGES {
        let reply = zoom.upcoming_page(host, &page_token).await?;
        let page = ListPage::parse(&reply.body).ok_or(SyncError::UnreadablePage)?;
        meetings.extend(page.meetings.into_iter().map(|m| (m.id, m.span)));
        host_id = host_id.or(page.host_id);
        if page.next_page_token.is_empty() {
            let sync = HostSync {
                host: host.to_owned(),
                host_id,
                meetings,
            };
            return coordinator_client::sync_host(env, config, &sync)
                .await
                .map_err(SyncError::Coordinator);
        }
        page_token = page.next_page_token;
    }
    Err(SyncError::TooManyPages)
}
