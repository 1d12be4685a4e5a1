//! The command-line surface: the commands exist, exit statuses are the shared ones, and a
//! closed standard output (`colorize ... | head`) ends quietly. (The clap definitions are
//! checked by a unit test in the binary, `src/cli.rs`.)

use data_prep::exit;

use crate::support::{
    assert_quiet_success, colorize_cmd, colorize_into_closed_pipe, make_dataset, stderr_of,
    stdout_of,
};

#[test]
fn help_lists_every_command() {
    let out = colorize_cmd().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in ["train", "infer", "eval", "export", "info"] {
        assert!(help.contains(cmd), "--help does not list `{cmd}`:\n{help}");
    }
}

#[test]
fn info_reports_torch_device_and_threads() {
    let out = colorize_cmd().args(["info", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        info["torch_build_version"]
            .as_str()
            .unwrap()
            .starts_with("2.11.0"),
        "{info}"
    );
    assert!(info["threads"].as_i64().unwrap() >= 1, "{info}");
    let device = info["default_device"].as_str().unwrap();
    assert!(device == "Cpu" || device.starts_with("Cuda"), "{info}");
}

#[test]
fn the_binary_keeps_freed_memory_unless_glibcs_variables_say_otherwise() {
    let info = |env: Option<(&str, &str)>| -> serde_json::Value {
        let mut cmd = colorize_cmd();
        for v in [
            "MALLOC_MMAP_MAX_",
            "MALLOC_MMAP_THRESHOLD_",
            "MALLOC_TRIM_THRESHOLD_",
        ] {
            cmd.env_remove(v);
        }
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.args(["info", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let glibc = cfg!(all(target_os = "linux", target_env = "gnu"));
    assert_eq!(info(None)["keeps_freed_memory"], glibc);
    let theirs = info(Some(("MALLOC_TRIM_THRESHOLD_", "131072")));
    assert_eq!(theirs["keeps_freed_memory"], false, "{theirs}");
}

#[test]
fn the_cuda_backend_loads_only_when_wanted_and_never_links() {
    let info = |cuda: &str| -> serde_json::Value {
        let out = colorize_cmd()
            .env("COLORIZE_CUDA", cuda)
            .args(["info", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let off = info("0");
    assert_eq!(off["cuda_backend"], false, "{off}");
    assert_eq!(off["default_device"], "Cpu", "{off}");
    // Forced: libtorch_cuda.so is found next to libtorch_cpu.so (the wheel ships both).
    let on = info("1");
    assert_eq!(on["cuda_backend"], true, "{on}");
    // A start without a GPU maps no CUDA library (the point: about 0.1 s saved).
    let binary = assert_cmd::cargo::cargo_bin("colorize");
    let needed = std::process::Command::new("readelf")
        .arg("-d")
        .arg(&binary)
        .output();
    if let Ok(out) = needed {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("libtorch_cpu.so") && !text.contains("libtorch_cuda.so"),
            "{text}"
        );
    }
}

#[test]
fn usage_errors_exit_2_and_help_lists_the_statuses() {
    let out = colorize_cmd().arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(exit::USAGE.into()));
    let out = colorize_cmd().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Exit status: 0 done"), "{help}");
}

#[test]
fn info_into_a_closed_pipe_ends_quietly() {
    assert_quiet_success(&colorize_into_closed_pipe(&["info"]));
    assert_quiet_success(&colorize_into_closed_pipe(&["info", "--json"]));
}

#[test]
fn eval_into_a_closed_pipe_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = make_dataset(&tmp.path().join("data"), 32, 2, 2);
    let data = data.to_str().unwrap();
    for split_args in [&[][..], &["--json"][..]] {
        let mut args = vec![
            "eval",
            "--data",
            data,
            "--split",
            "val",
            "--baseline",
            "gray",
        ];
        args.extend(split_args);
        assert_quiet_success(&colorize_into_closed_pipe(&args));
    }
}

#[test]
fn train_help_shows_the_ebgan_flags_with_their_defaults() {
    let out = colorize_cmd()
        .args(["train", "--gan-mode", "ebgan", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    // One line of words, whatever the wrapping.
    let help = stdout_of(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for text in [
        "ebgan",
        "--margin <MARGIN> EBGAN margin",
        "[default: none; 0.0326 for ebgan]",
        "--pt-weight <PT_WEIGHT> EBGAN pull-away term weight [default: none; 0.1 for ebgan]",
    ] {
        assert!(help.contains(text), "`{text}` not in:\n{help}");
    }
}
