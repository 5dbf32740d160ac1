//! `postie serve`: run the mail node headless until SIGINT or SIGTERM.

use super::Context;
use crate::node::Node;
use anyhow::Context as _;
use std::io::Write;
use std::process::ExitCode;

pub async fn serve(ctx: &Context, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let _guard = crate::logging::init(&ctx.paths, &ctx.config.log.filter, true)
        .context("cannot open the log file")?;
    if let Some(exposed) = crate::config::exposed_secrets(&ctx.paths.config_file, &ctx.config) {
        tracing::warn!("{exposed}; fix: {}", exposed.fix());
        writeln!(
            std::io::stderr(),
            "postie: warning: {exposed}; fix: {}",
            exposed.fix()
        )?;
    }
    // Listen for signals before saying "ready": a SIGTERM right after must stop us cleanly.
    let mut signals = Signals::install()?;
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
    signals.wait().await;
    tracing::info!("shutting down on signal");
    node.shutdown().await;
    writeln!(out, "stopped")?;
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM and SIGINT, registered up front.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn wait(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}
