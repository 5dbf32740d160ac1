//! The server side of a TLS handshake (implicit TLS, STARTTLS, STLS) and what it
//! negotiated, one type for both protocols.

use std::io;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ProtocolVersion;

use super::Io;

/// Negotiated TLS parameters, for the Received header, the store and the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// e.g. "TLSv1.3".
    pub version: String,
    /// IANA cipher suite name, e.g. "TLS13_AES_256_GCM_SHA384".
    pub cipher: String,
}

impl std::fmt::Display for TlsInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.version, self.cipher)
    }
}

/// Run the handshake over `stream` (the caller bounds it in time).
pub(super) async fn accept(
    acceptor: &TlsAcceptor,
    stream: Box<dyn Io>,
) -> io::Result<(Box<dyn Io>, TlsInfo)> {
    let tls = acceptor.accept(stream).await?;
    let connection = &tls.get_ref().1;
    let version = match connection.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        other => format!("{other:?}"),
    };
    let cipher = connection
        .negotiated_cipher_suite()
        .map(|suite| format!("{:?}", suite.suite()))
        .unwrap_or_default();
    Ok((Box::new(tls), TlsInfo { version, cipher }))
}
