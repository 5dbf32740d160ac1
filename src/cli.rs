//! Command-line surface: argument definitions and dispatch to the subcommands.
//!
//! Output goes to the writer a command is given (stdout in real use) so commands are
//! testable; errors are returned and printed once, to stderr, with a non-zero exit.

mod accounts;
mod contacts;
mod context;
mod dkim;
mod doctor;
mod log;
pub mod messages;
mod output;
mod queue;
mod sendmail;
mod serve;
mod status;
mod trace;
mod transfer;

pub use context::Context;

use crate::store::QueueRef;
use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// postie: a terminal mail workstation that is also your own small mail server.
#[derive(Debug, Parser)]
#[command(name = "postie", version, about, long_about = None)]
pub struct Cli {
    /// Use this configuration file instead of the default one.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the mail node headless (SMTP, POP3, outbound); stops cleanly on SIGINT/SIGTERM.
    Serve,
    /// Is the node running, where does it listen, how is the queue.
    Status {
        /// One JSON object instead of text (stable: fields are only ever added).
        #[arg(long)]
        json: bool,
    },
    /// Check config, ports, TLS, the store and the network, and say how to fix problems.
    Doctor {
        /// Skip the checks that need the network (DNS, outbound port 25).
        #[arg(long)]
        offline: bool,
    },
    /// Show the node's log (the newest daily file).
    Log {
        /// Keep printing new lines as they are written.
        #[arg(short, long)]
        follow: bool,
        /// How many of the last lines to print first.
        #[arg(short = 'n', long, default_value_t = 50)]
        lines: usize,
        /// Only the access log: one line per SMTP/POP3 session.
        #[arg(long)]
        sessions: bool,
    },
    /// Write a commented configuration file (refuses to overwrite without --force).
    Init {
        /// Replace an existing config file.
        #[arg(long)]
        force: bool,
    },
    /// Import mail from mbox files, Maildir folders or .eml files (idempotent).
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Target mailbox (created if missing).
        #[arg(long, default_value = "Inbox")]
        mailbox: String,
        /// Target account (default: the first).
        #[arg(long)]
        account: Option<String>,
    },
    /// Export a mailbox to an mbox file (mboxrd); flags go in Status/X-Status fields.
    Export {
        /// The mbox file to write; an existing file is left alone unless --force.
        #[arg(long, value_name = "FILE")]
        mbox: PathBuf,
        /// The mailbox to export.
        #[arg(long, default_value = "Inbox")]
        mailbox: String,
        /// The account whose mailbox it is (default: the first).
        #[arg(long)]
        account: Option<String>,
        /// Replace FILE when it exists (the new file takes its place only once written).
        #[arg(long)]
        force: bool,
    },
    /// List messages, one per line: id, date, from, subject, flags.
    List {
        /// The mailbox to list (default Inbox), or to search in (default: every one).
        #[arg(long)]
        mailbox: Option<String>,
        /// The account to list (default: the first).
        #[arg(long)]
        account: Option<String>,
        /// Search instead of listing (e.g. "from:bob is:unread report").
        #[arg(long, value_name = "QUERY")]
        search: Option<String>,
        /// At most this many messages (newest first).
        #[arg(long, default_value_t = 1000)]
        limit: u64,
        /// One JSON object per message, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Contacts: aliases ([contacts] and the alias file), the address book, and with a
    /// QUERY the [contacts] query_command's answers (mutt's format).
    Contacts {
        /// Only contacts whose alias, name or address contains this text.
        query: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one message.
    Show {
        id: i64,
        /// The raw RFC 5322 bytes.
        #[arg(long, conflicts_with_all = ["headers", "json"])]
        raw: bool,
        /// Only the header section.
        #[arg(long, conflicts_with = "json")]
        headers: bool,
        /// The parsed message as JSON (fields, text, parts).
        #[arg(long)]
        json: bool,
    },
    /// Analyse a message's Received chain and authentication results.
    Trace {
        /// A stored message id or an .eml file.
        target: String,
        /// Shorthand for `--format json`.
        #[arg(long)]
        json: bool,
        /// text (the default), json (the whole analysis) or csv (one row per hop).
        #[arg(long, value_enum, default_value = "text")]
        format: trace::Format,
    },
    /// Queue a message from standard input for delivery (sendmail-compatible flags).
    #[command(disable_help_flag = true)]
    Sendmail {
        /// Read recipients from the To, Cc and Bcc header fields.
        #[arg(short = 't')]
        read_recipients: bool,
        /// A line with a single "." does not end the message.
        #[arg(short = 'i')]
        ignore_dots: bool,
        /// Envelope sender.
        #[arg(short = 'f', short_alias = 'r', value_name = "SENDER")]
        sender: Option<String>,
        /// Display name for the From header when the message has none.
        #[arg(short = 'F', value_name = "NAME")]
        full_name: Option<String>,
        /// sendmail -o options: `-oi` acts like -i, others (-oem, -odi, ...) are ignored.
        #[arg(short = 'o', value_name = "OPTION")]
        options: Vec<String>,
        /// Accepted and ignored for compatibility (-bm, -N never, -v, ...).
        #[arg(short = 'b', value_name = "MODE")]
        mode: Option<String>,
        #[arg(short = 'N', value_name = "DSN")]
        dsn: Option<String>,
        #[arg(short = 'v')]
        verbose: bool,
        #[arg(short = 'h', long = "help", action = clap::ArgAction::Help)]
        help: Option<bool>,
        /// Recipients.
        recipients: Vec<String>,
    },
    /// Show the outbound queue, one line per recipient, or act on a queued message.
    Queue {
        #[command(subcommand)]
        action: Option<QueueCommand>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// DKIM keys: `postie dkim generate DOMAIN` writes a key and prints the DNS records.
    #[command(subcommand)]
    Dkim(DkimCommand),
    /// Set an account's password for SMTP AUTH and POP3.
    Passwd {
        /// Account name (default: the first account).
        account: Option<String>,
        /// Read the password from standard input instead of the terminal.
        #[arg(long)]
        stdin: bool,
    },
    /// Print the shell completion script (e.g. `postie completions bash > ~/.local/share/bash-completion/completions/postie`).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (e.g. `postie man > ~/.local/share/man/man1/postie.1`).
    Man,
}

/// `postie dkim` actions.
#[derive(Debug, Subcommand)]
pub enum DkimCommand {
    /// Write a new private key (mode 0600) and print the `[[dkim]]` entry to add, the TXT
    /// record to publish, and suggested SPF and DMARC records.
    Generate {
        /// The signing domain, e.g. example.org.
        domain: String,
        /// The selector: the key is published at SELECTOR._domainkey.DOMAIN.
        #[arg(long, default_value = "postie")]
        selector: String,
        /// ed25519 (short, RFC 8463) or rsa (2048 bits, verified everywhere).
        #[arg(long, value_enum, default_value = "rsa")]
        algorithm: dkim::AlgorithmArg,
        /// Where to write the key (default: DATA_DIR/dkim/DOMAIN.SELECTOR.pem).
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
}

/// `postie queue` actions. ID is `Q` for every recipient of a queued message or `Q.R` for
/// one recipient, as `postie queue` lists them.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Try now, ignoring the retry schedule.
    Retry { id: QueueRef },
    /// Keep the message (or recipient) from being delivered until released.
    Hold { id: QueueRef },
    /// Release a held message (or recipient); it is tried at once.
    Release { id: QueueRef },
    /// Cancel delivery to every recipient not yet delivered (no bounce).
    Cancel { id: QueueRef },
    /// The attempt history of a message (or of one recipient).
    Attempts {
        id: QueueRef,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Messages waiting to be sent: held for undo send or scheduled for later in the
    /// workstation (they enter the queue when their time comes).
    Scheduled {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Parse the process arguments and run the chosen subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(cli, &mut out) {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            let _ = writeln!(std::io::stderr(), "postie: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A reader that stopped listening (`postie list | head`) is not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The runtime every command runs on (benchmarks use it too, to measure what ships).
/// Async workers: every core but one, which is left to the store's writer thread, and at
/// least one. On two cores, one worker served twenty SMTP clients faster than two: fewer
/// wake-ups and steals across cores while the writer needs a core of its own.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let workers =
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
}

/// Run a parsed command line, writing results to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    // These describe the command line itself: no configuration needed, none read.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(*shell, &mut Cli::command(), "postie", out);
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command()).render(out)?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let ctx = match (Context::load(cli.config.as_deref()), &cli.command) {
        // Doctor reports a broken configuration as a finding instead of failing on it.
        (Err(e), Some(Command::Doctor { offline })) => {
            return runtime.block_on(doctor::doctor(Err(e), *offline, out));
        }
        (loaded, _) => loaded?,
    };
    match cli.command {
        None => {
            runtime.block_on(crate::tui::run(&ctx.paths, &ctx.config))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Trace {
            target,
            json,
            format,
        }) => {
            let format = if json { trace::Format::Json } else { format };
            runtime.block_on(trace::trace(&ctx, &target, format, out))
        }
        Some(Command::Status { json }) => runtime.block_on(status::status(&ctx, json, out)),
        Some(Command::Dkim(DkimCommand::Generate {
            domain,
            selector,
            algorithm,
            key_file,
        })) => dkim::generate(&ctx, &domain, &selector, algorithm.into(), key_file, out),
        Some(Command::Doctor { offline }) => {
            runtime.block_on(doctor::doctor(Ok(ctx), offline, out))
        }
        Some(Command::Log {
            follow,
            lines,
            sessions,
        }) => runtime.block_on(log::log(&ctx, lines, follow, sessions, out)),
        Some(Command::Serve) => runtime.block_on(serve::serve(&ctx, out)),
        Some(Command::Sendmail {
            read_recipients,
            ignore_dots,
            sender,
            full_name,
            options,
            recipients,
            ..
        }) => {
            let args = sendmail::SendmailArgs {
                read_recipients,
                ignore_dots: ignore_dots || options.iter().any(|o| o == "i"),
                sender,
                full_name,
                recipients,
            };
            runtime.block_on(sendmail::sendmail(&ctx, args))
        }
        Some(Command::Queue { action, json }) => runtime.block_on(async {
            use queue::QueueAction as A;
            match action {
                None => queue::list(&ctx, json, out).await,
                Some(QueueCommand::Attempts { id, json }) => {
                    queue::attempts(&ctx, id, json, out).await
                }
                Some(QueueCommand::Retry { id }) => queue::act(&ctx, A::Retry, id, out).await,
                Some(QueueCommand::Hold { id }) => queue::act(&ctx, A::Hold, id, out).await,
                Some(QueueCommand::Release { id }) => queue::act(&ctx, A::Release, id, out).await,
                Some(QueueCommand::Cancel { id }) => queue::act(&ctx, A::Cancel, id, out).await,
                Some(QueueCommand::Scheduled { json }) => queue::scheduled(&ctx, json, out).await,
            }
        }),
        Some(Command::Init { force }) => accounts::init(&ctx, force, out),
        Some(Command::Contacts { query, json }) => {
            runtime.block_on(contacts::contacts(&ctx, query.as_deref(), json, out))
        }
        // Answered before the configuration was read.
        Some(Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
        Some(Command::Passwd { account, stdin }) => {
            runtime.block_on(accounts::passwd(&ctx, account.as_deref(), stdin, out))
        }
        Some(Command::Import {
            paths,
            mailbox,
            account,
        }) => {
            let err = &mut std::io::stderr().lock();
            let output = transfer::ImportOutput { out, err };
            runtime.block_on(transfer::import(
                &ctx,
                &paths,
                &mailbox,
                account.as_deref(),
                output,
            ))
        }
        Some(Command::Export {
            mbox,
            mailbox,
            account,
            force,
        }) => runtime.block_on(transfer::export(
            &ctx,
            &transfer::ExportTo { file: &mbox, force },
            &mailbox,
            account.as_deref(),
            out,
        )),
        Some(Command::List {
            mailbox,
            account,
            search,
            limit,
            json,
        }) => runtime.block_on(messages::list(
            &ctx,
            messages::ListArgs {
                mailbox: mailbox.as_deref(),
                account: account.as_deref(),
                search: search.as_deref(),
                limit,
                json,
            },
            out,
        )),
        Some(Command::Show {
            id,
            raw,
            headers,
            json,
        }) => runtime.block_on(messages::show(&ctx, id, raw, headers, json, out)),
    }
}
