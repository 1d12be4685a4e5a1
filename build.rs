//! Links the `colorize` crate to libtorch the way a user needs it.
//!
//! - rpath: torch-sys links libtorch dynamically but records no rpath, so a plain `cargo run`
//!   fails with "libtorch_cpu.so: cannot open shared object file". torch-sys publishes the
//!   directory it linked against as `DEP_TCH_LIBTORCH_LIB` (its `links = "tch"`); we turn it
//!   into an rpath. `LD_LIBRARY_PATH` still wins (RUNPATH), which is how a binary built here
//!   runs on a machine whose torch lives elsewhere.
//! - CUDA: libtorch_cuda.so is not linked; `device::load_cuda` loads it at run time where an
//!   NVIDIA driver is (loading it cost every start about 0.1 s on machines without a GPU).
//! - `src/native/ops.cpp` (libtorch operators tch does not bind), `src/native/half_conv.cpp`
//!   (a float16-weight convolution kernel) and `src/native/winograd.cpp` (the Winograd
//!   convolution's data transforms); see `src/native.rs`,
//!   compiled against the headers next to that lib directory (`<lib>/../include`, the layout
//!   of both the PyPI wheel and the libtorch archive).

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    println!("cargo:rerun-if-changed=src/native/ops.cpp");
    println!("cargo:rerun-if-changed=src/native/half_conv.cpp");
    println!("cargo:rerun-if-changed=src/native/winograd.cpp");
    println!("cargo:rerun-if-changed=src/native/guarded.h");
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
        // Optimised in every profile: the dev profile (what `make setup` builds, opt-level
        // 2) left half_conv's register-blocked loops rolled, 1.7x slower.
        .opt_level(3)
        .file("src/native/ops.cpp")
        .file("src/native/half_conv.cpp")
        .file("src/native/winograd.cpp")
        .include(&include)
        .include(include.join("torch/csrc/api/include"))
        .flag("-std=c++17")
        .flag(format!("-D_GLIBCXX_USE_CXX11_ABI={abi}"))
        .flag("-DGLOG_USE_GLOG_EXPORT")
        // at::parallel_for runs on libtorch's OpenMP threads only in code compiled with
        // OpenMP (serially otherwise); linked below to libtorch's own libgomp.
        .flag("-fopenmp")
        .warnings(false)
        .compile("colorize_native");
    // After the static shim on the link line, so its references resolve.
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=dylib=torch_cpu");
    println!("cargo:rustc-link-lib=dylib=c10");
    // The OpenMP runtime libtorch uses (the wheel ships it as lib/libgomp.so.1; a libtorch
    // archive as libgomp-<hash>.so.1): linking that very file keeps one runtime and one
    // thread pool in the process.
    let gomp = std::fs::read_dir(&dir)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libgomp") && n.contains(".so"))
        });
    match gomp {
        Some(path) => println!("cargo:rustc-link-arg={}", path.display()),
        None => println!("cargo:rustc-link-lib=dylib=gomp"),
    }
}
