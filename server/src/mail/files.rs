//! The demo's mailer: each mail becomes `<dir>/<Message-ID>.eml`, a file any mail client opens.
//! The name comes from the Message-ID, so a resend of the same outbox row replaces its file.

use super::{build_message, DeliveryError, Envelope, Mailer};
use async_trait::async_trait;
use std::path::{Path, PathBuf};

pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the mail with this Message-ID is (or would be) written.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        let name: String = message_id
            .trim_start_matches('<')
            .trim_end_matches('>')
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.eml"))
    }

    fn io_error(&self, what: &str, path: &Path, error: std::io::Error) -> DeliveryError {
        tracing::warn!(path = %path.display(), %error, "cannot {what}");
        DeliveryError::temporary(format!("Cannot {what} {}: {error}.", path.display()))
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Envelope) -> Result<(), DeliveryError> {
        let bytes = build_message(mail)?.formatted();
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| self.io_error("create the mail folder", &self.dir, e))?;
        let path = self.path_for(&mail.message_id);
        // A reader (or a crash) never sees half a mail: written aside, then renamed over.
        let temporary = self.dir.join(format!(
            ".{}.{}-{:016x}.tmp",
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id(),
            rand::random::<u64>()
        ));
        let written = async {
            let mut file = tokio::fs::File::create(&temporary).await?;
            tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
            file.sync_all().await?;
            tokio::fs::rename(&temporary, &path).await
        }
        .await;
        if let Err(error) = written {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(self.io_error("write the mail", &path, error));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("files in {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_file_per_message_id_and_a_resend_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = FileMailer::new(dir.path().join("outbox"));
        let mut mail = super::super::sample("<outbox-1-20261201T100000000Z@td.example.com>");
        mailer.send(&mail).await.unwrap();
        mail.subject = "resent".into();
        mailer.send(&mail).await.unwrap();
        mailer
            .send(&super::super::sample(
                "<outbox-2-20261201T100000000Z@td.example.com>",
            ))
            .await
            .unwrap();
        let mut names: Vec<String> = std::fs::read_dir(mailer.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "outbox-1-20261201T100000000Z@td.example.com.eml",
                "outbox-2-20261201T100000000Z@td.example.com.eml"
            ]
        );
        let first = std::fs::read_to_string(
            mailer.path_for("<outbox-1-20261201T100000000Z@td.example.com>"),
        )
        .unwrap();
        assert!(first.contains("Subject: resent\r\n"), "{first}");
    }

    #[test]
    fn a_hostile_message_id_stays_in_the_folder() {
        let mailer = FileMailer::new(PathBuf::from("/srv/outbox"));
        assert_eq!(
            mailer.path_for("<../../etc/passwd@x>"),
            PathBuf::from("/srv/outbox/.._.._etc_passwd@x.eml")
        );
    }
}
