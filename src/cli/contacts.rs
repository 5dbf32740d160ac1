//! `postie contacts [QUERY] [--json]`: aliases, the address book and the query command's
//! answers, in one list.

use super::Context;
use crate::contacts::{Aliases, Contact, Source};
use std::io::Write;
use std::process::ExitCode;

/// Print the contacts matching `query` (every one when `None`).
pub async fn contacts(
    ctx: &Context,
    query: Option<&str>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let config = &ctx.config.contacts;
    let aliases = Aliases::load(config);
    for problem in &aliases.problems {
        writeln!(std::io::stderr(), "postie: {problem}")?;
    }
    let wanted =
        |text: &str| query.is_none_or(|q| text.to_lowercase().contains(&q.trim().to_lowercase()));
    let mut found: Vec<Contact> = aliases
        .entries
        .into_iter()
        .filter(|c| wanted(&c.address) || c.alias.as_deref().is_some_and(wanted))
        .collect();
    let store = ctx.open_store().await?;
    let account = ctx.account_id(&store, None).await?;
    for entry in store.addresses(account, 100_000).await? {
        let address = entry.display();
        if wanted(&address) {
            found.push(Contact {
                alias: None,
                address,
                source: Source::AddressBook,
            });
        }
    }
    let mut failed = false;
    if let Some(q) = query
        && !config.query_command.is_empty()
    {
        match crate::contacts::query(&config.query_command, q).await {
            Ok(more) => found.extend(more),
            Err(e) => {
                writeln!(std::io::stderr(), "postie: query_command: {e}")?;
                failed = true;
            }
        }
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, &found)?;
        writeln!(out)?;
    } else {
        for c in &found {
            let source = match c.source {
                Source::Config | Source::AliasFile => "alias",
                Source::AddressBook => "book",
                Source::Query => "query",
            };
            writeln!(
                out,
                "{source:<6}{:<14}{}",
                c.alias.as_deref().unwrap_or(""),
                c.address
            )?;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
