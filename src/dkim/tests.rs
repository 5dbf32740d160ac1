//! The signer chooses its key by the From domain, signs the RFC 6376 §5.4.1 set with From
//! oversigned, and reports an unusable key with its file.

use super::*;

fn signer(algorithm: Algorithm) -> (tempfile::TempDir, Signer) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    write_key_file(&path, &generate(algorithm).unwrap().private_pem).unwrap();
    let signer = Signer::load(&[DkimConfig {
        domain: "Example.ORG.".into(),
        selector: "s1".into(),
        key_file: path,
        algorithm,
    }])
    .unwrap();
    (dir, signer)
}

const MESSAGE: &[u8] = b"From: \"Doe, Jane\" <jane@example.org>\r\nTo: bob@remote.test\r\n\
Subject: hi\r\n\r\nbody\r\n";

#[test]
fn mail_from_the_domain_is_signed_with_from_oversigned() {
    for (algorithm, tag) in [
        (Algorithm::Rsa, "a=rsa-sha256"),
        (Algorithm::Ed25519, "a=ed25519-sha256"),
    ] {
        let (_dir, signer) = signer(algorithm);
        let signed = String::from_utf8(signer.sign(MESSAGE.to_vec())).unwrap();
        let (header, rest) = signed.split_once("\r\n\r\n").unwrap();
        assert!(header.starts_with("DKIM-Signature:"), "{signed}");
        assert!(signed.ends_with(std::str::from_utf8(MESSAGE).unwrap()));
        let unfolded = header.replace("\r\n", "").replace([' ', '\t'], "");
        assert!(
            unfolded.contains(tag) && unfolded.contains("d=example.org"),
            "{unfolded}"
        );
        assert!(unfolded.contains("s=s1") && unfolded.contains("c=relaxed/relaxed"));
        let h = unfolded
            .split("h=")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        let froms = h
            .split(':')
            .filter(|n| n.eq_ignore_ascii_case("from"))
            .count();
        assert_eq!(froms, 2, "From oversigned: {h}");
        assert!(rest.ends_with("body\r\n"));
    }
}

#[test]
fn other_domains_and_subdomains_are_left_alone() {
    let (_dir, signer) = signer(Algorithm::Ed25519);
    for from in ["someone@other.test", "jane@sub.example.org"] {
        let raw = format!("From: {from}\r\nSubject: x\r\n\r\nbody\r\n").into_bytes();
        assert_eq!(signer.sign(raw.clone()), raw);
    }
    let no_from = b"Subject: x\r\n\r\nbody\r\n".to_vec();
    assert_eq!(signer.sign(no_from.clone()), no_from);
}

#[test]
fn an_unusable_key_names_its_file_and_a_key_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.pem");
    std::fs::write(&path, "not a key").unwrap();
    let error = Signer::load(&[DkimConfig {
        domain: "example.org".into(),
        selector: "s".into(),
        key_file: path.clone(),
        algorithm: Algorithm::Rsa,
    }])
    .unwrap_err();
    assert!(error.to_string().contains("bad.pem"), "{error}");
    assert!(
        write_key_file(&path, "x").is_err(),
        "an existing file is kept"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let fresh = dir.path().join("fresh.pem");
        write_key_file(&fresh, "k").unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_published_rsa_key_is_a_subject_public_key_info_as_openssl_reads_it() {
    let key = generate(Algorithm::Rsa).unwrap();
    // SEQUENCE { rsaEncryption, NULL } BIT STRING { RSAPublicKey of 2048 bits }.
    assert!(
        key.txt
            .starts_with("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"),
        "{}",
        key.txt
    );
    let ed = generate(Algorithm::Ed25519).unwrap();
    // ed25519 keys are the bare 32 octets (RFC 8463 §4).
    let p = ed.txt.rsplit("p=").next().unwrap();
    assert_eq!(p.len(), 44, "{}", ed.txt);
}
