//! Tags on any EC2 resource (CreateTags adds or overwrites, DeleteTags removes by key).

use app::model::Tag;
use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use aws_sdk_ec2::Client;

use super::error::{answered, AwsFailure, Scope};
use super::kind::TagChange;

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

/// The tags a Create… call gives the item it makes (of `resource_type`): none when the form
/// gave none.
pub fn tag_specifications(
    resource_type: ResourceType,
    tags: &[Tag],
) -> Option<Vec<TagSpecification>> {
    let tags = tags.iter().map(sdk_tag).collect::<Vec<_>>();
    let spec = TagSpecification::builder().resource_type(resource_type);
    (!tags.is_empty()).then(|| vec![spec.set_tags(Some(tags)).build()])
}

/// CreateTags and DeleteTags take up to this many resource ids per call.
pub const BATCH_LIMIT: usize = 1000;

/// CreateTags (adds or overwrites) or DeleteTags (by key) on every resource of `ids` (at most
/// [`BATCH_LIMIT`]); returns the AWS request id.
pub async fn change(
    client: &Client,
    scope: &Scope,
    ids: &[String],
    change: TagChange<'_>,
) -> Result<String, AwsFailure> {
    let resources = Some(ids.to_vec());
    match change {
        TagChange::Set(tags) => {
            let tags = tags.iter().map(sdk_tag).collect();
            let call = client.create_tags().set_resources(resources);
            answered(
                call.set_tags(Some(tags)).send().await,
                "ec2:CreateTags",
                scope,
            )
        }
        TagChange::Remove(keys) => {
            let keys = keys.iter();
            let tags = keys.map(|key| aws_sdk_ec2::types::Tag::builder().key(key).build());
            let call = client.delete_tags().set_resources(resources);
            answered(
                call.set_tags(Some(tags.collect())).send().await,
                "ec2:DeleteTags",
                scope,
            )
        }
    }
}
