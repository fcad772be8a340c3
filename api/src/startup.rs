//! Building and running the server: connect and migrate, bind (port 0 works, the real
//! port is reported), assemble the middleware, serve until the shutdown future resolves.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use poem::{
    Endpoint, EndpointExt, Response, Route, Server,
    endpoint::make_sync,
    get,
    http::{Method, StatusCode},
    listener::TcpAcceptor,
    middleware::{CatchPanic, Cors},
    web::Html,
};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{
    auth::{
        jwt::{JwtKeys, KeyError},
        live_sessions::LiveSessions,
        password,
        throttle::LoginThrottle,
    },
    clock::SharedClock,
    compress,
    config::{BlobStoreSettings, Settings},
    data_key::{DataKey, DataKeyError},
    db,
    error::error_response,
    metrics::{self, OperationIndex},
    middleware,
    outage::Refusals,
    push::{
        PushSender,
        endpoint::EndpointPolicy,
        vapid::{VapidError, VapidKeys},
    },
    rate_limit::RateLimits,
    routes::{openapi_service, spec::Published},
    services::{
        audit_sink,
        messages::{
            s3::S3Blobs,
            storage::{BlobStore, DatabaseBlobs},
        },
    },
    state::AppState,
    workers,
    writer::Writer,
};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("cannot use data dir {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error(transparent)]
    Vapid(#[from] VapidError),
    #[error(transparent)]
    DataKey(#[from] DataKeyError),
    #[error("cannot build the push HTTP client: {0}")]
    PushClient(#[from] reqwest::Error),
    #[error("cannot start the writer thread: {0}")]
    Writer(std::io::Error),
}

/// The push sender every part of the process shares (one HTTP pool, one VAPID cache).
pub fn push_sender(settings: &Settings) -> Result<PushSender, StartupError> {
    let keys = VapidKeys::from_settings(settings)?;
    Ok(PushSender::new(keys, EndpointPolicy::new(settings.push.allow_loopback), settings.push.timeout)?)
}

/// The configured attachment store; an object store shares the push sender's HTTP pool.
pub fn blob_store(settings: &Settings, push: &PushSender) -> Arc<dyn BlobStore> {
    match &settings.blobs {
        BlobStoreSettings::Database => Arc::new(DatabaseBlobs),
        BlobStoreSettings::S3(s3) => Arc::new(S3Blobs::new(push.http_client(), (**s3).clone())),
    }
}

/// Connects to the database (creating the SQLite data dir if needed) and applies
/// migrations.
pub async fn connect_and_migrate(settings: &Settings) -> Result<DatabaseConnection, StartupError> {
    if let Some(file) = db::sqlite_path(settings.database_url.expose()) {
        let dir = std::path::Path::new(file).parent().unwrap_or(&settings.data_dir);
        std::fs::create_dir_all(dir).map_err(|e| StartupError::DataDir(dir.display().to_string(), e))?;
        db::warn_if_disk_low(dir);
    }
    let conn = db::connect(settings).await?;
    db::migrate(&conn, settings).await?;
    crate::services::library_seed::seed(&conn, chrono::Utc::now()).await?;
    Ok(conn)
}

pub struct Application {
    acceptor: TcpAcceptor,
    addr: SocketAddr,
    /// The metrics listener, when `FASCIA_METRICS_ADDR` is set.
    metrics: Option<(TcpAcceptor, SocketAddr)>,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings, clock: SharedClock) -> Result<Self, StartupError> {
        let jwt = JwtKeys::from_settings(&settings)?;
        let push = Arc::new(push_sender(&settings)?);
        let data_key = Arc::new(DataKey::from_settings(&settings)?);
        let conn = connect_and_migrate(&settings).await?;
        let listener =
            tokio::net::TcpListener::bind(settings.addr).await.map_err(|e| StartupError::Bind(settings.addr, e))?;
        let addr = listener.local_addr().map_err(|e| StartupError::Bind(settings.addr, e))?;
        let acceptor = TcpAcceptor::from_tokio(listener).map_err(|e| StartupError::Bind(settings.addr, e))?;
        let metrics = match settings.ops.metrics_addr {
            Some(at) => {
                let listener = tokio::net::TcpListener::bind(at).await.map_err(|e| StartupError::Bind(at, e))?;
                let bound = listener.local_addr().map_err(|e| StartupError::Bind(at, e))?;
                Some((TcpAcceptor::from_tokio(listener).map_err(|e| StartupError::Bind(at, e))?, bound))
            }
            None => None,
        };
        // The writer's queue waits no longer for room than a request waits for a connection.
        let writer = Writer::start(db::connect_writers(&settings, &conn).await?, settings.db_deadline)
            .map_err(StartupError::Writer)?;
        let audit = audit_sink::Sink::start(writer.clone(), settings.db_deadline);
        let state = AppState {
            db: conn,
            writer,
            audit,
            clock,
            jwt: Arc::new(jwt),
            throttle: Arc::new(LoginThrottle::default()),
            live_sessions: Arc::new(LiveSessions::new(settings.session_cache)),
            mfa_throttle: Arc::new(LoginThrottle::default()),
            rate_limits: Arc::new(RateLimits::new(&settings.ops.rate_limits)),
            metrics: Arc::default(),
            blobs: blob_store(&settings, &push),
            heavy_reads: Arc::new(tokio::sync::Semaphore::new(crate::state::heavy_read_permits())),
            settings: Arc::new(settings),
            push,
            data_key,
        };
        Ok(Self { acceptor, addr, metrics, state })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where `/metrics` is served, if anywhere.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, at)| *at)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        workers::wal_checkpoint::spawn(self.state.db.clone());
        let workers = self.state.settings.push.worker.then(|| workers::spawn_all(&self.state));
        let audit = self.state.audit.clone();
        let metrics_server = self.metrics.map(|(acceptor, at)| {
            tracing::info!(addr = %at, "serving metrics");
            let endpoint = metrics::exposition::app(self.state.clone());
            tokio::spawn(async move {
                if let Err(e) = Server::new_with_acceptor(acceptor).run(endpoint).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            })
        });
        let app = app(self.state);
        crate::memory::settle_after_start_up();
        // After settling, and awaited before serving, so the one-off hash's 19 MiB block
        // adds neither to start-up's own allocations nor to the first logins' hashes.
        let _ = tokio::task::spawn_blocking(password::warm_up).await;
        let result = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown, Some(Duration::from_secs(10)))
            .await;
        // Reads answered before the shutdown keep their audit events.
        if let Err(e) = audit.flush().await {
            tracing::warn!(error = %e, "could not store the last read audit events");
        }
        for worker in workers.into_iter().flatten().chain(metrics_server) {
            worker.abort();
        }
        result
    }
}

fn with_type(body: String, content_type: &'static str) -> Response {
    Response::builder().content_type(content_type).body(body)
}

/// The whole HTTP application.
pub fn app(state: AppState) -> impl Endpoint {
    let api = openapi_service();
    let settings = state.settings.clone();
    let (state_metrics, state_limits) = (state.metrics.clone(), state.rate_limits.clone());
    let published = Published::build();
    let spec: serde_json::Value = serde_json::from_str(&published.json).expect("the spec is JSON");
    let Published { json, yaml, docs_html } = published;
    let routes = crate::web::mount(Route::new())
        .at("/api/openapi.json", get(make_sync(move |_| with_type(json.clone(), "application/json"))))
        .at("/api/openapi.yaml", get(make_sync(move |_| with_type(yaml.clone(), "application/yaml"))))
        .at("/docs", get(make_sync(move |_| Html(docs_html.clone()))))
        // The physician's page for a shared progress report (issue 14).
        .at("/shared/:token", get(crate::routes::shared::show).post(crate::routes::shared::submit_code))
        .at("/shared/:token/report.pdf", get(crate::routes::shared::report_pdf))
        .nest("/", api)
        .around(crate::web::root)
        .data(state)
        .with(
            CatchPanic::new()
                .with_handler(|_| error_response(poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))),
        );
    let routes = if settings.cors_origins.is_empty() {
        routes.boxed()
    } else {
        routes
            .with(
                Cors::new()
                    .allow_origins(settings.cors_origins.iter().map(String::as_str))
                    .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
                    .allow_headers(["authorization", "content-type", "x-request-id"])
                    .expose_header("x-request-id")
                    .max_age(600),
            )
            .boxed()
    };
    let config = Arc::new(middleware::EdgeConfig {
        max_body_bytes: settings.max_body_bytes,
        hsts: settings.public_url.starts_with("https://"),
        methods: middleware::MethodIndex::from_spec(&spec),
        refusals: Arc::new(Refusals::default()),
        operations: OperationIndex::from_spec(&spec),
        metrics: state_metrics,
        rate_limits: state_limits,
        trusted_proxies: settings.ops.trusted_proxies.clone(),
    });
    routes.around(move |next, req| {
        let config = config.clone();
        async move {
            let coding = compress::negotiate(req.headers());
            let response = middleware::edge(next, req, &config).await?;
            Ok(compress::apply(response, coding).await)
        }
    })
}
