//! Tags on any EC2 resource (CreateTags adds or overwrites, DeleteTags removes by key).

use app::model::Tag;
use aws_sdk_ec2::Client;

use super::error::{answered, AwsFailure, Scope};

pub fn sdk_tag(tag: &Tag) -> aws_sdk_ec2::types::Tag {
    aws_sdk_ec2::types::Tag::builder()
        .key(&tag.key)
        .value(&tag.value)
        .build()
}

pub fn model_tags(tags: &[aws_sdk_ec2::types::Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|t| Tag {
            key: t.key().unwrap_or_default().to_string(),
            value: t.value().unwrap_or_default().to_string(),
        })
        .collect()
}

/// CreateTags and DeleteTags take up to this many resource ids per call.
pub const BATCH_LIMIT: usize = 1000;

/// CreateTags (adds or overwrites) on every resource of `ids` (at most [`BATCH_LIMIT`]);
/// returns the AWS request id.
pub async fn create_tags(
    client: &Client,
    scope: &Scope,
    ids: &[String],
    tags: &[Tag],
) -> Result<String, AwsFailure> {
    answered(
        client
            .create_tags()
            .set_resources(Some(ids.to_vec()))
            .set_tags(Some(tags.iter().map(sdk_tag).collect()))
            .send()
            .await,
        "ec2:CreateTags",
        scope,
    )
}

/// DeleteTags by key on every resource of `ids` (at most [`BATCH_LIMIT`]); returns the AWS
/// request id.
pub async fn delete_tags(
    client: &Client,
    scope: &Scope,
    ids: &[String],
    keys: &[String],
) -> Result<String, AwsFailure> {
    let tags = keys
        .iter()
        .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build())
        .collect();
    answered(
        client
            .delete_tags()
            .set_resources(Some(ids.to_vec()))
            .set_tags(Some(tags))
            .send()
            .await,
        "ec2:DeleteTags",
        scope,
    )
}
