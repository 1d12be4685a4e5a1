//! How the process's C allocator treats freed memory, set once at start-up
//! ([`keep_freed_memory`]): libtorch's CPU tensors come from `malloc`.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once [`keep_freed_memory`] has applied its settings.
static KEPT: AtomicBool = AtomicBool::new(false);

/// Whether [`keep_freed_memory`] applied its settings in this process (`colorize info`).
pub fn freed_memory_kept() -> bool {
    KEPT.load(Ordering::Relaxed)
}

/// The glibc variables that tune the same settings; where the user set one, theirs win.
const GLIBC_VARIABLES: [&str; 3] = [
    "MALLOC_MMAP_MAX_",
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
];

/// Keeps freed memory in the process for the next allocation instead of handing it back to
/// the kernel. Returns whether the settings were applied.
///
/// glibc's `malloc` serves large blocks (above a threshold that starts at 128 KiB and grows
/// to at most 32 MiB) with their own `mmap` and unmaps them on `free`, and it trims the
/// heap's free top past 128 KiB. A training step allocates and frees the same few hundred
/// MB of activations and gradients every step, so every step faulted those pages in again,
/// zero-filled by the kernel: 13 % of a batch-16 step's samples were in the kernel
/// (perf). Serving every block from the heap and trimming only past 2 GiB keeps the pages:
/// +15-19 % images/s at batch 16, +10-15 % peak memory (bench/README.md, "## train").
///
/// Does nothing off glibc, or where one of glibc's own `MALLOC_*` variables is set.
pub fn keep_freed_memory() -> bool {
    if GLIBC_VARIABLES
        .iter()
        .any(|v| std::env::var_os(v).is_some())
    {
        return false;
    }
    let applied = apply();
    if applied {
        KEPT.store(true, Ordering::Relaxed);
    }
    applied
}

/// Hands the free memory the process holds (kept there by [`keep_freed_memory`]) back to the
/// kernel, `malloc_trim(0)`: for a long-lived process between bursts of work (`serve`
/// calls it when its queue goes idle), so that it does not hold on to the peak of its
/// largest request. Returns whether any memory was released (false off glibc).
pub fn release_freed_memory() -> bool {
    release()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release() -> bool {
    // SAFETY: malloc_trim only returns free pages of the allocator's own heaps to the
    // kernel; it is safe to call at any time, from any thread.
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release() -> bool {
    false
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn apply() -> bool {
    // SAFETY: mallopt only changes the allocator's parameters; it is safe to call at any
    // time, from any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn apply() -> bool {
    false
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    #[test]
    fn the_settings_apply_on_glibc_unless_the_user_set_glibcs_variables() {
        let user_set = GLIBC_VARIABLES
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        assert_eq!(keep_freed_memory(), !user_set);
        assert_eq!(freed_memory_kept(), !user_set);
        // A second call (the benchmarks call it too) applies them again.
        assert_eq!(keep_freed_memory(), !user_set);
        // Allocations still work, large ones included (served from the heap now).
        let block = vec![7u8; 48 << 20];
        assert_eq!(block[(48 << 20) - 1], 7);
        // Freed, the block stays in the heap (no longer unmapped), until it is handed back.
        drop(std::hint::black_box(block));
        if !user_set {
            assert!(release_freed_memory(), "48 MiB freed, nothing released");
        }
    }
}
