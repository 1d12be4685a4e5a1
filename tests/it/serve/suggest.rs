//! `POST /api/suggest`: where to hint next through the server, with the shipped model: the
//! same suggestions as the library, hinted areas left out, and the refusals.

use std::path::Path;
use std::time::Duration;

use colorize::infer::Colorizer;
use colorize::serve::Limits;
use colorize::suggest::{suggest, SuggestOptions};
use image::{Rgba, RgbaImage};

use super::client::{self, agent, post_form, Form, Reply};
use super::TestServer;
use crate::suggest::rooms;
use crate::support::rng_lock;

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
    assert_eq!(r.json(), serde_json::json!({ "suggestions": want }));
    assert_eq!(want.len(), 3);
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
    let r = ask(&server, &[("style", "flat")], None);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error(),
        "unknown form field `style` (expected sketch, hints, work_size, n)"
    );
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
