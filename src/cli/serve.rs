//! `postie serve`: run the mail node headless until SIGINT or SIGTERM.

use super::Context;
use crate::node::Node;
use anyhow::Context as _;
use std::io::Write;
use std::process::ExitCode;

pub async fn serve(ctx: &Context, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let _guard = crate::logging::init(&ctx.paths, &ctx.config.log.filter, true)
        .context("cannot open the log file")?;
    let node = Node::start(&ctx.paths, &ctx.config).await?;
    for addr in &node.smtp_addrs {
        writeln!(out, "smtp {addr}")?;
    }
    for addr in &node.smtps_addrs {
        writeln!(out, "smtps {addr}")?;
    }
    for addr in &node.pop3_addrs {
        writeln!(out, "pop3 {addr}")?;
    }
    for addr in &node.pop3s_addrs {
        writeln!(out, "pop3s {addr}")?;
    }
    writeln!(out, "ready")?;
    out.flush()?;
    wait_for_signal().await?;
    tracing::info!("shutting down on signal");
    node.shutdown().await;
    writeln!(out, "stopped")?;
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
