//! Load generator for `colorize serve` (loopback only, bounded in requests and time):
//! N concurrent clients send 512 px sketches until R requests have been sent or T seconds
//! have passed; reports throughput, p50/p99 latency of the coloured answers, how many got
//! 503, the server's peak RSS (VmHWM of --pid) and whether every request got an answer.
//!
//! cargo run --release --example serve_load -- --url http://127.0.0.1:PORT --pid PID \
//!     [--clients 1] [--requests 50] [--seconds 120] [--size 512] [--work-size 128] [--hints]
//!     [--style soft|flat|shaded] [--sketch PNG] [--suggest N]
//! Without --style no `style` field is sent: the server's default (and servers from before
//! styles, which refuse the field, can be measured). --sketch sends that file instead of the
//! drawn rings (--size and --hints then do not apply); --suggest N asks `/api/suggest` for N
//! suggestions instead of a colouring.

// Shared with the API tests, which use all of it.
#[allow(dead_code)]
#[path = "../../tests/it/serve/client.rs"]
mod client;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use client::{agent, post_form, Form};
use image::{GrayImage, Luma, Rgba, RgbaImage};

struct Args {
    url: String,
    pid: Option<u32>,
    clients: usize,
    requests: usize,
    seconds: f64,
    size: u32,
    work_size: String,
    hints: bool,
    style: Option<String>,
    sketch: Option<String>,
    suggest: Option<usize>,
}

fn parse_args() -> Args {
    let mut a = Args {
        url: String::new(),
        pid: None,
        clients: 1,
        requests: 50,
        seconds: 120.0,
        size: 512,
        work_size: "128".into(),
        hints: false,
        style: None,
        sketch: None,
        suggest: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = || argv.get(i + 1).cloned().expect("flag needs a value");
        match argv[i].as_str() {
            "--url" => a.url = value(),
            "--pid" => a.pid = Some(value().parse().expect("--pid N")),
            "--clients" => a.clients = value().parse().expect("--clients N"),
            "--requests" => a.requests = value().parse().expect("--requests N"),
            "--seconds" => a.seconds = value().parse().expect("--seconds S"),
            "--size" => a.size = value().parse().expect("--size PX"),
            "--work-size" => a.work_size = value(),
            "--style" => a.style = Some(value()),
            "--sketch" => a.sketch = Some(value()),
            "--suggest" => a.suggest = Some(value().parse().expect("--suggest N")),
            "--hints" => {
                a.hints = true;
                i += 1;
                continue;
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    assert!(
        a.suggest.is_none() || a.style.is_none(),
        "--style is a colouring's field, not a suggestion's"
    );
    assert!(
        a.sketch.is_none() || !a.hints,
        "--hints are drawn for the rings, not for --sketch"
    );
    let host = a.url.trim_start_matches("http://");
    assert!(
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]"),
        "loopback only: {}",
        a.url
    );
    a
}

/// Peak resident set size of a process in MiB (Linux `VmHWM`).
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let args = parse_args();
    let s = args.size;
    let drawn = || {
        client::png(&GrayImage::from_fn(s, s, |x, y| {
            let ring = |c: u32, r: u32| {
                let d =
                    ((x as f64 - c as f64).powi(2) + (y as f64 - s as f64 / 2.0).powi(2)).sqrt();
                (d - r as f64).abs() < 2.0
            };
            Luma([if ring(s / 3, s / 5) || ring(2 * s / 3, s / 4) {
                0
            } else {
                255
            }])
        }))
    };
    let sketch = match &args.sketch {
        Some(path) => std::fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}")),
        None => drawn(),
    };
    let hints = args.hints.then(|| {
        client::png(&RgbaImage::from_fn(s, s, |x, y| {
            let near = x.abs_diff(s / 3) < 3 && y.abs_diff(s / 2) < s / 10;
            Rgba(if near { [30, 136, 229, 255] } else { [0; 4] })
        }))
    });
    let route = if args.suggest.is_some() {
        "suggest"
    } else {
        "colorize"
    };
    let url = format!("{}/api/{route}", args.url.trim_end_matches('/'));
    let sent = AtomicUsize::new(0);
    let results: Mutex<Vec<(Option<u16>, f64)>> = Mutex::new(Vec::new());
    let deadline = Duration::from_secs_f64(args.seconds);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..args.clients {
            scope.spawn(|| {
                let ua = agent(deadline + Duration::from_secs(30));
                while start.elapsed() < deadline
                    && sent.fetch_add(1, Ordering::SeqCst) < args.requests
                {
                    let mut form = Form::default()
                        .file("sketch", "image/png", &sketch)
                        .text("work_size", &args.work_size);
                    if let Some(h) = &hints {
                        form = form.file("hints", "image/png", h);
                    }
                    if let Some(style) = &args.style {
                        form = form.text("style", style);
                    }
                    if let Some(n) = args.suggest {
                        form = form.text("n", &n.to_string());
                    }
                    let t = Instant::now();
                    let status = post_form(&ua, &url, form).ok().map(|r| {
                        if r.status == 200 && args.suggest.is_some() {
                            let found = r.json()["suggestions"].as_array().map(Vec::len);
                            assert!(found.is_some_and(|n| n >= 1), "a 200 without suggestions");
                        } else if r.status == 200 {
                            assert!(r.body.starts_with(b"\x89PNG"), "a 200 without a PNG");
                        }
                        r.status
                    });
                    let ms = t.elapsed().as_secs_f64() * 1e3;
                    results.lock().unwrap().push((status, ms));
                }
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let results = results.into_inner().unwrap();
    let count = |f: &dyn Fn(Option<u16>) -> bool| results.iter().filter(|r| f(r.0)).count();
    let ok = count(&|s| s == Some(200));
    let busy = count(&|s| s == Some(503));
    let unanswered = count(&|s| s.is_none());
    let other = results.len() - ok - busy - unanswered;
    let mut lat: Vec<f64> = results
        .iter()
        .filter(|r| r.0 == Some(200))
        .map(|r| r.1)
        .collect();
    lat.sort_by(f64::total_cmp);
    let sketch_name = args
        .sketch
        .clone()
        .unwrap_or_else(|| format!("{s} px rings"));
    let asked = match args.suggest {
        Some(n) => format!("suggest n {n}"),
        None => format!(
            "style {}",
            args.style.as_deref().unwrap_or("(server's default)")
        ),
    };
    println!(
        "clients {} | sketch {sketch_name}, work size {}, hints {}, {asked} | {} requests in \
         {elapsed:.1} s",
        args.clients,
        args.work_size,
        args.hints,
        results.len()
    );
    println!(
        "answered {} of {} (no answer: {unanswered}) | 200: {ok} | 503: {busy} | other: {other}",
        results.len() - unanswered,
        results.len()
    );
    println!(
        "throughput {:.2} answered/s | latency of 200s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ok as f64 / elapsed,
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    if let Some(pid) = args.pid {
        match peak_rss_mib(pid) {
            Some(m) => println!("server peak RSS (VmHWM) {m:.0} MiB"),
            None => println!("server pid {pid} is gone: it crashed"),
        }
    }
    if unanswered > 0 || other > 0 {
        std::process::exit(1);
    }
}
