//! `|`: messages piped to a shell command whose output the pager shows; bounded in time
//! and in what is kept of the output, so a runaway command cannot hang or fill the app.

use crate::mailbox_io::write_mbox_message;
use crate::tui::action::Outcome;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Most bytes of stdout (and of stderr) kept for the pager; the rest is read and dropped.
const OUTPUT_CAP: usize = 4 << 20;
/// A captured command still running after this long is stopped (interactive ones, `!cmd`,
/// have the terminal and run as long as the user wants).
const PIPE_TIMEOUT: Duration = Duration::from_secs(120);

/// What the command reads: one message as it is stored, several as an mbox (as mutt
/// pipes tagged messages without `pipe_split`).
pub fn input(messages: &[(String, i64, Vec<u8>)]) -> Vec<u8> {
    match messages {
        [(_, _, raw)] => raw.clone(),
        several => {
            let mut out = Vec::new();
            for (sender, date, raw) in several {
                // Writing to memory cannot fail.
                let _ = write_mbox_message(&mut out, sender, *date, raw);
            }
            out
        }
    }
}

/// Run `sh -c command` with `input` on its stdin; its stdout, then its stderr, and how it
/// exited come back for the pager.
pub(super) async fn run_captured(command: &str, input: Vec<u8>) -> Result<Outcome, String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    let stdin = child.stdin.take();
    // A command that stops reading early (head) closes the pipe: not an error.
    let feed = tokio::spawn(async move {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&input).await;
        }
    });
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let finished = tokio::time::timeout(PIPE_TIMEOUT, async {
        let (out, err) = tokio::join!(read_capped(stdout), read_capped(stderr));
        (out, err, child.wait().await)
    })
    .await;
    feed.abort();
    let (out, err, status) = match finished {
        Ok(done) => done,
        Err(_) => {
            return Err(format!(
                "`{command}` was still running after {} s and was stopped (use !{command} to give it the terminal)",
                PIPE_TIMEOUT.as_secs()
            ));
        }
    };
    let status = status.map_err(|e| format!("waiting for `{command}`: {e}"))?;
    let mut output = String::from_utf8_lossy(&out).into_owned();
    if !err.is_empty() {
        if !output.is_empty() && !output.ends_with('\n') {
            output.push('\n');
        }
        output.push_str(&String::from_utf8_lossy(&err));
    }
    Ok(Outcome::PipeOutput {
        command: command.to_string(),
        output,
        status: describe(status),
        success: status.success(),
    })
}

/// `exit 0`, `exit 3`, `killed by signal 9`.
pub fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended".to_string(),
    }
}

/// Everything `pipe` yields, keeping the first [`OUTPUT_CAP`] bytes (with a note when cut).
async fn read_capped(pipe: Option<impl AsyncRead + Unpin>) -> Vec<u8> {
    let Some(mut pipe) = pipe else {
        return Vec::new();
    };
    let mut kept = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut dropped = 0usize;
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = OUTPUT_CAP.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
                dropped += n.saturating_sub(room);
            }
        }
    }
    if dropped > 0 {
        kept.extend_from_slice(format!("\n[{dropped} more bytes not shown]\n").as_bytes());
    }
    kept
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn output(outcome: Outcome) -> (String, String, bool) {
        match outcome {
            Outcome::PipeOutput {
                output,
                status,
                success,
                ..
            } => (output, status, success),
            other => panic!("not pipe output: {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_command_reads_the_message_and_its_output_and_status_come_back() {
        let raw = b"Subject: hello\r\n\r\nbody line\r\n".to_vec();
        let (out, status, success) = output(
            run_captured("grep -c line; echo oops >&2; exit 3", raw)
                .await
                .unwrap(),
        );
        assert_eq!(out, "1\noops\n");
        assert_eq!(status, "exit 3");
        assert!(!success);
    }

    #[tokio::test]
    async fn a_command_that_stops_reading_early_is_fine_and_output_is_capped() {
        let big = vec![b'x'; 8 << 20];
        let (out, status, _) = output(run_captured("head -c 10", big).await.unwrap());
        assert_eq!((out.as_str(), status.as_str()), ("xxxxxxxxxx", "exit 0"));
        let (out, _, _) = output(
            run_captured("head -c 5000000 /dev/zero | tr '\\0' y", Vec::new())
                .await
                .unwrap(),
        );
        assert!(out.starts_with("yyyy"));
        assert!(out.ends_with(&format!(
            "[{} more bytes not shown]\n",
            5_000_000 - OUTPUT_CAP
        )));
    }

    #[test]
    fn several_messages_go_as_an_mbox() {
        let m = |s: &str| {
            (
                format!("{s}@example.org"),
                0,
                format!("Subject: {s}\n\nFrom x\n").into_bytes(),
            )
        };
        let one = input(&[m("a")]);
        assert_eq!(one, b"Subject: a\n\nFrom x\n");
        let text = String::from_utf8(input(&[m("a"), m("b")])).unwrap();
        assert!(text.starts_with("From a@example.org "));
        assert!(text.contains("\n>From x\n\nFrom b@example.org "));
    }
}
