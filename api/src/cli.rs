//! The `fascia` command: `serve` (default), `migrate`, `create-admin`, `demo`, `openapi`,
//! `vapid-keys`, `data-key`, `export-fhir`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::{
    clock::{Clock, SystemClock},
    config::Settings,
    domain::{DisplayName, Email, NewPassword, TimeZoneName},
    services::provisioning::{self, NewClinicAdmin},
    startup::{Application, connect_and_migrate},
};

#[derive(Parser)]
#[command(name = "fascia", version, about = "Backend for patient self-care between massage-therapy sessions")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server (the default). Configuration comes from FASCIA_* variables.
    Serve {
        /// Serve the API only; run reminder workers elsewhere (`serve --worker-only`).
        #[arg(long)]
        no_worker: bool,
        /// Run only the reminder worker, without the HTTP API.
        #[arg(long, conflicts_with = "no_worker")]
        worker_only: bool,
    },
    /// Print a new VAPID key pair for FASCIA_VAPID_PRIVATE_KEY (the public key is what
    /// the PWA subscribes with).
    VapidKeys,
    /// Print a new key for FASCIA_DATA_KEY (encrypts payer member ids at rest; production
    /// needs one, and losing it makes stored member ids unreadable).
    DataKey,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a clinic and its first admin. The password is read from
    /// FASCIA_ADMIN_PASSWORD or prompted for; it is never a command-line argument.
    CreateAdmin {
        /// Name of the new clinic.
        #[arg(long)]
        clinic: String,
        /// Email the admin logs in with.
        #[arg(long)]
        email: String,
        /// The admin's display name.
        #[arg(long, default_value = "Clinic admin")]
        name: String,
        /// The clinic's default IANA time zone.
        #[arg(long, default_value = "UTC")]
        timezone: String,
    },
    /// Seed a demo clinic (admin, therapist, two patients) and print their logins.
    /// Refuses to run on a database that holds real clinics.
    Demo {
        /// Print the logins as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the OpenAPI spec (YAML) the server serves.
    Openapi,
    /// Export every patient of a clinic as FHIR R4 in the Bulk Data NDJSON layout: one
    /// `<ResourceType>.ndjson` file per resource type in DIR, one resource per line.
    ExportFhir {
        /// The clinic's id.
        #[arg(long)]
        clinic: uuid::Uuid,
        /// Directory to write into (created if missing; files of the same name are replaced).
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub fn main() -> ExitCode {
    crate::memory::limit_allocator();
    let cli = Cli::parse();
    if let Some(Command::VapidKeys) = cli.command {
        let (private_pem, public_key) = crate::push::vapid::generate_pair();
        println!("# FASCIA_VAPID_PRIVATE_KEY (keep secret):\n{private_pem}");
        println!("# applicationServerKey (public, base64url):\n{public_key}");
        return ExitCode::SUCCESS;
    }
    if let Some(Command::DataKey) = cli.command {
        println!("# FASCIA_DATA_KEY (keep secret, back it up):\n{}", crate::data_key::generate());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // JSON: one object per line with the event's fields, for log shippers.
    if settings.ops.log_json {
        logs.json().init()
    } else {
        logs.init()
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve { no_worker: false, worker_only: false }) {
            Command::Serve { worker_only: true, .. } => worker_only(settings).await,
            Command::Serve { no_worker, .. } => {
                let mut settings = settings;
                settings.push.worker &= !no_worker;
                serve(settings).await
            }
            Command::VapidKeys | Command::DataKey => Ok(()),
            Command::Migrate => {
                connect_and_migrate(&settings).await.map(|_| println!("migrations applied")).map_err(|e| e.to_string())
            }
            Command::CreateAdmin { clinic, email, name, timezone } => {
                create_admin(settings, clinic, email, name, timezone).await
            }
            Command::Demo { json } => demo(settings, json).await,
            Command::ExportFhir { clinic, out } => export_fhir(settings, clinic, out).await,
            Command::Openapi => {
                print!("{}", crate::routes::spec::Published::build().yaml);
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let public_url = settings.public_url.clone();
    let app = Application::build(settings, std::sync::Arc::new(SystemClock)).await.map_err(|e| e.to_string())?;
    let addr = app.addr();
    println!("Fascia is listening on http://{addr}");
    println!("  API:      http://{addr}/api/v1   (public URL {public_url})");
    println!("  Docs UI:  http://{addr}/docs");
    println!("  Spec:     http://{addr}/api/openapi.json");
    app.run_until(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

/// The reminder worker alone: no HTTP listener. Several may run against one PostgreSQL.
async fn worker_only(settings: Settings) -> Result<(), String> {
    let db = connect_and_migrate(&settings).await.map_err(|e| e.to_string())?;
    let sender = crate::startup::push_sender(&settings).map_err(|e| e.to_string())?;
    let opts = crate::reminders::DispatchOptions::from_settings(&settings);
    let clock: crate::clock::SharedClock = std::sync::Arc::new(SystemClock);
    let alerts = crate::workers::alert_rules::spawn(db.clone(), clock.clone(), settings.alert_interval);
    let worker = crate::workers::reminders::spawn(db, std::sync::Arc::new(sender), clock, opts, settings.push.interval);
    println!("Fascia workers running (reminders, alert rules, alert pushes; no HTTP API)");
    let _ = tokio::signal::ctrl_c().await;
    worker.abort();
    alerts.abort();
    Ok(())
}

fn read_admin_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("FASCIA_ADMIN_PASSWORD") {
        return Ok(p);
    }
    rpassword::prompt_password("Admin password (10+ characters): ").map_err(|e| format!("cannot read password: {e}"))
}

async fn create_admin(
    settings: Settings,
    clinic: String,
    email: String,
    name: String,
    timezone: String,
) -> Result<(), String> {
    let new = NewClinicAdmin {
        clinic_name: DisplayName::parse(&clinic).map_err(|e| format!("--clinic {e}"))?,
        timezone: TimeZoneName::parse(&timezone).map_err(|e| format!("--timezone {e}"))?,
        email: Email::parse(&email).map_err(|e| format!("--email {e}"))?,
        display_name: DisplayName::parse(&name).map_err(|e| format!("--name {e}"))?,
        password: NewPassword::parse(&read_admin_password()?).map_err(|e| format!("password {e}"))?,
    };
    let db = connect_and_migrate(&settings).await.map_err(|e| e.to_string())?;
    let (clinic, admin) =
        provisioning::create_clinic_admin(&db, SystemClock.now(), new).await.map_err(|e| e.to_string())?;
    println!("created clinic {} ({}) with admin {}", clinic.name, clinic.id, admin.email);
    Ok(())
}

async fn demo(settings: Settings, json: bool) -> Result<(), String> {
    let db = connect_and_migrate(&settings).await.map_err(|e| e.to_string())?;
    let logins = provisioning::seed_demo(&db, SystemClock.now()).await.map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&logins).expect("logins serialise"));
    } else {
        println!("Demo clinic ready. Log in at POST /api/v1/auth/login (or the docs UI) with:");
        for l in &logins {
            println!("  {:<9} {:<32} {}", l.role.as_str(), l.email, l.password);
        }
        println!("Passwords are new on every run of `fascia demo`.");
    }
    Ok(())
}

async fn export_fhir(settings: Settings, clinic: uuid::Uuid, out: std::path::PathBuf) -> Result<(), String> {
    let db = connect_and_migrate(&settings).await.map_err(|e| e.to_string())?;
    let links = crate::services::fhir::Links::new(&settings.public_url);
    let summary = crate::services::fhir::write_clinic(&db, SystemClock.now(), &links, clinic, &out)
        .await
        .map_err(|e| e.to_string())?;
    println!("exported {} patients of clinic {clinic} to {}", summary.patients, out.display());
    for (file, lines) in &summary.files {
        println!("  {file:<32} {lines}");
    }
    Ok(())
}
