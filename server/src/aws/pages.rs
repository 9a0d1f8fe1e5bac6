//! Every page of a listing: through the SDK's paginators, item by item, or (where the SDK has
//! no paginator, or trustdesk reads pages of its own size) one call per page, each given the
//! token the one before answered.

use std::future::Future;

use app::model::AwsItem;
use aws_smithy_async::future::pagination_stream::PaginationStream;

use super::error::{output_of, AwsFailure, CallError, Scope};

/// The items of a paginated listing of `action` (an SDK paginator's items), each made an item
/// of the cache by `read`, in order and as they arrive: a page is asked for once the items
/// before it are read. `read` answers `None` for an item gone between the list and its read.
pub async fn read_listed<T, F, Fu>(
    mut listed: PaginationStream<Result<T, impl CallError>>,
    action: &str,
    scope: &Scope,
    mut read: F,
) -> Result<Vec<AwsItem>, AwsFailure>
where
    F: FnMut(T) -> Fu,
    Fu: Future<Output = Result<Option<AwsItem>, AwsFailure>>,
{
    let mut items = Vec::new();
    while let Some(listed) = output_of(listed.try_next().await, action, scope)? {
        items.extend(read(listed).await?);
    }
    Ok(items)
}

/// Every item of a listing paged by a token (EC2's and License Manager's NextToken, IAM's
/// Marker): `page` sends the call for one page, given the token of the page to read (none for
/// the first), and answers its items and the next page's token; none, or an empty one, ends it.
pub async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, AwsFailure>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsFailure>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let (found, next) = page(token.take()).await?;
        items.extend(found);
        match next {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => return Ok(items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_are_read_until_no_token_or_an_empty_one() {
        for last in [None, Some(String::new())] {
            let mut asked = Vec::new();
            let items = all_pages(|token: Option<String>| {
                asked.push(token.clone());
                let last = last.clone();
                async move {
                    Ok(match token.as_deref() {
                        None => (vec![1, 2], Some("b".to_string())),
                        Some("b") => (vec![3], Some("c".to_string())),
                        _ => (vec![], last),
                    })
                }
            })
            .await
            .unwrap();
            assert_eq!(items, [1, 2, 3]);
            assert_eq!(asked, [None, Some("b".into()), Some("c".into())]);
        }
    }
}
