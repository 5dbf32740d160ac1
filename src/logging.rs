//! Logging: tracing to a daily-rotated file in the data dir (and stderr when headless).
//!
//! Never log message bodies or credentials; a span per connection carries the peer.

use crate::config::Paths;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Install the process's subscriber. Keep the guard alive: dropping it flushes the file.
/// `RUST_LOG`, when set, overrides the configured filter.
pub fn init(paths: &Paths, filter: &str, to_stderr: bool) -> std::io::Result<WorkerGuard> {
    let dir = paths.log_dir();
    std::fs::create_dir_all(&dir)?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("postie")
        .filename_suffix("log")
        .max_log_files(14)
        .build(&dir)
        .map_err(std::io::Error::other)?;
    let (file, guard) = tracing_appender::non_blocking(appender);
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_new(filter).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let installed = if to_stderr {
        builder.with_writer(file.and(std::io::stderr)).try_init()
    } else {
        builder.with_writer(file).try_init()
    };
    // A subscriber installed earlier (tests) keeps working; that is not an error.
    let _ = installed;
    Ok(guard)
}
