//! The Zoom meeting calls the product makes, each with its rate-limit category and (for creates
//! and updates) the host whose daily allowance it uses.

use super::api::{CallError, ZoomApi, ZoomCall, ZoomReply};
use crate::domain::booking::marker::Marker;
use crate::domain::booking::BookingId;
use crate::domain::rate_limits::{Category, CREATE_CATEGORY};
use crate::domain::zoom::meetings::{
    create_meeting_path, invitation_path, list_path, meeting_path, ListKind, ListPage, ZoomMeeting,
};
use crate::domain::zoom::HostUser;
use serde_json::Value;
use worker::Method;

impl ZoomApi<'_> {
    async fn call(
        &self,
        method: Method,
        path: String,
        body: Option<&Value>,
        category: Category,
        daily_host: Option<&HostUser>,
    ) -> Result<ZoomReply, CallError> {
        let call = ZoomCall {
            method,
            path,
            body,
            category,
            daily_host,
            send_before_ms: None,
            owner_read: None,
        };
        self.send(&call).await
    }

    /// `POST /users/{host}/meetings`, in the per-second slot granted with the reservation, and
    /// never sent at or after `send_before_ms`.
    pub async fn create_meeting(
        &self,
        host: &HostUser,
        body: &Value,
        send_at_ms: i64,
        send_before_ms: i64,
    ) -> Result<ZoomReply, CallError> {
        let call = ZoomCall {
            method: Method::Post,
            path: create_meeting_path(host),
            body: Some(body),
            category: CREATE_CATEGORY,
            daily_host: Some(host),
            send_before_ms: Some(send_before_ms),
            owner_read: None,
        };
        self.send_at(&call, send_at_ms).await
    }

    /// One page of `GET /users/{host}/meetings?type=…` (see `search`).
    async fn list_page(
        &self,
        host: &HostUser,
        kind: ListKind,
        page_token: &str,
    ) -> Result<ZoomReply, CallError> {
        let path = list_path(host, kind, page_token);
        self.call(Method::Get, path, None, Category::Medium, None)
            .await
    }

    /// `GET /meetings/{id}`.
    pub async fn get_meeting(&self, meeting_id: u64) -> Result<ZoomReply, CallError> {
        self.call(
            Method::Get,
            meeting_path(meeting_id),
            None,
            Category::Light,
            None,
        )
        .await
    }

    /// `PATCH /meetings/{id}`: counts against `host`'s daily allowance like a create.
    pub async fn update_meeting(
        &self,
        meeting_id: u64,
        host: &HostUser,
        body: &Value,
    ) -> Result<ZoomReply, CallError> {
        let path = meeting_path(meeting_id);
        self.call(Method::Patch, path, Some(body), Category::Light, Some(host))
            .await
    }

    /// `DELETE /meetings/{id}`.
    pub async fn delete_meeting(&self, meeting_id: u64) -> Result<ZoomReply, CallError> {
        let path = meeting_path(meeting_id);
        self.call(Method::Delete, path, None, Category::Light, None)
            .await
    }

    /// `GET /meetings/{id}/invitation`; `owner_read`: the owner of this booking asks, counted
    /// against its read limit with the permit (`booking::owner_limits`).
    pub async fn invitation(
        &self,
        meeting_id: u64,
        owner_read: Option<&BookingId>,
    ) -> Result<ZoomReply, CallError> {
        let call = ZoomCall {
            method: Method::Get,
            path: invitation_path(meeting_id),
            body: None,
            category: Category::Light,
            daily_host: None,
            send_before_ms: None,
            owner_read,
        };
        self.send(&call).await
    }
}

/// Why a host's upcoming meetings could not be read to the end.
#[derive(Debug)]
pub enum PagerError {
    Zoom(CallError),
    UnreadablePage,
    TooManyPages,
}

impl From<CallError> for PagerError {
    fn from(err: CallError) -> Self {
        PagerError::Zoom(err)
    }
}

impl ZoomApi<'_> {
    /// Reads `host`'s meetings of `kind` a page at a time (Zoom pages with `next_page_token`),
    /// handing each page to `visit` until it returns what it looks for, the last page is read
    /// (`Ok(None)`), or `max_pages` were read: a malformed answer that always names a next page
    /// cannot keep a handler running.
    pub async fn search<T>(
        &self,
        host: &HostUser,
        kind: ListKind,
        max_pages: usize,
        mut visit: impl FnMut(ListPage) -> Option<T>,
    ) -> Result<Option<T>, PagerError> {
        let mut page_token = String::new();
        for _ in 0..max_pages {
            let reply = self.list_page(host, kind, &page_token).await?;
            let page = ListPage::parse(&reply.body).ok_or(PagerError::UnreadablePage)?;
            let next = page.next_page_token.clone();
            if let Some(found) = visit(page) {
                return Ok(Some(found));
            }
            if next.is_empty() {
                return Ok(None);
            }
            page_token = next;
        }
        Err(PagerError::TooManyPages)
    }
}

impl ZoomApi<'_> {
    /// The meeting on `host` whose agenda ends with `marker` (`booking::marker`), read back in
    /// full: searched in the host's scheduled meetings (those under way too), at most
    /// `max_pages` pages. `Ok(None)`: the whole list has none; `TooManyPages`: the pages read
    /// have none but the list goes on.
    pub async fn find_marked(
        &self,
        host: &HostUser,
        marker: &Marker,
        max_pages: usize,
    ) -> Result<Option<ZoomMeeting>, PagerError> {
        let search = self.search(host, ListKind::Scheduled, max_pages, |page| {
            page.meetings
                .iter()
                .find(|m| m.marker.as_ref() == Some(marker))
                .map(|m| m.id)
        });
        let Some(id) = search.await? else {
            return Ok(None);
        };
        let reply = self.get_meeting(id).await?;
        ZoomMeeting::parse(&reply.body)
            .map(Some)
            .ok_or(PagerError::UnreadablePage)
    }
}
