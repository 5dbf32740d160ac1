//! The terminal workstation (ratatui + crossterm): event -> update -> effects -> render.
//!
//! [`run`] starts the embedded node (or attaches to a running `postie serve`), then loops:
//! every key, tick and store notification is an [`action::Action`] fed to
//! [`app::App::update`], which changes state and returns [`effects::Effect`]s; the
//! [`effects::Runner`] runs those as tokio tasks that post their outcome back as actions.
//! [`ui::render`] only reads the state. Nothing in the loop waits on IO.
//!
//! Each pane (message list, sidebar, reader, composer, outbox, chain view, pager) keeps
//! its state, its branch of `update` and its render together in one module of `panes`.

pub mod action;
pub mod app;
pub mod compose;
pub mod effects;
pub mod event;
pub mod keymap;
pub mod line_editor;
pub mod message;
pub(crate) mod panes;
pub mod terminal;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_cells;
#[cfg(test)]
mod tests_layout;
pub mod theme;
pub mod ui;
pub mod when;

use crate::config::{Config, Paths};
use crate::node::{LockError, Node, NodeError};
use crate::store::Store;
use action::{Action, Outcome};
use app::{App, NodeStatus};
use effects::{Effect, Runner};

/// Why the workstation could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error("no account is configured")]
    NoAccount,
}

/// Start (or attach to) the node and run the UI until the user quits.
pub async fn run(paths: &Paths, config: &Config) -> Result<(), TuiError> {
    let _log = crate::logging::init(paths, &config.log.filter, false)?;
    let (node, store, status) = match Node::start(paths, config).await {
        Ok(node) => {
            let status = NodeStatus::Embedded {
                smtp: node.smtp_addrs.clone(),
                smtps: node.smtps_addrs.clone(),
                pop3: node.pop3_addrs.clone(),
            };
            let store = Some(node.store.clone());
            (Some(node), store, status)
        }
        Err(NodeError::Lock(LockError::Held { pid, .. })) => (
            None,
            Some(Store::open(&paths.database())?),
            NodeStatus::Attached { pid },
        ),
        // A listener that cannot bind (the port is taken) should not keep the user from
        // their mail: the workstation comes up on the store and says the node is down.
        Err(e @ (NodeError::Smtp(_) | NodeError::Pop3(_))) => {
            tracing::warn!("the node did not start: {e}");
            (
                None,
                Some(Store::open(&paths.database())?),
                NodeStatus::Failed(format!("{e} (postie doctor names the fix)")),
            )
        }
        Err(e) => return Err(e.into()),
    };
    let store = store.ok_or(TuiError::NoAccount)?;
    let account = config
        .effective_accounts()
        .into_iter()
        .next()
        .ok_or(TuiError::NoAccount)?;
    // Sends from an attached TUI are routed by the same rules as the node's own.
    let router = match &node {
        Some(node) => node.router.clone(),
        None => std::sync::Arc::new(crate::routing::Router::load(&store, config).await?),
    };
    let account_id = router
        .account(&account.name)
        .map(|a| a.id)
        .ok_or(TuiError::NoAccount)?;
    // Every account the TUI can switch to (`:account NAME`).
    let accounts: Vec<(crate::config::AccountConfig, crate::store::AccountId)> = config
        .effective_accounts()
        .into_iter()
        .filter_map(|a| Some((a.clone(), router.account(&a.name)?.id)))
        .collect();
    // Sends that wait are released by the node; with none running here or attached to,
    // this process releases them (a release and a node's are exclusive in the store).
    let stray = match &status {
        NodeStatus::Failed(_) => Some(spawn_scheduler(&store, &router)),
        _ => None,
    };
    let smtp_ports = node
        .as_ref()
        .map(|n| n.smtp_addrs.iter().map(|a| a.to_string()).collect())
        .unwrap_or_default();

    let (keymap, key_errors) = keymap::Keymap::with_overrides(&config.keys);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = theme::Theme::from_config(&config.ui.theme, no_color);
    let now = chrono::Utc::now().timestamp();
    let mut app = App::new(account.clone(), keymap, theme, now);
    app.bell = config.ui.bell;
    app.autosave_secs = config.ui.autosave_secs;
    app.undo_send_secs = config.ui.undo_send_secs;
    app.pipe_command = config.ui.pipe_command.clone();
    app.edit_headers = config.ui.edit_headers;
    app.query_command = !config.contacts.query_command.is_empty();
    app.accounts = accounts.iter().map(|(a, _)| a.name.clone()).collect();
    app.list.threaded = config.ui.threaded;
    app.node = status;
    app.tz_offset = chrono::Local::now().offset().local_minus_utc();
    let mut warnings: Vec<String> = key_errors.iter().map(|e| e.to_string()).collect();
    if let Some(exposed) = crate::config::exposed_secrets(&paths.config_file, config) {
        tracing::warn!("{exposed}; fix: {}", exposed.fix());
        warnings.push(exposed.brief());
    }
    if !warnings.is_empty() {
        app.fail(warnings.join("; "));
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runner = Runner {
        store: store.clone(),
        router,
        account_id,
        account,
        tx: tx.clone(),
        config_file: paths.config_file.clone(),
        data_dir: paths.data_dir.clone(),
        smtp_ports,
        opener: config.ui.opener.clone(),
        contacts: config.contacts.clone(),
        accounts: accounts
            .iter()
            .map(|(a, id)| (a.name.clone(), *id))
            .collect(),
    };
    terminal::install_panic_hook();
    let mut tty = terminal::setup()?;
    let size = tty.size()?;
    app.width = size.width;
    app.height = size.height;
    let input = event::spawn_input(tx.clone());
    event::spawn_ticks(tx.clone());
    event::spawn_store_events(&store, tx.clone());
    if node.is_none() {
        event::spawn_node_events(&paths.data_dir, tx.clone());
    }
    event::spawn_signals(tx.clone());

    let mut pending = app.start();
    let mut terminal_gone = false;
    let mut rescued = Vec::new();
    let result = loop {
        let mut quit = false;
        for effect in pending.drain(..) {
            match effect {
                Effect::Quit => quit = true,
                Effect::Bell => terminal::bell(),
                Effect::Editor(text) => {
                    input.pause();
                    let edited = terminal::edit_externally(&mut tty, &paths.data_dir, &text);
                    input.resume();
                    let outcome = match edited {
                        Ok(t) => Outcome::EditorText(t),
                        Err(e) => Outcome::Failed(format!("editor: {e}")),
                    };
                    let _ = tx.send(Action::Outcome(outcome));
                }
                Effect::SwitchAccount(name) => {
                    let outcome = match accounts.iter().find(|(a, _)| a.name == name) {
                        Some((config, id)) => {
                            runner.account_id = *id;
                            runner.account = config.clone();
                            Outcome::AccountSwitched(Box::new(config.clone()))
                        }
                        None => Outcome::Failed(format!("no account `{name}`")),
                    };
                    let _ = tx.send(Action::Outcome(outcome));
                }
                Effect::PipeInteractive { ids, command } => {
                    let outcome = match runner.messages_for(&ids).await {
                        Ok(messages) => {
                            input.pause();
                            let ran = terminal::pipe_interactively(
                                &mut tty,
                                &command,
                                effects::pipe_input(&messages),
                            );
                            input.resume();
                            match ran {
                                Ok(status) if status.success() => {
                                    Outcome::Done(format!("`{command}`: exit 0"))
                                }
                                Ok(status) => Outcome::Failed(format!(
                                    "`{command}`: {}",
                                    effects::describe_exit(status)
                                )),
                                Err(e) => Outcome::Failed(format!("`{command}`: {e}")),
                            }
                        }
                        Err(e) => Outcome::Failed(e),
                    };
                    let _ = tx.send(Action::Outcome(outcome));
                }
                // Leaving: the draft must be on disk before the process ends; if the store
                // cannot take it, a file in the data dir does.
                Effect::SaveDraft(d) if app.quitting => {
                    let draft = (*d).clone();
                    let saved = runner.run(Effect::SaveDraft(d)).await;
                    if !matches!(saved, Ok(Outcome::DraftSaved(_))) {
                        tracing::warn!("saving the draft on exit failed: {saved:?}");
                        match effects::rescue_draft(&paths.data_dir, &draft) {
                            Ok(path) => rescued.push(path),
                            Err(e) => tracing::error!("cannot rescue the draft either: {e}"),
                        }
                    }
                }
                other => runner.spawn(other),
            }
        }
        if quit {
            break Ok(());
        }
        // A terminal that is gone (SIGHUP, a closed window) cannot be drawn on: leave as
        // on SIGTERM, saving what was being written, instead of dropping it.
        if !terminal_gone && let Err(e) = tty.draw(|f| ui::render(&app, f)) {
            tracing::warn!("the terminal is gone ({e}); saving and leaving");
            terminal_gone = true;
            pending = app.update(Action::Terminate);
            continue;
        }
        let Some(action) = rx.recv().await else {
            break Ok(());
        };
        pending = app.update(action);
        // Fold whatever else is waiting into this frame.
        while let Ok(more) = rx.try_recv() {
            pending.extend(app.update(more));
            if pending.iter().any(|e| {
                matches!(
                    e,
                    Effect::Quit | Effect::Editor(_) | Effect::PipeInteractive { .. }
                )
            }) {
                break;
            }
        }
    };
    terminal::restore();
    for path in rescued {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "postie: the draft could not be saved in the store; it is in {}",
            path.display()
        );
    }
    if let Some(node) = node {
        node.shutdown().await;
    }
    if let Some((stop, task)) = stray {
        let _ = stop.send(());
        let _ = task.await;
    }
    result
}

/// A scheduler of waiting sends for a workstation without a node; stopped (releasing the
/// undo-send holds) through the sender.
fn spawn_scheduler(
    store: &Store,
    router: &std::sync::Arc<crate::routing::Router>,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = crate::node::Scheduler::new(store.clone(), router.clone());
    let task = tokio::spawn(scheduler.run(async move {
        let _ = stopped.await;
    }));
    (stop, task)
}
