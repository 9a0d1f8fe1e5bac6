//! Requests per second against the emulator from the AWS SDK for Rust on loopback:
//! GetCallerIdentity and a 100-item ListPolicies page, sequential and with 32 concurrent clients.
//!
//! `scripts/bench` runs it in release mode. Optional argument: seconds per figure (default 3).

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_iam::types::PolicyScopeType;
use aws_sdk_sts::config::Credentials;
use trustdesk_emulator::Emulator;

const CONCURRENT_CLIENTS: usize = 32;

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let window = Duration::from_secs(seconds);
    // The emulator gets its own runtime on its own threads, as when it runs as its own process,
    // so the client's tasks and the server's do not queue behind each other.
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let running = Emulator::new()
                .serve("127.0.0.1:0".parse().unwrap())
                .await
                .expect("emulator starts");
            let _ = started_tx.send(running.endpoint());
            let _ = stopped.await;
            running.shutdown().await;
        });
    });
    let endpoint = started.await.expect("the emulator thread started");
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDBENCH", "secret", None, None, "bench"))
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let sts = aws_sdk_sts::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;
    for i in 0..100 {
        iam.create_policy()
            .policy_name(format!("bench-{i:03}"))
            .policy_document(document)
            .send()
            .await
            .expect("create policy");
    }
    let page = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .max_items(100)
        .send()
        .await
        .expect("list");
    assert_eq!(page.policies().len(), 100);

    println!(
        "trustdesk-emulator benchmark, {seconds} s per figure, AWS SDK for Rust over loopback HTTP"
    );
    println!(
        "{:<38} {:>12} {:>12}",
        "operation", "sequential", "32 clients"
    );
    let caller = {
        let sts = sts.clone();
        move || {
            let sts = sts.clone();
            async move {
                sts.get_caller_identity()
                    .send()
                    .await
                    .expect("GetCallerIdentity");
            }
        }
    };
    report("GetCallerIdentity", window, caller).await;
    let list = {
        let iam = iam.clone();
        move || {
            let iam = iam.clone();
            async move {
                let page = iam
                    .list_policies()
                    .scope(PolicyScopeType::Local)
                    .max_items(100)
                    .send()
                    .await
                    .expect("ListPolicies");
                assert_eq!(page.policies().len(), 100);
            }
        }
    };
    report("ListPolicies (100-item page)", window, list).await;
    let _ = stop.send(());
    server.join().expect("the emulator thread stops");
}

async fn report<F, Fut>(name: &str, window: Duration, call: F)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let sequential = sequential_rate(window, call.clone()).await;
    let concurrent = concurrent_rate(window, call).await;
    println!(
        "{name:<38} {:>8.0} req/s {:>8.0} req/s",
        sequential, concurrent
    );
}

async fn sequential_rate<F, Fut>(window: Duration, call: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..50 {
        call().await;
    }
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < window {
        call().await;
        done += 1;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

async fn concurrent_rate<F, Fut>(window: Duration, call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT_CLIENTS)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut done = 0u64;
                while started.elapsed() < window {
                    call().await;
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("client task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}
