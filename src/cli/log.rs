//! `postie log [-f] [--sessions]`: show the node's log file (the newest of the daily files),
//! or only its access lines (one per SMTP/POP3 session, see [`crate::access_log`]).

use super::Context;
use anyhow::{Context as _, anyhow};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The newest log file in the log dir.
fn newest_log(ctx: &Context) -> anyhow::Result<PathBuf> {
    let dir = ctx.paths.log_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("no logs yet in {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    files
        .pop()
        .ok_or_else(|| anyhow!("no logs yet in {}", dir.display()))
}

/// Print the last `lines` lines (only access lines with `sessions`); with `follow`, keep
/// printing what is appended.
pub async fn log(
    ctx: &Context,
    lines: usize,
    follow: bool,
    sessions: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let path = newest_log(ctx)?;
    let mut file = std::fs::File::open(&path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    let wanted = |line: &str| !sessions || crate::access_log::is_access_line(line);
    let all: Vec<&str> = text.lines().filter(|l| wanted(l)).collect();
    for line in &all[all.len().saturating_sub(lines)..] {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if !follow {
        return Ok(ExitCode::SUCCESS);
    }
    let mut offset = text.len() as u64;
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        }
        let len = std::fs::metadata(&path)?.len();
        if len < offset {
            offset = 0; // truncated or rotated in place
        }
        if len > offset {
            file.seek(SeekFrom::Start(offset))?;
            let mut chunk = Vec::new();
            file.read_to_end(&mut chunk)?;
            // Only whole lines, so a line is never split between filter decisions.
            let whole = chunk.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            chunk.truncate(whole);
            offset += chunk.len() as u64;
            for line in String::from_utf8_lossy(&chunk)
                .lines()
                .filter(|l| wanted(l))
            {
                writeln!(out, "{line}")?;
            }
            out.flush()?;
        }
    }
}
