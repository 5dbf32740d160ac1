//! `postie serve`: run the mail node headless until SIGINT or SIGTERM.

use super::Context;
use crate::node::Node;
use anyhow::Context as _;
use std::io::Write;
use std::process::ExitCode;

pub async fn serve(ctx: &Context, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let _guard = crate::logging::init(&ctx.paths, &ctx.config.log.filter, true)
        .context("cannot open the log file")?;
    // Handlers go in before "ready": a supervisor may signal as soon as it reads that line.
    let signalled = shutdown_signal()?;
    let node = Node::start(&ctx.paths, &ctx.config).await?;
    for addr in &node.smtp_addrs {
        writeln!(out, "smtp {addr}")?;
    }
    for addr in &node.smtps_addrs {
        writeln!(out, "smtps {addr}")?;
    }
    writeln!(out, "ready")?;
    out.flush()?;
    signalled.await;
    tracing::info!("shutting down on signal");
    node.shutdown().await;
    writeln!(out, "stopped")?;
    Ok(ExitCode::SUCCESS)
}

/// Install the SIGTERM/SIGINT handlers now; the future resolves on the first signal.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
