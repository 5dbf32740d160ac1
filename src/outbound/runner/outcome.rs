//! Turning a transaction's per-recipient results into outcomes (delivered, deferred on the
//! schedule, bounced) and DSNs (failures, one delay notice), committed in one store write.

use super::super::dsn::{self, DsnAction, DsnContext, DsnRecipient};
use super::{Job, PassReport, RcptResult, Runner};
use crate::outbound::OutboundError;
use crate::store::{AttemptLog, AttemptOutcome, NextState, Notice};

impl Runner {
    /// Turn one transaction's results into outcomes and notices and commit them.
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
        let mut failed = Vec::new();
        let mut delayed = Vec::new();
        for (r, result) in job.recipients.iter().zip(results) {
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
                    let entry = DsnRecipient {
                        rcpt: r.rcpt.clone(),
                        action: DsnAction::Failed,
                        status: status.clone(),
                        remote_mta: host.clone(),
                        diagnostic: Some(diagnostic),
                    };
                    match next {
                        NextState::Bounced => {
                            report.bounced += 1;
                            failed.push(entry);
                        }
                        _ => {
                            report.deferred += 1;
                            if self.inner.schedule.delay_notice_due(r, now) {
                                delayed.push((
                                    r.recipient_id,
                                    DsnRecipient {
                                        action: DsnAction::Delayed,
                                        ..entry
                                    },
                                ));
                            }
                        }
                    }
                    (next, Some(status))
                }
            };
            outcomes.push(AttemptOutcome {
                recipient_id: r.recipient_id,
                at: now,
                log,
                next,
                status,
            });
        }
        let notices = self.notices(job, failed, delayed, now).await?;
        self.inner.store.record_attempts(outcomes, notices).await?;
        Ok(())
    }

    /// DSNs for this job: none for the null sender (never bounce a bounce).
    async fn notices(
        &self,
        job: &Job,
        failed: Vec<DsnRecipient>,
        delayed: Vec<(i64, DsnRecipient)>,
        now: i64,
    ) -> Result<Vec<Notice>, OutboundError> {
        let Some(first) = job.recipients.first() else {
            return Ok(Vec::new());
        };
        if first.mail_from.is_empty() || (failed.is_empty() && delayed.is_empty()) {
            return Ok(Vec::new());
        }
        let message = self.inner.store.queued_message(job.queue_id).await?;
        let target = self
            .inner
            .local
            .notice_target(&self.inner.store, &message.mail_from, message.account_id)
            .await;
        let ctx = DsnContext {
            reporting_mta: &self.inner.hostname,
            to: &message.mail_from,
            arrival: message.created_at,
            now,
            original: &message.raw,
        };
        let mut notices = Vec::new();
        if !failed.is_empty() {
            notices.push(Notice {
                raw: dsn::build(&ctx, &failed),
                to: target.clone(),
                delay_reported: Vec::new(),
            });
        }
        if !delayed.is_empty() {
            let (ids, entries): (Vec<i64>, Vec<DsnRecipient>) = delayed.into_iter().unzip();
            notices.push(Notice {
                raw: dsn::build(&ctx, &entries),
                to: target,
                delay_reported: ids,
            });
        }
        Ok(notices)
    }
}
