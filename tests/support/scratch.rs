//! Scratch directories for test binaries, unique per run.

use std::path::PathBuf;

/// A scratch directory for one run of a test binary, fresh on its first use: the name carries the process
/// id and the start time, because process ids repeat across containers and a directory left by an earlier
/// run (a FIFO, a stale golden file) must never be mistaken for this run's.
pub fn scratch(name: &str) -> PathBuf {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        format!("{}-{nanos}", std::process::id())
    });
    let dir = std::env::temp_dir().join(format!("ddpm-golden-{name}-{run}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
