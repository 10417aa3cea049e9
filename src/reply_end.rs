//! What the end of a reply's stream says about the reply: whole, cut, refused or unreadable.
//!
//! A reply is whole only when its stream says so, with a frame marked `done` (or `[DONE]`). A
//! body that ends without one was cut on the way, though the connection closed cleanly: a
//! proxy or CDN that gave up, a backend that died between frames. Shown as whole, the visitor
//! would take part of an answer for all of it; shown as cut, it has its Retry, and the reply
//! the backend stored takes its place once it is read again.

use crate::errors::ApiError;
use crate::stream::StreamEvent;

/// What the frames of one reply's stream said, seen as they come.
#[derive(Debug, Default)]
pub struct ReplyEnd {
    understood: usize,
    malformed: usize,
    finished: bool,
    failed: Option<String>,
}

impl ReplyEnd {
    /// Notes what `events` say.
    pub fn saw(&mut self, events: &[StreamEvent]) {
        for event in events {
            match event {
                StreamEvent::Chunk { done, .. } => {
                    self.understood += 1;
                    self.finished |= *done;
                }
                StreamEvent::Malformed(_) => self.malformed += 1,
                StreamEvent::Sources(_) => {}
                StreamEvent::Failed(why) => self.failed = Some(why.clone()),
            }
        }
    }

    /// What the reply is once its body has ended.
    pub fn verdict(&self) -> Result<(), ApiError> {
        match self.failed.as_deref() {
            // The server gave up waiting for its backend: said as a timeout, which is not
            // retried by itself (asking again would queue another answer the backend is
            // already late with).
            Some("timeout") => return Err(ApiError::Timeout),
            Some(_) => return Err(ApiError::BadResponse("the server ended the reply".into())),
            None => {}
        }
        if self.understood == 0 {
            return Err(ApiError::BadResponse(if self.malformed > 0 {
                "the reply could not be read".into()
            } else {
                "the reply was empty".into()
            }));
        }
        if !self.finished {
            return Err(ApiError::Cut);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::StreamDecoder;

    fn end_of(body: &str) -> Result<(), ApiError> {
        let mut decoder = StreamDecoder::default();
        let mut end = ReplyEnd::default();
        end.saw(&decoder.push(body.as_bytes()));
        end.saw(&decoder.finish());
        end.verdict()
    }

    #[test]
    fn a_reply_is_whole_when_its_stream_says_it_is_done() {
        assert_eq!(
            end_of("data: {\"content\":\"Hi\",\"done\":false}\n\ndata: {\"content\":\"\",\"done\":true}\n\n"),
            Ok(())
        );
        assert_eq!(
            end_of("data: {\"content\":\"Hi\",\"done\":false}\n\ndata: [DONE]\n\n"),
            Ok(())
        );
        assert_eq!(end_of("{\"content\":\"Hi\",\"done\":true}\n"), Ok(()));
        // A malformed frame on the way is skipped: the rest is the reply.
        assert_eq!(
            end_of("data: {\"content\":}\n\ndata: {\"content\":\"Hi\",\"done\":true}\n\n"),
            Ok(())
        );
    }

    #[test]
    fn a_body_that_ends_before_the_last_frame_is_a_cut_reply() {
        assert_eq!(
            end_of("data: {\"content\":\"Hal\",\"done\":false}\n\ndata: {\"content\":\"f\",\"done\":false}\n\n"),
            Err(ApiError::Cut)
        );
        // The last frame itself cut short.
        assert_eq!(
            end_of("data: {\"content\":\"Hi\",\"done\":false}\n\ndata: {\"content\":\"\",\"do"),
            Err(ApiError::Cut)
        );
        // A JSON answer that is no reply frame (`{"detail": "ok"}`) says nothing is done.
        assert_eq!(end_of("{\"detail\":\"ok\"}"), Err(ApiError::Cut));
    }

    #[test]
    fn an_empty_or_unreadable_body_is_no_reply() {
        for body in ["", ": keepalive\n\n", "data: {\"content\":}\n\n"] {
            assert!(
                matches!(end_of(body), Err(ApiError::BadResponse(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn the_server_giving_up_says_why() {
        assert_eq!(
            end_of("data: {\"content\":\"Hi\",\"done\":false}\n\ndata: {\"content\":\"\",\"done\":true,\"error\":\"timeout\"}\n\n"),
            Err(ApiError::Timeout)
        );
        assert!(matches!(
            end_of("data: {\"content\":\"\",\"done\":true,\"error\":\"upstream\"}\n\n"),
            Err(ApiError::BadResponse(_))
        ));
    }
}
