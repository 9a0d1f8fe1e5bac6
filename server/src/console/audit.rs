//! The console's side of the audit trail: the filtered list, one row in full, walking the
//! chain (whole, or in chunks a page drives), anchors, and continuing the chain at start.

use super::*;
use app::model::{
    Anchor, AuditDetail, AuditQuery, ChainCursor, ChainProgress, ResourceRef, GENESIS,
};
use app::ports::AuditPorts;
use store::audit::{HeadCheck, VERIFY_CHUNK_ROWS};

/// Whether the trail still reaches an anchor kept elsewhere.
#[derive(Debug)]
pub enum AnchorCheck {
    Held,
    Failed(String),
}

impl Console {
    /// Walks the whole chain with this process's key.
    pub async fn verify_audit(&self) -> Result<ChainReport, sqlx::Error> {
        store::audit::verify(self.db.pool(), self.db.seal()).await
    }

    /// After an intact walk (`report`): whether the trail still reaches `anchor`.
    pub async fn check_audit_anchor(
        &self,
        report: &ChainReport,
        anchor: &Anchor,
    ) -> Result<AnchorCheck, sqlx::Error> {
        Ok(
            match store::audit::check_anchor(self.db.pool(), report, anchor).await? {
                Ok(()) => AnchorCheck::Held,
                Err(reason) => AnchorCheck::Failed(reason),
            },
        )
    }

    /// Before serving: refuses to continue a keyed chain without its key (or with another
    /// key), and when the key is new, seals a first keyed row that says where the plain rows
    /// end, so the switch sits at a known row.
    pub async fn continue_audit_chain(&self) -> Result<(), String> {
        let seal = self.db.seal();
        let head = store::audit::head_check(self.db.pool(), seal)
            .await
            .map_err(|e| format!("cannot read the audit trail: {e}"))?;
        let plain_rows = match head {
            HeadCheck::KeyNeeded { newest } => return Err(format!(
                "the newest audit row ({newest}) is sealed with the audit key; set audit_key_file (TRUSTDESK_AUDIT_KEY_FILE) to the key it was written with, or new rows would break the chain"
            )),
            HeadCheck::KeyMismatch { newest } => return Err(format!(
                "the audit key does not check the newest audit row ({newest}): it is not the key the trail was written with, or that row was changed (`trustdesk audit verify` names the first row that does not match)"
            )),
            HeadCheck::Keyed { .. } => return Ok(()),
            _ if !seal.is_keyed() => return Ok(()),
            HeadCheck::Empty => 0,
            HeadCheck::Plain { newest } => newest,
        };
        let row = NewAuditRow {
            actor: "system".into(),
            action: "audit.key_enabled".into(),
            target_kind: "audit".into(),
            params: json!({ "plain_rows": plain_rows }),
            message: format!(
                "Audit rows are sealed with the audit key (HMAC-SHA256) from here on; the {plain_rows} rows before stay plain SHA-256."
            ),
            ..Default::default()
        };
        self.audit_alone(row)
            .await
            .map_err(|e| format!("cannot write the audit trail: {}", e.message))?;
        tracing::info!(
            plain_rows,
            "audit rows are sealed with the audit key (HMAC-SHA256) from row {} on",
            plain_rows + 1
        );
        Ok(())
    }
}

#[async_trait::async_trait]
impl AuditPorts for RequestConsole {
    async fn audit_page(&self, query: AuditQuery) -> Result<app::model::AuditPage, AppError> {
        self.require_user().await?;
        let range = query.validate()?;
        store::audit::page(self.console.db.pool(), &query, &range)
            .await
            .map_err(db_error)
    }

    async fn audit_entry(&self, id: i64) -> Result<AuditDetail, AppError> {
        self.require_user().await?;
        store::audit::detail(self.console.db.pool(), id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| AppError::not_found(format!("The audit trail has no row {id}.")))
    }

    async fn item_history(&self, item: ResourceRef) -> Result<app::model::ItemHistory, AppError> {
        self.require_user().await?;
        store::audit::item_history(self.console.db.pool(), &item)
            .await
            .map_err(db_error)
    }

    async fn verify_audit_chain(&self) -> Result<ChainReport, AppError> {
        self.require_user().await?;
        self.console.verify_audit().await.map_err(db_error)
    }

    async fn verify_audit_chunk(&self, cursor: ChainCursor) -> Result<ChainProgress, AppError> {
        self.require_user().await?;
        let hex = cursor.prev_hash.len() == GENESIS.len()
            && cursor.prev_hash.bytes().all(|b| b.is_ascii_hexdigit());
        if cursor.after_id < 0 || !hex {
            return Err(AppError::new(
                ErrorKind::Validation,
                "The verification's position is not valid; start it again.",
            ));
        }
        store::audit::verify_chunk(
            self.console.db.pool(),
            self.console.db.seal(),
            cursor,
            VERIFY_CHUNK_ROWS,
        )
        .await
        .map_err(db_error)
    }
}

impl RequestConsole {
    /// Every row the filters match, oldest first, for an export (signed-in users).
    pub async fn audit_export(
        &self,
        query: AuditQuery,
    ) -> Result<
        impl futures_util::Stream<Item = Result<store::audit::ExportRow, sqlx::Error>> + Send + 'static,
        AppError,
    > {
        self.require_user().await?;
        let range = query.validate()?;
        Ok(store::audit::export_rows(
            self.console.db.pool().clone(),
            query,
            range,
        ))
    }
}
