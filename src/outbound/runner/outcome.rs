//! Turning a transaction's per-recipient results into outcomes (delivered, deferred on the
//! schedule, bounced), with the notices owed to the sender marked in the same store write;
//! the notice pass ([`super::notices`]) writes one report per message from those marks.

use super::{Job, PassReport, RcptResult, Runner};
use crate::outbound::OutboundError;
use crate::store::{AttemptLog, AttemptOutcome, NextState, NoticeAction, NoticeNote};

impl Runner {
    /// Turn one transaction's results into outcomes (and owed notices) and commit them.
    pub(super) async fn finish(
        &self,
        job: &Job,
        results: &[RcptResult],
        session: Option<(String, Option<String>, bool)>,
        report: &mut PassReport,
    ) -> Result<(), OutboundError> {
        let now = self.inner.clock.now();
        let (host, ip, tls) = session.unwrap_or((String::new(), None, false));
        let host = (!host.is_empty()).then_some(host);
        let mut outcomes = Vec::new();
        for (r, result) in job.recipients.iter().zip(results) {
            // A bounce is never bounced: the null sender is owed no notice.
            let owed = !r.mail_from.is_empty();
            let mut notice = None;
            let mut log = AttemptLog {
                host: host.clone(),
                ip: ip.clone(),
                tls,
                ..AttemptLog::default()
            };
            let (next, status) = match result {
                RcptResult::Delivered(reply) => {
                    log.code = Some(reply.code);
                    log.enhanced = reply.enhanced.clone();
                    log.reply = Some(reply.text.clone());
                    log.remote_id = reply.remote_id();
                    report.delivered += 1;
                    (NextState::Delivered, reply.enhanced.clone())
                }
                RcptResult::Failed(f) => {
                    log.code = f.code;
                    log.enhanced = f.enhanced.clone();
                    log.reply = Some(f.text.clone());
                    log.offline = f.offline;
                    let next = if f.permanent {
                        NextState::Bounced
                    } else {
                        self.inner.schedule.after_transient(r, now, f.offline)
                    };
                    let expired = !f.permanent && next == NextState::Bounced;
                    let status = if expired {
                        "4.4.7".to_string()
                    } else {
                        f.enhanced
                            .clone()
                            .unwrap_or_else(|| if f.permanent { "5.0.0" } else { "4.0.0" }.into())
                    };
                    let diagnostic = match f.code {
                        Some(code) => format!("{code} {} {}", status, f.text),
                        None if expired => format!("giving up: {}", f.text),
                        None => f.text.clone(),
                    };
                    let action = match next {
                        NextState::Bounced => {
                            report.bounced += 1;
                            Some(NoticeAction::Failed)
                        }
                        _ => {
                            report.deferred += 1;
                            self.inner
                                .schedule
                                .delay_notice_due(r, now, f.offline)
                                .then_some(NoticeAction::Delayed)
                        }
                    };
                    notice = action.filter(|_| owed).map(|action| NoticeNote {
                        action,
                        remote_mta: host.clone(),
                        diagnostic,
                    });
                    (next, Some(status))
                }
            };
            outcomes.push(AttemptOutcome {
                recipient_id: r.recipient_id,
                at: now,
                log,
                next,
                status,
                notice,
            });
        }
        self.inner.store.record_attempts(outcomes).await?;
        Ok(())
    }
}
