//! The Cron Trigger: reads every host's upcoming meetings from Zoom (all pages) and hands each
//! complete list to the coordinator, so meetings booked by hand or by other apps block their
//! slots. Webhooks keep the calendar current between runs.

use super::zoom_api::ZoomApi;
use super::{coordinator_client, settings};
use crate::domain::api_error::ApiError;
use crate::domain::config::Config;
use crate::domain::coordinator_protocol::HostSync;
use crate::domain::zoom::meetings::ListPage;
use worker::{console_error, console_log, event, Env, ScheduleContext, ScheduledEvent};

/// Upper bound on pages per host (300 meetings each): a malformed answer that always names a
/// next page cannot keep the handler running.
const MAX_PAGES: usize = 100;

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
            Err(err) => console_error!("sync {host} failed: {err:?}"),
        }
    }
}

async fn sync_host(env: &Env, config: &Config, host: &str) -> Result<usize, ApiError> {
    let zoom = ZoomApi::new(env, config);
    let mut meetings = Vec::new();
    let mut host_id = None;
    let mut page_token = String::new();
    for _ in 0..MAX_PAGES {
        let reply = zoom.upcoming_page(host, &page_token).await?;
        let page = ListPage::parse(&reply.body).ok_or(ApiError::ZoomError {
            status: reply.status,
        })?;
        meetings.extend(page.meetings.into_iter().map(|m| (m.id, m.span)));
        host_id = host_id.or(page.host_id);
        if page.next_page_token.is_empty() {
            let sync = HostSync {
                host: host.to_owned(),
                host_id,
                meetings,
            };
            return coordinator_client::sync_host(env, config, &sync).await;
        }
        page_token = page.next_page_token;
    }
    // An incomplete list would free slots of meetings on pages never read.
    Err(ApiError::ZoomError { status: 200 })
}
