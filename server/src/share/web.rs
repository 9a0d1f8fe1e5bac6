//! The HTTP side of share links: `/s/<token>` (the view), `/s/<token>/item` (one item of it)
//! and `/s/<token>/export.csv`. These routes sit outside the session layer and the signed-in
//! console: a request here has only its token, and the token only reaches [`SharePorts`].
//! Every response of these routes, refusals included, carries the share headers
//! ([`page::share_headers`]): they are added by one layer, not by each handler.

use super::{page, resolve, Resolved, ShareLimits, SharePorts};
use crate::{store::share_links, store::Db, time::Clock};
use app::model::{share::ShareScope, AppError, ErrorKind, ResourceKind, ResourceRef};
use app::pages::shared_view::SharedBody;
use axum::{
    extract::{ConnectInfo, FromRequestParts, Path, Query, RawQuery, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
    middleware,
    response::Response,
    routing::{get, MethodRouter},
    Router,
};
use serde::Deserialize;
use std::{net::SocketAddr, sync::Arc, time::Instant};

#[derive(Clone)]
pub struct ShareState {
    pub db: Db,
    pub clock: Clock,
    pub limits: Arc<ShareLimits>,
    /// The stylesheet's URL (its name carries the build's hash).
    pub stylesheet: String,
    /// Whose `X-Forwarded-For` names the client (the rate limits and the view log need it).
    pub trusted_proxies: Arc<crate::client_addr::TrustedProxies>,
    pub metrics: Arc<crate::monitoring::Metrics>,
}

pub fn routes<S: Clone + Send + Sync + 'static>(router: Router<S>, state: ShareState) -> Router<S> {
    let share = Router::new()
        .route("/s/{token}", read_only(get(view)))
        .route("/s/{token}/item", read_only(get(item)))
        .route("/s/{token}/export.csv", read_only(get(csv)))
        .layer(middleware::map_response(with_share_headers))
        .with_state(state);
    router.merge(share)
}

/// A share route answers GET and HEAD; any other method gets a page saying the link is only
/// read (axum adds the `Allow` header).
fn read_only(route: MethodRouter<ShareState>) -> MethodRouter<ShareState> {
    route.fallback(|State(state): State<ShareState>| async move {
        page::message_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Read-only link",
            "A share link can only be opened, not sent to. Open it in a browser.",
            &state.stylesheet,
        )
    })
}

/// The share headers on whatever a share route answers: its pages and CSV, and the refusals
/// that never reach a handler's own response.
async fn with_share_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in &page::share_headers() {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    response
}

/// A list view's query, as its own links write it: `page` (a whole number; 0 and numbers past
/// the last page show the first and the last) and `sort`.
#[derive(Debug, PartialEq)]
struct ListParams {
    page: u32,
    sort: String,
}

impl ListParams {
    /// `None` for a query no link of the view writes: a page that is not a whole number
    /// (`abc`, `-1`, `1.5`), or `page` or `sort` given twice. Other names are ignored.
    fn parse(query: Option<&str>) -> Option<Self> {
        let mut page = None;
        let mut sort = None;
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match name.as_ref() {
                "page" => &mut page,
                "sort" => &mut sort,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return None;
            }
        }
        let page = match page.as_deref() {
            None | Some("") => 1,
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                // Too large for a u32 is past the last page all the same.
                digits.parse().unwrap_or(u32::MAX)
            }
            Some(_) => return None,
        };
        Some(Self {
            page,
            sort: sort.unwrap_or_default(),
        })
    }
}

#[derive(Deserialize)]
struct ItemParams {
    kind: String,
    account: String,
    region: String,
    id: String,
}

/// Who is asking, as far as a share view records it.
struct Visitor {
    address: String,
    user_agent: String,
    /// HEAD requests are answered but not counted as views.
    counts: bool,
}

impl Visitor {
    fn new(state: &ShareState, peer: SocketAddr, headers: &HeaderMap, method: &Method) -> Self {
        let user_agent: String = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(300)
            .collect();
        Self {
            address: state.trusted_proxies.client(peer.ip(), headers).to_string(),
            user_agent,
            counts: method == Method::GET,
        }
    }
}

/// A link's token: 32 random bytes in URL-safe base64. Anything else cannot be one.
fn plausible(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Rate limits, then the link: an active link's reader, or the response that ends the request.
async fn open(
    state: &ShareState,
    token: &str,
    visitor: &Visitor,
) -> Result<Arc<dyn SharePorts>, Response> {
    let now = Instant::now();
    if let Err(wait) = state.limits.check_client(&visitor.address, now) {
        return Err(throttled(state, wait));
    }
    if !plausible(token) {
        state.metrics.share_view("refused");
        return Err(page::gone_page(None, &state.stylesheet));
    }
    let resolved = resolve(&state.db, token, state.clock.now()).await;
    if !matches!(resolved, Ok(Resolved::Active(_))) {
        state.metrics.share_view("refused");
    }
    match resolved {
        Ok(Resolved::Active(reader)) => {
            let hash = share_links::hash_token(token);
            if let Err(wait) = state.limits.check_link(&hash, now) {
                return Err(throttled(state, wait));
            }
            Ok(Arc::from(reader as Box<dyn SharePorts>))
        }
        Ok(Resolved::Gone(why)) => Err(page::gone_page(Some(why), &state.stylesheet)),
        Ok(Resolved::Unknown) => Err(page::gone_page(None, &state.stylesheet)),
        Err(error) => Err(failure(&state.stylesheet, error)),
    }
}

/// 429, with how long to wait.
fn throttled(state: &ShareState, wait: std::time::Duration) -> Response {
    state.metrics.share_view("throttled");
    let mut response = page::message_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests",
        &format!(
            "This share link, or your address, made too many requests. Wait {} and reload.",
            crate::auth::describe_wait(wait)
        ),
        &state.stylesheet,
    );
    if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A request to an active link: its reader, who is asking, and the link's own path. Extracting
/// it applies the rate limits and answers 404, 410 or 429 itself.
struct Opened {
    reader: Arc<dyn SharePorts>,
    visitor: Visitor,
    /// `/s/<token>`.
    base: String,
}

impl FromRequestParts<ShareState> for Opened {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ShareState) -> Result<Self, Response> {
        let Ok(Path(token)) = Path::<String>::from_request_parts(parts, state).await else {
            return Err(page::gone_page(None, &state.stylesheet));
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer)
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let visitor = Visitor::new(state, peer, &parts.headers, &parts.method);
        let reader = open(state, &token, &visitor).await?;
        Ok(Self {
            reader,
            visitor,
            base: format!("/s/{token}"),
        })
    }
}

impl Opened {
    /// Records this view (`page`, `item` or `csv`) before anything is shown.
    async fn record(&self, what: &str, state: &ShareState) -> Result<(), Response> {
        record(self.reader.as_ref(), &self.visitor, what, &state.stylesheet).await?;
        if self.visitor.counts {
            state.metrics.share_view("shown");
        }
        Ok(())
    }
}

fn failure(stylesheet: &str, error: AppError) -> Response {
    let status = if error.kind == ErrorKind::NotFound {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    page::message_page(status, "Not available", &error.message, stylesheet)
}

async fn record(
    reader: &dyn SharePorts,
    visitor: &Visitor,
    what: &str,
    stylesheet: &str,
) -> Result<(), Response> {
    if !visitor.counts {
        return Ok(());
    }
    reader
        .record_view(what, &visitor.address, &visitor.user_agent)
        .await
        .map_err(|error| failure(stylesheet, error))
}

async fn view(
    State(state): State<ShareState>,
    opened: Opened,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(params) = ListParams::parse(query.as_deref()) else {
        return page::not_a_page(&opened.base, &state.stylesheet);
    };
    let reader = &opened.reader;
    let body = match reader.scope().clone() {
        ShareScope::Item { item } => reader
            .item(&item)
            .await
            .map(|item| SharedBody::Item { item, back: None }),
        scope => reader
            .list(&params.sort, params.page)
            .await
            .map(|list| SharedBody::List {
                list,
                base: opened.base.clone(),
                show_kind: matches!(scope, ShareScope::Expiry { .. }),
            }),
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => return failure(&state.stylesheet, error),
    };
    if let Err(response) = opened.record("page", &state).await {
        return response;
    }
    page::view_page(
        reader.banner(),
        body,
        format!("{}/export.csv", opened.base),
        &state.stylesheet,
    )
}

async fn item(
    State(state): State<ShareState>,
    opened: Opened,
    params: Result<Query<ItemParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let not_shown = || {
        failure(
            &state.stylesheet,
            AppError::not_found("This link does not show that item."),
        )
    };
    let Ok(Query(params)) = params else {
        return not_shown();
    };
    let Some(kind) = ResourceKind::parse(&params.kind) else {
        return not_shown();
    };
    let wanted = ResourceRef {
        kind,
        account: params.account,
        region: params.region,
        id: params.id,
    };
    let found = match opened.reader.item(&wanted).await {
        Ok(found) => found,
        Err(error) => return failure(&state.stylesheet, error),
    };
    if let Err(response) = opened.record("item", &state).await {
        return response;
    }
    page::view_page(
        opened.reader.banner(),
        SharedBody::Item {
            item: found,
            back: Some(opened.base.clone()),
        },
        format!("{}/export.csv", opened.base),
        &state.stylesheet,
    )
}

async fn csv(State(state): State<ShareState>, opened: Opened) -> Response {
    if let Err(response) = opened.record("csv", &state).await {
        return response;
    }
    match opened.reader.csv().await {
        Ok(response) => response,
        Err(error) => failure(&state.stylesheet, error),
    }
}

#[cfg(test)]
mod tests {
    use super::{plausible, ListParams};

    #[test]
    fn a_list_query_is_read_as_the_views_links_write_it() {
        let parsed = |query: &str| ListParams::parse(Some(query));
        let params = |page: u32, sort: &str| {
            Some(ListParams {
                page,
                sort: sort.to_string(),
            })
        };
        assert_eq!(ListParams::parse(None), params(1, ""));
        assert_eq!(parsed("page=2&sort=name"), params(2, "name"));
        assert_eq!(parsed("sort=-expires&page=007"), params(7, "-expires"));
        assert_eq!(parsed("page=&utm_source=x"), params(1, ""));
        assert_eq!(parsed("page=0"), params(0, ""), "clamped to 1 by the list");
        assert_eq!(parsed("page=4294967296"), params(u32::MAX, ""));
        for malformed in [
            "page=abc",
            "page=-1",
            "page=1.5",
            "page=+1",
            "page=1&page=2",
            "page=1&page=1",
            "sort=a&sort=b",
            "page=%F0",
        ] {
            assert_eq!(parsed(malformed), None, "{malformed}");
        }
    }

    #[test]
    fn only_token_shaped_paths_reach_the_database() {
        assert!(plausible(&"a".repeat(43)));
        assert!(!plausible(&"a".repeat(44)));
        assert!(!plausible(&format!("{}%", "a".repeat(42))));
        assert!(!plausible(""));
    }
}
