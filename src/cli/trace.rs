//! `postie trace FILE|ID [--json]`: the Received-chain analysis for any message.

use super::Context;
use crate::mail::trace::{self, TraceContext};
use anyhow::{Context as _, anyhow};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Analyse a stored message (numeric id) or an .eml file.
pub async fn trace(
    ctx: &Context,
    target: &str,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let path = Path::new(target);
    let raw = if path.exists() {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    } else if let Ok(id) = target.parse::<i64>() {
        let store = ctx.open_store().await?;
        store
            .raw(id)
            .await?
            .ok_or_else(|| anyhow!("no message with id {id}"))?
    } else {
        return Err(anyhow!("{target} is neither a file nor a message id"));
    };
    let hostname = ctx.config.hostname();
    let context = TraceContext {
        local_hostnames: vec![hostname.clone()],
        local_authserv_ids: vec![hostname],
    };
    let analysis = trace::analyse(&raw, &context);
    if json {
        serde_json::to_writer_pretty(&mut *out, &analysis)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", trace::render_text(&analysis))?;
    }
    Ok(ExitCode::SUCCESS)
}
