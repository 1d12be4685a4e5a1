//! `colorize serve`: the local web page and its HTTP API.

use std::path::PathBuf;

use clap::Args;
use colorize::device::DeviceChoice;

/// `colorize serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Model: a run directory or a model directory (default: the default model).
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Address to listen on. The page has no login: anything but a loopback address lets
    /// other machines use it.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0: any free port; the URL printed says which).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Intra-op CPU threads of the inference thread.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Requests that may wait while one is being coloured; more are answered 503 with
    /// Retry-After.
    #[arg(long, value_name = "N", default_value_t = colorize::serve::DEFAULT_QUEUE)]
    pub queue: usize,
    /// Largest request body in MiB (413 above it).
    #[arg(long, value_name = "MIB", default_value_t = (colorize::serve::DEFAULT_MAX_BODY_BYTES >> 20) as u32,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_body_mb: u32,
    /// Largest sketch in megapixels, width x height (413 above it).
    #[arg(long, value_name = "MP", default_value_t = colorize::serve::DEFAULT_MAX_PIXELS as f64 / 1e6)]
    pub max_megapixels: f64,
    /// Largest working size a request may ask for, in pixels.
    #[arg(long, value_name = "S", default_value_t = colorize::serve::DEFAULT_MAX_WORK_SIZE,
          value_parser = clap::value_parser!(u32).range(32..=8192))]
    pub max_work_size: u32,
}
