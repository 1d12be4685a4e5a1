//! Which model a command uses without `--model`: `$COLORIZE_MODEL`, then the user data dir
//! (`$XDG_DATA_HOME/colorize/models/default`, else `~/.local/share/...`), then the project's
//! `models/default` (never the working directory's); `colorize info` says which, and a
//! broken explicit choice is an error naming it, not skipped.
//!
//! Every command runs confined (`support::colorize_confined`): `$HOME` and the project are
//! temporary directories, the working directory another one.

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma};
use tempfile::TempDir;

use crate::support::{colorize_confined, make_model, rng_lock, stderr_of, stdout_of};

/// The temporary root, the working directory in it, and the places of the search order.
struct Places {
    root: TempDir,
    cwd: PathBuf,
    project: PathBuf,
    home_model: PathBuf,
}

fn places() -> Places {
    let root = TempDir::new().unwrap();
    let cwd = root.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    Places {
        project: root.path().join("project/models/default"),
        home_model: root
            .path()
            .join("home/.local/share/colorize/models/default"),
        cwd,
        root,
    }
}

/// `colorize info` (text, then `--json`) run in `p.cwd` with `env` added: its `model` line
/// and its JSON `model` object.
fn info(p: &Places, env: &[(&str, &Path)]) -> (String, serde_json::Value) {
    let run = |json: bool| {
        let mut cmd = colorize_confined(p.root.path());
        cmd.current_dir(&p.cwd).arg("info");
        if json {
            cmd.arg("--json");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
    };
    let text = run(false);
    let line = text
        .lines()
        .find(|l| l.starts_with("model "))
        .unwrap_or_else(|| panic!("no model line in:\n{text}"))
        .to_string();
    let json: serde_json::Value = serde_json::from_str(&run(true)).unwrap();
    (line, json["model"].clone())
}

/// Asserts that `info` reports `dir` found through `source` (text and JSON alike).
fn assert_found(p: &Places, env: &[(&str, &Path)], dir: &Path, source: (&str, &str)) {
    let (line, json) = info(p, env);
    let want = format!("model         {} (from {})", dir.display(), source.0);
    assert_eq!(line, want);
    assert_eq!(json["path"], dir.to_str().unwrap(), "{json}");
    assert_eq!(json["source"], source.1, "{json}");
    assert!(json["error"].is_null(), "{json}");
}

/// `colorize infer sketch.png` without `--model` in `p.cwd`, with `env` added.
fn infer_here(p: &Places, env: &[(&str, &Path)]) -> std::process::Output {
    let input = p.cwd.join("sketch.png");
    GrayImage::from_fn(24, 20, |x, y| Luma([if x == y { 0 } else { 255 }]))
        .save(&input)
        .unwrap();
    let mut cmd = colorize_confined(p.root.path());
    cmd.current_dir(&p.cwd)
        .args(["infer", "sketch.png", "--force"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn search_order_is_env_then_user_data_then_project_never_the_cwd() {
    let _rng = rng_lock();
    let p = places();
    // A model in the working directory's models/default is not searched.
    make_model(&p.cwd.join("models/default"), 4);
    let (line, json) = info(&p, &[]);
    let home_model = p.home_model.display().to_string();
    let project = p.project.display().to_string();
    assert_eq!(
        line,
        format!(
            "model         none found (searched: --model (not given), $COLORIZE_MODEL (not \
             set), {home_model} (user data dir), {project} (project))"
        )
    );
    assert!(json["path"].is_null(), "{json}");
    assert_eq!(json["searched"][0]["source"], "user-data", "{json}");
    assert_eq!(json["searched"][0]["path"], home_model.as_str(), "{json}");
    assert_eq!(json["searched"][1]["source"], "project", "{json}");
    assert_eq!(json["searched"][1]["path"], project.as_str(), "{json}");
    let out = infer_here(&p, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    for part in [
        "no model found",
        &project,
        "--model runs/NAME",
        "COLORIZE_MODEL=",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }

    // The project's model, found from another working directory; infer uses it.
    make_model(&p.project, 4);
    assert_found(&p, &[], &p.project, ("project", "project"));
    let out = infer_here(&p, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).trim(), "sketch_color.png");
    assert!(p.cwd.join("sketch_color.png").is_file());

    // The user data dir comes before it: ~/.local/share, or an absolute $XDG_DATA_HOME
    // (a relative one is ignored, as the XDG spec says).
    make_model(&p.home_model, 4);
    assert_found(&p, &[], &p.home_model, ("user data dir", "user-data"));
    let xdg = p.root.path().join("xdg");
    let xdg_model = make_model(&xdg.join("colorize/models/default"), 4);
    let xdg_env = [("XDG_DATA_HOME", xdg.as_path())];
    assert_found(&p, &xdg_env, &xdg_model, ("user data dir", "user-data"));
    let relative = [("XDG_DATA_HOME", Path::new("xdg"))];
    assert_found(&p, &relative, &p.home_model, ("user data dir", "user-data"));

    // $COLORIZE_MODEL comes before all of them.
    let env_model = make_model(&p.root.path().join("mine"), 4);
    let env = [("COLORIZE_MODEL", env_model.as_path())];
    assert_found(&p, &env, &env_model, ("$COLORIZE_MODEL", "env"));
    let out = infer_here(&p, &env);
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn a_broken_explicit_choice_is_an_error_naming_it_not_skipped() {
    let _rng = rng_lock();
    let p = places();
    make_model(&p.project, 4);

    // $COLORIZE_MODEL naming nothing: infer and info say so, although the project has one.
    let nowhere = p.root.path().join("nowhere");
    let env = [("COLORIZE_MODEL", nowhere.as_path())];
    let out = infer_here(&p, &env);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    let named = format!("$COLORIZE_MODEL ({})", nowhere.display());
    assert!(
        err.contains(&named) && err.contains("not a usable model"),
        "{err}"
    );
    let (line, json) = info(&p, &env);
    assert!(
        line.starts_with(&format!("model         none usable: {named}")),
        "{line}"
    );
    assert!(json["error"].as_str().unwrap().contains(&named), "{json}");
    // --model still wins over it.
    let mut cmd = colorize_confined(p.root.path());
    let input = p.cwd.join("sketch.png");
    let out = cmd
        .current_dir(&p.cwd)
        .env("COLORIZE_MODEL", &nowhere)
        .arg("infer")
        .arg(&input)
        .arg("--model")
        .arg(&p.project)
        .args(["-o", "flag.png"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));

    // A user data dir that exists but holds no model: an error naming it.
    std::fs::create_dir_all(&p.home_model).unwrap();
    let out = infer_here(&p, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "the user data dir's model {}",
            p.home_model.display()
        )),
        "{err}"
    );
}

#[test]
fn without_overrides_the_project_is_the_checkout_this_binary_was_built_from() {
    let p = places();
    let mut cmd = colorize_confined(p.root.path());
    let out = cmd
        .current_dir(&p.cwd)
        .env_remove(colorize::run_dir::PROJECT_DIR_ENV)
        .args(["info", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    let last = json["model"]["searched"]
        .as_array()
        .unwrap()
        .last()
        .unwrap();
    assert_eq!(last["path"], project.to_str().unwrap(), "{json}");
    assert_eq!(last["source"], "project", "{json}");
}
