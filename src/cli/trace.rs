//! `postie trace FILE|ID [--format text|json|csv]`: the Received-chain analysis for any
//! message.

use super::Context;
use crate::mail::trace::{self, TraceContext};
use anyhow::{Context as _, anyhow};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// How the analysis is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The chain and the authentication results, for reading.
    Text,
    /// Everything the analysis found (documented on `mail::trace::Trace`).
    Json,
    /// One row per hop, oldest first, with a header row.
    Csv,
}

/// Analyse a stored message (numeric id) or an .eml file.
pub async fn trace(
    ctx: &Context,
    target: &str,
    format: Format,
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
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &analysis)?;
            writeln!(out)?;
        }
        Format::Text => write!(out, "{}", trace::render_text(&analysis))?,
        Format::Csv => write_csv(&analysis, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// RFC 4180 CSV: one row per hop, every field the hop table shows and the detail's facts.
fn write_csv(analysis: &trace::Trace, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "hop,time_utc,from,helo,rdns,ip,by,with,tls,id,for,delay_ms,trust,flags\r"
    )?;
    for traced in &analysis.hops {
        let hop = &traced.hop;
        let fields = [
            traced.number.to_string(),
            hop.date.map(|d| d.utc.to_rfc3339()).unwrap_or_default(),
            hop.from.clone().unwrap_or_default(),
            hop.helo.clone().unwrap_or_default(),
            hop.rdns.clone().unwrap_or_default(),
            hop.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            hop.by.clone().unwrap_or_default(),
            hop.with.clone().unwrap_or_default(),
            hop.tls_version.clone().unwrap_or_else(|| {
                if hop.protocol_flags.tls {
                    "yes".into()
                } else {
                    String::new()
                }
            }),
            hop.id.clone().unwrap_or_default(),
            hop.for_addr.clone().unwrap_or_default(),
            traced.delay_ms.map(|d| d.to_string()).unwrap_or_default(),
            format!("{:?}", traced.trust).to_lowercase(),
            traced
                .flags
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(" "),
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}\r", row.join(","))?;
    }
    Ok(())
}

/// A field quoted when it holds a comma, a quote or a line break; control characters
/// (which a header could carry) become spaces.
fn csv_field(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
