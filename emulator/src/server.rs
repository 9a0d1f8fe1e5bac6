//! The HTTP side: one handler for every AWS request plus the `/_emulator` control endpoints.

use std::net::SocketAddr;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use axum::Router;
use bytes::Bytes;
use http::{header, HeaderMap, Method, StatusCode, Uri};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::faults::Fault;
use crate::ids;
use crate::protocol::query;
use crate::services::{Ctx, RawRequest, Service};
use crate::sigv4;
use crate::Emulator;

/// A running emulator: its endpoint URL, its state (for faults, clock and roles), and a stop.
pub struct Running {
    pub addr: SocketAddr,
    pub emulator: Emulator,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:PORT`, the endpoint URL to give an SDK or the AWS CLI.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// The largest request the emulator reads: a 10,000,000-character query parameter,
/// percent-encoded, and the rest of its request.
const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// Binds `addr` (port 0 picks a free port) and serves until [`Running::shutdown`] or drop.
pub async fn start(emulator: Emulator, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    // IAM takes documents of up to 10,000,000 characters in a form body (SAML metadata), far
    // over axum's default 2 MB.
    let router = Router::new()
        .fallback(handle)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(emulator.clone());
    // Small request/response exchanges: do not let Nagle's algorithm hold back a response tail.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY");
        }
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(error) = result {
            tracing::error!(%error, "emulator stopped with an error");
        }
    });
    Ok(Running {
        addr,
        emulator,
        stop: Some(stop),
        task: Some(task),
    })
}

const NOT_LOOPBACK: &str = "The emulator answers only requests addressed to a loopback name (localhost, 127.0.0.0/8 or [::1], any port).";

/// The name the client addressed: the Host header, or the authority of an absolute-form URI.
fn request_host<'a>(uri: &'a Uri, headers: &'a HeaderMap) -> Option<&'a str> {
    match headers.get(header::HOST) {
        Some(host) => host.to_str().ok(),
        None => uri.authority().map(|authority| authority.as_str()),
    }
}

async fn handle(
    State(emulator): State<Emulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let loopback = request_host(&uri, &headers).is_some_and(sigv4::is_loopback_host);
    if uri.path().starts_with(crate::control::PREFIX) {
        if !loopback {
            return (StatusCode::FORBIDDEN, NOT_LOOPBACK).into_response();
        }
        return crate::control::handle(&emulator, &method, uri.path(), &headers, &body);
    }
    let request_id = ids::request_id();
    // Read leniently first, to answer even a refusal in the named service's error shape.
    let service = sigv4::scope_of(&headers, uri.query())
        .and_then(|scope| Service::from_signing_name(&scope.service));
    let refuse = |error: ApiError| match service {
        Some(service) => service.error_response(&error, &request_id),
        None => query::error_response(query::IAM_NAMESPACE, &error, &request_id),
    };
    if !loopback {
        return refuse(ApiError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            NOT_LOOPBACK,
        ));
    }
    let signature = match sigv4::Signature::read(&headers, uri.query()) {
        Ok(signature) => signature,
        Err(error) => return refuse(error),
    };
    let scope = signature.scope.clone();
    let Some(service) = Service::from_signing_name(&scope.service) else {
        let error = ApiError::bad_request(
            "UnknownService",
            format!("The emulator does not serve '{}': it serves ec2, iam, sts, license-manager, mpa and organizations.", scope.service),
        );
        return query::error_response(query::IAM_NAMESPACE, &error, &request_id);
    };
    let secret = emulator.world().issued_secret(&scope.access_key_id);
    let checked = match (secret, &signature.carrier) {
        (Some(secret), _) => signature.verify(
            &secret,
            &sigv4::SignedRequest {
                method: method.as_str(),
                path: uri.path(),
                query: uri.query(),
                headers: &headers,
                body: &body,
            },
            chrono::Utc::now(),
        ),
        (None, sigv4::Carrier::Query { .. }) => Err(sigv4::unverifiable_presigned_url()),
        (None, sigv4::Carrier::Header) => Ok(()),
    };
    if let Err(error) = checked {
        return service.error_response(&error, &request_id);
    }
    let request = RawRequest {
        method,
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers,
        body,
    };
    let operation = match service.operation(&request) {
        Ok(operation) => operation,
        Err(error) => return service.error_response(&error, &request_id),
    };

    emulator.count_call(&operation);
    // The caller's account is read before any fault, so a fault can be narrowed to it; an
    // unusable key is answered after the fault, as before.
    let principal = emulator.world().principal_for(&scope.access_key_id);
    let fault = if emulator.faults().is_empty() {
        None
    } else {
        let account = principal.as_ref().map(|p| p.account.as_str()).unwrap_or("");
        let text = format!(
            "{}?{}\n{}",
            request.path,
            request.query.as_deref().unwrap_or(""),
            String::from_utf8_lossy(&request.body)
        );
        emulator.faults().take(&crate::faults::Call {
            operation: &operation,
            account,
            text: &text,
        })
    };
    match fault {
        Some(Fault::Throttle) => {
            return service.error_response(&service.throttling_error(), &request_id)
        }
        Some(Fault::ServerError) => {
            return service.error_response(&service.internal_error(), &request_id)
        }
        Some(Fault::AccessDenied) => {
            return service.error_response(&service.access_denied_error(&operation), &request_id)
        }
        Some(Fault::Delay { delay }) => tokio::time::sleep(delay).await,
        None => {}
    }

    let principal = match principal {
        Ok(principal) => principal,
        Err(error) => return service.error_response(&error, &request_id),
    };
    let mut world = emulator.world();
    let ctx = Ctx {
        principal,
        region: scope.region,
        request_id,
    };
    let response = service.handle(&mut world, &ctx, &operation, &request);
    drop(world);
    tracing::debug!(service = ?service, operation, status = response.status().as_u16(), account = ctx.account(), region = ctx.region, "served");
    response.into_response()
}
