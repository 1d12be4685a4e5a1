//! `colorize serve`: flags -> `ServeConfig`, the model loaded once, the URL on stdout, a
//! tokio runtime until Ctrl-C (or SIGTERM), then a clean stop: requests in flight finish.

use std::net::SocketAddr;

use anyhow::{bail, Context};
use colorize::run_dir;
use colorize::serve::{Limits, ServeConfig, Server};
use data_prep::outln;

use crate::cli::ServeArgs;

/// Async threads: they only parse requests and wait for the inference thread.
const ASYNC_THREADS: usize = 2;

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let cfg = config(&args)?;
    colorize::device::set_threads(args.threads);
    let device = args.device.resolve()?;
    let model_dir = run_dir::resolve_model_dir(args.model.as_deref())?;
    let server = Server::start(model_dir.clone(), device, cfg)
        .with_context(|| format!("starting the server with the model {}", model_dir.display()))?;
    let addr = server.local_addr().context("reading the bound address")?;
    log::info!(
        "model {} on {device:?}, {} intra-op threads",
        model_dir.display(),
        tch::get_num_threads()
    );
    announce(addr)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(ASYNC_THREADS)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(server.run(stop_signal()))?;
    log::info!("stopped");
    Ok(())
}

/// The validated configuration of the flags.
fn config(args: &ServeArgs) -> anyhow::Result<ServeConfig> {
    if !(args.max_megapixels > 0.0 && args.max_megapixels.is_finite()) {
        bail!(
            "--max-megapixels must be a positive number, got {}",
            args.max_megapixels
        );
    }
    Ok(ServeConfig {
        addr: SocketAddr::new(args.host, args.port),
        limits: Limits {
            max_body_bytes: (args.max_body_mb as usize) << 20,
            max_pixels: (args.max_megapixels * 1e6).round().max(1.0) as u64,
            max_work_size: args.max_work_size,
        },
        queue: args.queue,
    })
}

/// The URL on stdout (what scripts and tests read), a warning on stderr when other
/// machines can reach the page.
fn announce(addr: SocketAddr) -> anyhow::Result<()> {
    let ip = addr.ip();
    if ip.is_unspecified() {
        let local = SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port());
        outln!("http://{local}/")?;
        log::warn!(
            "listening on every interface ({addr}): the page has no login, so anyone who can \
             reach this machine on port {} can use it",
            addr.port()
        );
    } else {
        outln!("http://{addr}/")?;
        if !ip.is_loopback() {
            log::warn!(
                "listening on {addr}, not loopback: the page has no login, so anyone who can \
                 reach that address can use it"
            );
        }
    }
    log::info!("serving on http://{addr}/ (Ctrl-C stops)");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            log::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                log::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    log::info!("stopping: finishing the requests in flight");
}
