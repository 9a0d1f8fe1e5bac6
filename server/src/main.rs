use app::model::{Anchor, AppError, ChainReport, NewUser, Role};
use clap::{Parser, Subcommand};
use server::{
    config::{Config, Overrides},
    console::{AnchorCheck, Console},
    telemetry, Trustdesk,
};
use std::{
    io::{IsTerminal, Read},
    net::SocketAddr,
    path::PathBuf,
    process::ExitCode,
};

/// trustdesk: a self-hosted console for the AWS trust artifacts that expire or need tags.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (default: ./trustdesk.toml if present, or $TRUSTDESK_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web console.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:3000 (port 0 picks a free port).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Directory for the database and other local data.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Start the AWS emulator in-process with demo data (two accounts, two regions) and use it.
        #[arg(long)]
        demo: bool,
        /// With --demo: also an account at organisation scale (1,000 customer managed policies
        /// and 300 instance profiles, all tagged), to see how few AWS calls its sync makes.
        #[arg(long, requires = "demo")]
        scale: bool,
        /// Serve the compiled site (wasm, JavaScript, CSS) from this directory instead of the
        /// copy built into a release binary (the `site_dir` setting).
        #[arg(long)]
        site_dir: Option<PathBuf>,
    },
    /// Manage console accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Copy the database, consistently, while the server runs; FILE must not exist yet.
    Backup {
        file: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Inspect the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from a prompt, or from stdin when it is not a terminal.
    Add {
        name: String,
        #[arg(long, value_parser = ["admin", "viewer"])]
        role: String,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain and name the first row that does not match.
    Verify {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// A line printed by `trustdesk audit anchor` earlier, e.g. 'rows=1234 head=<hash>':
        /// the trail must still hold that many rows, the last of them with that hash.
        #[arg(long)]
        anchor: Option<String>,
    },
    /// Verify the chain, then print its length and newest hash on one line, to keep elsewhere.
    Anchor {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

fn load_config(file: Option<&PathBuf>, overrides: Overrides) -> Result<Config, ExitCode> {
    let env = std::env::vars().collect();
    Config::load(file.map(|p| p.as_path()), &env, &overrides).map_err(|e| {
        eprintln!("trustdesk: configuration error: {e}");
        ExitCode::from(2)
    })
}

/// The configuration of a command that does not serve: quiet logs, no listen address.
fn offline_config(file: Option<&PathBuf>, data_dir: Option<PathBuf>) -> Result<Config, ExitCode> {
    let config = load_config(
        file,
        Overrides {
            listen: None,
            data_dir,
            demo: false,
        },
    )?;
    telemetry::init(config.log_format, "warn");
    Ok(config)
}

/// glibc's allocator spent a fifth of a page render in malloc and free across the runtime's
/// threads; mimalloc's per-thread heaps do the same work in a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks the kernel for transparent huge pages for its arenas, so an idle server held
/// 16 MB of 2 MB pages it barely touched (58 MB RSS instead of 41 MB). At this server's size the
/// memory matters more than the fewer TLB misses; the flag covers the memory faulted in from now
/// on, which is all of the runtime's.
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        eprintln!("trustdesk: transparent huge pages stay on ({error}); memory use will be higher");
    }
}

/// Everything trustdesk writes (the database and its WAL, which hold session hashes and the
/// audit trail; backups; keys; the demo's outbox) is for its own user alone, whatever umask it
/// was started with (the systemd unit sets the same; a shell usually leaves 022).
fn private_files() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

fn main() -> ExitCode {
    private_files();
    without_transparent_huge_pages();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(run_cli())
}

async fn run_cli() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

async fn run(cli: Cli) -> Result<(), ExitCode> {
    match cli.command {
        Command::Serve {
            listen,
            data_dir,
            demo,
            scale,
            site_dir,
        } => {
            let mut config = load_config(
                cli.config.as_ref(),
                Overrides {
                    listen,
                    data_dir,
                    demo,
                },
            )?;
            if site_dir.is_some() {
                config.site_dir = site_dir;
            }
            config.demo_scale |= scale;
            telemetry::init(config.log_format, &config.log_level);
            serve(config).await
        }
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    data_dir,
                },
        } => add_user(offline_config(cli.config.as_ref(), data_dir)?, name, role).await,
        Command::Audit {
            command: AuditCommand::Verify { data_dir, anchor },
        } => {
            let anchor = match anchor.as_deref().map(str::parse::<Anchor>) {
                None => None,
                Some(Ok(anchor)) => Some(anchor),
                Some(Err(message)) => {
                    eprintln!("trustdesk: --anchor: {message}");
                    return Err(ExitCode::from(2));
                }
            };
            verify_audit(offline_config(cli.config.as_ref(), data_dir)?, anchor).await
        }
        Command::Audit {
            command: AuditCommand::Anchor { data_dir },
        } => print_anchor(offline_config(cli.config.as_ref(), data_dir)?).await,
        Command::Backup { file, data_dir } => {
            backup(offline_config(cli.config.as_ref(), data_dir)?, file).await
        }
    }
}

async fn open(config: Config) -> Result<Trustdesk, ExitCode> {
    Trustdesk::open(config).await.map_err(|e| {
        eprintln!("trustdesk: {e}");
        ExitCode::FAILURE
    })
}

/// The database and the audit key only: no AWS configuration is loaded for a local command.
async fn open_offline(config: &Config) -> Result<Console, ExitCode> {
    Trustdesk::open_offline(config).await.map_err(|e| {
        eprintln!("trustdesk: {e}");
        ExitCode::FAILURE
    })
}

/// The one-time setup link, last and framed so that it stands out of the start's output. The
/// link has a line of its own, nothing else on it, for scripts that read it.
fn setup_box(url: &str) -> String {
    let rule = "═".repeat(url.len().clamp(60, 120) + 4);
    format!(
        "\n{rule}\n  No admin exists yet. Create the first one within an hour, once, at:\n\n    {url}\n\n{rule}\n\n"
    )
}

async fn serve(config: Config) -> Result<(), ExitCode> {
    let shutdown = shutdown_signal().map_err(|e| {
        eprintln!("trustdesk: cannot listen for signals: {e}");
        ExitCode::FAILURE
    })?;
    // The whole configuration is for debugging; the start itself is one line.
    tracing::debug!(?config, "configuration");
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "starting");
    let trustdesk = open(config).await?;
    let bound = trustdesk.bind().await.map_err(|e| {
        eprintln!("trustdesk: {e}");
        ExitCode::FAILURE
    })?;
    println!(
        "trustdesk listening on http://{} (public URL {})",
        bound.addr, bound.public_url
    );
    if let Some(endpoint) = bound.emulator_endpoint() {
        println!("Demo mode: emulated AWS at {endpoint} (any access key works; try `aws --endpoint-url {endpoint} iam list-server-certificates`)");
    }
    let setup_url = bound.setup_url.clone();
    // The first sync starts now and fills the inventories (the demo's too).
    let bound = bound.with_background_jobs();
    if let Some(url) = &setup_url {
        print!("{}", setup_box(url));
    }
    bound.serve(shutdown).await.map_err(|e| {
        eprintln!("trustdesk: server error: {e}");
        ExitCode::FAILURE
    })?;
    tracing::info!("stopped");
    Ok(())
}

/// Listens for SIGINT and SIGTERM from now on (a signal that arrives before the server is up
/// stops it as gracefully as one that arrives later); the future ends at the first of them.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}

fn read_password() -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        if first != second {
            return Err(std::io::Error::other("the two passwords differ"));
        }
        Ok(first)
    } else {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        Ok(input.trim_end_matches(['\n', '\r']).to_string())
    }
}

async fn add_user(config: Config, name: String, role: String) -> Result<(), ExitCode> {
    let password = read_password().map_err(|e| {
        eprintln!("trustdesk: cannot read the password: {e}");
        ExitCode::FAILURE
    })?;
    let console = open_offline(&config).await?;
    console.continue_audit_chain().await.map_err(|e| {
        eprintln!("trustdesk: {e}");
        ExitCode::FAILURE
    })?;
    let password = app::model::Secret::from(password);
    let new_user = NewUser {
        username: name.clone(),
        role: role.clone(),
        password_confirm: password.clone(),
        password,
    };
    match console.add_user_as_system(new_user).await {
        Ok(()) => {
            let role: Role = role.parse().unwrap_or_default();
            println!("Added {role} {name}.");
            Ok(())
        }
        Err(AppError {
            message, fields, ..
        }) => {
            eprintln!("trustdesk: {message}");
            for field in fields {
                eprintln!("  {}: {}", field.field, field.message);
            }
            Err(ExitCode::FAILURE)
        }
    }
}

/// Walks the chain; an intact one is returned, a broken one reported (exit status 3).
async fn walk_chain(console: &Console) -> Result<ChainReport, ExitCode> {
    let report = console.verify_audit().await.map_err(|e| {
        eprintln!("trustdesk: cannot read the audit trail: {e}");
        ExitCode::FAILURE
    })?;
    match &report.first_broken {
        None => Ok(report),
        Some(broken) => {
            println!(
                "Audit chain broken at row {}: {}.",
                broken.id, broken.reason
            );
            Err(ExitCode::from(3))
        }
    }
}

async fn verify_audit(config: Config, anchor: Option<Anchor>) -> Result<(), ExitCode> {
    let console = open_offline(&config).await?;
    let report = walk_chain(&console).await?;
    let keyed = match report.keyed_from {
        Some(1) => ", all sealed with the audit key".to_string(),
        Some(row) => format!(", sealed with the audit key from row {row} on"),
        None => String::new(),
    };
    let Some(anchor) = anchor else {
        println!(
            "Audit chain intact: {} rows checked{keyed}.",
            report.rows_checked
        );
        return Ok(());
    };
    let check = console
        .check_audit_anchor(&report, &anchor)
        .await
        .map_err(|e| {
            eprintln!("trustdesk: cannot read the audit trail: {e}");
            ExitCode::FAILURE
        })?;
    match check {
        AnchorCheck::Held => {
            println!(
                "Audit chain intact: {} rows checked{keyed}; it still holds the anchor's {} rows.",
                report.rows_checked, anchor.rows
            );
            Ok(())
        }
        AnchorCheck::Failed(reason) => {
            println!("Audit trail does not match the anchor: {reason}.");
            Err(ExitCode::from(3))
        }
    }
}

async fn print_anchor(config: Config) -> Result<(), ExitCode> {
    let console = open_offline(&config).await?;
    let report = walk_chain(&console).await?;
    match report.anchor() {
        Some(anchor) => {
            println!("{anchor}");
            Ok(())
        }
        None => Err(ExitCode::from(3)),
    }
}

async fn backup(config: Config, file: PathBuf) -> Result<(), ExitCode> {
    let database = config.database_path();
    if !database.is_file() {
        eprintln!(
            "trustdesk: there is no database at {}: nothing to back up (is --data-dir right?)",
            database.display()
        );
        return Err(ExitCode::FAILURE);
    }
    let db = server::store::Db::open(&config.database_path())
        .await
        .map_err(|e| {
            eprintln!("trustdesk: {e}");
            ExitCode::FAILURE
        })?;
    match server::store::backup::backup(&db, &file).await {
        Ok(report) => {
            println!("{report}");
            Ok(())
        }
        Err(error) => {
            eprintln!("trustdesk: {error}");
            Err(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_setup_link_stands_framed_on_a_line_of_its_own() {
        let url = "http://127.0.0.1:3000/setup?token=abc";
        let text = super::setup_box(url);
        assert_eq!(text.lines().filter(|line| line.trim() == url).count(), 1);
        let mut rules = text.lines().filter(|line| !line.trim().is_empty());
        let first = rules.next().expect("a first line");
        assert!(first.chars().all(|c| c == '═'), "{first}");
        assert_eq!(rules.next_back(), Some(first));
    }
}
