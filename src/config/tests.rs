//! Config tests: defaults, the shipped example, and errors that name file, line and key.

#![allow(clippy::unwrap_used)]

use super::*;
use std::path::Path;

fn parse(text: &str) -> Result<Config, ConfigError> {
    load_from_str(text, Path::new("/etc/postie.toml"))
}

#[test]
fn empty_file_gives_working_defaults() {
    let config = parse("").unwrap();
    assert_eq!(config.smtp.listen, vec!["127.0.0.1:2525"]);
    assert_eq!(
        config.pop3.listen,
        vec!["127.0.0.1:1100".parse::<std::net::SocketAddr>().unwrap()]
    );
    assert_eq!(config.smtp.trusted_networks, vec!["127.0.0.0/8", "::1/128"]);
    assert_eq!(config.outbound.mode, OutboundMode::Direct);
    assert_eq!(config.outbound.direct_port, 25);
    assert!(config.dns.nameservers.is_empty());
    assert!(config.dns.reverse_lookups);
}

#[test]
fn shipped_example_parses_and_documents_every_section() {
    let config = parse(example_config()).unwrap();
    assert_eq!(config.accounts.len(), 1);
    for section in [
        "[smtp]",
        "[pop3]",
        "[auth]",
        "[outbound]",
        "[outbound.smarthost]",
        "[dns]",
        "[ui]",
        "[keys]",
        "[log]",
    ] {
        assert!(example_config().contains(section), "{section} missing");
    }
}

#[test]
fn unknown_key_is_reported_with_file_line_and_dotted_key() {
    let err = parse("[smtp]\nlisten = [\"127.0.0.1:25\"]\nlisen = 1\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("/etc/postie.toml:3: key `smtp.lisen`"),
        "{text}"
    );
    assert!(text.contains("unknown field"), "{text}");
}

#[test]
fn wrong_type_names_the_key() {
    let err = parse("[dns]\nnameservers = \"127.0.0.1\"\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("/etc/postie.toml:2: key `dns.nameservers`"),
        "{text}"
    );
}

#[test]
fn bad_listen_address_is_reported_after_parsing() {
    let err = parse("[smtp]\n\nlisten = [\"localhost\"]\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "/etc/postie.toml:3: key `smtp.listen`: `localhost` is not an address:port such as 127.0.0.1:2525"
    );
    let err = parse("[pop3]\nlisten = [\"localhost\"]\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/etc/postie.toml:2: key `pop3.listen`"),
        "{err}"
    );
}

#[test]
fn bad_trusted_network_names_file_line_and_key() {
    let text = "[smtp]\ntrusted_networks = [\n  \"127.0.0.0/8\",\n  \"10.0.0.0/33\",\n]\n";
    assert_eq!(
        parse(text).unwrap_err().to_string(),
        "/etc/postie.toml:4: key `smtp.trusted_networks`: `10.0.0.0/33` is not a network \
         such as 127.0.0.0/8 or ::1/128"
    );
    let err = parse("[smtp.rate_limits]\nexempt = [\"localhost\"]\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/etc/postie.toml:2: key `smtp.rate_limits.exempt`: `localhost`"),
        "{err}"
    );
}

#[test]
fn a_bad_value_in_the_second_table_of_an_array_is_found_on_its_own_line() {
    let text = "[[accounts]]\nname = \"a\"\naddresses = [\"a@x.test\"]\n\n\
                [[accounts]]\nname = \"b\"\naddresses = [\"b@x.test\", \"broken\"]\n";
    let err = parse(text).unwrap_err().to_string();
    assert!(
        err.starts_with("/etc/postie.toml:7: key `accounts.addresses`: `broken`"),
        "{err}"
    );
}

#[test]
fn half_a_tls_pair_empty_paths_and_zero_timeouts_name_their_keys() {
    let err = parse("[smtp]\nhostname = \"h\"\n[smtp.tls]\ncert = \"/c.pem\"\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "/etc/postie.toml:3: key `smtp.tls.key`: needed with `cert`"
    );
    let err = parse("[outbound.smarthost]\nca_file = \"\"\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/etc/postie.toml:2: key `outbound.smarthost.ca_file`"),
        "{err}"
    );
    let err = parse("[smtp]\n# idle\ncommand_timeout_secs = 0\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/etc/postie.toml:3: key `smtp.command_timeout_secs`"),
        "{err}"
    );
    let err = parse("smtp.data_timeout_secs = 0\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/etc/postie.toml:1: key `smtp.data_timeout_secs`"),
        "{err}"
    );
    let err = parse("[auth]\ncheck_workers = 1000\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/etc/postie.toml:2: key `auth.check_workers`"),
        "{err}"
    );
}

#[test]
fn address_shared_by_two_accounts_is_rejected() {
    let text = "[[accounts]]\nname = \"a\"\naddresses = [\"x@h\"]\n[[accounts]]\nname = \"b\"\naddresses = [\"X@h\"]\n";
    let err = parse(text).unwrap_err().to_string();
    assert!(err.contains("belongs to both"), "{err}");
}

#[test]
fn nameservers_accept_ip_or_ip_port() {
    assert_eq!(
        load::parse_nameserver("127.0.0.1:5353").unwrap().port(),
        5353
    );
    assert_eq!(load::parse_nameserver("::1").unwrap().port(), 53);
    assert!(load::parse_nameserver("dns.example").is_none());
}

#[test]
fn default_account_sends_from_a_dotted_domain_and_receives_for_localhost_and_hostname() {
    let account = default_account("ann", "laptop");
    assert_eq!(
        account.addresses,
        vec!["ann@localhost.localdomain", "ann@localhost", "ann@laptop"]
    );
    for host in ["localhost", "localhost.localdomain", ""] {
        assert_eq!(
            default_account("ann", host).addresses,
            vec!["ann@localhost.localdomain", "ann@localhost"],
            "{host:?}"
        );
    }
}

#[test]
fn login_comes_from_the_first_usable_candidate() {
    let some = |s: &str| Some(s.to_string());
    assert_eq!(choose_login([some("Ann"), some("bob"), None]), "ann");
    assert_eq!(choose_login([None, some("bob"), some("carl")]), "bob");
    assert_eq!(choose_login([None, None, some("carl")]), "carl");
    assert_eq!(choose_login([some("ä"), some("b o b"), None]), "bob");
    assert_eq!(choose_login([None, None, None]), "user");
    assert_eq!(choose_login([some(""), some("ö"), None]), "user");
}

#[test]
fn directory_resolves_addresses_aliases_catch_all_and_remote() {
    let accounts = vec![AccountConfig {
        name: "ann".into(),
        addresses: vec!["ann@home.example".into()],
        aliases: vec!["postmaster@home.example".into()],
        catch_all: vec!["catch.example".into()],
        ..AccountConfig::default()
    }];
    let dir = Directory::new(&accounts);
    let local = Resolution::Local {
        account: "ann".into(),
    };
    assert_eq!(dir.resolve("Ann@Home.Example"), local);
    assert_eq!(dir.resolve("ann+lists@home.example"), local);
    assert_eq!(dir.resolve("postmaster@home.example"), local);
    assert_eq!(dir.resolve("anything@catch.example"), local);
    assert_eq!(
        dir.resolve("bob@home.example"),
        Resolution::UnknownLocalUser
    );
    assert_eq!(dir.resolve("bob@elsewhere.example"), Resolution::Remote);
    assert!(dir.may_send_as("ann", "ann@home.example"));
    assert!(!dir.may_send_as("ann", "bob@elsewhere.example"));
}

#[test]
fn postie_home_puts_everything_under_one_folder() {
    let paths = Paths::under(Path::new("/tmp/ph"));
    assert_eq!(paths.config_file, Path::new("/tmp/ph/config.toml"));
    assert_eq!(paths.database(), Path::new("/tmp/ph/data/postie.db"));
}
