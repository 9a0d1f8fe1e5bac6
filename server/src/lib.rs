//! trustdesk's backend: configuration, storage, the console that every action passes through,
//! and the web server.

pub mod alerts;
pub mod auth;
pub mod aws;
pub mod aws_reads;
mod blocking;
pub mod bulk;
pub mod client_addr;
pub mod config;
pub mod console;
pub mod csrf;
pub mod delivery;
mod demo;
pub mod export;
pub mod jobs;
mod keyfile;
pub mod mail;
#[cfg(test)]
mod module_graph;
pub mod monitoring;
mod once;
mod rate_limit;
pub mod share;
pub mod sso;
mod static_site;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod web;
pub mod webhooks;

use app::model::AwsTarget;
use config::Config;
use console::Console;
use leptos::prelude::LeptosOptions;
use std::{future::Future, net::SocketAddr, sync::Arc};
use store::Db;
use tokio::net::TcpListener;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::SqliteStore;

/// A trustdesk ready to serve: database open and migrated, session store ready.
pub struct Trustdesk {
    config: Config,
    console: Arc<Console>,
    sessions: SqliteStore,
    /// The in-process AWS emulator of demo mode; it serves as long as the console does.
    emulator: Option<trustdesk_emulator::Running>,
    csrf_key: csrf::CsrfKey,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] store::OpenError),
    #[error("cannot prepare the session table: {0}")]
    Sessions(sqlx::Error),
    #[error("cannot issue the setup link: {0}")]
    SetupLink(sqlx::Error),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot read or create the alert links' key in the data directory: {0}")]
    LinkKey(std::io::Error),
    #[error("cannot read or create the CSRF key in the data directory: {0}")]
    CsrfKey(std::io::Error),
    #[error("cannot start the demo's AWS emulator: {0}")]
    Emulator(std::io::Error),
    #[error("{0}")]
    AuditKey(String),
    #[error("cannot add the demo's tag or alert rules: {0}")]
    DemoRules(String),
    #[error("single sign-on: {0}")]
    Sso(String),
}

/// A server bound to its address, not yet serving.
pub struct Bound {
    pub addr: SocketAddr,
    pub public_url: String,
    /// The one-time link that creates the first admin, when none exists.
    pub setup_url: Option<String>,
    listener: TcpListener,
    router: axum::Router,
    emulator: Option<trustdesk_emulator::Running>,
    console: Arc<Console>,
    background_jobs: bool,
    /// How long a client may take to send a request's line and headers.
    request_head_timeout: std::time::Duration,
}

impl Trustdesk {
    /// The console of a command that does not call AWS (`user add`, `audit verify`, `backup`):
    /// the database (with the audit key) and nothing else; no AWS configuration is loaded.
    pub async fn open_offline(config: &Config) -> Result<Console, StartError> {
        let db = open_db(config).await?;
        let aws = AwsTarget {
            endpoint_url: None,
            demo: false,
        };
        Ok(Console::new(
            db,
            auth::Passwords::for_this_machine(),
            aws,
            Arc::new(aws::Aws::none()),
        ))
    }

    pub async fn open(mut config: Config) -> Result<Self, StartError> {
        let db = open_db(&config).await?;
        let sessions = SqliteStore::new(db.pool().clone());
        sessions.migrate().await.map_err(StartError::Sessions)?;
        let dropped = store::sessions::drop_clear_ids_once(&db, &store::now())
            .await
            .map_err(StartError::Sessions)?;
        if dropped > 0 {
            tracing::info!(
                dropped,
                "sessions are now stored under a digest of their id: everyone signs in again once"
            );
        }
        // The page of the demo's chat channel, when the demo posts its notices there.
        let mut demo_chat_page = None;
        let emulator = if config.demo {
            let seeded = trustdesk_emulator::Emulator::with_demo_seed();
            let seeded = match config.demo_scale {
                true => seeded.at_scale(),
                false => seeded,
            };
            let running = seeded
                .serve(SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .map_err(StartError::Emulator)?;
            tracing::info!(endpoint = %running.endpoint(), "demo mode: AWS calls go to the in-process emulator");
            config.aws_endpoint_url = Some(running.endpoint());
            if config.webhooks.is_empty() {
                config
                    .webhooks
                    .push(demo::chat_webhook(&running.endpoint()));
                demo_chat_page = Some(format!("{}/_emulator/chat", running.endpoint()));
            }
            Some(running)
        } else {
            None
        };
        if config.demo && config.accounts.is_empty() && config.organization.is_none() {
            config.organization = Some(demo::organization());
            config.accounts = demo::accounts(config.demo_scale);
        }
        let aws = AwsTarget {
            endpoint_url: config.aws_endpoint_url.clone(),
            demo: config.demo,
        };
        let metrics = Arc::new(monitoring::Metrics::new());
        let plan = aws::plan::AwsPlan::decide(&config, &aws::plan::Surroundings::of_this_machine());
        tracing::info!("{}", plan.describe());
        let clients = Arc::new(
            aws::Aws::from_config(&config, &plan)
                .await
                .with_metrics(metrics.clone()),
        );
        let clock = match &emulator {
            // The demo's AWS and trustdesk agree on the time: moving the emulator's clock moves
            // expiries across alert thresholds too.
            Some(running) => {
                let emulator = running.emulator.clone();
                time::Clock::offset_by(move || emulator.clock_offset())
            }
            None => time::Clock::default(),
        };
        // The organization's accounts are known before the first page or sync needs them.
        jobs::sync::read_organization(&clients, &db).await;
        let sso = match &config.sso {
            Some(settings) => {
                let public_url = config.public_url.clone().ok_or_else(|| {
                    StartError::Sso(
                        "[sso] needs public_url: the provider sends users back to it".into(),
                    )
                })?;
                Some(sso::Sso::new(settings.clone(), &public_url).map_err(StartError::Sso)?)
            }
            None => None,
        };
        let mut alerting = alerts::Alerting::from_config(&config).map_err(StartError::LinkKey)?;
        alerting.demo_chat_page = demo_chat_page;
        let csrf_key =
            csrf::CsrfKey::load_or_create(&config.data_dir).map_err(StartError::CsrfKey)?;
        tracing::info!(mail = %alerting.mailer.describe(), "alert emails");
        let console = Arc::new(
            Console::new(db, auth::Passwords::for_this_machine(), aws, clients)
                .with_clock(clock)
                .with_sync_settings(config.sync.clone())
                .with_security(&config.security)
                .with_alerting(alerting)
                .with_sso(sso)
                .with_share_limits(config.share_requests_per_minute)
                .with_metrics(metrics),
        );
        Ok(Self {
            config,
            console,
            sessions,
            emulator,
            csrf_key,
        })
    }

    /// The AWS endpoint the console calls: the emulator's in demo mode.
    pub fn aws_endpoint_url(&self) -> Option<&str> {
        self.config.aws_endpoint_url.as_deref()
    }

    pub fn is_demo(&self) -> bool {
        self.config.demo
    }

    pub fn console(&self) -> &Arc<Console> {
        &self.console
    }

    /// Binds the configured address and, if no admin exists, issues a setup link for it.
    pub async fn bind(self) -> Result<Bound, StartError> {
        let listener = TcpListener::bind(self.config.listen).await?;
        self.bind_to(listener).await
    }

    pub async fn bind_to(self, listener: TcpListener) -> Result<Bound, StartError> {
        let addr = listener.local_addr()?;
        // Before any row of this process: a keyed chain is continued with its key or not at all.
        self.console
            .continue_audit_chain()
            .await
            .map_err(StartError::AuditKey)?;
        if self.config.demo {
            // After the chain is continued: these are audited rows of this process.
            let added = self
                .console
                .add_first_tag_rules(&demo::tag_rules(), "demo")
                .await
                .map_err(|error| StartError::DemoRules(error.message))?;
            if added > 0 {
                tracing::info!(added, "demo mode: added the demo's tag rules");
            }
            if self
                .console
                .alerting
                .webhooks
                .get(demo::CHAT_WEBHOOK)
                .is_some()
                && self
                    .console
                    .set_first_alert_rules(demo::alert_rules(), "demo")
                    .await
                    .map_err(|error| StartError::DemoRules(error.message))?
            {
                tracing::info!("demo mode: alert notices also go to the emulator's chat channel");
            }
        }
        // The item gauges from the cache as it is, rather than absent until the first sync.
        monitoring::refresh_items(
            self.console.metrics(),
            self.console.db().pool(),
            self.console.clock().now(),
        )
        .await;
        let public_url = self.config.effective_public_url(addr);
        self.console.alerting.set_public_url(&public_url);
        let setup_url = self
            .console
            .issue_setup_link(&public_url)
            .await
            .map_err(StartError::SetupLink)?;
        let site = static_site::Site::choose(self.config.site_dir.as_deref());
        tracing::info!("serving the site {}", site.describe());
        let leptos_options = LeptosOptions::builder()
            .output_name(site.linked_bundle_name())
            .site_root(site.fallback_root())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let https = self.config.cookies_are_secure();
        let state = web::AppState {
            leptos_options,
            console: self.console.clone(),
            csrf: Arc::new(web::CsrfSettings {
                key: self.csrf_key.clone(),
                https,
            }),
            trusted_proxies: Arc::new(self.config.security.trusted_proxies.clone()),
            uploads: Arc::new(web::api_door::Uploads::new(
                web::api_door::UPLOAD_BUDGET,
                self.config.security.request_body_timeout,
            )),
            metrics: monitoring::route::MetricsState {
                metrics: self.console.metrics().clone(),
                access: Arc::new(self.config.metrics.clone()),
                db: self.console.db().clone(),
                server_functions: Arc::new(
                    web::server_functions()
                        .into_iter()
                        .map(|(path, _)| path)
                        .collect(),
                ),
            },
        };
        let settings = web::WebSettings {
            https,
            session_idle_timeout: self.config.session_idle_timeout,
            site,
        };
        let router = web::router(
            state,
            self.sessions.clone(),
            &settings,
            export::routes().merge(web::sso::routes()),
        );
        tokio::spawn(monitoring::keep_up(Arc::downgrade(self.console.metrics())));
        tokio::spawn(
            self.sessions
                .clone()
                .continuously_delete_expired(tokio::time::Duration::from_secs(600)),
        );
        Ok(Bound {
            addr,
            public_url,
            setup_url,
            listener,
            router,
            emulator: self.emulator,
            console: self.console.clone(),
            background_jobs: false,
            request_head_timeout: self.config.security.request_head_timeout,
        })
    }
}

async fn open_db(config: &Config) -> Result<Db, StartError> {
    Ok(Db::open(&config.database_path())
        .await?
        .with_seal(store::audit::Seal::new(config.audit_key.clone())))
}

impl Bound {
    /// The demo emulator's endpoint, for the AWS CLI or an SDK pointed at the same data.
    pub fn emulator_endpoint(&self) -> Option<String> {
        self.emulator.as_ref().map(|e| e.endpoint())
    }

    /// Serving also runs the scheduled jobs (the AWS sync), which stop with the server.
    pub fn with_background_jobs(mut self) -> Self {
        self.background_jobs = true;
        self
    }

    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
        // Not a job of the schedule: one-time secrets nobody read go after their lifetime
        // whether or not this process syncs.
        let purge = tokio::spawn({
            let console = self.console.clone();
            let stopped = jobs_stopped.clone();
            async move {
                console
                    .once
                    .purge_periodically(once::PURGE_INTERVAL, stopped)
                    .await
            }
        });
        let jobs = self
            .background_jobs
            .then(|| tokio::spawn(jobs::scheduler::run(self.console.jobs(), jobs_stopped)));
        // Background work starts stopping with the signal, while requests in flight finish
        // (a Refresh waits on a sync that then stops too).
        let shutdown = {
            let console = self.console.clone();
            async move {
                shutdown.await;
                console.begin_shutdown();
            }
        };
        let served = web::serve(
            self.listener,
            self.router,
            self.request_head_timeout,
            shutdown,
        )
        .await;
        if let Err(error) = self.console.flush_refusals().await {
            tracing::error!(%error, "the counts of refused sign-ins were not written to the audit trail");
        }
        let _ = stop_jobs.send(true);
        // Syncs and bulk edits stop at their next safe point, each within a bounded grace
        // (already told, unless serving ended without the shutdown signal).
        self.console.begin_shutdown();
        self.console.finish_background_work().await;
        let _ = purge.await;
        if let Some(jobs) = jobs {
            let _ = jobs.await;
        }
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
        served
    }
}
