//! What IAM's kinds share: tags in and out of the SDK's shape, every page of a List…Tags call,
//! AWS's "no such entity" as an absent item, and IAM's dates.

use std::future::Future;

use app::model::{AppError, Tag};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use super::error::{failure, AwsFailure, Scope};

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

/// An IAM date as the cache stores it.
pub fn date(at: &aws_sdk_iam::primitives::DateTime) -> Option<String> {
    chrono::DateTime::from_timestamp(at.secs(), 0).map(crate::time::timestamp)
}

/// One page of a List…Tags answer: its tags and the marker of the next page, if any.
pub type TagPage = (Vec<aws_sdk_iam::types::Tag>, Option<String>);

/// Every tag, following the `Marker` of a List…Tags call until IAM says it is done.
pub async fn all_tags<F, Fut>(mut page: F) -> Result<Vec<Tag>, AwsFailure>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<TagPage, AwsFailure>>,
{
    let mut tags = Vec::new();
    let mut marker = None;
    loop {
        let (found, next) = page(marker.take()).await?;
        tags.extend(model_tags(&found));
        match next {
            Some(next) if !next.is_empty() => marker = Some(next),
            _ => return Ok(tags),
        }
    }
}

/// The marker of the next page, when IAM says the answer is truncated.
pub fn next_marker(truncated: bool, marker: Option<&str>) -> Option<String> {
    truncated.then(|| marker.unwrap_or_default().to_string())
}

/// A Get… answer, with AWS's NoSuchEntity as `None`.
pub fn found<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    action: &str,
    scope: &Scope,
) -> Result<Option<T>, AwsFailure>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
    SdkError<E, R>: aws_sdk_iam::operation::RequestId,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(err) if err.as_service_error().and_then(|e| e.code()) == Some("NoSuchEntity") => {
            Ok(None)
        }
        Err(err) => Err(failure(err, action, scope)),
    }
}
