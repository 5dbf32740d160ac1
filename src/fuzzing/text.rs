//! Targets for what the user types: the configuration file and the search language.

use std::path::Path;

use crate::config::load_from_str;
use crate::store::SearchQuery;

/// The configuration loader: any text loads or fails with a message naming the file; a
/// configuration that loads, printed as TOML, loads again to the same configuration.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    let config = match load_from_str(text, path) {
        Ok(config) => config,
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("fuzz.toml:"), "{message}");
            return;
        }
    };
    // Not every loadable value has a TOML form (e.g. a map key TOML cannot print bare);
    // what does print must load back unchanged.
    let Ok(printed) = toml::to_string(&config) else {
        return;
    };
    let again = load_from_str(&printed, path)
        .unwrap_or_else(|e| panic!("printed configuration does not load: {e}\n{printed}"));
    assert_eq!(format!("{again:?}"), format!("{config:?}"), "{printed}");
}

/// The search language: any input parses or fails cleanly; what parses prints back to a
/// query that parses to the same search, and its full-text parts are expressions SQLite's
/// FTS5 accepts (a query the user may type never becomes a database error).
pub fn search(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(query) = SearchQuery::parse(&text) else {
        return;
    };
    let printed = query.to_string();
    assert_eq!(SearchQuery::parse(&printed), Ok(query.clone()), "{printed}");
    if let Err(e) = query.check_fts_syntax() {
        panic!("{text:?} gives an FTS5 expression SQLite refuses: {e}");
    }
}
