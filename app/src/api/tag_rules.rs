//! Tag rules: read by everyone signed in, added and removed by admins.

use crate::model::compliance::{RuleCompliance, TagRuleForm, TagRulesPage, TagSuggestions};
use crate::model::endpoint::{Endpoint, LISTS};
use crate::model::{AppError, ResourceKind};
#[cfg(feature = "ssr")]
use crate::ports::{change, read};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

const RULES: &str = "change tag rules";

/// Who may call this file's server functions (see [`Endpoint`]).
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint::signed_in("tag-rules"),
    Endpoint::admin("tag-rules/add", RULES)
        .audited_as("tag_rule.add")
        .taking(LISTS),
    Endpoint::admin("tag-rules/delete", RULES).audited_as("tag_rule.delete"),
    Endpoint::signed_in("compliance"),
    Endpoint::signed_in("tag-suggestions"),
];

#[server(endpoint = "tag-suggestions", input = GetUrl)]
pub async fn get_tag_suggestions(kind: ResourceKind) -> Result<TagSuggestions, AppError> {
    read(|ports| ports.tag_suggestions(kind)).await
}

#[server(endpoint = "tag-rules", input = GetUrl)]
pub async fn get_tag_rules() -> Result<TagRulesPage, AppError> {
    read(|ports| ports.tag_rules()).await
}

#[server(endpoint = "tag-rules/add")]
pub async fn add_tag_rule(
    #[server(default)] _csrf: String,
    rule: TagRuleForm,
) -> Result<(), AppError> {
    change(|ports| ports.add_tag_rule(rule)).await
}

#[server(endpoint = "tag-rules/delete")]
pub async fn delete_tag_rule(#[server(default)] _csrf: String, id: i64) -> Result<(), AppError> {
    change(|ports| ports.delete_tag_rule(id)).await
}

#[server(endpoint = "compliance", input = GetUrl)]
pub async fn get_compliance() -> Result<Vec<RuleCompliance>, AppError> {
    read(|ports| ports.compliance()).await
}
