//! Tag rules from the console's side: reading them, and admins adding and removing them, each
//! change audited in the transaction that makes it.

use super::*;
use crate::store::tag_rules;
use app::model::compliance::{
    BreakingItem, RuleCompliance, TagRuleForm, TagRulesPage, ITEMS_PER_RULE,
};
use app::ports::{Changed, TagRulePorts};

/// What only admins may do with tag rules, for refusals.
const RULES: &str = "change tag rules";

impl Console {
    /// Starting rules (demo mode's), added by the system `via` what, each checked as an
    /// admin's rule is and audited, in one transaction; but only when no tag rule exists and
    /// none ever did, so that a restart neither doubles them nor brings back rules an admin
    /// removed. The number added.
    pub(crate) async fn add_first_tag_rules(
        &self,
        forms: &[TagRuleForm],
        via: &str,
    ) -> Result<usize, AppError> {
        let accounts = self.clients.account_names();
        let rules = forms
            .iter()
            .map(|form| form.validate(&accounts))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.db.begin_write().await.map_err(db_error)?;
        if tag_rules::ever_kept(&mut tx).await.map_err(db_error)? {
            return Ok(0);
        }
        let now = store::now();
        for rule in &rules {
            let id = tag_rules::insert(&mut tx, rule, "system", &now)
                .await
                .map_err(db_error)?;
            let row = NewAuditRow {
                actor: "system".into(),
                action: "tag_rule.add".into(),
                target_kind: "tag_rule".into(),
                target_id: id.to_string(),
                params: json!({"rule": rule, "via": via}),
                ..Default::default()
            };
            store::audit::append(&mut tx, self.db.seal(), row, &now)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(rules.len())
    }
}

#[async_trait::async_trait]
impl TagRulePorts for RequestConsole {
    async fn tag_suggestions(
        &self,
        kind: app::model::ResourceKind,
    ) -> Result<app::model::compliance::TagSuggestions, AppError> {
        self.require_user().await?;
        crate::store::tag_suggestions::for_kind(self.console.db.pool(), kind)
            .await
            .map_err(db_error)
    }

    async fn tag_rules(&self) -> Result<TagRulesPage, AppError> {
        let user = self.require_user().await?;
        let rules = tag_rules::list(self.console.db.pool())
            .await
            .map_err(db_error)?;
        Ok(TagRulesPage {
            rules,
            accounts: self.account_names(),
            can_edit: user.role() == Role::Admin,
        })
    }

    async fn add_tag_rule(&self, form: TagRuleForm) -> Result<Changed, AppError> {
        let admin = self
            .require_admin("tag_rule.add", ("tag_rule", form.key.trim()), RULES)
            .await?;
        let rule = form.validate(&self.account_names())?;
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let now = store::now();
        let id = tag_rules::insert(&mut tx, &rule, &admin.username, &now)
            .await
            .map_err(db_error)?;
        let row = self.row(
            &admin.username,
            "tag_rule.add",
            "tag_rule",
            &id.to_string(),
            json!({"rule": rule}),
        );
        self.console.commit_audited(tx, row, &now).await?;
        Ok(Changed::notice(format!("Rule for {} added.", rule.key)))
    }

    async fn delete_tag_rule(&self, id: i64) -> Result<Changed, AppError> {
        let admin = self
            .require_admin("tag_rule.delete", ("tag_rule", &id.to_string()), RULES)
            .await?;
        let mut tx = self.console.db.begin_write().await.map_err(db_error)?;
        let removed = tag_rules::delete(&mut tx, id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "There is no tag rule {id}; it may have been removed already."
                ))
            })?;
        let row = self.row(
            &admin.username,
            "tag_rule.delete",
            "tag_rule",
            &id.to_string(),
            json!({"rule": removed}),
        );
        self.console.commit_audited(tx, row, &store::now()).await?;
        Ok(Changed::notice(format!(
            "Rule for {} removed.",
            removed.key
        )))
    }

    async fn compliance(&self) -> Result<Vec<RuleCompliance>, AppError> {
        self.require_user().await?;
        let pool = self.console.db.pool();
        let rules = tag_rules::list(pool).await.map_err(db_error)?;
        let mut report = Vec::with_capacity(rules.len());
        for rule in rules {
            let counts: Vec<(ResourceKind, String, i64)> =
                crate::store::compliance::counts(pool, &rule)
                    .await
                    .map_err(db_error)?
                    .into_iter()
                    .filter_map(|(kind, account, n)| {
                        Some((ResourceKind::parse(&kind)?, account, n))
                    })
                    .collect();
            let items = crate::store::compliance::items(pool, &rule, ITEMS_PER_RULE)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(|item| BreakingItem {
                    violations: rule
                        .check(item.item.kind, &item.item.account, &item.tags)
                        .iter()
                        .map(|v| v.describe())
                        .collect(),
                    item: item.item,
                    name: item.name,
                })
                .collect();
            report.push(RuleCompliance {
                total: counts.iter().map(|(_, _, n)| n).sum(),
                counts,
                items,
                rule,
            });
        }
        Ok(report)
    }
}
