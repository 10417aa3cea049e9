//! Which files a message may carry as attachments (proxy mode): only files this server
//! stored for the message's conversation, still stored and with time left for the backend to
//! fetch them, and the answer when one is refused.

use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::names::kind_of_name;
use super::refusals::storage_down;
use super::state::Uploads;
use crate::api_error::ApiError;

/// How long an attached file must still have to live for a message to carry it. MaiAgent
/// fetches the file after the message is accepted, while it answers (and a slow reply or a
/// retry of its own can take minutes): a file seconds from its expiry would be a 404 by then,
/// and the visitor would get an answer about nothing. Refused as `gone` instead, the widget
/// puts the words back and the visitor attaches the file anew. Ten minutes covers a long reply
/// many times over and costs a file at most that much of its 30-day default retention.
pub const FETCH_MARGIN: Duration = Duration::from_secs(10 * 60);

/// Why a message's attachment is refused (proxy mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentRefusal {
    /// Not a URL of a file this server stored: another host or base, or not a name of its
    /// making.
    Foreign,
    /// A name of this server's form that it did not make for this conversation: another
    /// conversation's file, a file stored before names were bound, or a made-up name.
    OtherConversation,
    /// Not in the storage (deleted, never stored), past its retention or within
    /// [`FETCH_MARGIN`] of its end: MaiAgent would fetch a 404.
    Gone,
    /// The storage could not say.
    Storage,
}

impl IntoResponse for AttachmentRefusal {
    /// A 400 with the field error MaiAgent itself would give (`{"attachments": [...]}`), plus
    /// a `detail` the widget shows and a `code` that says which case it is, so that a client
    /// can offer to attach the file again. A storage failure is a 503 `storage`, which the
    /// widget retries on its own.
    fn into_response(self) -> Response {
        let (code, detail) = match self {
            AttachmentRefusal::Foreign => ("foreign", "Only files uploaded here can be attached."),
            AttachmentRefusal::OtherConversation => (
                "other_conversation",
                "This file was not uploaded in this conversation. Please attach it again.",
            ),
            AttachmentRefusal::Gone => (
                "gone",
                "This file is no longer available. Please attach it again.",
            ),
            AttachmentRefusal::Storage => return storage_down(),
        };
        let body = serde_json::json!({"attachments": [detail], "detail": detail, "code": code});
        ApiError::bad_request(body).into_response()
    }
}

impl Uploads {
    /// The stored name and MaiAgent's attachment `type` of the file at `url`, when it is a
    /// file this server stored for `conversation`: the public URL it hands out for uploads,
    /// followed by a name it made for that conversation. Attachments point only there, so a
    /// visitor can neither send the backend to fetch any URL, nor pass a file by the checks
    /// made here, nor attach a file another conversation uploaded. The type comes from the
    /// kind the bytes were stored as, whatever a client says. Whether the file is still there
    /// is [`Uploads::still_stored`]'s to say.
    pub fn issued(
        &self,
        headers: &HeaderMap,
        conversation: &str,
        url: &str,
    ) -> Result<(String, &'static str), AttachmentRefusal> {
        let name = url
            .strip_prefix(&self.file_url(headers, ""))
            .ok_or(AttachmentRefusal::Foreign)?;
        let kind = kind_of_name(name).ok_or(AttachmentRefusal::Foreign)?;
        if !self.names.bound_to(name, conversation) {
            return Err(AttachmentRefusal::OtherConversation);
        }
        Ok((name.to_owned(), kind.attachment_type()))
    }

    /// Whether the file stored under `name` is there and will stay within its retention for
    /// at least [`FETCH_MARGIN`], so that MaiAgent, given its URL, finds it. One metadata call
    /// to the storage (a `HEAD` in S3); the file itself is not read.
    pub async fn still_stored(&self, name: &str) -> Result<(), AttachmentRefusal> {
        match self.storage.modified(name).await {
            Ok(Some(modified))
                if self.left_to_live(modified, SystemTime::now()) >= FETCH_MARGIN =>
            {
                Ok(())
            }
            Ok(_) => Err(AttachmentRefusal::Gone),
            Err(e) => {
                tracing::error!(error = %e, "upload: the storage could not check an attachment");
                Err(AttachmentRefusal::Storage)
            }
        }
    }
}
