//! The `prep` command end to end on generated images in temporary directories: both modes,
//! both methods and orders, bad inputs, refusal to write into the input, splits, re-runs.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use data_prep::exit;
use serde_json::Value;

use crate::common::{bomb_png, closed_pipe, drawing, line_art, save_png, transparent_drawing};

fn prep() -> Command {
    Command::cargo_bin("prep").unwrap()
}

/// Runs prep; returns (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = prep().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn manifest(out: &Path) -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["id"].as_str().unwrap().to_string(), v))
        .collect()
}

fn make_sources(dir: &Path, n: u32) {
    for i in 0..n {
        save_png(&drawing(96, 80, i), &dir.join(format!("img{i:02}.png")));
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn extract_mode_writes_pairs_for_each_method_and_order() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    make_sources(&src, 3);
    for (method, at) in [
        ("xdog", "target"),
        ("xdog", "source"),
        ("dilate", "target"),
        ("dilate", "source"),
    ] {
        let out = tmp.path().join(format!("out-{method}-{at}"));
        let (ok, stdout, stderr) = run(&[
            s(&src),
            "-o",
            s(&out),
            "--size",
            "64",
            "--method",
            method,
            "--extract-at",
            at,
            "-q",
        ]);
        assert!(ok, "{method}/{at}: {stderr}");
        assert!(
            stdout.contains("3 pairs") && stdout.contains("3 written"),
            "{stdout}"
        );
        let m = manifest(&out);
        assert_eq!(m.len(), 3);
        for (id, e) in &m {
            assert_eq!(e["method"], method);
            let line = image::open(out.join(e["line"].as_str().unwrap())).unwrap();
            let color = image::open(out.join(e["color"].as_str().unwrap())).unwrap();
            assert_eq!(line.color(), image::ColorType::L8, "{id}");
            assert_eq!(color.color(), image::ColorType::Rgb8, "{id}");
            assert_eq!(
                (line.width(), line.height(), color.width(), color.height()),
                (64, 64, 64, 64)
            );
            // The outline is ink; the white paper stays white.
            let line = line.to_luma8();
            assert!(
                line.as_raw().iter().filter(|&&v| v < 128).count() > 40,
                "{method}/{at}: no lines"
            );
            assert_eq!(
                line.get_pixel(1, 1)[0],
                255,
                "{method}/{at}: paper not white"
            );
        }
    }
}

#[test]
fn paired_mode_matches_by_relative_path_and_reports_missing_partners() {
    let tmp = tempfile::tempdir().unwrap();
    let (color, lines, out) = (
        tmp.path().join("color"),
        tmp.path().join("black"),
        tmp.path().join("out"),
    );
    for (i, name) in ["a/one", "b/one", "two"].iter().enumerate() {
        save_png(
            &drawing(80, 80, i as u32),
            &color.join(format!("{name}.png")),
        );
    }
    // Line art as SVG for a/one (another extension), PNG for b/one, none for "two".
    std::fs::create_dir_all(lines.join("a")).unwrap();
    std::fs::write(
        lines.join("a/one.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><circle cx="36" cy="36" r="25"
           fill="none" stroke="#000" stroke-width="3"/><path d="M20 36 H52" stroke="#000" stroke-width="3"/></svg>"##,
    )
    .unwrap();
    save_png(&line_art(80, 80, 9), &lines.join("b/one.png"));

    let (ok, stdout, stderr) = run(&[
        s(&color),
        "--lines",
        s(&lines),
        "-o",
        s(&out),
        "--size",
        "64",
        "-q",
    ]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("two.png: no line-art partner"), "{stderr}");
    assert!(
        stdout.contains("2 pairs") && stdout.contains("no line-art partner 1"),
        "{stdout}"
    );
    let m = manifest(&out);
    assert_eq!(
        m.keys().collect::<Vec<_>>(),
        ["a__one", "b__one"],
        "ids from sub-folders must not collide"
    );
    assert_eq!(m["a__one"]["method"], "paired");
    assert!(m["a__one"]["lines_source"]
        .as_str()
        .unwrap()
        .ends_with("a/one.svg"));
    let l = image::open(out.join("line/a__one.png")).unwrap().to_luma8();
    assert!(
        l.get_pixel(32, 32)[0] < 100,
        "the SVG's stroke is the line art"
    );
}

#[test]
fn bad_inputs_are_skipped_with_a_reason_and_the_run_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    make_sources(&src, 1);
    std::fs::write(src.join("empty.png"), b"").unwrap();
    std::fs::write(src.join("notes.jpg"), b"this is text, not a JPEG").unwrap();
    let good = std::fs::read(src.join("img00.png")).unwrap();
    std::fs::write(src.join("truncated.png"), &good[..good.len() / 2]).unwrap();
    std::fs::write(src.join("bomb.png"), bomb_png(60_000, 60_000)).unwrap();
    save_png(&drawing(40, 40, 1), &src.join("tiny.png"));
    save_png(
        &image::RgbImage::from_pixel(90, 90, image::Rgb([255, 255, 255])),
        &src.join("blank.png"),
    );

    let (ok, stdout, stderr) = run(&[s(&src), "-o", s(&out), "--size", "64", "-q"]);
    assert!(ok, "one good input: the run succeeds\n{stderr}");
    for (file, reason) in [
        ("empty.png", "empty file"),
        ("notes.jpg", "not an image"),
        ("truncated.png", "cannot decode"),
        ("bomb.png", "too large (60000x60000"),
        ("tiny.png", "smaller than --size (40x40 < 64"),
        ("blank.png", "no ink"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no line for {file}:\n{stderr}"));
        assert!(
            line.starts_with("skipped: ") && line.contains(reason),
            "{file}: {line}"
        );
    }
    assert!(
        stdout.contains("1 pairs") && stdout.contains("skipped 6"),
        "{stdout}"
    );
    assert!(
        stdout.contains("too large 1") && stdout.contains("empty file 1"),
        "{stdout}"
    );
    assert_eq!(manifest(&out).len(), 1);
}

#[test]
fn many_bad_inputs_keep_stderr_short_and_are_all_listed_in_skipped_txt() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    make_sources(&src, 1);
    for i in 0..25 {
        std::fs::write(src.join(format!("bad{i:02}.png")), b"").unwrap();
    }
    let (ok, stdout, stderr) = run(&[s(&src), "-o", s(&out), "--size", "64", "-q"]);
    assert!(ok, "{stderr}");
    let shown: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("skipped: "))
        .collect();
    assert_eq!(shown.len(), 11, "ten inputs and a count:\n{stderr}");
    assert!(shown[0].contains("bad00.png: empty file"), "{stderr}");
    assert_eq!(shown[10], "skipped: ... and 15 more");
    let list_path = out.join("skipped.txt");
    assert!(
        stdout.contains("skipped 25: empty file 25")
            && stdout.contains(&format!("full list in {}", list_path.display())),
        "{stdout}"
    );
    let list = std::fs::read_to_string(&list_path).unwrap();
    let expected: String = (0..25)
        .map(|i| {
            format!(
                "{}: empty file\n",
                src.join(format!("bad{i:02}.png")).display()
            )
        })
        .collect();
    assert_eq!(
        list, expected,
        "one `path: reason` line per skipped input, in walk order"
    );

    // The list is the last run's: once the bad inputs are gone, it is empty.
    for i in 0..25 {
        std::fs::remove_file(src.join(format!("bad{i:02}.png"))).unwrap();
    }
    let (ok, stdout, stderr) = run(&[s(&src), "-o", s(&out), "--size", "64", "-q"]);
    assert!(
        ok && !stdout.contains("skipped") && !stderr.contains("skipped"),
        "{stdout}{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&list_path).unwrap(), "");
}

#[test]
fn nothing_written_is_an_error_exit() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("empty.png"), b"").unwrap();
    let (ok, _, stderr) = run(&[s(&src), "-o", s(&tmp.path().join("out")), "-q"]);
    assert!(!ok);
    assert!(stderr.contains("no pair could be written"), "{stderr}");
}

#[test]
fn output_inside_the_input_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    make_sources(&src, 1);
    for out in [src.join("dataset"), src.clone()] {
        let o = prep()
            .args([s(&src), "-o", s(&out), "-q"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(exit::FAILURE.into()));
        assert!(String::from_utf8_lossy(&o.stderr).contains("is inside the input"));
    }
    let names: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["img00.png"], "the input tree is untouched");
}

#[test]
fn alpha_is_composited_over_white() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    transparent_drawing(64, 64, 2)
        .save(src.join("t.png"))
        .unwrap();
    let (ok, _, stderr) = run(&[s(&src), "-o", s(&out), "--size", "64", "-q"]);
    assert!(ok, "{stderr}");
    let color = image::open(out.join("color/t.png")).unwrap().to_rgb8();
    let line = image::open(out.join("line/t.png")).unwrap().to_luma8();
    assert_eq!(
        color.get_pixel(2, 2).0,
        [255, 255, 255],
        "hidden black must not show"
    );
    assert_eq!(line.get_pixel(2, 2)[0], 255);
    assert_eq!(
        color.get_pixel(32, 40).0,
        drawing(64, 64, 2).get_pixel(32, 40).0
    );
}

#[test]
fn splits_are_stable_across_runs_and_follow_the_id() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    make_sources(&src, 24);
    let args = |out: &Path| {
        vec![
            s(&src).to_string(),
            "-o".into(),
            s(out).into(),
            "--size".into(),
            "32".into(),
            "--val".into(),
            "0.3".into(),
            "--test".into(),
            "0.3".into(),
            "-q".into(),
        ]
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let argv: Vec<String> = args(&a);
    assert!(prep().args(&argv).output().unwrap().status.success());
    let first: BTreeMap<_, _> = manifest(&a)
        .into_iter()
        .map(|(k, v)| (k, v["split"].clone()))
        .collect();
    let splits: std::collections::HashSet<_> = first
        .values()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        splits.len(),
        3,
        "24 images at 30/30/40 % use all splits: {first:?}"
    );
    // Forced re-run into the same directory and a fresh run elsewhere: same splits.
    let mut forced = argv.clone();
    forced.push("--force".into());
    assert!(prep().args(&forced).output().unwrap().status.success());
    assert!(prep().args(args(&b)).output().unwrap().status.success());
    for out in [&a, &b] {
        let again: BTreeMap<_, _> = manifest(out)
            .into_iter()
            .map(|(k, v)| (k, v["split"].clone()))
            .collect();
        assert_eq!(again, first);
    }
}

#[test]
fn paired_splits_follow_the_line_art_so_shared_drawings_stay_together() {
    let tmp = tempfile::tempdir().unwrap();
    let (color, lines, out) = (
        tmp.path().join("c"),
        tmp.path().join("l"),
        tmp.path().join("o"),
    );
    let line = line_art(64, 64, 0);
    for i in 0..12 {
        save_png(&drawing(64, 64, i), &color.join(format!("v{i}.png"))); // "skin tones"
        save_png(&line, &lines.join(format!("v{i}.png"))); // one shared drawing
    }
    let (ok, _, stderr) = run(&[
        s(&color),
        "--lines",
        s(&lines),
        "-o",
        s(&out),
        "--size",
        "32",
        "--val",
        "0.4",
        "--test",
        "0.4",
        "-q",
    ]);
    assert!(ok, "{stderr}");
    let m = manifest(&out);
    let splits: std::collections::HashSet<_> =
        m.values().map(|e| e["split"].as_str().unwrap()).collect();
    assert_eq!(m.len(), 12);
    assert_eq!(splits.len(), 1, "one drawing, one split: {splits:?}");
}

#[test]
fn re_runs_are_incremental_and_force_redoes_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    make_sources(&src, 4);
    let base = [s(&src), "-o", s(&out), "--size", "32", "-q"];
    let (ok, stdout, _) = run(&base);
    assert!(
        ok && stdout.contains("4 written, 0 already up to date"),
        "{stdout}"
    );
    let mtime = |p: &str| std::fs::metadata(out.join(p)).unwrap().modified().unwrap();
    let before = mtime("color/img01.png");

    let (ok, stdout, _) = run(&base);
    assert!(
        ok && stdout.contains("0 written, 4 already up to date"),
        "{stdout}"
    );
    assert_eq!(
        mtime("color/img01.png"),
        before,
        "an up-to-date pair is not rewritten"
    );

    // An edited source is redone; other settings redo everything; --force too.
    std::thread::sleep(std::time::Duration::from_millis(20));
    save_png(&drawing(96, 80, 40), &src.join("img02.png"));
    let (_, stdout, _) = run(&base);
    assert!(
        stdout.contains("1 written, 3 already up to date"),
        "{stdout}"
    );
    let (_, stdout, _) = run(&[
        s(&src),
        "-o",
        s(&out),
        "--size",
        "32",
        "--method",
        "dilate",
        "-q",
    ]);
    assert!(
        stdout.contains("4 written, 0 already up to date"),
        "{stdout}"
    );
    let mut forced = base.to_vec();
    forced.extend(["--method", "dilate", "--force"]);
    let (_, stdout, _) = run(&forced);
    assert!(
        stdout.contains("4 written, 0 already up to date"),
        "{stdout}"
    );
    assert_eq!(manifest(&out).len(), 4);
    assert!(manifest(&out).values().all(|e| e["method"] == "dilate"));
}

#[test]
fn small_images_can_be_upscaled_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    save_png(&drawing(48, 40, 1), &src.join("small.png"));
    let (ok, _, stderr) = run(&[s(&src), "-o", s(&out), "--size", "64", "-q"]);
    assert!(!ok && stderr.contains("smaller than --size"), "{stderr}");
    let (ok, _, stderr) = run(&[s(&src), "-o", s(&out), "--size", "64", "--upscale", "-q"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        image::open(out.join("color/small.png")).unwrap().width(),
        64
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang_the_walk() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    make_sources(&src.join("sub"), 1);
    std::os::unix::fs::symlink(&src, src.join("sub/loop")).unwrap();
    let (ok, stdout, stderr) = run(&[s(&src), "-o", s(&out), "--size", "32", "-q"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("symbolic link loop"), "{stderr}");
    assert!(stdout.contains("1 pairs"), "{stdout}");
}

#[test]
fn help_documents_the_interface() {
    let (ok, stdout, _) = run(&["--help"]);
    assert!(ok);
    for flag in [
        "--lines",
        "--size",
        "--method",
        "--extract-at",
        "--crop",
        "--upscale",
        "--val",
        "--test",
        "--force",
    ] {
        assert!(stdout.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn exit_statuses_are_the_shared_ones_and_help_lists_them() {
    let o = prep().arg("--no-such-flag").output().unwrap();
    assert_eq!(o.status.code(), Some(exit::USAGE.into()));
    let (ok, stdout, _) = run(&["--help"]);
    assert!(ok && stdout.contains(exit::EXIT_STATUS_HELP.split(';').next().unwrap()));
}

#[test]
fn a_closed_stdout_ends_quietly_with_success() {
    // `prep ... | head -0`: the summary lines meet a reader that has gone.
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    make_sources(&src, 2);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_prep"))
        .args([s(&src), "-o", s(&tmp.path().join("out")), "-q"])
        .stdout(closed_pipe())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(exit::SUCCESS.into()), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
}
