//! Where each pane goes: a pure function of the app state and the screen size, shared by
//! rendering and by mouse hit-testing in `update`.

use crate::tui::app::{App, Pane};
use ratatui::layout::Rect;

/// The rectangles of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub sidebar: Option<Rect>,
    /// Includes the one-line column header.
    pub list: Option<Rect>,
    pub reader: Option<Rect>,
    /// The whole area above the status line (compose, outbox, chain view).
    pub main: Rect,
    pub status: Rect,
    pub hints: Rect,
}

pub fn areas(app: &App, area: Rect) -> Areas {
    let h = area.height;
    let main_h = h.saturating_sub(2);
    let main = Rect::new(area.x, area.y, area.width, main_h);
    let status = Rect::new(area.x, area.y + main_h, area.width, h.min(1));
    let hints = Rect::new(
        area.x,
        area.y + main_h + 1,
        area.width,
        h.saturating_sub(1).min(1),
    );
    let side_w = if area.width >= 120 {
        22
    } else if area.width >= 60 {
        16
    } else {
        0
    };
    let sidebar = (side_w > 0).then(|| Rect::new(main.x, main.y, side_w, main.height));
    let right = Rect::new(
        main.x + side_w,
        main.y,
        main.width.saturating_sub(side_w),
        main.height,
    );
    let (list, reader) = match app.pane {
        Pane::Mail => (Some(right), None),
        Pane::Reader if app.split => {
            let list_h = (right.height / 3).max(4).min(right.height);
            let list = Rect::new(right.x, right.y, right.width, list_h);
            let reader = Rect::new(
                right.x,
                right.y + list_h,
                right.width,
                right.height - list_h,
            );
            (Some(list), Some(reader))
        }
        Pane::Reader => (None, Some(main)),
        _ => (None, None),
    };
    let sidebar = match app.pane {
        Pane::Mail => sidebar,
        Pane::Reader if app.split => sidebar,
        _ => None,
    };
    Areas {
        sidebar,
        list,
        reader,
        main,
        status,
        hints,
    }
}

/// Message rows visible in the list (its area minus the header line).
pub fn list_rows(app: &App) -> u16 {
    let main_h = app.height.saturating_sub(2);
    let list_h = if app.pane == Pane::Reader && app.split {
        (main_h / 3).max(4).min(main_h)
    } else {
        main_h
    };
    list_h.saturating_sub(1).max(1)
}
