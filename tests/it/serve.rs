//! `colorize serve`: the API on a real server on a loopback port (in this process, with a
//! tiny untrained model in a temp dir), and the binary's start, URL and clean stop.

mod browser;
pub mod client;
mod styles;
mod suggest;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use client::{agent, get, post_form, post_raw, Form, Reply};
use colorize::config::{ModelConfig, HINTED_CHANNELS};
use colorize::serve::{Limits, ServeConfig, Server};
use image::{GrayImage, Luma, Rgba, RgbaImage};

use crate::support::{make_model_of, model_config, rng_lock};

/// A server running on its own tokio runtime; stopped (gracefully) when dropped.
pub struct TestServer {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start(model: &Path, limits: Limits, queue: usize) -> Self {
        let cfg = ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            limits,
            queue,
        };
        let server = Server::start(model.to_path_buf(), tch::Device::Cpu, cfg).unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(server.run(async {
                let _ = stopped.await;
            }))
            .unwrap();
        });
        TestServer {
            url: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn colorize_url(&self) -> String {
        format!("{}/api/colorize", self.url)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A tiny untrained hint model (32 px, 5 input channels) in `dir`.
pub fn hint_model(dir: &Path) -> std::path::PathBuf {
    let _rng = rng_lock();
    let model = ModelConfig {
        ndf: 4,
        in_channels: HINTED_CHANNELS,
        hint_spread: 4,
        ..model_config(32, 8)
    };
    make_model_of(dir, model)
}

/// A `w` x `h` sketch: a black rectangle outline on white.
pub fn sketch(w: u32, h: u32) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        let edge = (x == w / 4 || x == 3 * w / 4) && (h / 4..=3 * h / 4).contains(&y)
            || (y == h / 4 || y == 3 * h / 4) && (w / 4..=3 * w / 4).contains(&x);
        Luma([if edge { 0 } else { 255 }])
    })
}

fn test_limits() -> Limits {
    Limits {
        max_body_bytes: 256 << 10,
        max_pixels: 200_000,
        max_work_size: 256,
    }
}

fn assert_png_of_size(r: &Reply, w: u32, h: u32) {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("image/png"));
    let img = image::load_from_memory_with_format(&r.body, image::ImageFormat::Png).unwrap();
    assert_eq!((img.width(), img.height()), (w, h));
}

fn good_request(server: &TestServer, ua: &ureq::Agent) {
    let form = Form::default().file("sketch", "image/png", &client::png(&sketch(77, 45)));
    let r = post_form(ua, &server.colorize_url(), form).unwrap();
    assert_png_of_size(&r, 77, 45);
}

#[test]
fn a_sketch_comes_back_coloured_at_its_exact_size_with_the_time_taken() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);
    let ua = agent(Duration::from_secs(60));
    for (w, h, work) in [(77, 45, "auto"), (45, 77, "64"), (300, 200, "")] {
        let form = Form::default()
            .file("sketch", "image/png", &client::png(&sketch(w, h)))
            .text("work_size", work);
        let r = post_form(&ua, &server.colorize_url(), form).unwrap();
        assert_png_of_size(&r, w, h);
        let ms: f64 = r.header("x-inference-ms").unwrap().parse().unwrap();
        assert!(ms > 0.0 && ms < 60_000.0, "{ms}");
        assert!(r.header("server-timing").unwrap().contains("colour;dur="));
    }
    // Hints of the sketch's size: a red dot inside the rectangle.
    let mut hints = RgbaImage::new(77, 45);
    for (x, y) in [(38, 22), (39, 22), (38, 23)] {
        hints.put_pixel(x, y, Rgba([255, 0, 0, 255]));
    }
    let form = Form::default()
        .file("sketch", "image/png", &client::png(&sketch(77, 45)))
        .file("hints", "image/png", &client::png(&hints));
    assert_png_of_size(
        &post_form(&ua, &server.colorize_url(), form).unwrap(),
        77,
        45,
    );
    // Nothing was written next to the model.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 2, "only generator.safetensors and config.json");
}

#[test]
fn keep_paper_colours_a_scan_on_its_paper_and_a_bad_value_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);
    let ua = agent(Duration::from_secs(60));
    // The test sketch on grey paper (190), as a scan shows it.
    let mut scan = sketch(77, 45);
    scan.pixels_mut()
        .filter(|p| p[0] == 255)
        .for_each(|p| *p = Luma([190]));
    let png = client::png(&scan);
    let colour = |keep: Option<&str>| {
        let mut form = Form::default().file("sketch", "image/png", &png);
        if let Some(k) = keep {
            form = form.text("keep_paper", k);
        }
        let r = post_form(&ua, &server.colorize_url(), form).unwrap();
        assert_png_of_size(&r, 77, 45);
        let kept = keep == Some("1");
        assert_eq!(
            r.header("x-colorize-paper"),
            Some(if kept { "kept" } else { "levelled" })
        );
        image::load_from_memory(&r.body).unwrap().to_rgb8()
    };
    let (levelled, kept, default) = (colour(Some("0")), colour(Some("1")), colour(None));
    assert_eq!(
        levelled, default,
        "0 is the default: the paper levelled to white"
    );
    assert_ne!(kept, levelled);
    // Kept, the grey paper is laid over the colour by multiplication: nothing on the page
    // outside the drawing is lighter than the paper.
    for (x, y) in [(2, 2), (74, 2), (2, 42), (74, 42)] {
        let p = kept.get_pixel(x, y);
        assert!(p.0.iter().all(|&c| c <= 191), "({x}, {y}): {p:?}");
    }
    let form = Form::default()
        .file("sketch", "image/png", &png)
        .text("keep_paper", "maybe");
    let r = post_form(&ua, &server.colorize_url(), form).unwrap();
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("keep_paper must be 1"));
}

#[test]
fn each_bad_input_gets_its_status_and_message_and_the_server_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);
    let ua = agent(Duration::from_secs(60));
    let good = client::png(&sketch(77, 45));
    let mut truncated = good.clone();
    truncated.truncate(good.len() - 30);
    let other_size = client::png(&RgbaImage::new(10, 10));
    let jpeg_hints = {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(77, 45)
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    };
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><image href="/etc/passwd"/></svg>"#;
    let huge = client::png(&GrayImage::from_pixel(500, 500, Luma([255]))); // 250k px > 200k
    let big_body = vec![7u8; 300 << 10];
    let cases: Vec<(&str, Form, u16, &str)> = vec![
        (
            "no sketch",
            Form::default().text("work_size", "64"),
            400,
            "missing form field `sketch`",
        ),
        (
            "empty sketch",
            Form::default().file("sketch", "image/png", b""),
            400,
            "empty",
        ),
        (
            "text as sketch",
            Form::default().file("sketch", "text/plain", b"hello, world"),
            415,
            "not an image",
        ),
        (
            "svg sketch",
            Form::default().file("sketch", "image/svg+xml", svg),
            415,
            "SVG",
        ),
        (
            "truncated png",
            Form::default().file("sketch", "image/png", &truncated),
            400,
            "cannot decode",
        ),
        (
            "too many pixels",
            Form::default().file("sketch", "image/png", &huge),
            413,
            "too large (500x500 pixels",
        ),
        (
            "body too large",
            Form::default().file("sketch", "image/png", &big_body),
            413,
            "byte limit",
        ),
        (
            "hints of another size",
            Form::default().file("sketch", "image/png", &good).file(
                "hints",
                "image/png",
                &other_size,
            ),
            400,
            "hints image is 10x10 but the sketch is 77x45",
        ),
        (
            "jpeg hints",
            Form::default().file("sketch", "image/png", &good).file(
                "hints",
                "image/jpeg",
                &jpeg_hints,
            ),
            415,
            "not a PNG",
        ),
        (
            "bad work size",
            Form::default()
                .file("sketch", "image/png", &good)
                .text("work_size", "9999"),
            400,
            "work_size must be a number of pixels from 32 to 256",
        ),
        (
            "unknown field",
            Form::default()
                .file("sketch", "image/png", &good)
                .text("path", "/etc/passwd"),
            400,
            "unknown form field `path`",
        ),
        (
            "sketch twice",
            Form::default()
                .file("sketch", "image/png", &good)
                .file("sketch", "image/png", &good),
            400,
            "given twice",
        ),
    ];
    for (what, form, status, message) in cases {
        let r = if status == 413 {
            // Refused before the body is read: the server may close while it is sent.
            client::post_form_early_reply(&server.colorize_url(), form)
        } else {
            post_form(&ua, &server.colorize_url(), form)
        }
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            r.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
        let error = r.error();
        assert!(
            error.contains(message),
            "{what}: `{error}` lacks `{message}`"
        );
        good_request(&server, &ua);
    }
    // Not a form at all.
    let r = post_raw(&ua, &server.colorize_url(), "image/png", &good).unwrap();
    assert_eq!(r.status, 415);
    assert!(r.error().contains("multipart/form-data"), "{}", r.error());
    good_request(&server, &ua);
}

#[test]
fn hints_to_a_model_without_hint_channels_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = {
        let _rng = rng_lock();
        make_model_of(
            dir.path(),
            ModelConfig {
                ndf: 4,
                ..model_config(32, 8)
            },
        )
    };
    let server = TestServer::start(&model, test_limits(), 4);
    let ua = agent(Duration::from_secs(60));
    let form = Form::default()
        .file("sketch", "image/png", &client::png(&sketch(77, 45)))
        .file("hints", "image/png", &client::png(&RgbaImage::new(77, 45)));
    let r = post_form(&ua, &server.colorize_url(), form).unwrap();
    assert_eq!(r.status, 400);
    assert!(r.error().contains("no hint channels"), "{}", r.error());
    good_request(&server, &ua);
    let models = get(&ua, &format!("{}/api/models", server.url))
        .unwrap()
        .json();
    assert_eq!(models["models"][0]["takes_hints"], false);
}

#[test]
fn models_health_page_and_unknown_routes_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);
    let ua = agent(Duration::from_secs(30));
    let health = get(&ua, &format!("{}/healthz", server.url)).unwrap();
    assert_eq!(
        (health.status, health.json()["status"].as_str()),
        (200, Some("ok"))
    );
    let models = get(&ua, &format!("{}/api/models", server.url)).unwrap();
    assert_eq!(models.status, 200);
    let m = &models.json()["models"][0];
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    assert_eq!(m["name"], name);
    assert_eq!(m["image_size"], 32);
    assert_eq!(m["takes_hints"], true);
    let page = get(&ua, &server.url).unwrap();
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("<canvas id=\"hints\"") && html.contains("api/colorize"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );
    let missing = get(&ua, &format!("{}/nope", server.url)).unwrap();
    assert_eq!(missing.status, 404);
    assert!(missing.error().contains("no such page"));
    let wrong_method = get(&ua, &server.colorize_url()).unwrap();
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.error().contains("method not allowed"));
}

/// A raw HTTP/1.1 GET with the given Host (and Origin) header; returns the status line.
fn raw_get(url: &str, host: &str, origin: Option<&str>) -> String {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\n{origin}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply.lines().next().unwrap_or_default().to_string()
}

#[test]
fn on_loopback_other_host_names_and_other_sites_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);
    assert!(raw_get(&server.url, "localhost:8000", None).contains(" 200 "));
    assert!(raw_get(&server.url, "evil.example:8000", None).contains(" 403 "));
    let local = "http://127.0.0.1:8000";
    assert!(raw_get(&server.url, "127.0.0.1", Some(local)).contains(" 200 "));
    let other = "https://evil.example";
    assert!(raw_get(&server.url, "127.0.0.1", Some(other)).contains(" 403 "));
}

#[test]
fn a_full_queue_answers_503_with_retry_after_and_every_request_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_body_bytes: 8 << 20,
        max_pixels: 4_000_000,
        max_work_size: 1024,
    };
    let server = TestServer::start(&hint_model(dir.path()), limits, 1);
    let big = client::png(&sketch(1024, 1024));
    let url = server.colorize_url();
    // One running + one waiting: of 10 simultaneous slow colourings most must be refused.
    let replies: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(|| {
                    let ua = agent(Duration::from_secs(120));
                    let form = Form::default()
                        .file("sketch", "image/png", &big)
                        .text("work_size", "1024");
                    post_form(&ua, &url, form).expect("every request gets an answer")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert_eq!(ok + busy.len(), 10, "only 200 or 503: {replies:?}");
    assert!(ok >= 1, "the first request is coloured");
    assert!(!busy.is_empty(), "a full queue refuses ({ok} coloured)");
    for r in busy {
        assert_eq!(r.header("retry-after"), Some("1"));
        assert!(r.error().starts_with("busy"), "{}", r.error());
    }
    good_request(&server, &agent(Duration::from_secs(60)));
}

/// The binary: URL on stdout, a warning for a non-loopback host, a clean stop on Ctrl-C.
#[test]
fn the_binary_prints_its_url_warns_off_loopback_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let model = hint_model(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_colorize"))
        .args([
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--threads",
            "1",
            "--model",
        ])
        .arg(&model)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_end_matches('/').to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let ua = agent(Duration::from_secs(30));
    let health = get(&ua, &format!("{url}/healthz")).unwrap();
    assert_eq!(health.status, 200);
    // Ctrl-C is SIGINT.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(exit.code(), Some(0), "{stderr}");
    assert!(stderr.contains("no login"), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(
        get(&ua, &format!("{url}/healthz")).is_err(),
        "nothing listens any more"
    );
}

#[path = "../../fuzz/fuzz_targets/upload_input.rs"]
mod upload_input;

/// The inputs kept from fuzzing the upload handling (`fuzz/regressions/upload/`), replayed:
/// each is accepted or refused with a 4xx status and a message, never a panic, and what is
/// accepted respects the pixel guard and the hints' size.
#[test]
fn kept_fuzz_inputs_of_the_upload_handler_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/upload");
    let limits = Limits {
        max_body_bytes: 1 << 20,
        max_pixels: 1 << 20,
        max_work_size: 1024,
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let mut accepted = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap();
        let Some((sketch, hints, work)) = upload_input::split(&data) else {
            continue;
        };
        let work = work.as_deref().map(str::as_bytes);
        match colorize::serve::inspect_upload(sketch, hints, work, &limits) {
            Ok(up) => {
                let (w, h) = up.sketch.dimensions();
                assert!(u64::from(w) * u64::from(h) <= limits.max_pixels);
                if let Some(hints) = &up.hints {
                    assert_eq!(hints.dimensions(), (w, h), "{}", file.display());
                }
                accepted.push((file.file_name().unwrap().to_owned(), up.work_size));
            }
            Err((status, message)) => {
                assert!((400..500).contains(&status), "{}: {status}", file.display());
                assert!(!message.is_empty());
            }
        }
    }
    // The seeds kept beside the finds: a sketch with hints is accepted, with its work size.
    assert!(
        accepted.contains(&("png_hints_work96.upload".into(), Some(96))),
        "{accepted:?}"
    );
    let svg = std::fs::read(dir.join("svg_refused.upload")).unwrap();
    let (sketch, _, _) = upload_input::split(&svg).unwrap();
    let (status, message) =
        colorize::serve::inspect_upload(sketch, None, None, &limits).unwrap_err();
    assert_eq!(status, 415, "{message}");
}
