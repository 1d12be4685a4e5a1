//! Links the `colorize` crate to libtorch the way a user needs it.
//!
//! - rpath: torch-sys links libtorch dynamically but records no rpath, so a plain `cargo run`
//!   fails with "libtorch_cpu.so: cannot open shared object file". torch-sys publishes the
//!   directory it linked against as `DEP_TCH_LIBTORCH_LIB` (its `links = "tch"`); we turn it
//!   into an rpath. `LD_LIBRARY_PATH` still wins (RUNPATH), which is how a binary built here
//!   runs on a machine whose torch lives elsewhere.
//! - CUDA: libtorch_cuda.so is not linked; `device::load_cuda` loads it at run time where an
//!   NVIDIA driver is (loading it cost every start about 0.1 s on machines without a GPU).
//! - `src/native/ops.cpp`: two libtorch operators tch does not bind (see `src/native.rs`),
//!   compiled against the headers next to that lib directory (`<lib>/../include`, the layout
//!   of both the PyPI wheel and the libtorch archive).

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    println!("cargo:rerun-if-changed=src/native/ops.cpp");
    let dir = std::env::var("DEP_TCH_LIBTORCH_LIB").expect(
        "torch-sys did not report libtorch's lib directory (DEP_TCH_LIBTORCH_LIB); \
         run scripts/setup.sh",
    );
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

    let include = PathBuf::from(&dir).join("../include");
    // Same ABI switch and default as torch-sys (torch 2.11 wheels use the C++11 ABI).
    let abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".into());
    cc::Build::new()
        .cpp(true)
        .file("src/native/ops.cpp")
        .include(&include)
        .flag("-std=c++17")
        .flag(format!("-D_GLIBCXX_USE_CXX11_ABI={abi}"))
        .flag("-DGLOG_USE_GLOG_EXPORT")
        .warnings(false)
        .compile("colorize_native");
    // After the static shim on the link line, so its references resolve.
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=dylib=torch_cpu");
    println!("cargo:rustc-link-lib=dylib=c10");
}
