//! The inference thread and its bounded queue. The thread owns the model (a libtorch
//! `Colorizer` blocks and is not `Sync`) and does all the pixel work of a request: decode,
//! colour in the asked style (the library's one pipeline, `Colorizer::colour`), encode as
//! PNG or as OpenRaster layers. The async side submits with `try_submit`, which fails at once when the
//! queue is full (the handler answers 503), and awaits the reply on a oneshot channel. A
//! request whose client went away before its turn (the page cancels a stale colouring) is
//! skipped, not computed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use tokio::sync::oneshot;

use super::error::ApiError;
use super::upload::{self, Output};
use super::Limits;
use crate::infer::{Colorizer, InferOptions};
use crate::style::Style;
use crate::suggest::SuggestOptions;

/// How often an idle inference thread looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// One colouring request, as it waits in the queue.
#[derive(Debug)]
pub struct Job {
    /// The sketch file's bytes (format already recognised, size already checked).
    pub sketch: Bytes,
    /// The hints PNG's bytes, when given.
    pub hints: Option<Bytes>,
    /// Longer side of the working resolution (`None`: the model's training size).
    pub work_size: Option<u32>,
    /// How the picture is finished.
    pub style: Style,
    /// Colour the sketch on its paper as scanned (`InferOptions::keep_paper`).
    pub keep_paper: bool,
    /// The PNG, or the layers as OpenRaster.
    pub output: Output,
    /// Where the result goes.
    pub reply: oneshot::Sender<Result<Coloured, ApiError>>,
    /// When the job was queued.
    pub queued: Instant,
}

/// A finished colouring.
#[derive(Debug)]
pub struct Coloured {
    /// The PNG (or OpenRaster file, as the job asked), at the sketch's size.
    pub body: Vec<u8>,
    /// Milliseconds spent waiting in the queue, then decoding, in the network (canvas,
    /// generator, finishing at full size) and encoding.
    pub timings: Timings,
}

/// Where a request's time went, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Waiting for the inference thread.
    pub queue: f64,
    /// Decoding the sketch and hints.
    pub decode: f64,
    /// Colouring: working canvas, generator, flat colour, resize, line overlay.
    pub colour: f64,
    /// Encoding the PNG or the OpenRaster file.
    pub encode: f64,
}

impl Timings {
    /// The inference time proper: decode + colour + encode (queue wait excluded).
    pub fn inference(&self) -> f64 {
        self.decode + self.colour + self.encode
    }
}

/// The submitting end of the queue (cheap to share between handlers).
#[derive(Debug)]
pub struct Queue {
    tx: SyncSender<Job>,
}

impl Queue {
    /// Queues `job`, or gives it back with 503 when the queue is full.
    pub fn try_submit(&self, job: Job) -> Result<(), ApiError> {
        self.tx.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => ApiError::busy(),
            TrySendError::Disconnected(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down",
            ),
        })
    }
}

/// The inference thread.
#[derive(Debug)]
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Worker {
    /// Starts the thread with `colorizer`; `capacity` jobs may wait besides the one running.
    pub fn spawn(colorizer: Colorizer, limits: Limits, capacity: usize) -> (Worker, Queue) {
        let (tx, rx) = sync_channel(capacity);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("inference".into())
            .spawn(move || run(&colorizer, &limits, &rx, &flag))
            .expect("spawning the inference thread");
        (Worker { stop, thread }, Queue { tx })
    }

    /// Finishes the job in progress, drops the waiting ones (their clients get a 503 from
    /// the closed reply channel) and joins the thread.
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        if self.thread.join().is_err() {
            log::error!("the inference thread panicked");
        }
    }
}

fn run(colorizer: &Colorizer, limits: &Limits, rx: &Receiver<Job>, stop: &AtomicBool) {
    // Whether a request ran since the free memory was last handed back.
    let mut worked = false;
    while !stop.load(Ordering::SeqCst) {
        let job = match rx.recv_timeout(STOP_POLL) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                // Idle for STOP_POLL after work: give back what the requests freed (the
                // process keeps freed memory for speed, `memory::keep_freed_memory`), so a
                // server does not hold on to the peak of its largest request.
                if std::mem::take(&mut worked) {
                    crate::memory::release_freed_memory();
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if job.reply.is_closed() {
            log::debug!("skipped a request whose client has gone");
            continue;
        }
        worked = true;
        let queue = ms(job.queued.elapsed());
        let result = catch_unwind(AssertUnwindSafe(|| colour(colorizer, limits, &job)))
            .unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("unknown panic");
                log::error!("colouring failed: {what}");
                Err(ApiError::internal(format!(
                    "internal error while colouring: {what}"
                )))
            })
            .map(|mut c| {
                c.timings.queue = queue;
                c
            });
        // The client may have gone meanwhile: nothing to do then.
        let _ = job.reply.send(result);
    }
}

/// Decodes, colours and encodes one request.
fn colour(colorizer: &Colorizer, limits: &Limits, job: &Job) -> Result<Coloured, ApiError> {
    let mut t = Timings::default();
    let start = Instant::now();
    let gray = upload::decode_sketch(&job.sketch, limits)?;
    let hints = job
        .hints
        .as_ref()
        .map(|h| upload::decode_hints(h, gray.dimensions(), limits))
        .transpose()?;
    t.decode = ms(start.elapsed());

    let opts = InferOptions {
        work_size: job.work_size,
        style: job.style,
        layers: job.output == Output::Ora,
        keep_paper: job.keep_paper,
        ..InferOptions::default()
    };
    if let Output::Suggest(n) = job.output {
        return suggest(colorizer, &opts, n, &gray, hints.as_ref(), t);
    }
    let start = Instant::now();
    let coloured = colorizer
        .colour(&gray, hints.as_ref(), &opts)
        .map_err(ApiError::from_colorize)?;
    t.colour = ms(start.elapsed());

    let start = Instant::now();
    let body = match (job.output, &coloured.layers) {
        (Output::Png, _) => upload::encode_png(&coloured.image)?,
        (Output::Ora, Some(layers)) => crate::layers::ora_bytes(layers)
            .map_err(|e| ApiError::internal(format!("cannot write the layers: {e}")))?,
        (Output::Ora, None) => {
            return Err(ApiError::internal(
                "the colouring came back without the layers it was asked for",
            ))
        }
        (Output::Suggest(_), _) => unreachable!("answered above"),
    };
    t.encode = ms(start.elapsed());
    Ok(Coloured { body, timings: t })
}

/// The suggestions for one decoded request, as `{"suggestions": [...]}`, for the picture
/// coloured with `infer`.
fn suggest(
    colorizer: &Colorizer,
    infer: &InferOptions,
    n: usize,
    gray: &image::GrayImage,
    hints: Option<&image::RgbaImage>,
    mut t: Timings,
) -> Result<Coloured, ApiError> {
    let start = Instant::now();
    let opts = SuggestOptions {
        n,
        ..SuggestOptions::default()
    }
    .for_colouring(infer);
    let found =
        crate::suggest::suggest(colorizer, gray, hints, &opts).map_err(ApiError::from_colorize)?;
    t.colour = ms(start.elapsed());
    let start = Instant::now();
    let body = serde_json::to_vec(&serde_json::json!({ "suggestions": found }))
        .map_err(|e| ApiError::internal(format!("cannot write the suggestions: {e}")))?;
    t.encode = ms(start.elapsed());
    Ok(Coloured { body, timings: t })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
