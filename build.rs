//! Makes the `colorize` binaries, tests and benches find libtorch without `LD_LIBRARY_PATH`.
//!
//! torch-sys links libtorch dynamically but records no rpath, so a plain `cargo run` fails
//! with "libtorch_cpu.so: cannot open shared object file". torch-sys publishes the directory
//! it linked against as `DEP_TCH_LIBTORCH_LIB` (its `links = "tch"`); we turn it into an
//! rpath. `LD_LIBRARY_PATH` still wins (RUNPATH), which is how a binary built here runs on a
//! machine whose torch lives elsewhere.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:rustc-env=COLORIZE_TORCH_BUILD_VERSION=unknown");
        return;
    };
    // The wheel's torch/version.py sits next to lib/: record the version we compiled against.
    let version = std::fs::read_to_string(Path::new(&dir).join("../version.py"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("__version__ = "))
                .map(|v| v.trim_matches(|c| c == '\'' || c == '"').to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=COLORIZE_TORCH_BUILD_VERSION={version}");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    // `--as-needed` would drop libtorch_cuda.so (no symbol of ours references it), and then
    // CUDA is never registered: keep it so one build uses a GPU where one exists.
    if Path::new(&dir).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
