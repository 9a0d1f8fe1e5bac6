//! The HTTP side of share links: `/s/<token>` (the view), `/s/<token>/item` (one item of it)
//! and `/s/<token>/export.csv`. These routes sit outside the session layer and the signed-in
//! console: a request here has only its token, and the token only reaches [`SharePorts`].

use super::{page, resolve, Resolved, ShareLimits, SharePorts};
use crate::{store::share_links, store::Db, time::Clock};
use app::model::{share::ShareScope, AppError, ErrorKind, ResourceKind, ResourceRef};
use app::pages::shared_view::SharedBody;
use axum::{
    extract::{ConnectInfo, FromRequestParts, Path, Query, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
    response::Response,
    routing::get,
    Router,
};
use serde::Deserialize;
use std::{net::SocketAddr, sync::Arc};

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
        .route("/s/{token}", get(view))
        .route("/s/{token}/item", get(item))
        .route("/s/{token}/export.csv", get(csv))
        .with_state(state);
    router.merge(share)
}

#[derive(Deserialize, Default)]
struct ListParams {
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    sort: String,
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
    let hash = share_links::hash_token(token);
    if let Err(wait) = state.limits.check(&visitor.address, &hash) {
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
        return Err(response);
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
        Ok(Resolved::Active(reader)) => Ok(Arc::from(reader as Box<dyn SharePorts>)),
        Ok(Resolved::Gone(why)) => Err(page::gone_page(Some(why), &state.stylesheet)),
        Ok(Resolved::Unknown) => Err(page::gone_page(None, &state.stylesheet)),
        Err(error) => Err(failure(&state.stylesheet, error)),
    }
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
    Query(params): Query<ListParams>,
) -> Response {
    let reader = &opened.reader;
    let body = match reader.scope().clone() {
        ShareScope::Item { item } => reader
            .item(&item)
            .await
            .map(|item| SharedBody::Item { item, back: None }),
        scope => reader
            .list(&params.sort, params.page.unwrap_or(1))
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
    let mut response = match opened.reader.csv().await {
        Ok(response) => response,
        Err(error) => return failure(&state.stylesheet, error),
    };
    response.headers_mut().extend(page::share_headers());
    response
}

#[cfg(test)]
mod tests {
    use super::plausible;

    #[test]
    fn only_token_shaped_paths_reach_the_database() {
        assert!(plausible(&"a".repeat(43)));
        assert!(!plausible(&"a".repeat(44)));
        assert!(!plausible(&format!("{}%", "a".repeat(42))));
        assert!(!plausible(""));
    }
}
