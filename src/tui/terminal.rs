//! The terminal: raw mode + alternate screen + mouse + bracketed paste on the way in, all
//! undone on the way out, after a panic (hook) and around `$EDITOR` (suspend/resume).

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, Write, stdout};

pub type Tty = Terminal<CrosstermBackend<Stdout>>;

/// Take over the terminal.
pub fn setup() -> std::io::Result<Tty> {
    enter()?;
    Terminal::new(CrosstermBackend::new(stdout()))
}

fn enter() -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

/// Give the terminal back as it was; safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = stdout().flush();
}

/// Restore the terminal before the default panic message prints.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Run `$VISUAL`/`$EDITOR` (else `vi`) on `text` with the terminal handed over; returns
/// the edited text. The caller pauses the key reader first.
pub fn edit_externally(
    tty: &mut Tty,
    dir: &std::path::Path,
    text: &str,
) -> std::io::Result<String> {
    let path = dir.join(format!("compose-{}.txt", std::process::id()));
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi").to_string();
    let edited = edit_file(&path, text, |file| {
        restore();
        let status = std::process::Command::new(program)
            .args(words)
            .arg(file)
            .status();
        enter()?;
        status
    });
    tty.clear()?;
    edited
}

/// `!cmd` at the pipe prompt: give the terminal to `sh -c command` with `input` on its
/// stdin, wait for it and for Enter (so its output can be read), then take the screen back.
pub fn pipe_interactively(
    tty: &mut Tty,
    command: &str,
    input: Vec<u8>,
) -> std::io::Result<std::process::ExitStatus> {
    use std::io::BufRead;
    restore();
    let ran = (|| {
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::piped())
            .spawn()?;
        // Fed from a thread: a pager reads its stdin while the user scrolls.
        let feeder = child.stdin.take().map(|mut stdin| {
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            })
        });
        let status = child.wait();
        if let Some(feeder) = feeder {
            let _ = feeder.join();
        }
        let mut stderr = std::io::stderr();
        let _ = write!(stderr, "\r\n[postie: press Enter to return]");
        let _ = stderr.flush();
        let _ = std::io::stdin().lock().read_line(&mut String::new());
        status
    })();
    enter()?;
    tty.clear()?;
    ran
}

/// Hand `body` to an editor as the file at `path` and read back what it left there.
///
/// The file ends with a newline, as text files do, so an editor or script that appends
/// a line does not join it to the body's last line; that newline is taken off again on
/// the way back, so a round trip leaves the body exactly as it was.
pub fn edit_file(
    path: &std::path::Path,
    body: &str,
    run: impl FnOnce(&std::path::Path) -> std::io::Result<std::process::ExitStatus>,
) -> std::io::Result<String> {
    std::fs::write(path, format!("{body}\n"))?;
    let status = run(path);
    let edited = std::fs::read_to_string(path);
    let _ = std::fs::remove_file(path);
    match status {
        Ok(s) if s.success() => edited.map(|text| body_of_file(&text).to_string()),
        Ok(s) => Err(std::io::Error::other(format!("the editor exited with {s}"))),
        Err(e) => Err(e),
    }
}

/// The body in an edited file: everything but the final line break.
fn body_of_file(text: &str) -> &str {
    text.strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(text)
}

/// The terminal bell.
pub fn bell() {
    let mut out = stdout();
    let _ = out.write_all(b"\x07");
    let _ = out.flush();
}

#[cfg(test)]
mod tests;
