//! `POST /api/colorize` with `style` and `layers`: flat areas of one colour, a hint filling
//! its area, the default style, the OpenRaster answer and the refusals.

use std::time::Duration;

use colorize::infer::InferOptions;
use image::{GrayImage, Luma, Rgba, RgbaImage};

use super::client::{self, agent, get, post_form, Form, Reply};
use super::{hint_model, test_limits, TestServer};

/// Sketch size and ring geometry: a closed ring of ink on white, centred.
const W: u32 = 96;
const H: u32 = 80;
const CENTRE: (f64, f64) = (48.0, 40.0);
const INNER: f64 = 22.0;
const OUTER: f64 = 26.0;

fn dist(x: u32, y: u32) -> f64 {
    (f64::from(x) - CENTRE.0).hypot(f64::from(y) - CENTRE.1)
}

/// A black ring (radii `INNER`..=`OUTER`) on white paper.
fn ring() -> GrayImage {
    GrayImage::from_fn(W, H, |x, y| {
        let d = dist(x, y);
        Luma([if (INNER..=OUTER).contains(&d) { 0 } else { 255 }])
    })
}

/// Pixels well inside the ring and well outside it (two pixels clear of the ink).
fn inside(x: u32, y: u32) -> bool {
    dist(x, y) < INNER - 2.0
}
fn outside(x: u32, y: u32) -> bool {
    dist(x, y) > OUTER + 2.0
}

fn colour(server: &TestServer, style: Option<&str>, hints: Option<&RgbaImage>) -> Reply {
    let mut form = Form::default().file("sketch", "image/png", &client::png(&ring()));
    if let Some(h) = hints {
        form = form.file("hints", "image/png", &client::png(h));
    }
    if let Some(s) = style {
        form = form.text("style", s);
    }
    let ua = agent(Duration::from_secs(60));
    post_form(&ua, &server.colorize_url(), form).unwrap()
}

fn decode(r: &Reply) -> image::RgbImage {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("image/png"));
    let img = image::load_from_memory_with_format(&r.body, image::ImageFormat::Png).unwrap();
    assert_eq!((img.width(), img.height()), (W, H));
    img.to_rgb8()
}

/// Per channel, the largest distance of the pixels `where_` selects from `to`.
fn max_distance(img: &image::RgbImage, where_: fn(u32, u32) -> bool, to: [u8; 3]) -> u8 {
    img.enumerate_pixels()
        .filter(|(x, y, _)| where_(*x, *y))
        .flat_map(|(_, _, p)| (0..3).map(move |c| p[c].abs_diff(to[c])))
        .max()
        .expect("some pixels selected")
}

#[test]
fn flat_colours_a_closed_area_in_one_colour_and_a_hint_fills_its_whole_area() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);

    let r = colour(&server, Some("flat"), None);
    assert_eq!(r.header("x-colorize-style"), Some("flat"));
    let flat = decode(&r);
    let centre = flat.get_pixel(48, 40).0;
    let spread = max_distance(&flat, inside, centre);
    assert!(
        spread <= 3,
        "inside the ring: colours {spread} levels apart"
    );
    // Paper touching the border stays paper.
    let paper = max_distance(&flat, outside, [255; 3]);
    assert!(paper <= 3, "outside the ring: {paper} levels from white");

    // A red dot in the middle paints the whole inside red, and nothing outside the line.
    let red = [229, 57, 53];
    let mut hints = RgbaImage::new(W, H);
    for (x, y) in [(47, 39), (48, 39), (47, 40), (48, 40)] {
        hints.put_pixel(x, y, Rgba([red[0], red[1], red[2], 255]));
    }
    let hinted = decode(&colour(&server, Some("flat"), Some(&hints)));
    let off = max_distance(&hinted, inside, red);
    assert!(
        off <= 3,
        "inside the ring: up to {off} levels from the hint"
    );
    let paper = max_distance(&hinted, outside, [255; 3]);
    assert!(
        paper <= 3,
        "outside the ring took colour: {paper} levels from white"
    );
}

#[test]
fn without_a_style_the_librarys_default_colours_and_models_lists_the_styles() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);
    let default = InferOptions::default().style.name();

    let implicit = colour(&server, None, None);
    let explicit = colour(&server, Some(default), None);
    assert_eq!(implicit.header("x-colorize-style"), Some(default));
    decode(&implicit);
    assert_eq!(
        implicit.body, explicit.body,
        "same picture with the default named"
    );
    // An empty field is what a form sends for "no choice": the default too.
    assert_eq!(colour(&server, Some(""), None).body, implicit.body);

    let ua = agent(Duration::from_secs(30));
    let models = get(&ua, &format!("{}/api/models", server.url))
        .unwrap()
        .json();
    assert_eq!(
        models["styles"],
        serde_json::json!(["soft", "flat", "shaded"])
    );
    assert_eq!(models["default_style"], default);
}

#[test]
fn an_unknown_style_or_layers_value_is_refused_with_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);

    let r = colour(&server, Some("glossy"), None);
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.error(),
        "style: unknown style `glossy` (expected soft, flat or shaded)"
    );

    let form = Form::default()
        .file("sketch", "image/png", &client::png(&ring()))
        .text("layers", "psd");
    let ua = agent(Duration::from_secs(60));
    let r = post_form(&ua, &server.colorize_url(), form).unwrap();
    assert_eq!(r.status, 400);
    assert!(
        r.error().contains("`psd`") && r.error().contains("`ora`"),
        "{}",
        r.error()
    );
    // The server carries on.
    decode(&colour(&server, Some("soft"), None));
}

/// The first entry of a zip file: (name, compression method, stored bytes), from its local
/// file header (APPNOTE 4.3.7), read by hand so the check does not share the writer's code.
fn first_zip_entry(zip: &[u8]) -> (String, u16, Vec<u8>) {
    assert!(zip.len() > 30 && zip[..4] == *b"PK\x03\x04", "not a zip");
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
    let method = u16_at(8);
    let size = u32_at(18) as usize;
    let (name_len, extra_len) = (usize::from(u16_at(26)), usize::from(u16_at(28)));
    let name = String::from_utf8(zip[30..30 + name_len].to_vec()).unwrap();
    let data = 30 + name_len + extra_len;
    (name, method, zip[data..data + size].to_vec())
}

#[test]
fn layers_ora_answers_an_openraster_file_to_save() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&hint_model(dir.path()), test_limits(), 4);
    let form = Form::default()
        .file("sketch", "image/png", &client::png(&ring()))
        .text("style", "soft")
        .text("layers", "ora");
    let ua = agent(Duration::from_secs(60));
    let r = post_form(&ua, &server.colorize_url(), form).unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("image/openraster"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"colour.ora\"")
    );
    let (name, method, data) = first_zip_entry(&r.body);
    assert_eq!(name, "mimetype");
    assert_eq!(method, 0, "stored, not compressed (OpenRaster asks for it)");
    assert_eq!(data, b"image/openraster");
    // The stack and the merged picture are in it (names from the OpenRaster spec).
    let text = String::from_utf8_lossy(&r.body);
    assert!(text.contains("stack.xml") && text.contains("mergedimage.png"));
}
