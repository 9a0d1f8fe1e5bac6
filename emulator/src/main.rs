//! `trustdesk-emulator`: serve the emulated AWS endpoint until interrupted.

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};
use trustdesk_emulator::Emulator;

#[derive(Parser)]
#[command(
    version,
    about = "A local AWS endpoint (EC2, IAM, STS, License Manager, Multi-party approval, Organizations) for trustdesk"
)]
struct Cli {
    /// Address to listen on; port 0 picks a free port. The bound address is the first line printed.
    #[arg(
        long,
        default_value = "127.0.0.1:4566",
        env = "TRUSTDESK_EMULATOR_LISTEN"
    )]
    listen: SocketAddr,
    /// Data to start with.
    #[arg(long, value_enum, default_value_t = Seed::Empty)]
    seed: Seed,
    /// Also an account at organisation scale (345678901234): 1,000 customer managed policies
    /// and 300 instance profiles, all tagged, for the demo's and the benchmark's sync figures.
    #[arg(long)]
    scale: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Seed {
    /// No resources; the default account 123456789012 only.
    Empty,
    /// Two accounts, two regions, every kind of item with expiries spread over the coming months,
    /// and the organization prod manages (five accounts in two OUs).
    Demo,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let emulator = match cli.seed {
        Seed::Empty => Emulator::new(),
        Seed::Demo => Emulator::with_demo_seed(),
    };
    let emulator = if cli.scale {
        emulator.at_scale()
    } else {
        emulator
    };
    let running = match emulator.serve(cli.listen).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", cli.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    // Scripts read the endpoint from the first line.
    println!("{}", running.endpoint());
    tracing::info!(endpoint = %running.endpoint(), "trustdesk-emulator ready; any access key works (SigV4-signed, loopback Host names only), default account {}", trustdesk_emulator::DEFAULT_ACCOUNT);
    shutdown_signal().await;
    running.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
