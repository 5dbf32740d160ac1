//! `postie dkim generate`: a new signing key, written owner-only, and the DNS records to
//! publish for it (DKIM key, with suggested SPF and DMARC records for the outbound path).

use super::context::Context;
use crate::config::OutboundMode;
use crate::dkim::{Algorithm, generate as generate_key, write_key_file};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The `--algorithm` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AlgorithmArg {
    Rsa,
    Ed25519,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(arg: AlgorithmArg) -> Self {
        match arg {
            AlgorithmArg::Rsa => Self::Rsa,
            AlgorithmArg::Ed25519 => Self::Ed25519,
        }
    }
}

/// Write the key and print what to add to config.toml and to DNS.
pub fn generate(
    ctx: &Context,
    domain: &str,
    selector: &str,
    algorithm: Algorithm,
    key_file: Option<PathBuf>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    anyhow::ensure!(
        !domain.is_empty() && domain.contains('.') && !domain.contains(char::is_whitespace),
        "`{domain}` is not a domain name such as example.org"
    );
    anyhow::ensure!(
        !selector.is_empty()
            && selector
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
        "a selector is letters, digits, '-' and '.'"
    );
    let path = key_file.unwrap_or_else(|| {
        ctx.paths
            .data_dir
            .join("dkim")
            .join(format!("{domain}.{selector}.pem"))
    });
    let path = std::path::absolute(&path).unwrap_or(path);
    let key = generate_key(algorithm)?;
    write_key_file(&path, &key.private_pem)?;
    let (spf, spf_note) = match ctx.config.outbound.mode {
        OutboundMode::Smarthost => (
            format!("v=spf1 a:{} ~all", ctx.config.outbound.smarthost.host),
            "or the include: your mail provider documents".to_string(),
        ),
        OutboundMode::Direct => (
            format!("v=spf1 a:{} ~all", ctx.config.hostname()),
            "that name must resolve to the address this node sends from".to_string(),
        ),
    };
    writeln!(out, "Wrote {} (mode 0600).", path.display())?;
    writeln!(out)?;
    writeln!(out, "Add to config.toml:")?;
    writeln!(out)?;
    writeln!(out, "[[dkim]]")?;
    writeln!(out, "domain = \"{domain}\"")?;
    writeln!(out, "selector = \"{selector}\"")?;
    writeln!(out, "key_file = {:?}", path.display().to_string())?;
    writeln!(out, "algorithm = \"{}\"", algorithm.key_type())?;
    writeln!(out)?;
    writeln!(out, "Publish in DNS:")?;
    writeln!(out)?;
    writeln!(out, "{selector}._domainkey.{domain}. TXT \"{}\"", key.txt)?;
    writeln!(out)?;
    writeln!(out, "Suggested, if the domain has none yet:")?;
    writeln!(out)?;
    writeln!(out, "{domain}. TXT \"{spf}\"   ; {spf_note}")?;
    writeln!(
        out,
        "_dmarc.{domain}. TXT \"v=DMARC1; p=none; rua=mailto:postmaster@{domain}\"   ; p=quarantine once the reports look right"
    )?;
    Ok(ExitCode::SUCCESS)
}
