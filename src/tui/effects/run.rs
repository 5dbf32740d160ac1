//! The effect runner: one tokio task per effect, results posted back as actions.

use super::{Effect, QueueOp};
use crate::config::AccountConfig;
use crate::mail::trace::TraceContext;
use crate::routing::Router;
use crate::store::{AccountId, Flags, MessageId, NewMessage, Role, SearchQuery, Store, StoreError};
use crate::tui::action::{Action, Outcome};
use crate::tui::compose;
use crate::tui::message::{ReaderDoc, part_bytes};
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;

/// Everything effects need: the store, the account, where to post results.
#[derive(Clone)]
pub struct Runner {
    pub store: Store,
    /// Where sent mail goes (the node's own router, or one built for an attached TUI).
    pub router: std::sync::Arc<Router>,
    pub account_id: AccountId,
    pub account: AccountConfig,
    pub tx: UnboundedSender<Action>,
    /// Shown by the welcome message.
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub smtp_ports: Vec<String>,
    /// `[ui] opener`: empty for the system opener.
    pub opener: String,
    /// `[contacts]`: aliases, alias file, query command.
    pub contacts: crate::contacts::ContactsConfig,
    /// Every account the TUI can show, by name (config order).
    pub accounts: Vec<(String, AccountId)>,
}

impl Runner {
    /// Start `effect` in the background. Editor, bell and quit belong to the main loop.
    pub fn spawn(&self, effect: Effect) {
        let this = self.clone();
        tokio::spawn(async move {
            // A failed load still answers for its kind, so the next one may run.
            let kind = effect.load_kind();
            let outcome = this.run(effect).await.unwrap_or_else(|error| match kind {
                Some(kind) => Outcome::LoadFailed { kind, error },
                None => Outcome::Failed(error),
            });
            let _ = this.tx.send(Action::Outcome(outcome));
        });
    }

    /// The stored messages `ids` as (envelope sender, date, raw bytes), for files and
    /// pipes; messages that are gone are left out.
    pub async fn messages_for(
        &self,
        ids: &[MessageId],
    ) -> Result<Vec<(String, i64, Vec<u8>)>, String> {
        let s = &self.store;
        let err = |e: StoreError| e.to_string();
        let mut messages = Vec::with_capacity(ids.len());
        for &id in ids {
            let (Some(raw), Some(summary)) = (
                s.raw(id).await.map_err(err)?,
                s.summary(id).await.map_err(err)?,
            ) else {
                continue;
            };
            let sender = match s.envelope(id).await.map_err(err)? {
                Some(envelope) if !envelope.mail_from.is_empty() => envelope.mail_from,
                _ => summary.from_addr.clone().unwrap_or_default(),
            };
            messages.push((sender, summary.date, raw));
        }
        Ok(messages)
    }

    /// Run one effect to its outcome (the tests and the quit path await this directly).
    pub async fn run(&self, effect: Effect) -> Result<Outcome, String> {
        let s = &self.store;
        let err = |e: StoreError| e.to_string();
        Ok(match effect {
            Effect::LoadMailboxes => {
                Outcome::Mailboxes(s.mailboxes(self.account_id).await.map_err(err)?)
            }
            Effect::LoadRows {
                mailbox,
                sort,
                descending,
                offset,
                limit,
                generation,
                threads: None,
            } => {
                let (total, rows) = s
                    .list_window(mailbox, sort, descending, offset, limit)
                    .await
                    .map_err(err)?;
                Outcome::Rows {
                    generation,
                    offset,
                    total,
                    rows,
                    threads: Vec::new(),
                }
            }
            Effect::LoadRows {
                mailbox,
                descending,
                offset,
                limit,
                generation,
                threads: Some(view),
                ..
            } => {
                let (total, threaded) = s
                    .list_threads(mailbox, descending, view, offset, limit)
                    .await
                    .map_err(err)?;
                let threads = threaded
                    .iter()
                    .map(|t| crate::tui::app::ThreadMark {
                        depth: t.depth,
                        size: t.thread_size,
                        collapsed: t.collapsed,
                        members: t.members.clone(),
                    })
                    .collect();
                Outcome::Rows {
                    generation,
                    offset,
                    total,
                    rows: threaded.into_iter().map(|t| t.summary).collect(),
                    threads,
                }
            }
            Effect::LoadMessage {
                id,
                width,
                as_draft,
            } => {
                let raw = s.raw(id).await.map_err(err)?.ok_or("the message is gone")?;
                let summary = s.summary(id).await.map_err(err)?;
                let verdicts = s
                    .envelope(id)
                    .await
                    .map_err(err)?
                    .and_then(|e| e.auth_verdicts)
                    .and_then(|json| serde_json::from_str(&json).ok());
                let here = TraceContext::local(self.router.hostname());
                // Parsing (and, for a draft, decoding its attachments) stays off the runtime.
                tokio::task::spawn_blocking(move || {
                    let mut doc = ReaderDoc::parse_here(id, summary, &raw, width, &here);
                    doc.verdicts = verdicts;
                    if as_draft {
                        Outcome::Draft(Box::new(compose::draft_from_doc(&doc, &raw)))
                    } else {
                        Outcome::Message(Box::new(doc))
                    }
                })
                .await
                .map_err(|e| e.to_string())?
            }
            Effect::Search { query, limit } => {
                let parsed = SearchQuery::parse(&query).map_err(|e| e.to_string())?;
                let rows = s
                    .search(self.account_id, parsed, limit)
                    .await
                    .map_err(err)?;
                Outcome::SearchResults { query, rows }
            }
            Effect::CountMatches { query } => {
                let parsed = SearchQuery::parse(&query).map_err(|e| e.to_string())?;
                let limit = crate::tui::app::COUNT_LIMIT;
                let total = s
                    .count_matches(self.account_id, parsed, limit)
                    .await
                    .map_err(err)?;
                Outcome::MatchCount { query, total }
            }
            Effect::FindMatches {
                query,
                mailbox,
                mark,
            } => {
                let mut parsed = SearchQuery::parse(&query).map_err(|e| e.to_string())?;
                if let Some(mailbox) = mailbox {
                    parsed = parsed.in_mailbox(mailbox);
                }
                let limit = crate::tui::app::MARK_LIMIT;
                let rows = s
                    .search(self.account_id, parsed, limit + 1)
                    .await
                    .map_err(err)?;
                let capped = rows.len() as u64 > limit;
                Outcome::Matches {
                    query,
                    ids: rows.iter().take(limit as usize).map(|r| r.id).collect(),
                    mark,
                    capped,
                }
            }
            Effect::LoadQueue => Outcome::Queue(s.queue().await.map_err(err)?),
            Effect::LoadAttempts { queue_id } => Outcome::Attempts {
                queue_id,
                attempts: s.queue_attempts(queue_id).await.map_err(err)?,
            },
            Effect::LoadAddresses => Outcome::Addresses(self.addresses().await.map_err(err)?),
            Effect::LoadAccountFolders => {
                let mut all = Vec::new();
                for (name, id) in &self.accounts {
                    if *id != self.account_id {
                        all.push((name.clone(), s.mailboxes(*id).await.map_err(err)?));
                    }
                }
                Outcome::AccountFolders(all)
            }
            Effect::LoadAliases => {
                let config = self.contacts.clone();
                let aliases =
                    tokio::task::spawn_blocking(move || crate::contacts::Aliases::load(&config))
                        .await
                        .map_err(|e| e.to_string())?;
                Outcome::Aliases(aliases)
            }
            Effect::QueryContacts { token } => {
                let found = crate::contacts::query(&self.contacts.query_command, &token)
                    .await
                    .map_err(|e| format!("query_command: {e}"))?;
                Outcome::QueryResults {
                    token,
                    found: found.into_iter().map(|c| c.address).collect(),
                }
            }
            Effect::SetFlags { ids, set, clear } => {
                s.update_flags(ids, set, clear).await.map_err(err)?;
                Outcome::Done(String::new())
            }
            Effect::Move { ids, to } => {
                let n = ids.len();
                s.move_messages(ids, to).await.map_err(err)?;
                Outcome::Done(format!("moved {}", crate::plural::count(n, "message")))
            }
            Effect::Expunge { ids } => {
                let n = ids.len();
                s.expunge(ids).await.map_err(err)?;
                Outcome::Done(format!(
                    "deleted {} for good",
                    crate::plural::count(n, "message")
                ))
            }
            Effect::CreateMailbox(name) => {
                s.create_mailbox(self.account_id, &name)
                    .await
                    .map_err(err)?;
                Outcome::Done(format!("created folder {name}"))
            }
            Effect::RenameMailbox { id, name } => {
                s.rename_mailbox(self.account_id, id, &name)
                    .await
                    .map_err(err)?;
                Outcome::Done(format!("renamed the folder to {name}"))
            }
            Effect::RemoveMailbox { id, force } => {
                let removed = s
                    .remove_mailbox(self.account_id, id, force)
                    .await
                    .map_err(err)?;
                Outcome::Done(match (force, removed) {
                    (true, n) if n > 0 => format!(
                        "removed the folder and its {}",
                        crate::plural::count(n, "message")
                    ),
                    _ => "removed the folder".to_string(),
                })
            }
            Effect::SaveMessages { ids, path } => {
                let messages = self.messages_for(&ids).await?;
                let target = Effect::expand_path(&path);
                tokio::task::spawn_blocking(move || super::save::save_messages(&target, &messages))
                    .await
                    .map_err(|e| e.to_string())??
            }
            Effect::Pipe { ids, command } => {
                let input = super::pipe::input(&self.messages_for(&ids).await?);
                super::pipe::run_captured(&command, input).await?
            }
            Effect::Send(draft) => self.send(*draft).await,
            Effect::Hold {
                draft,
                kind,
                send_at,
            } => self.hold(*draft, kind, send_at).await,
            Effect::TakeBack { id, reopen, width } => self.take_back(id, reopen, width).await?,
            Effect::Reschedule { id, send_at } => self.reschedule(id, send_at).await?,
            Effect::LoadScheduled => Outcome::Scheduled(
                s.scheduled_sends(Some(self.account_id))
                    .await
                    .map_err(err)?,
            ),
            Effect::SaveDraft(draft) => self.save_draft(*draft).await,
            Effect::SavePart { id, index, path } => {
                let raw = s.raw(id).await.map_err(err)?.ok_or("the message is gone")?;
                let (bytes, _) = part_bytes(&raw, index).ok_or("no such part")?;
                let target = Effect::expand_path(&path);
                tokio::fs::write(&target, &bytes)
                    .await
                    .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
                Outcome::Done(format!(
                    "saved {} bytes to {}",
                    bytes.len(),
                    target.display()
                ))
            }
            Effect::ShowPart { id, index, width } => {
                let raw = s.raw(id).await.map_err(err)?.ok_or("the message is gone")?;
                let lines = tokio::task::spawn_blocking(move || {
                    crate::tui::message::part_lines(&raw, index, width)
                })
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!(
                    "part {} is not text: o opens it, w saves it",
                    index + 1
                ))?;
                Outcome::PartShown { id, index, lines }
            }
            Effect::OpenPart { id, index } => {
                let raw = s.raw(id).await.map_err(err)?.ok_or("the message is gone")?;
                let (bytes, name) = part_bytes(&raw, index).ok_or("no such part")?;
                let dir = self.data_dir.join("open");
                tokio::fs::create_dir_all(&dir)
                    .await
                    .map_err(|e| e.to_string())?;
                let clean: String = name
                    .unwrap_or_else(|| format!("part-{index}"))
                    .chars()
                    .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
                    .collect();
                let path = dir.join(format!("{id}-{clean}"));
                tokio::fs::write(&path, &bytes)
                    .await
                    .map_err(|e| e.to_string())?;
                open_with(&self.opener, &path.to_string_lossy()).await?
            }
            Effect::OpenUrl(url) => open_with(&self.opener, &url).await?,
            Effect::CompletePath(input) => Outcome::PathCandidates(complete_path(&input).await),
            Effect::Queue { op, queue_id } => {
                queue_op(&self.store, &self.data_dir, op, queue_id).await?
            }
            Effect::Welcome => self.welcome().await.map_err(err)?,
            Effect::Editor(_)
            | Effect::PipeInteractive { .. }
            | Effect::SwitchAccount(_)
            | Effect::Bell
            | Effect::Quit => Outcome::Done(String::new()),
        })
    }

    /// The address book, most used first: completion offers the first match.
    async fn addresses(&self) -> Result<Vec<String>, StoreError> {
        let book = self.store.addresses(self.account_id, 10_000).await?;
        Ok(book.iter().map(|a| a.display()).collect())
    }

    async fn welcome(&self) -> Result<Outcome, StoreError> {
        let inbox = self
            .store
            .mailbox_by_role(self.account_id, Role::Inbox)
            .await?;
        let total: u64 = self
            .store
            .mailboxes(self.account_id)
            .await?
            .iter()
            .map(|m| m.total)
            .sum();
        if total > 0 {
            return Ok(Outcome::Done(String::new()));
        }
        let to = self
            .account
            .addresses
            .first()
            .cloned()
            .unwrap_or_else(|| "you@localhost".into());
        let written = tokio::fs::try_exists(&self.config_file)
            .await
            .unwrap_or(false);
        let raw = welcome_text(
            &to,
            &self.config_file,
            written,
            &self.data_dir,
            &self.smtp_ports,
        );
        let now = chrono::Utc::now().timestamp();
        let new = NewMessage {
            mailbox_id: inbox.id,
            raw: raw.into_bytes(),
            flags: Flags::empty(),
            received_at: now,
            envelope: None,
        };
        self.store.insert(new, false).await?;
        Ok(Outcome::Done("welcome to postie".into()))
    }
}

/// The first-run message: where things live and how to send the node a first message.
/// `written`: the configuration file exists (else the defaults are in use).
pub fn welcome_text(
    to: &str,
    config: &std::path::Path,
    written: bool,
    data: &std::path::Path,
    ports: &[String],
) -> String {
    let config = if written {
        config.display().to_string()
    } else {
        format!(
            "{} (not written: the defaults are in use;\r\n  `postie init` writes a commented one there)",
            config.display()
        )
    };
    let listen = if ports.is_empty() {
        "no SMTP listener (attached or disabled)".to_string()
    } else {
        ports.join(", ")
    };
    let first = ports
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:2525".into());
    let (host, port) = first.rsplit_once(':').unwrap_or(("127.0.0.1", "2525"));
    let date = chrono::Utc::now().to_rfc2822();
    format!(
        "From: postie <postie@localhost>\r\nTo: {to}\r\nSubject: Welcome to postie\r\nDate: {date}\r\nMessage-ID: <welcome@postie.localhost>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Welcome to postie, your terminal mail workstation and your own small mail server.\r\n\r\n\
Configuration: {config}\r\nData (mail store, TLS, logs): {}\r\nSMTP listening on: {listen}\r\n\r\n\
Send this node a first message from another program, for example:\r\n\r\n\
\x20 swaks --server {host} --port {port} --to {to} --body 'hello'\r\n\r\n\
or with curl:\r\n\r\n\
\x20 curl smtp://{host}:{port} --mail-from me@example.org --mail-rcpt {to} -T message.eml\r\n\r\n\
Press ? for every key of the pane you are in, : for the command line.\r\n",
        data.display()
    )
}

/// Retry now, hold, release or cancel a queued message. A node in another process (a
/// `postie serve` this TUI is attached to) is told to look at its queue at once through
/// its control socket; an embedded node hears the store's own queue event.
async fn queue_op(
    store: &Store,
    data_dir: &std::path::Path,
    op: QueueOp,
    queue_id: i64,
) -> Result<Outcome, String> {
    let (what, changed) = match op {
        QueueOp::Retry => ("retry now", store.queue_retry(queue_id).await),
        QueueOp::Hold => ("held", store.queue_hold(queue_id).await),
        QueueOp::Release => ("released", store.queue_release(queue_id).await),
        QueueOp::Cancel => ("cancelled", store.queue_cancel(queue_id).await),
    };
    let changed = changed.map_err(|e| format!("#{queue_id}: {e}"))?;
    if matches!(op, QueueOp::Retry | QueueOp::Release)
        && let Ok(mut node) = crate::node::control::ControlClient::connect(data_dir).await
    {
        let _ = node.request(&crate::node::control::Request::Flush).await;
    }
    Ok(Outcome::Done(format!(
        "#{queue_id}: {what} ({changed} recipient{})",
        if changed == 1 { "" } else { "s" }
    )))
}

/// Hand `target` (a saved part or a URL) to the configured opener, else the system's.
async fn open_with(configured: &str, target: &str) -> Result<Outcome, String> {
    let system = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let mut words = configured.split_whitespace();
    let opener = words.next().unwrap_or(system);
    let status = tokio::process::Command::new(opener)
        .args(words)
        .arg(target)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .map_err(|e| format!("cannot run {opener}: {e}"))?;
    if status.success() {
        Ok(Outcome::Done(format!("opened {target}")))
    } else {
        Err(format!("{opener} failed for {target}"))
    }
}

/// File names starting with the typed prefix (directories end with `/`).
pub async fn complete_path(input: &str) -> Vec<String> {
    let (dir_part, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir = if dir_part.is_empty() {
        PathBuf::from(".")
    } else {
        super::Effect::expand_path(dir_part)
    };
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while let Ok(Some(e)) = entries.next_entry().await {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && (!name.starts_with('.') || prefix.starts_with('.')) {
            let is_dir = e.file_type().await.map(|t| t.is_dir()).unwrap_or(false);
            out.push(format!("{dir_part}{name}{}", if is_dir { "/" } else { "" }));
        }
    }
    out.sort();
    out
}
