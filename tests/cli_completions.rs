//! `postie completions SHELL` and `postie man`: generated from the same clap definitions as
//! the parser, so every subcommand is in them; bash loads the script and completes.
#![allow(clippy::unwrap_used)]

#[path = "support/peers.rs"]
mod peers;

use std::process::Command;

fn postie(args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    // A broken config must not matter: these never read it.
    std::fs::write(home.path().join("config.toml"), "this is = = not toml").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_postie"))
        .args(args)
        .env("POSTIE_HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const SUBCOMMANDS: &[&str] = &[
    "serve",
    "status",
    "doctor",
    "log",
    "init",
    "import",
    "export",
    "list",
    "show",
    "trace",
    "sendmail",
    "queue",
    "dkim",
    "passwd",
    "completions",
    "man",
];

#[test]
fn completion_scripts_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = postie(&["completions", shell]);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} lacks {sub}");
        }
    }
}

#[test]
fn bash_loads_the_script_and_completes_subcommands() {
    let Some(bash) = peers::require("bash") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("postie.bash");
    std::fs::write(&script, postie(&["completions", "bash"])).unwrap();
    // Complete `postie tr<TAB>` and `postie queue re<TAB>` through the generated function.
    let probe = format!(
        "source {}\n\
         COMP_WORDS=(postie tr); COMP_CWORD=1; _postie postie tr postie; echo \"${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(postie queue re); COMP_CWORD=2; _postie postie re queue; echo \"${{COMPREPLY[*]}}\"\n",
        script.display()
    );
    let out = Command::new(bash)
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines.first().copied(), Some("trace"), "{text}");
    let queue: Vec<&str> = lines.get(1).unwrap_or(&"").split(' ').collect();
    assert!(
        queue.contains(&"retry") && queue.contains(&"release"),
        "{text}"
    );
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let page = postie(&["man"]);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH postie 1"),
        "{page}"
    );
    assert!(
        page.contains(".TH postie 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "man page lacks {sub}");
    }
    // man(1) renders it when present.
    if let Some(man) = peers::find("man") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("postie.1");
        std::fs::write(&file, &page).unwrap();
        let out = Command::new(man)
            .args(["-l", file.to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        if out.status.success() {
            assert!(String::from_utf8_lossy(&out.stdout).contains("postie"));
        }
    }
}
