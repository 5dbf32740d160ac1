//! Chain view tests: pure state transitions, key mapping, and TestBackend snapshots of the
//! 15-hop message (mail_test_10) and a skewed one (SpamAssassin nice/002) at 80x24 and 120x40.
#![allow(clippy::unwrap_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::mail::trace::{Trace, TraceContext, analyse};

const FIFTEEN_HOPS: &[u8] = include_bytes!("../../../../tests/fixtures/trace/mail_test_10.eml");
const SKEWED: &[u8] = include_bytes!("../../../../tests/fixtures/trace/spamassassin_nice_002.eml");

fn trace(raw: &[u8]) -> Trace {
    analyse(raw, &TraceContext::default())
}

fn draw(trace: &Trace, state: &ChainViewState, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| render(frame, frame.area(), trace, state))
        .unwrap();
    terminal.backend().clone()
}

macro_rules! snapshot {
    ($name:expr, $backend:expr) => {
        insta::with_settings!({ snapshot_path => "../../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $backend);
        });
    };
}

#[test]
fn next_and_prev_follow_the_displayed_order() {
    let mut state = ChainViewState::default();
    state.select_next(3);
    assert_eq!(state.selected, 1);
    state.select_next(3);
    state.select_next(3);
    assert_eq!(state.selected, 2, "stops at the bottom");
    state.toggle_order();
    assert_eq!(
        state.row_of(state.selected, 3),
        0,
        "same hop, now the top row"
    );
    state.select_next(3);
    assert_eq!(
        state.selected, 1,
        "down in header order is towards older hops"
    );
    state.select_prev(3);
    state.select_prev(3);
    assert_eq!(state.selected, 2);
    state.select_last(3);
    assert_eq!(state.selected, 0);
}

#[test]
fn selection_on_an_empty_chain_stays_at_zero() {
    let mut state = ChainViewState::default();
    state.select_next(0);
    state.select_last(0);
    assert_eq!(state.selected, 0);
    assert!(state.selected_hop(&trace(b"Subject: x\n\n")).is_none());
}

#[test]
fn close_shuts_the_detail_before_leaving() {
    let mut state = ChainViewState::default();
    assert!(state.apply(ChainAction::ToggleDetail, 2));
    assert!(state.detail_open);
    assert!(state.apply(ChainAction::Close, 2));
    assert!(!state.detail_open);
    assert!(
        !state.apply(ChainAction::Close, 2),
        "second Esc leaves the view"
    );
}

#[test]
fn keys_map_to_actions() {
    let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
    assert_eq!(key_action(key(KeyCode::Down)), Some(ChainAction::Next));
    assert_eq!(key_action(key(KeyCode::Char('k'))), Some(ChainAction::Prev));
    assert_eq!(
        key_action(key(KeyCode::Enter)),
        Some(ChainAction::ToggleDetail)
    );
    assert_eq!(
        key_action(key(KeyCode::Char('o'))),
        Some(ChainAction::ToggleOrder)
    );
    assert_eq!(
        key_action(key(KeyCode::Char('a'))),
        Some(ChainAction::ToggleAuth)
    );
    assert_eq!(key_action(key(KeyCode::Esc)), Some(ChainAction::Close));
    assert_eq!(
        key_action(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)),
        None
    );
    assert_eq!(key_action(key(KeyCode::Char('z'))), None);
}

#[test]
fn fifteen_hops_80x24() {
    let t = trace(FIFTEEN_HOPS);
    assert_eq!(t.hops.len(), 15);
    snapshot!(
        "chain_15_hops_80x24",
        draw(&t, &ChainViewState::default(), 80, 24)
    );
}

#[test]
fn fifteen_hops_120x40_header_order_with_auth() {
    let t = trace(FIFTEEN_HOPS);
    let state = ChainViewState {
        order: HopOrder::HeaderOrder,
        auth_open: true,
        ..ChainViewState::default()
    };
    snapshot!("chain_15_hops_120x40", draw(&t, &state, 120, 40));
}

#[test]
fn skewed_80x24() {
    let t = trace(SKEWED);
    snapshot!(
        "chain_skewed_80x24",
        draw(&t, &ChainViewState::default(), 80, 24)
    );
}

#[test]
fn skewed_120x40_detail_of_the_skewed_hop() {
    let t = trace(SKEWED);
    let skewed = t
        .hops
        .iter()
        .position(|h| h.delay_ms.is_some_and(|d| d < 0))
        .unwrap();
    let state = ChainViewState {
        selected: skewed,
        detail_open: true,
        ..ChainViewState::default()
    };
    snapshot!("chain_skewed_120x40_detail", draw(&t, &state, 120, 40));
}

#[test]
fn skewed_delay_is_marked_not_barred() {
    let t = trace(SKEWED);
    let backend = draw(&t, &ChainViewState::default(), 80, 24);
    let text = backend.to_string();
    assert!(text.contains("<skew"));
    assert!(text.contains("SKEW"));
}

#[test]
fn tiny_and_empty_areas_render_without_panic() {
    let t = trace(FIFTEEN_HOPS);
    let empty = trace(b"");
    for (w, h) in [(1, 1), (10, 3), (20, 5), (80, 2)] {
        for auth_open in [false, true] {
            for detail_open in [false, true] {
                let state = ChainViewState {
                    selected: 99,
                    auth_open,
                    detail_open,
                    ..ChainViewState::default()
                };
                draw(&t, &state, w, h);
                draw(&empty, &state, w, h);
            }
        }
    }
}

#[test]
fn trust_boundary_is_named_and_coloured() {
    let ctx = TraceContext {
        local_hostnames: vec!["b.mx.sonic.net".into()],
        local_authserv_ids: vec![],
    };
    let raw = include_bytes!("../../../../tests/fixtures/trace/spamassassin_spam_012.eml");
    let t = analyse(raw, &ctx);
    let backend = draw(&t, &ChainViewState::default(), 80, 24);
    assert!(backend.to_string().contains("trust #1+"));
    let buffer = backend.buffer();
    // Row 2 is hop 1 (the boundary), row 3 hop 2 (written by this node).
    assert_eq!(buffer[(0, 2)].fg, ratatui::style::Color::Cyan);
    assert_eq!(buffer[(0, 3)].fg, ratatui::style::Color::Green);
}

#[test]
fn detail_scroll_resets_on_another_hop() {
    let mut state = ChainViewState::default();
    state.apply(ChainAction::ToggleDetail, 3);
    state.apply(ChainAction::ScrollDown, 3);
    assert_eq!(state.detail_scroll, 5);
    state.apply(ChainAction::ScrollUp, 3);
    state.apply(ChainAction::ScrollUp, 3);
    assert_eq!(state.detail_scroll, 0);
    state.apply(ChainAction::ScrollDown, 3);
    state.apply(ChainAction::Next, 3);
    assert_eq!((state.selected, state.detail_scroll), (1, 0));
}

#[test]
fn fifteen_hops_80x24_detail_of_the_gateway_hop() {
    let t = trace(FIFTEEN_HOPS);
    let state = ChainViewState {
        selected: 3,
        detail_open: true,
        ..ChainViewState::default()
    };
    snapshot!("chain_15_hops_80x24_detail", draw(&t, &state, 80, 24));
}

#[test]
fn control_characters_in_headers_never_reach_the_terminal() {
    let raw = b"Received: from evil\x1b[2J.example (x [192.0.2.1]) by mx\x07.example\t with ESMTP id 1;\r\n Mon, 1 Oct 2018 09:49:21 +0000\r\nAuthentication-Results: a\x1b]0;pwn\x07; spf=pass\r\n\r\n";
    let t = trace(raw);
    for state in [
        ChainViewState::default(),
        ChainViewState {
            detail_open: true,
            auth_open: true,
            ..ChainViewState::default()
        },
    ] {
        let backend = draw(&t, &state, 80, 24);
        let symbols: String = backend
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(!symbols.chars().any(|c| c.is_control()), "{symbols:?}");
    }
}

#[test]
fn auth_panel_shows_the_lines_postie_trace_prints_styled_by_tone() {
    let raw = b"Received: from mx.sender.example (mx.sender.example [192.0.2.7]) by postie.local.test with ESMTPS id 1; Tue, 1 Apr 2025 10:00:05 +0000\r\n\
Authentication-Results: postie.local.test; spf=pass smtp.mailfrom=a@sender.example\r\n\
Authentication-Results: mx.sender.example; dkim=fail header.d=sender.example\r\n\
Received-SPF: pass (sender.example: 192.0.2.7 is permitted) client-ip=192.0.2.7;\r\n\r\n";
    let ctx = TraceContext {
        local_hostnames: vec!["postie.local.test".into()],
        local_authserv_ids: vec!["postie.local.test".into()],
    };
    let t = analyse(raw, &ctx);
    let state = ChainViewState {
        auth_open: true,
        ..ChainViewState::default()
    };
    let backend = draw(&t, &state, 100, 30);
    let buffer = backend.buffer();
    let rows: Vec<String> = (0..30)
        .map(|y| {
            (0..100)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect();
    let cli = crate::mail::trace::render_text(&t);
    let auth: Vec<&str> = cli
        .lines()
        .skip_while(|l| !l.starts_with("Authentication"))
        .collect();
    assert_eq!(auth.len(), 5, "{cli}");
    for line in &auth {
        let y = rows
            .iter()
            .position(|r| r.trim_end() == *line)
            .unwrap_or_else(|| panic!("`{line}` not in the panel:\n{}", rows.join("\n")));
        let colour_of = |needle: &str| buffer[(rows[y].find(needle).unwrap() as u16, y as u16)].fg;
        match *line {
            l if l.contains("(verified by this node)") => {
                assert_eq!(colour_of("(verified"), ratatui::style::Color::Green)
            }
            l if l.contains("(claimed") => {
                assert_eq!(colour_of("(claimed"), ratatui::style::Color::Yellow)
            }
            l if l.contains("spf=pass") => {
                assert_eq!(colour_of("spf=pass"), ratatui::style::Color::Green)
            }
            l if l.contains("dkim=fail") => {
                assert_eq!(colour_of("dkim=fail"), ratatui::style::Color::Red)
            }
            _ => {}
        }
    }
}

/// A chain over two days with long IPv6 addresses and long host names.
const TWO_DAYS_IPV6: &[u8] = b"Received: from mail-backend-fra-prod-03.eu-central-1.compute.example.net (mail-backend-fra-prod-03.eu-central-1.compute.example.net [2001:db8:ffff:1234:5678:9abc:def0:1234])\r\n\tby mx-inbound-cluster-07.mailhost.example.org (Postfix) with ESMTPS id 4AbCdEf\r\n\tfor <alice@example.org>; Sun, 6 Dec 2026 00:10:05 +0000\r\n\
Received: from [2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff] (helo=laptop.home.example)\r\n\tby mail-backend-fra-prod-03.eu-central-1.compute.example.net with esmtpsa (Exim 4.96)\r\n\t(envelope-from <bob@example.net>) id 1xYz; Sat, 5 Dec 2026 23:58:00 +0000\r\n\
From: bob@example.net\r\nDate: Sat, 5 Dec 2026 23:57:58 +0000\r\nSubject: late\r\n\r\nhi\r\n";

fn screen(backend: &TestBackend) -> Vec<String> {
    let area = backend.buffer().area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| backend.buffer()[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn two_days_with_long_ipv6_addresses_80x24_and_120x40() {
    let t = trace(TWO_DAYS_IPV6);
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let backend = draw(&t, &ChainViewState::default(), w, h);
        let rows = screen(&backend);
        // Times carry the date: the chain crosses midnight.
        assert!(
            rows.iter().any(|r| r.contains("12-05 23:58:00")),
            "{rows:#?}"
        );
        assert!(
            rows.iter().any(|r| r.contains("12-06 00:10:05")),
            "{rows:#?}"
        );
        // Delay and Flags keep their columns whole.
        assert!(rows[1].trim_end().ends_with("Flags"), "{}", rows[1]);
        snapshot!(format!("chain_two_days_ipv6_{w}x{h}"), backend);
    }
}

#[test]
fn no_address_or_name_is_ever_cut_without_a_mark() {
    for raw in [FIFTEEN_HOPS, SKEWED, TWO_DAYS_IPV6] {
        let t = trace(raw);
        for (w, h) in [(80u16, 24u16), (100, 30), (120, 40)] {
            let rows = screen(&draw(&t, &ChainViewState::default(), w, h));
            for hop in &t.hops {
                let row = crate::mail::trace::render::hop_row(hop);
                for text in [&row.from, &row.by] {
                    if text.is_empty() {
                        continue;
                    }
                    let line = rows
                        .iter()
                        .skip(2)
                        .find(|r| {
                            r.split_whitespace().next() == Some(hop.number.to_string().as_str())
                        })
                        .unwrap();
                    // Whole, or elided with a visible mark.
                    assert!(
                        line.contains(text.as_str()) || line.contains('…'),
                        "{w}x{h} hop {}: `{text}` cut silently in `{line}`",
                        hop.number
                    );
                    // An IP in brackets is shown whole or not at all.
                    if let (Some(open), true) = (text.rfind(" ["), text.ends_with(']')) {
                        let address = &text[open + 2..text.len() - 1];
                        let shown = line.contains(address);
                        let partial = (4..address.len())
                            .any(|n| line.contains(&format!("[{}", &address[..n])) && !shown);
                        assert!(!partial, "{w}x{h}: `{address}` cut in `{line}`");
                    }
                }
            }
        }
    }
}

#[test]
fn elision_keeps_the_address_and_marks_the_cut() {
    use super::render::elide;
    assert_eq!(elide("mx.example.org", 20), "mx.example.org");
    assert_eq!(
        elide("mx0b-001b2d01.pphosted.com [148.163.158.5]", 30),
        "mx0b-0…ted.com [148.163.158.5]"
    );
    let cut = elide("mx0b-001b2d01.pphosted.com [148.163.158.5]", 30);
    assert_eq!(cut.chars().count(), 30);
    assert!(
        cut.ends_with(" [148.163.158.5]") && cut.contains('…'),
        "{cut}"
    );
    let tiny = elide("host.example [2001:db8::1234:5678:9abc]", 10);
    assert_eq!(tiny.chars().count(), 10);
    assert!(tiny.contains('…'));
    assert_eq!(elide("abc", 0), "");
}
