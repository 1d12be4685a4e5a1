//! `POST /api/suggest`: where to hint next through the server, with the shipped model: the
//! same suggestions as the library and as `colorize suggest --json`, hinted areas left out,
//! and the refusals.

use std::path::Path;
use std::time::Duration;

use colorize::infer::Colorizer;
use colorize::serve::Limits;
use colorize::suggest::{suggest, SuggestOptions};
use image::{Rgba, RgbaImage};

use super::client::{self, agent, post_form, Form, Reply};
use super::TestServer;
use crate::suggest::rooms;
use crate::support::{colorize_cmd, rng_lock, stderr_of};

fn shipped() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")
}

fn ask(server: &TestServer, fields: &[(&str, &str)], hints: Option<&RgbaImage>) -> Reply {
    let mut form = Form::default().file("sketch", "image/png", &client::png(&rooms()));
    if let Some(h) = hints {
        form = form.file("hints", "image/png", &client::png(h));
    }
    for (k, v) in fields {
        form = form.text(k, v);
    }
    post_form(
        &agent(Duration::from_secs(60)),
        &format!("{}/api/suggest", server.url),
        form,
    )
    .unwrap()
}

fn start() -> TestServer {
    TestServer::start(&shipped(), Limits::default(), 4)
}

#[test]
fn suggest_answers_the_library_s_suggestions_as_json() {
    let server = start();
    let lib = Colorizer::load(&shipped(), tch::Device::Cpu).unwrap();
    let opts = SuggestOptions {
        n: 3,
        ..Default::default()
    };
    // Both draw dropout samples from libtorch's one global generator, seeded each time.
    let _rng = rng_lock();
    let r = ask(&server, &[("n", "3")], None);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("server-timing").unwrap().contains("colour;dur="));
    let want = suggest(&lib, &rooms(), None, &opts).unwrap();
    assert_eq!(want.len(), 3);
    // The same areas in the same order; the scores equal up to the last bits, which depend
    // on the order libtorch's threads sum in (the server runs on a thread of its own).
    let got = r.json()["suggestions"].as_array().unwrap().clone();
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(
            (g["x"].as_u64(), g["y"].as_u64(), g["area"].as_u64()),
            (
                Some(u64::from(w.x)),
                Some(u64::from(w.y)),
                Some(u64::from(w.area))
            ),
            "{got:?}"
        );
        let score = g["score"].as_f64().unwrap();
        assert!(
            (score - w.score).abs() <= 1e-9 * w.score.abs().max(1e-12),
            "{score} against {}",
            w.score
        );
    }
    // Without `n`: five (the rooms have exactly five areas).
    let r = ask(&server, &[], None);
    assert_eq!(r.json()["suggestions"].as_array().unwrap().len(), 5);
    // A hint in the best area: it is left out, the others keep their order.
    let mut hints = RgbaImage::new(200, 150);
    hints.put_pixel(want[0].x, want[0].y, Rgba([200, 30, 30, 255]));
    let r = ask(&server, &[("n", "3")], Some(&hints));
    let got = r.json()["suggestions"].as_array().unwrap().clone();
    let pts: Vec<(u64, u64)> = got
        .iter()
        .map(|s| (s["x"].as_u64().unwrap(), s["y"].as_u64().unwrap()))
        .collect();
    assert!(
        !pts.contains(&(u64::from(want[0].x), u64::from(want[0].y))),
        "{pts:?}"
    );
    assert_eq!(got.len(), 3);
}

#[test]
fn suggest_refuses_a_bad_count_and_the_colouring_fields() {
    let server = start();
    for bad in ["0", "21", "five", "-1"] {
        let r = ask(&server, &[("n", bad)], None);
        assert_eq!(r.status, 400, "n = {bad}");
        assert!(
            r.error()
                .contains("n must be a number of suggestions from 1 to 20"),
            "{}",
            r.error()
        );
    }
    let r = ask(&server, &[("layers", "ora")], None);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error(),
        "unknown form field `layers` (expected sketch, hints, work_size, style, keep_paper, n)"
    );
    // keep_paper as on /api/colorize: a yes or a no, anything else named.
    let r = ask(&server, &[("keep_paper", "maybe")], None);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("keep_paper must be 1"), "{}", r.error());
    // And `n` is not a colouring field.
    let form = Form::default()
        .file("sketch", "image/png", &client::png(&rooms()))
        .text("n", "3");
    let r = post_form(
        &agent(Duration::from_secs(60)),
        &server.colorize_url(),
        form,
    )
    .unwrap();
    assert_eq!(r.status, 400);
    assert!(
        r.error().starts_with("unknown form field `n`"),
        "{}",
        r.error()
    );
    // Hints of another size are named.
    let r = ask(&server, &[], Some(&RgbaImage::new(20, 20)));
    assert_eq!(r.status, 400);
    assert!(r.error().contains("20x20"), "{}", r.error());
}

/// The areas of a `{"suggestions": [...]}` answer in order: point and size (the scores are
/// compared apart, to a tolerance: another process may sum in another order).
fn areas(json: &serde_json::Value) -> Vec<(u64, u64, u64)> {
    json["suggestions"]
        .as_array()
        .unwrap_or_else(|| panic!("no suggestions in {json}"))
        .iter()
        .map(|s| {
            let field = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{k} in {s}"));
            (field("x"), field("y"), field("area"))
        })
        .collect()
}

fn scores(json: &serde_json::Value) -> Vec<f64> {
    let list = json["suggestions"].as_array().unwrap();
    list.iter().map(|s| s["score"].as_f64().unwrap()).collect()
}

#[test]
fn suggest_answers_what_the_cli_prints_for_the_same_sketch_and_hints() {
    let dir = tempfile::tempdir().unwrap();
    let sketch = dir.path().join("rooms.png");
    rooms().save(&sketch).unwrap();
    // A stroke across the middle room: that area is hinted.
    let mut hints = RgbaImage::new(200, 150);
    for x in 90..110 {
        hints.put_pixel(x, 75, Rgba([30, 136, 229, 255]));
    }
    let hints_path = dir.path().join("hints.png");
    hints.save(&hints_path).unwrap();
    let cli = |extra: &[&str]| {
        let out = colorize_cmd()
            .arg("suggest")
            .arg(&sketch)
            .args(["--json", "--model"])
            .arg(shipped())
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let server = start();
    for (n, with_hints) in [("5", false), ("5", true), ("2", true)] {
        let mut args = vec!["-n", n];
        if with_hints {
            args.extend(["--hints", hints_path.to_str().unwrap()]);
        }
        let want = cli(&args);
        let got = {
            let _rng = rng_lock();
            ask(&server, &[("n", n)], with_hints.then_some(&hints))
        };
        assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
        let what = format!(
            "n {n}, hints {with_hints}: server {} cli {want}",
            got.json()
        );
        assert_eq!(areas(&got.json()), areas(&want), "{what}");
        let (a, b) = (scores(&got.json()), scores(&want));
        assert!(
            a.iter()
                .zip(&b)
                .all(|(a, b)| (a - b).abs() <= 1e-4 * b.abs().max(1e-6)),
            "{what}"
        );
        // The middle room's inside, between the walls at x 80-82 and 120-122.
        let hinted_room =
            |&(x, y, _): &(u64, u64, u64)| (83..120).contains(&x) && (23..127).contains(&y);
        let expect = match (n, with_hints) {
            // The five areas, and with the middle room hinted the four others.
            ("5", false) => 5,
            ("5", true) => 4,
            _ => 2,
        };
        assert_eq!(areas(&want).len(), expect, "{what}");
        if with_hints {
            assert!(!areas(&got.json()).iter().any(hinted_room), "{what}");
        } else {
            assert!(areas(&got.json()).iter().any(hinted_room), "{what}");
        }
    }
}

#[test]
fn suggest_refuses_a_sketch_past_the_limits_with_413() {
    let server = TestServer::start(&shipped(), super::test_limits(), 4);
    let huge = client::png(&image::GrayImage::new(500, 500));
    let form = Form::default()
        .file("sketch", "image/png", &huge)
        .text("n", "3");
    let r = client::post_form_early_reply(&format!("{}/api/suggest", server.url), form).unwrap();
    assert_eq!(r.status, 413, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(
        r.error().contains("too large (500x500 pixels"),
        "{}",
        r.error()
    );
}

#[test]
fn suggest_shares_the_colouring_queue_and_answers_503_when_it_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_body_bytes: 8 << 20,
        max_pixels: 4_000_000,
        max_work_size: 1024,
    };
    // One running + one waiting: of 8 simultaneous slow requests some must be refused.
    let server = TestServer::start(&super::hint_model(dir.path()), limits, 1);
    let big = client::png(&super::sketch(1024, 1024));
    let url = format!("{}/api/suggest", server.url);
    // All sent at once, however late each thread starts on a loaded machine.
    let start = std::sync::Barrier::new(8);
    let replies: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let form = Form::default()
                        .file("sketch", "image/png", &big)
                        .text("work_size", "1024")
                        .text("n", "2");
                    post_form(&agent(Duration::from_secs(120)), &url, form)
                        .expect("every request gets an answer")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert_eq!(ok.len() + busy.len(), 8, "only 200 or 503: {replies:?}");
    assert!(!ok.is_empty(), "the first request is answered");
    assert!(
        !busy.is_empty(),
        "a full queue refuses ({} answered)",
        ok.len()
    );
    for r in ok {
        let found = r.json()["suggestions"].as_array().unwrap().len();
        assert!((1..=2).contains(&found), "{}", r.json());
    }
    for r in busy {
        assert_eq!(r.header("retry-after"), Some("1"));
        assert!(r.error().starts_with("busy"), "{}", r.error());
    }
}

#[test]
fn suggest_with_keep_paper_measures_the_scan_as_it_is() {
    let server = start();
    let lib = Colorizer::load(&shipped(), tch::Device::Cpu).unwrap();
    let _rng = rng_lock();
    // The rooms on grey paper, as a scan shows them.
    let mut scan = rooms();
    data_prep::rough::paper(&mut scan, 190);
    let ask_scan = |keep: &str| {
        let form = Form::default()
            .file("sketch", "image/png", &client::png(&scan))
            .text("keep_paper", keep)
            .text("n", "5");
        let r = post_form(
            &agent(Duration::from_secs(60)),
            &format!("{}/api/suggest", server.url),
            form,
        )
        .unwrap();
        assert_eq!(r.status, 200, "{}", r.error());
        let paper = if keep == "1" { "kept" } else { "levelled" };
        assert_eq!(r.header("x-colorize-paper"), Some(paper));
        r.json()["suggestions"].as_array().unwrap().clone()
    };
    for keep in [false, true] {
        let opts = SuggestOptions {
            keep_paper: keep,
            ..Default::default()
        };
        let want = suggest(&lib, &scan, None, &opts).unwrap();
        let got = ask_scan(if keep { "1" } else { "0" });
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(&want) {
            let score = g["score"].as_f64().unwrap();
            assert_eq!(
                g["x"].as_u64(),
                Some(u64::from(w.x)),
                "keep {keep}: {got:?}"
            );
            assert!(
                (score - w.score).abs() <= 1e-9 * w.score.abs().max(1e-12),
                "keep {keep}: {score} against {}",
                w.score
            );
        }
    }
}
