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
}

impl RuntimeInfo {
    /// Asks libtorch and this process.
    pub fn collect() -> Self {
        let cuda_devices = tch::Cuda::device_count();
        RuntimeInfo {
            torch_build_version: env!("COLORIZE_TORCH_BUILD_VERSION").to_string(),
            libtorch_path: loaded_libtorch(),
            cuda_available: tch::Cuda::is_available(),
            cuda_devices,
            cudnn_available: tch::Cuda::cudnn_is_available(),
            default_device: format!("{:?}", Device::cuda_if_available()),
            threads: tch::get_num_threads(),
        }
    }
}

/// Finds `libtorch_cpu.so` among this process's mapped files (Linux only).
fn loaded_libtorch() -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.ends_with("/libtorch_cpu.so"))
        .map(str::to_string)
}
