//! Keymap tables: default bindings per context, shadowing, and `[keys]` overrides.
#![allow(clippy::unwrap_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use postie::tui::action::Command;
use postie::tui::keymap::{KeyContext, KeySpec, Keymap, KeymapError};
use std::collections::BTreeMap;

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn c(ch: char) -> KeyEvent {
    k(KeyCode::Char(ch))
}

#[test]
fn default_table_maps_vim_and_arrow_keys_per_context() {
    use Command as C;
    use KeyContext::*;
    let m = Keymap::default();
    let table: &[(KeyContext, KeyEvent, Option<Command>)] = &[
        (List, c('j'), Some(C::Down)),
        (List, k(KeyCode::Down), Some(C::Down)),
        (List, c('k'), Some(C::Up)),
        (List, k(KeyCode::Up), Some(C::Up)),
        (List, c('G'), Some(C::Last)),
        (
            List,
            KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(C::Last),
        ),
        (List, k(KeyCode::Enter), Some(C::Open)),
        (
            List,
            KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL),
            Some(C::PageDown),
        ),
        (List, c('d'), Some(C::Delete)),
        (List, c(' '), Some(C::ToggleMark)),
        (List, c('r'), Some(C::Reply)),
        (List, c('R'), Some(C::ReplyAll)),
        (List, c('/'), Some(C::Search)),
        (List, c('q'), Some(C::Quit)),
        (List, c('?'), Some(C::Help)),
        (List, c(':'), Some(C::CommandLine)),
        (Reader, c('h'), Some(C::ToggleHeaders)),
        (Reader, c('H'), Some(C::RawSource)),
        (Reader, c('t'), Some(C::Trace)),
        (Reader, c('n'), Some(C::NextMessage)),
        (Reader, c('N'), Some(C::PrevMessage)),
        (Reader, c(' '), Some(C::PageDown)),
        (Reader, c('w'), Some(C::SavePart)),
        (Sidebar, c('j'), Some(C::Down)),
        (Sidebar, k(KeyCode::Enter), Some(C::Open)),
        (Sidebar, c('d'), None),
        (Outbox, c('r'), Some(C::Retry)),
        (Outbox, c('h'), Some(C::HoldRelease)),
        (Outbox, c('x'), Some(C::Cancel)),
        (Outbox, c('q'), Some(C::Quit)),
        (List, c('Z'), None),
    ];
    for (ctx, key, want) in table {
        assert_eq!(m.resolve(*ctx, *key), *want, "{ctx:?} {key:?}");
    }
}

#[test]
fn every_command_has_a_unique_config_name_that_round_trips() {
    let mut names: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
    for cmd in Command::ALL {
        assert_eq!(Command::from_name(cmd.name()), Some(cmd));
        assert!(!cmd.describe().is_empty());
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), Command::ALL.len());
}

#[test]
fn override_replaces_the_default_keys_of_that_action_only() {
    let mut o = BTreeMap::new();
    o.insert(
        "down".to_string(),
        vec!["n".to_string(), "ctrl-n".to_string()],
    );
    let (m, errors) = Keymap::with_overrides(&o);
    assert!(errors.is_empty());
    assert_eq!(m.resolve(KeyContext::List, c('n')), Some(Command::Down));
    assert_eq!(
        m.resolve(KeyContext::Reader, c('n')),
        Some(Command::Down),
        "every context of the action"
    );
    assert_eq!(
        m.resolve(
            KeyContext::List,
            KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL)
        ),
        Some(Command::Down)
    );
    assert_eq!(
        m.resolve(KeyContext::List, c('j')),
        None,
        "the old key is gone"
    );
    assert_eq!(m.resolve(KeyContext::List, c('k')), Some(Command::Up));
}

#[test]
fn override_of_a_global_action_stays_global() {
    let mut o = BTreeMap::new();
    o.insert("quit".to_string(), vec!["Q".to_string()]);
    let (m, _) = Keymap::with_overrides(&o);
    assert_eq!(m.resolve(KeyContext::Reader, c('Q')), Some(Command::Quit));
    assert_eq!(m.resolve(KeyContext::List, c('q')), None);
}

#[test]
fn unknown_actions_and_keys_are_reported_by_name() {
    let mut o = BTreeMap::new();
    o.insert("teleport".to_string(), vec!["t".to_string()]);
    o.insert("help".to_string(), vec!["shift-meta-x".to_string()]);
    let (_, errors) = Keymap::with_overrides(&o);
    assert_eq!(
        errors,
        vec![
            KeymapError::BadKey {
                action: "help".into(),
                key: "shift-meta-x".into()
            },
            KeymapError::UnknownAction("teleport".into()),
        ]
    );
}

#[test]
fn key_specs_parse_names_and_ctrl() {
    assert_eq!(KeySpec::parse("enter").unwrap().code, KeyCode::Enter);
    assert_eq!(KeySpec::parse("pgdn").unwrap().code, KeyCode::PageDown);
    assert_eq!(KeySpec::parse("space").unwrap().code, KeyCode::Char(' '));
    let ctrl = KeySpec::parse("ctrl-d").unwrap();
    assert!(ctrl.ctrl);
    assert_eq!(ctrl.label(), "ctrl-d");
    assert_eq!(KeySpec::parse("xy"), None);
}

#[test]
fn help_lists_every_binding_of_the_context_and_unshadowed_globals() {
    let m = Keymap::default();
    let help = m.help(KeyContext::Reader);
    let find = |cmd| help.iter().find(|(c, _)| *c == cmd).map(|(_, k)| k.clone());
    assert_eq!(
        find(Command::NextMessage),
        Some(vec!["n".into(), "J".into()])
    );
    assert_eq!(find(Command::Quit), Some(vec!["q".into()]));
    assert_eq!(
        find(Command::Retry),
        None,
        "outbox keys are not listed in the reader"
    );
}
