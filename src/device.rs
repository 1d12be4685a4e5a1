//! Choosing the compute device and describing the torch runtime (`colorize info`).

use crate::{Error, Result};
use tch::Device;

/// Where tensors live: `auto` picks the first CUDA device when present, else the CPU.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    #[default]
    /// CUDA when libtorch sees a device, else the CPU.
    Auto,
    /// The CPU.
    Cpu,
    /// The first CUDA device (an error when there is none).
    Cuda,
}

impl DeviceChoice {
    /// Resolves the choice to a tch device; asking for CUDA without one is an error.
    pub fn resolve(self) -> Result<Device> {
        if self != DeviceChoice::Cpu {
            load_cuda();
        }
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => Ok(Device::cuda_if_available()),
            DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
            DeviceChoice::Cuda => Err(Error::Device(
                "--device cuda was asked for, but libtorch sees no CUDA device".into(),
            )),
        }
    }
}

/// Sets the intra-op thread count when given (0 or `None` keeps libtorch's default).
pub fn set_threads(threads: Option<usize>) {
    if let Some(n) = threads.filter(|&n| n > 0) {
        tch::set_num_threads(n as i32);
    }
}

/// What `colorize info` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuntimeInfo {
    /// torch version this binary was compiled against (from the wheel's `version.py`).
    pub torch_build_version: String,
    /// The libtorch shared library actually loaded by this process, when it can be seen.
    pub libtorch_path: Option<String>,
    /// Whether libtorch sees a CUDA device.
    pub cuda_available: bool,
    /// Number of CUDA devices.
    pub cuda_devices: i64,
    /// Whether cuDNN is available.
    pub cudnn_available: bool,
    /// The device `--device auto` resolves to.
    pub default_device: String,
    /// Intra-op CPU threads libtorch uses.
    pub threads: i32,
    /// Whether libtorch's CUDA backend is loaded (`load_cuda`: only where a driver is).
    pub cuda_backend: bool,
    /// Whether this process keeps freed memory for reuse (`memory::keep_freed_memory`).
    pub keeps_freed_memory: bool,
}

impl RuntimeInfo {
    /// Asks libtorch and this process.
    pub fn collect() -> Self {
        let cuda_backend = load_cuda();
        let cuda_devices = tch::Cuda::device_count();
        RuntimeInfo {
            torch_build_version: env!("COLORIZE_TORCH_BUILD_VERSION").to_string(),
            libtorch_path: loaded_libtorch(),
            cuda_available: tch::Cuda::is_available(),
            cuda_devices,
            cudnn_available: tch::Cuda::cudnn_is_available(),
            default_device: format!("{:?}", Device::cuda_if_available()),
            threads: tch::get_num_threads(),
            cuda_backend,
            keeps_freed_memory: crate::memory::freed_memory_kept(),
        }
    }
}

/// Loads libtorch's CUDA backend (`libtorch_cuda.so`, with the CUDA runtime, cuBLAS and
/// cuDNN it pulls in) on first need, and only where an NVIDIA driver is installed: the binary
/// does not link it, because loading it took about 0.1 s of every start, a quarter of a
/// one-sketch `colorize infer`, on machines that cannot use it. It registers the CUDA
/// backend with libtorch when loaded, so this must run before anything asks about CUDA
/// (`DeviceChoice::resolve` and `RuntimeInfo::collect` call it). Returns whether the backend
/// is loaded. `COLORIZE_CUDA=0` never loads it; `COLORIZE_CUDA=1` loads it without a driver
/// (libtorch then reports no device).
pub fn load_cuda() -> bool {
    static LOADED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *LOADED.get_or_init(|| {
        let driver = ["/proc/driver/nvidia/version", "/dev/nvidiactl"]
            .iter()
            .any(|p| std::path::Path::new(p).exists());
        let wanted = match std::env::var("COLORIZE_CUDA").as_deref() {
            Ok("0") => false,
            Ok("1") => true,
            _ => driver,
        };
        if !wanted {
            return false;
        }
        // Found through the binary's RUNPATH (libtorch's lib directory) or LD_LIBRARY_PATH,
        // as libtorch_cpu.so is.
        // SAFETY: dlopen with a valid C string; the handle is kept for the process's life.
        let handle = unsafe {
            libc::dlopen(
                c"libtorch_cuda.so".as_ptr(),
                libc::RTLD_NOW | libc::RTLD_GLOBAL,
            )
        };
        if handle.is_null() {
            log::debug!("libtorch_cuda.so not loaded: CUDA unavailable to this process");
        }
        !handle.is_null()
    })
}

/// Finds `libtorch_cpu.so` among this process's mapped files (Linux only).
fn loaded_libtorch() -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.ends_with("/libtorch_cpu.so"))
        .map(str::to_string)
}
