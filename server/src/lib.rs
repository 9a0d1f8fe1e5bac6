//! trustdesk's backend: configuration, storage, the console that every action passes through,
//! and the web server.

pub mod auth;
pub mod config;
pub mod console;
pub mod csrf;
pub mod store;
pub mod telemetry;
pub mod web;

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
}

/// A server bound to its address, not yet serving.
pub struct Bound {
    pub addr: SocketAddr,
    pub public_url: String,
    /// The one-time link that creates the first admin, when none exists.
    pub setup_url: Option<String>,
    listener: TcpListener,
    router: axum::Router,
}

impl Trustdesk {
    pub async fn open(config: Config) -> Result<Self, StartError> {
        let db = Db::open(&config.database_path()).await?;
        let sessions = SqliteStore::new(db.pool().clone());
        sessions.migrate().await.map_err(StartError::Sessions)?;
        let console = Arc::new(Console::new(db, auth::LoginThrottle::default(), false));
        Ok(Self {
            config,
            console,
            sessions,
        })
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
        let public_url = self.config.effective_public_url(addr);
        let setup_url = self
            .console
            .issue_setup_link(&public_url)
            .await
            .map_err(StartError::SetupLink)?;
        let leptos_options = LeptosOptions::builder()
            .output_name("trustdesk")
            .site_root(self.config.site_dir.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let state = web::AppState {
            leptos_options,
            console: self.console.clone(),
        };
        let settings = web::WebSettings {
            secure_cookies: self.config.cookies_are_secure(),
            session_idle_timeout: self.config.session_idle_timeout,
        };
        let router = web::router(state, self.sessions.clone(), &settings);
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
        })
    }
}

impl Bound {
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        web::serve(self.listener, self.router, shutdown).await
    }
}
