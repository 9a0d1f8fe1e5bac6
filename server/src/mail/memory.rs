//! A mailer that keeps what it is given, for tests of the code that sends: it can be told to
//! fail, the way an SMTP server that is down or refuses a recipient would.

use super::{DeliveryError, Envelope, Mailer};
use async_trait::async_trait;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<Envelope>>,
    failure: Mutex<Option<DeliveryError>>,
}

impl MemoryMailer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every mail handed over so far, in order.
    pub fn sent(&self) -> Vec<Envelope> {
        self.sent.lock().expect("not poisoned").clone()
    }

    /// From now on every send fails with `failure`, or succeeds again with `None`.
    pub fn fail_with(&self, failure: Option<DeliveryError>) {
        *self.failure.lock().expect("not poisoned") = failure;
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, mail: &Envelope) -> Result<(), DeliveryError> {
        if let Some(failure) = self.failure.lock().expect("not poisoned").clone() {
            return Err(failure);
        }
        self.sent.lock().expect("not poisoned").push(mail.clone());
        Ok(())
    }

    fn describe(&self) -> String {
        "kept in memory".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_until_told_to_fail() {
        let mailer = MemoryMailer::new();
        mailer.send(&super::super::sample("<1@x>")).await.unwrap();
        mailer.fail_with(Some(DeliveryError::temporary("down")));
        let error = mailer
            .send(&super::super::sample("<2@x>"))
            .await
            .unwrap_err();
        assert_eq!(error.sentence(), "down");
        mailer.fail_with(None);
        mailer.send(&super::super::sample("<3@x>")).await.unwrap();
        let ids: Vec<String> = mailer.sent().into_iter().map(|m| m.message_id).collect();
        assert_eq!(ids, ["<1@x>", "<3@x>"]);
    }
}
