//! The SMTP receiver's view of the node: address policy from the [`Router`], passwords and
//! durable delivery from the store, reverse DNS from `[dns]`, and the checks (SPF, DKIM,
//! DMARC, ARC) of mail from untrusted clients before it is stored.

use super::accounts::Accounts;
use crate::dns::Dns;
use crate::routing::Router;
use crate::smtp::{AcceptedMessage, Backend, DeliveryError, Policy, RecipientClass, SenderFacts};
use crate::store::{Envelope, Submission};
use crate::verify::{ClientFacts, Verifier};
use std::net::IpAddr;
use std::sync::Arc;

/// Recipient classes from the router, the one routing decision of the node.
pub struct RouterPolicy(pub Arc<Router>);

impl Policy for RouterPolicy {
    fn classify_recipient(&self, address: &str) -> RecipientClass {
        self.0.classify(address)
    }

    fn may_send_as(&self, account: &str, mail_from: &str) -> bool {
        self.0.directory().may_send_as(account, mail_from)
    }
}

/// Delivery into the store, authentication against stored argon2 hashes.
#[derive(Clone)]
pub struct StoreBackend {
    pub accounts: Arc<Accounts>,
    pub dns: Dns,
    /// Checks of mail from untrusted clients; `None` when `[verify] enabled = false`.
    pub verifier: Option<Arc<Verifier>>,
}

impl Backend for StoreBackend {
    async fn authenticate(&self, username: &str, password: &str) -> crate::auth::AuthOutcome {
        self.accounts.check_password(username, password).await
    }

    async fn deliver(&self, message: AcceptedMessage) -> Result<(), DeliveryError> {
        let recipients = message
            .recipients
            .iter()
            .map(|r| (r.address.as_str(), &r.class));
        let plan = self
            .accounts
            .router
            .plan(&message.mail_from, recipients)
            .map_err(|e| DeliveryError::Failed(e.to_string()))?;
        let account_id = message
            .auth_user
            .as_deref()
            .and_then(|user| self.accounts.router.account(user))
            .map(|a| a.id);
        let envelope = Envelope {
            mail_from: message.mail_from.clone(),
            rcpt_to: message
                .recipients
                .iter()
                .map(|r| r.address.clone())
                .collect(),
            peer_ip: Some(message.peer.ip().to_string()),
            helo: Some(message.helo.clone()),
            tls: message
                .tls
                .as_ref()
                .map(|t| format!("{} {}", t.version, t.cipher)),
            auth_user: message.auth_user.clone(),
            queue_id: Some(message.queue_id.clone()),
            received_at: message.received_at.timestamp(),
            auth_summary: None,
            auth_verdicts: None,
        };
        let mut envelope = envelope;
        let raw = match &self.verifier {
            // Mail from our own users and trusted networks is signed for our domains
            // (after the Received line the session added).
            _ if message.trusted => self.accounts.router.sign(message.data),
            // Mail from anyone else is checked, within the DNS budget, and carries our
            // verdicts on top; claims forged under our authserv-id are removed first.
            Some(verifier) => {
                let stripped = crate::verify::strip_claims(&message.data, verifier.authserv_id());
                let client = ClientFacts {
                    ip: message.peer.ip(),
                    helo: &message.helo,
                    mail_from: &message.mail_from,
                };
                let verdicts = verifier.check(&stripped, client).await;
                tracing::info!(
                    queue_id = %message.queue_id,
                    verdicts = %verdicts.summary(),
                    "checked mail from {}",
                    message.peer.ip()
                );
                if let Some((code, enhanced, text)) = verdicts.refusal(verifier.config()) {
                    return Err(DeliveryError::Refused {
                        code,
                        enhanced,
                        text,
                    });
                }
                envelope.auth_summary = Some(verdicts.summary());
                envelope.auth_verdicts = serde_json::to_string(&verdicts).ok();
                let mut raw = verdicts.header(verifier.authserv_id()).into_bytes();
                raw.extend_from_slice(&stripped);
                raw
            }
            None => message.data,
        };
        let submission = Submission {
            raw,
            envelope,
            local: plan.local,
            relay: plan.relay,
            refused: plan.refused,
            source: "smtp".into(),
            account_id,
            ..Submission::default()
        };
        self.accounts
            .store
            .submit(submission)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError::Failed(e.to_string()))
    }

    async fn reverse_dns(&self, ip: IpAddr) -> Option<String> {
        self.dns.reverse(ip).await
    }

    async fn check_sender(&self, facts: &SenderFacts) -> Option<(u16, &'static str, String)> {
        let verifier = self.verifier.as_ref()?;
        let client = ClientFacts {
            ip: facts.ip,
            helo: &facts.helo,
            mail_from: &facts.mail_from,
        };
        verifier.check_sender(client).await
    }
}
