//! The routes and their handlers: every failure is an `ApiError` (`{"error": "..."}` with
//! its status, `error.rs`), and the server carries on. A server bound to loopback also refuses requests
//! addressed to another host name (DNS rebinding) and cross-site form posts (another web
//! site making the visitor's browser burn this machine's CPU).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::oneshot;

use super::error::ApiError;
use super::upload::{self, Output, SUGGEST_DEFAULT};
use super::worker::{Job, Queue};
use super::{Limits, ModelInfo};
use crate::infer::InferOptions;
use crate::style::Style;

/// The page, embedded at compile time (no build step, no CDN: it works offline).
const PAGE: &str = include_str!("static/index.html");
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

/// Every route, the body limit and the host guard.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(healthz))
        .route("/api/models", get(models))
        .route("/api/colorize", post(colorize))
        .route("/api/suggest", post(suggest))
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

/// The models, and the styles a colouring may ask for (the page builds its selector from
/// them, the default first).
async fn models(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let styles: Vec<&str> = Style::ALL.iter().map(|s| s.name()).collect();
    Json(json!({
        "models": state.models,
        "styles": styles,
        "default_style": InferOptions::default().style.name(),
    }))
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
    let (style, output, keep_paper, done) = submit(&state, &headers, form, Route::Colorize).await?;
    let t = done.timings;
    let (content_type, disposition) = match output {
        Output::Png => ("image/png", "inline"),
        Output::Ora => ("image/openraster", "attachment; filename=\"colour.ora\""),
        Output::Suggest(_) => unreachable!("a colouring form has no `n`"),
    };
    let headers = [
        (header::CONTENT_TYPE, content_type.to_string()),
        (header::CONTENT_DISPOSITION, disposition.to_string()),
        (header::CACHE_CONTROL, "no-store".to_string()),
        (
            header::HeaderName::from_static("x-inference-ms"),
            format!("{:.1}", t.inference()),
        ),
        // Which style coloured it: the default one is the library's choice, not the form's.
        (
            header::HeaderName::from_static("x-colorize-style"),
            style.name().to_string(),
        ),
        // Whether the paper was kept as scanned (`keep_paper=1`) or levelled to white.
        (
            header::HeaderName::from_static("x-colorize-paper"),
            paper_header(keep_paper),
        ),
        (
            header::HeaderName::from_static("server-timing"),
            server_timing(&t),
        ),
    ];
    Ok((headers, Body::from(done.body)).into_response())
}

/// `POST /api/suggest`: where to hint next, as `{"suggestions": [{x, y, area, score}]}`,
/// best first (the sketch's areas the model is least sure of, `crate::suggest`).
async fn suggest(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let (_, _, keep_paper, done) = submit(&state, &headers, form, Route::Suggest).await?;
    let t = done.timings;
    let headers = [
        (header::CONTENT_TYPE, "application/json".to_string()),
        (header::CACHE_CONTROL, "no-store".to_string()),
        // The sketch measured: as scanned (`keep_paper=1`) or with the paper levelled.
        (
            header::HeaderName::from_static("x-colorize-paper"),
            paper_header(keep_paper),
        ),
        (
            header::HeaderName::from_static("x-inference-ms"),
            format!("{:.1}", t.inference()),
        ),
        (
            header::HeaderName::from_static("server-timing"),
            server_timing(&t),
        ),
    ];
    Ok((headers, Body::from(done.body)).into_response())
}

/// Which form a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// `/api/colorize`: sketch, hints, work_size, style, layers, keep_paper.
    Colorize,
    /// `/api/suggest`: sketch, hints, work_size, style, keep_paper, n.
    Suggest,
}

impl Route {
    fn fields(self) -> &'static [&'static str] {
        match self {
            Route::Colorize => &[
                "sketch",
                "hints",
                "work_size",
                "style",
                "layers",
                "keep_paper",
            ],
            Route::Suggest => &["sketch", "hints", "work_size", "style", "keep_paper", "n"],
        }
    }
}

/// Reads and checks the form, queues the job and awaits the inference thread: the style
/// it was finished in, what it answered with, whether the paper was kept, and the answer.
async fn submit(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Multipart, MultipartRejection>,
    route: Route,
) -> Result<(Style, Output, bool, super::worker::Coloured), ApiError> {
    check_length(headers, &state.limits)?;
    let form = form.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "expected a multipart/form-data body with a `sketch` file ({})",
                e.body_text()
            ),
        )
    })?;
    let upload = read_form(form, &state.limits, route).await?;
    let (reply, answer) = oneshot::channel();
    let style = upload.style.unwrap_or(InferOptions::default().style);
    let output = upload.output;
    let keep_paper = upload.keep_paper;
    state.queue.try_submit(Job {
        sketch: upload.sketch,
        hints: upload.hints,
        work_size: upload.work_size,
        style,
        keep_paper,
        output,
        reply,
        queued: std::time::Instant::now(),
    })?;
    let done = answer.await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server stopped before answering this request",
        )
    })??;
    Ok((style, output, keep_paper, done))
}

/// `X-Colorize-Paper`: whether the sketch was used as scanned or with its paper levelled.
fn paper_header(keep_paper: bool) -> String {
    if keep_paper { "kept" } else { "levelled" }.to_string()
}

fn server_timing(t: &super::worker::Timings) -> String {
    format!(
        "queue;dur={:.1}, decode;dur={:.1}, colour;dur={:.1}, encode;dur={:.1}",
        t.queue, t.decode, t.colour, t.encode
    )
}

/// The fields of a request, checked from their headers.
struct Upload {
    sketch: Bytes,
    hints: Option<Bytes>,
    work_size: Option<u32>,
    /// `None`: the library's default style.
    style: Option<Style>,
    /// Colour the paper as scanned (no levelling to white).
    keep_paper: bool,
    output: Output,
}

async fn read_form(mut form: Multipart, limits: &Limits, route: Route) -> Result<Upload, ApiError> {
    let (mut sketch, mut hints, mut work_size) = (None, None, None);
    let (mut style, mut layers, mut n, mut keep_paper) = (None, None, None, None);
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_string();
        let slot = match name.as_str() {
            _ if !route.fields().contains(&name.as_str()) => {
                return Err(ApiError::bad_request(format!(
                    "unknown form field `{name}` (expected {})",
                    route.fields().join(", ")
                )))
            }
            "sketch" => &mut sketch,
            "hints" => &mut hints,
            "work_size" => &mut work_size,
            "style" => &mut style,
            "layers" => &mut layers,
            "keep_paper" => &mut keep_paper,
            _ => &mut n,
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
        .map(|w| upload::parse_work_size(&w, limits))
        .transpose()?
        .flatten();
    let style = style
        .map(|s| upload::parse_style(&s))
        .transpose()?
        .flatten();
    let keep_paper = keep_paper
        .map(|k| upload::parse_keep_paper(&k))
        .transpose()?
        .unwrap_or(false);
    let output = match route {
        Route::Suggest => Output::Suggest(
            n.map(|n| upload::parse_count(&n))
                .transpose()?
                .unwrap_or(SUGGEST_DEFAULT),
        ),
        Route::Colorize => layers
            .map(|l| upload::parse_layers(&l))
            .transpose()?
            .unwrap_or_default(),
    };
    Ok(Upload {
        sketch,
        hints,
        work_size,
        style,
        keep_paper,
        output,
    })
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
}
