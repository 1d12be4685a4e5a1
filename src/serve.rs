//! `colorize serve`: a local web page to colour a sketch and paint hints, and the HTTP API
//! behind it (axum on tokio).
//!
//! ```text
//! GET  /              the page (static/index.html, embedded in the binary; works offline)
//! POST /api/colorize  multipart: sketch, optional hints (RGBA PNG of the sketch's size),
//!                     optional work_size, style (soft|flat|shaded) and layers (ora)
//!                     -> the coloured PNG at the sketch's exact size, or with layers=ora
//!                     its layers as OpenRaster (image/openraster, colour.ora)
//! GET  /api/models    the model and its model card summary, the styles
//! GET  /healthz       {"status": "ok"}
//! ```
//! libtorch calls block, so the model lives on one inference thread (`worker`) fed by a
//! bounded queue: the async threads only parse requests and wait for replies, and a full
//! queue is answered at once with 503 + `Retry-After` instead of piling up work. Uploads
//! stay in memory: nothing a client sends is written to disk and no path from a client is
//! ever opened (SVG sketches are refused because rendering one may read the files it
//! names). Bad input gets `{"error": "..."}` with its status (`error::ApiError`).
//!
//! Modules import in one direction: `api` (routes) -> `worker` (inference thread) ->
//! `upload` (checks, decoding, field parsing) -> `error`; `models` stands alone.

mod api;
mod error;
mod models;
mod upload;
mod worker;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tch::Device;

pub use models::ModelInfo;
pub use upload::{inspect_upload, Inspected};

use crate::infer::Colorizer;

/// Default bound on a request body (the sketch, hints and form fields together).
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 << 20;
/// Default bound on a sketch's width x height (a 6000 x 4000 scan fits).
pub const DEFAULT_MAX_PIXELS: u64 = 25_000_000;
/// Default largest working size a client may ask for (CPU time grows with its square).
pub const DEFAULT_MAX_WORK_SIZE: u32 = 1024;
/// Default number of requests that may wait for the inference thread.
pub const DEFAULT_QUEUE: usize = 4;
/// Smallest working size a client may ask for.
pub const MIN_WORK_SIZE: u32 = 32;

/// What the server accepts from a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body in bytes (413 above it).
    pub max_body_bytes: usize,
    /// Largest sketch in pixels, width x height (413 above it).
    pub max_pixels: u64,
    /// Largest `work_size` a request may ask for (400 above it).
    pub max_work_size: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_pixels: DEFAULT_MAX_PIXELS,
            max_work_size: DEFAULT_MAX_WORK_SIZE,
        }
    }
}

/// Everything `Server::start` needs besides the model.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (port 0: any free port; `Server::local_addr` tells which).
    pub addr: SocketAddr,
    /// What requests may carry.
    pub limits: Limits,
    /// Requests that may wait while one is being coloured; more get 503.
    pub queue: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
            limits: Limits::default(),
            queue: DEFAULT_QUEUE,
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The model could not be loaded.
    #[error(transparent)]
    Model(#[from] crate::Error),
    /// The address cannot be listened on (in use, not local, no permission).
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        reason: std::io::Error,
    },
    /// Serving failed (the listening socket broke).
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration cannot work (a zero limit, ...).
    #[error("invalid serve configuration: {0}")]
    Config(String),
}

/// A bound server with its model loaded and its inference thread running.
#[derive(Debug)]
pub struct Server {
    listener: std::net::TcpListener,
    state: Arc<api::AppState>,
    worker: worker::Worker,
}

impl Server {
    /// Loads the model in `model_dir` on `device`, starts the inference thread and binds
    /// `cfg.addr`. Nothing is served until [`Server::run`].
    pub fn start(model_dir: PathBuf, device: Device, cfg: ServeConfig) -> Result<Self, ServeError> {
        let colorizer = Colorizer::load(&model_dir, device)?;
        Self::with_colorizer(colorizer, ModelInfo::read(&model_dir)?, cfg)
    }

    /// As [`Server::start`], with a model already loaded and described.
    pub fn with_colorizer(
        colorizer: Colorizer,
        info: ModelInfo,
        cfg: ServeConfig,
    ) -> Result<Self, ServeError> {
        let l = &cfg.limits;
        if l.max_body_bytes == 0 || l.max_pixels == 0 || l.max_work_size < MIN_WORK_SIZE {
            return Err(ServeError::Config(format!(
                "limits must be positive and the largest work size at least {MIN_WORK_SIZE}: \
                 {l:?}"
            )));
        }
        let listener =
            std::net::TcpListener::bind(cfg.addr).map_err(|reason| ServeError::Bind {
                addr: cfg.addr,
                reason,
            })?;
        listener.set_nonblocking(true)?;
        let (worker, queue) = worker::Worker::spawn(colorizer, cfg.limits, cfg.queue);
        let loopback = cfg.addr.ip().is_loopback();
        let state = Arc::new(api::AppState {
            queue,
            limits: cfg.limits,
            models: vec![info],
            loopback_only: loopback,
        });
        Ok(Server {
            listener,
            state,
            worker,
        })
    }

    /// The address actually bound (the port chosen when 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets the requests in flight finish and stops
    /// the inference thread. Must run inside a tokio runtime.
    pub async fn run<F>(self, shutdown: F) -> Result<(), ServeError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let app = api::router(Arc::clone(&self.state));
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        drop(self.state);
        let worker = self.worker;
        // Joining waits for the job being coloured (at most one); off the async threads.
        tokio::task::spawn_blocking(move || worker.stop())
            .await
            .map_err(|e| std::io::Error::other(format!("inference thread: {e}")))?;
        Ok(())
    }
}
