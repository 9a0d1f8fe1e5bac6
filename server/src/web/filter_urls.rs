//! A filter form submitted without JavaScript sends every field, empty or not
//! (`/verification-tokens?q=&account=&status=valid`). Such a request is sent on (303) to the same
//! view's address with only the fields given a value, so that a view has one URL to share,
//! bookmark or compare; with JavaScript, the page's filter island builds that URL itself.

use axum::{
    extract::Request,
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn drop_empty_parameters(request: Request, next: Next) -> Response {
    if request.method() == Method::GET && is_filtered_view(request.uri().path()) {
        if let Some(query) = request.uri().query() {
            if let Some(canonical) = without_empty_parameters(query) {
                let path = request.uri().path();
                let location = if canonical.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}?{canonical}")
                };
                return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
            }
        }
    }
    next.run(request).await
}

/// The pages whose GET forms filter them: every kind's inventory.
fn is_filtered_view(path: &str) -> bool {
    app::model::ResourceKind::ALL
        .iter()
        .any(|kind| kind.path() == path)
}

/// `query` without its pairs that carry no value, or `None` when it has none of those.
fn without_empty_parameters(query: &str) -> Option<String> {
    let pairs: Vec<&str> = query.split('&').collect();
    let kept: Vec<&str> = pairs
        .iter()
        .copied()
        .filter(|pair| {
            pair.split_once('=')
                .map_or(!pair.is_empty(), |(_, v)| !v.is_empty())
        })
        .collect();
    (kept.len() != pairs.len()).then(|| kept.join("&"))
}

#[cfg(test)]
mod tests {
    use super::without_empty_parameters;

    #[test]
    fn only_pairs_without_a_value_are_dropped() {
        assert_eq!(
            without_empty_parameters("q=&account=&status=valid&tag=Team%3Dred&sort="),
            Some("status=valid&tag=Team%3Dred".into())
        );
        assert_eq!(without_empty_parameters("q=&account="), Some(String::new()));
        assert_eq!(without_empty_parameters("q=web&page=2"), None);
        // A flag without `=` (`removed`) is a value; a stray `&` is not.
        assert_eq!(without_empty_parameters("removed"), None);
        assert_eq!(
            without_empty_parameters("q=web&&page=2"),
            Some("q=web&page=2".into())
        );
    }
}
