//! The routes, their handlers, and `ApiError`: every failure is `{"error": "..."}` with
//! its status, and the server carries on. A server bound to loopback also refuses requests
//! addressed to another host name (DNS rebinding) and cross-site form posts (another web
//! site making the visitor's browser burn this machine's CPU).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::oneshot;

use super::worker::{Job, Queue};
use super::{upload, Limits, ModelInfo, MIN_WORK_SIZE};

/// The page, embedded at compile time (no build step, no CDN: it works offline).
const PAGE: &str = include_str!("static/index.html");
/// Seconds a client is asked to wait after a 503 (one colouring takes well under that).
const RETRY_AFTER_S: u32 = 1;
/// The page's content security policy: nothing but this server.
const PAGE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; \
    form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Shared by the handlers.
#[derive(Debug)]
pub struct AppState {
    /// The inference thread's queue.
    pub queue: Queue,
    /// What requests may carry.
    pub limits: Limits,
    /// What `GET /api/models` lists.
    pub models: Vec<ModelInfo>,
    /// Bound to loopback: only `localhost`-style Host headers are served.
    pub loopback_only: bool,
}

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

/// Every route, the body limit and the host guard.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(healthz))
        .route("/api/models", get(models))
        .route("/api/colorize", post(colorize))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

async fn page() -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (headers, PAGE).into_response()
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn models(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({ "models": state.models }))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such page or API route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
    )
}

/// `POST /api/colorize`: parse and check the form, queue it, await the inference thread.
async fn colorize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    check_length(&headers, &state.limits)?;
    let form = form.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "expected a multipart/form-data body with a `sketch` file ({})",
                e.body_text()
            ),
        )
    })?;
    let upload = read_form(form, &state.limits).await?;
    let (reply, answer) = oneshot::channel();
    state.queue.try_submit(Job {
        sketch: upload.sketch,
        hints: upload.hints,
        work_size: upload.work_size,
        reply,
        queued: std::time::Instant::now(),
    })?;
    let done = answer.await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server stopped before colouring this request",
        )
    })??;
    let t = done.timings;
    let timing = format!(
        "queue;dur={:.1}, decode;dur={:.1}, colour;dur={:.1}, encode;dur={:.1}",
        t.queue, t.decode, t.colour, t.encode
    );
    let headers = [
        (header::CONTENT_TYPE, "image/png".to_string()),
        (header::CACHE_CONTROL, "no-store".to_string()),
        (
            header::HeaderName::from_static("x-inference-ms"),
            format!("{:.1}", t.inference()),
        ),
        (header::HeaderName::from_static("server-timing"), timing),
    ];
    Ok((headers, Body::from(done.png)).into_response())
}

/// The fields of a colouring request, checked from their headers.
struct Upload {
    sketch: Bytes,
    hints: Option<Bytes>,
    work_size: Option<u32>,
}

async fn read_form(mut form: Multipart, limits: &Limits) -> Result<Upload, ApiError> {
    let (mut sketch, mut hints, mut work_size) = (None, None, None);
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let slot = match name.as_str() {
            "sketch" => &mut sketch,
            "hints" => &mut hints,
            "work_size" => &mut work_size,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "unknown form field `{name}` (expected sketch, hints, work_size)"
                )))
            }
        };
        if slot.is_some() {
            return Err(ApiError::bad_request(format!(
                "form field `{name}` given twice"
            )));
        }
        *slot = Some(field.bytes().await.map_err(form_error)?);
    }
    let sketch = sketch.ok_or_else(|| {
        ApiError::bad_request("missing form field `sketch` (the image to colour)")
    })?;
    let size = upload::check_sketch(&sketch, limits)?;
    // An empty hints field is what a form sends when no file was chosen: no hints.
    let hints = hints.filter(|h| !h.is_empty());
    if let Some(h) = &hints {
        upload::check_hints(h, size)?;
    }
    let work_size = work_size
        .map(|w| parse_work_size(&w, limits))
        .transpose()?
        .flatten();
    Ok(Upload {
        sketch,
        hints,
        work_size,
    })
}

/// `work_size`: empty or `auto` for the model's size, else a number of pixels in range.
pub(super) fn parse_work_size(raw: &[u8], limits: &Limits) -> Result<Option<u32>, ApiError> {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim();
    if text.is_empty() || text == "auto" {
        return Ok(None);
    }
    let max = limits.max_work_size;
    match text.parse::<u32>() {
        Ok(w) if (MIN_WORK_SIZE..=max).contains(&w) => Ok(Some(w)),
        _ => Err(ApiError::bad_request(format!(
            "work_size must be a number of pixels from {MIN_WORK_SIZE} to {max} (or `auto`), \
             got `{}`",
            text.chars().take(40).collect::<String>()
        ))),
    }
}

/// Refuses a declared body over the limit before reading any of it.
fn check_length(headers: &HeaderMap, limits: &Limits) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limits.max_body_bytes as u64 => Err(too_large(limits)),
        _ => Ok(()),
    }
}

fn too_large(limits: &Limits) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "request body over the {} byte limit (colorize serve --max-body-mb)",
            limits.max_body_bytes
        ),
    )
}

fn form_error(e: MultipartError) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(status, format!("request body too large: {}", e.body_text()));
    }
    ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()))
}

/// On loopback: only `localhost`, `127.0.0.1` or `[::1]` as Host, and no cross-site posts.
async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if state.loopback_only {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        if !is_local_host(host) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                format!("this server answers only to localhost, not to host `{host}`"),
            )
            .into_response();
        }
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default();
            let host_part = origin.split_once("://").map_or("", |(_, rest)| rest);
            if !is_local_host(host_part) {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!("requests from other sites are refused (origin `{origin}`)"),
                )
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// `localhost`, `127.x.x.x` or `[::1]`, with or without a port.
fn is_local_host(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']').next().map_or("", |h| &h[1..])
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost")
        || name == "::1"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_host_names_are_local() {
        for h in [
            "localhost",
            "localhost:8000",
            "127.0.0.1:80",
            "127.1.2.3",
            "[::1]:8000",
        ] {
            assert!(is_local_host(h), "{h}");
        }
        for h in [
            "",
            "evil.example:8000",
            "localhost.evil.example",
            "10.0.0.1:8000",
            "[::2]",
        ] {
            assert!(!is_local_host(h), "{h}");
        }
    }

    #[test]
    fn work_size_is_auto_or_a_number_in_range() {
        let l = Limits::default();
        assert_eq!(parse_work_size(b"", &l), Ok(None));
        assert_eq!(parse_work_size(b"auto", &l), Ok(None));
        assert_eq!(parse_work_size(b" 256 ", &l), Ok(Some(256)));
        for bad in [&b"31"[..], b"1025", b"-1", b"big"] {
            let e = parse_work_size(bad, &l).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
            assert!(e.message.contains("work_size"), "{}", e.message);
        }
    }
}
