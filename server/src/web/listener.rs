//! The accept loop: axum's own (`axum::serve`) installs no timer in hyper, so hyper's header
//! read timeout never fires and a client that sends its request head a byte at a time (or not
//! at all) holds a connection for ever. This loop serves each connection with a timer and a
//! deadline for the request head; bodies have theirs in the API door.

use axum::{extract::ConnectInfo, Router};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
    service::TowerToHyperService,
};
use std::{future::Future, time::Duration};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish (each connection is told to close after its current request).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    head_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY a response written in two parts (headers, then a file's body)
        // waits for the client's delayed ACK: 40 ms per static file under load.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set on an accepted connection");
        }
        let router = router.clone();
        let service = tower::service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let builder = builder.clone();
        let mut stopping = stopping.clone();
        // Finished connections are reaped as new ones come, so the set stays small.
        while connections.try_join_next().is_some() {}
        connections.spawn(async move {
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(tcp),
                TowerToHyperService::new(service),
            );
            tokio::pin!(connection);
            let stop_asked = stopping.wait_for(|stop| *stop);
            tokio::pin!(stop_asked);
            let mut asked = false;
            loop {
                tokio::select! {
                    served = connection.as_mut() => {
                        if let Err(error) = served {
                            tracing::debug!(%error, %peer, "connection ended");
                        }
                        break;
                    }
                    _ = stop_asked.as_mut(), if !asked => {
                        asked = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
    drop(listener);
    stop.send_replace(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}
