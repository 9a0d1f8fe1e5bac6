//! What IAM's kinds share: tags in and out of the SDK's shape, every page of a List…Tags call,
//! and the ARNs items are named by, the Tag…, Untag… and List…Tags calls of a kind.

use std::future::Future;

use app::model::{AppError, AwsItem, Tag};

use super::error::{AwsFailure, Scope};
use super::kind::At;
use super::pages::all_pages;

pub fn model_tags(tags: &[aws_sdk_iam::types::Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|t| Tag {
            key: t.key().to_string(),
            value: t.value().to_string(),
        })
        .collect()
}

/// Tags for a Tag… or Create… call. Key and value are required by the SDK's builder; both are
/// always given here, so a failure is a programming error reported as such.
pub fn sdk_tags(tags: &[Tag]) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsFailure> {
    tags.iter()
        .map(|tag| {
            aws_sdk_iam::types::Tag::builder()
                .key(&tag.key)
                .value(&tag.value)
                .build()
                .map_err(|e| AwsFailure {
                    error: AppError::internal(),
                    code: format!("Build: {e}"),
                    request_id: String::new(),
                })
        })
        .collect()
}

/// The tags of a Create… call: none at all when the form gave none.
pub fn create_tags(tags: &[Tag]) -> Result<Option<Vec<aws_sdk_iam::types::Tag>>, AwsFailure> {
    (!tags.is_empty()).then(|| sdk_tags(tags)).transpose()
}

/// The most items IAM answers in one page of a listing (its `MaxItems` is 1 to 1000, 100 when
/// left out): every listing here asks for this many, so an account of up to 1,000 items of a
/// kind is read in one call.
pub const PAGE_SIZE: i32 = 1000;

/// The calls a listing of `items` needs at the least: one per page of [`PAGE_SIZE`], and one
/// when there is nothing to list.
pub fn listing_calls(items: u64) -> u64 {
    items.div_ceil(PAGE_SIZE as u64).max(1)
}

/// Whether a listing's items carry their tags. IAM's 2021 tagging update
/// (`aws-api/iam-2021-02-12-tagging-changes.txt`) gave the items of ListPolicies,
/// ListInstanceProfiles and ListVirtualMFADevices their `Tags`, and the emulator fills them; but
/// AWS's API reference also says of each of these listings that it "does not return tags, even
/// though they are an attribute of the returned object", and IAM leaves `Tags` out of an
/// untagged item as well. So a listing none of whose items has a tag either lists only untagged
/// items or leaves tags out, and the kind reads its items' tags one by one rather than show
/// tagged items as untagged.
pub fn listing_carries_tags<'a>(
    tags: impl IntoIterator<Item = &'a [aws_sdk_iam::types::Tag]>,
) -> bool {
    tags.into_iter().any(|tags| !tags.is_empty())
}

/// One page of a List…Tags answer: its tags and the marker of the next page, if any.
pub type TagPage = (Vec<aws_sdk_iam::types::Tag>, Option<String>);

/// Every tag, following the `Marker` of a List…Tags call until IAM says it is done.
pub async fn all_tags<F, Fut>(page: F) -> Result<Vec<Tag>, AwsFailure>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<TagPage, AwsFailure>>,
{
    let tags = all_pages(page).await?;
    Ok(model_tags(&tags))
}

/// The marker of the next page, when IAM says the answer is truncated.
pub fn next_marker(truncated: bool, marker: Option<&str>) -> Option<String> {
    truncated.then(|| marker.unwrap_or_default().to_string())
}

/// The ARNs of a kind whose items are named by what follows `part` (e.g. `:saml-provider/`) in
/// `arn:aws:iam::ACCOUNT:saml-provider/NAME`: the ARN is rebuilt from the account's id.
pub struct Arns(pub &'static str);

impl Arns {
    /// The ARN of the item `id` in `scope`'s account.
    pub fn of(&self, scope: &Scope, id: &str) -> String {
        format!("arn:aws:iam::{}{}{id}", scope.account_id, self.0)
    }

    /// The item's id in `arn` (the whole of it when it is no such ARN).
    pub fn id<'a>(&self, arn: &'a str) -> &'a str {
        arn.split_once(self.0).map_or(arn, |(_, id)| id)
    }

    /// The ids in the ARNs of a listing.
    pub fn ids<'a>(&self, arns: impl IntoIterator<Item = Option<&'a str>>) -> Vec<&'a str> {
        arns.into_iter()
            .map(|arn| self.id(arn.unwrap_or_default()))
            .collect()
    }
}

/// An item made of a Get… answer by `item` (the answer, the item's id, where it was read).
pub fn read_with<O>(
    read: O,
    id: &str,
    at: &At,
    item: impl FnOnce(O, &str, &At) -> Option<AwsItem>,
) -> Option<AwsItem> {
    item(read, id, at)
}

/// The Tag… and Untag… calls of an IAM kind, as `$adapter`'s [`Tagging`](super::kind::Tagging),
/// and its List…Tags call, where the kind reads tags with it, as `$adapter::list_tags`. IAM has
/// these calls for each kind, which name the item by a parameter of their own (`$param`, the
/// value `$name(at, id)`) and have a builder type each, with no trait in common: so they are
/// written here once, for every kind.
macro_rules! iam_tagging {
    ($adapter:ident: $param:ident = $name:expr,
     $tag:ident $tag_action:literal, $untag:ident $untag_action:literal
     $(, $list:ident $list_action:literal)? $(,)?) => {
        $(impl $adapter {
            /// Every tag of the item, every page.
            async fn list_tags(
                at: &$crate::aws::At,
                id: &str,
            ) -> Result<Vec<app::model::Tag>, $crate::aws::AwsFailure> {
                let (client, name) = (at.iam().await, ($name)(at, id));
                $crate::aws::iam::all_tags(|marker| {
                    let call = client.$list().$param(&name).set_marker(marker).send();
                    async move {
                        let page = call.await.map_err(|e| {
                            $crate::aws::error::failure(e, $list_action, &at.scope)
                        })?;
                        let next = $crate::aws::iam::next_marker(page.is_truncated(), page.marker());
                        Ok((page.tags().to_vec(), next))
                    }
                })
                .await
            }
        })?

        #[async_trait::async_trait]
        impl $crate::aws::kind::Tagging for $adapter {
            async fn change(
                &self,
                at: &$crate::aws::At,
                id: &str,
                change: $crate::aws::kind::TagChange<'_>,
            ) -> Result<String, $crate::aws::AwsFailure> {
                let (client, name) = (at.iam().await, ($name)(at, id));
                match change {
                    $crate::aws::kind::TagChange::Set(tags) => {
                        let tags = Some($crate::aws::iam::sdk_tags(tags)?);
                        let sent = client.$tag().$param(name).set_tags(tags).send().await;
                        $crate::aws::error::answered(sent, $tag_action, &at.scope)
                    }
                    $crate::aws::kind::TagChange::Remove(keys) => {
                        let keys = Some(keys.to_vec());
                        let sent = client.$untag().$param(name).set_tag_keys(keys).send().await;
                        $crate::aws::error::answered(sent, $untag_action, &at.scope)
                    }
                }
            }
        }
    };
}
pub(crate) use iam_tagging;

/// An IAM kind's calls about one item, as `$adapter`'s [`ItemCalls`](super::kind::ItemCalls)
/// for items of `$kind`: Get… (its answer made an item by `$item(answer, id, at)`, if it holds
/// one), Delete…, and the tag calls of [`iam_tagging!`]; each names the item by `$param`, the
/// value `$name(at, id)`.
macro_rules! iam_item_calls {
    ($adapter:ident ($kind:expr): $param:ident = $name:expr,
     $get:ident $get_action:literal => $item:expr,
     $delete:ident $delete_action:literal,
     $tag:ident $tag_action:literal, $untag:ident $untag_action:literal
     $(, $list:ident $list_action:literal)? $(,)?) => {
        $crate::aws::iam::iam_tagging!($adapter: $param = $name,
            $tag $tag_action, $untag $untag_action $(, $list $list_action)?);

        #[async_trait::async_trait]
        impl $crate::aws::kind::ItemCalls for $adapter {
            fn kind(&self) -> app::model::ResourceKind {
                $kind
            }

            async fn get(
                &self,
                at: &$crate::aws::At,
                id: &str,
            ) -> Result<Option<app::model::AwsItem>, $crate::aws::AwsFailure> {
                let call = at.iam().await.$get().$param(($name)(at, id));
                let read = $crate::aws::error::found(call.send().await, $get_action, &at.scope)?;
                Ok(read.and_then(|read| $crate::aws::iam::read_with(read, id, at, $item)))
            }

            async fn delete(
                &self,
                at: &$crate::aws::At,
                id: &str,
            ) -> Result<String, $crate::aws::AwsFailure> {
                let call = at.iam().await.$delete().$param(($name)(at, id));
                $crate::aws::error::answered(call.send().await, $delete_action, &at.scope)
            }

            fn tagging(&self) -> Option<&dyn $crate::aws::kind::Tagging> {
                Some(self)
            }
        }
    };
}
pub(crate) use iam_item_calls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_one_call_per_thousand_items_and_one_when_empty() {
        assert_eq!(listing_calls(0), 1);
        assert_eq!(listing_calls(1), 1);
        assert_eq!(listing_calls(1000), 1);
        assert_eq!(listing_calls(1001), 2);
        assert_eq!(listing_calls(3000), 3);
    }

    #[test]
    fn a_listing_carries_tags_when_any_item_has_one() {
        let tag = sdk_tags(&[Tag {
            key: "Owner".into(),
            value: "ops".into(),
        }])
        .unwrap();
        let untagged: Vec<aws_sdk_iam::types::Tag> = Vec::new();
        assert!(listing_carries_tags([untagged.as_slice(), tag.as_slice()]));
        assert!(!listing_carries_tags([
            untagged.as_slice(),
            untagged.as_slice()
        ]));
        assert!(!listing_carries_tags(std::iter::empty()));
    }

    #[test]
    fn ids_map_back_to_the_arn_exactly() {
        let arns = Arns(":policy/");
        let scope = Scope::new("prod", "123456789012", app::model::GLOBAL_REGION);
        for arn in [
            "arn:aws:iam::123456789012:policy/s3-backup-writer",
            "arn:aws:iam::123456789012:policy/backup/team/s3-backup-writer",
        ] {
            assert_eq!(arns.of(&scope, arns.id(arn)), arn);
        }
        assert_eq!(arns.id("not-an-arn"), "not-an-arn");
    }
}
