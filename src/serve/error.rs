//! `ApiError`, the answer to every failed request: a status and a message, sent as
//! `{"error": "..."}`. Its own module so that every other serve module can return it while
//! the modules import in one direction only (api -> form -> upload -> error, worker -> error).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Seconds a client is asked to wait after a 503 (one colouring takes well under that).
pub const RETRY_AFTER_S: u32 = 1;

/// An error answer: a status and a message, sent as `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What was wrong, for a person.
    pub message: String,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 500: our fault, not the client's.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 503: the queue is full.
    pub fn busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("busy: too many colourings waiting; retry in {RETRY_AFTER_S} s"),
        )
    }

    /// The status of a library error while colouring: the client's fault (hints) or ours.
    pub fn from_colorize(e: crate::Error) -> Self {
        let status = match &e {
            crate::Error::Hint(_) | crate::Error::NoHintChannels => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(json!({ "error": self.message }))).into_response();
        // The request's body may be left unread (refused early): the connection cannot be
        // reused, and saying so keeps clients from sending their next request into it.
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_map_to_the_clients_fault_or_ours() {
        assert_eq!(
            ApiError::from_colorize(crate::Error::NoHintChannels).status,
            StatusCode::BAD_REQUEST
        );
        let e = ApiError::from_colorize(crate::Error::Config("x".into()));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_busy_answer_says_when_to_retry_and_closes_the_connection() {
        let res = ApiError::busy().into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[header::RETRY_AFTER], "1");
        assert_eq!(res.headers()[header::CONNECTION], "close");
    }
}
