//! The `kasumi` command: wires configuration, the store and the web application together.
//!
//! `kasumi serve` runs the server; `kasumi user add`, `kasumi org add` and
//! `kasumi audit verify` work on the same database from the console.

mod catalog;
mod demo;
mod demo_registry;
mod ismap_cli;
mod range_cli;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use kasumi_core::{Clock, OrgKind, Role, SystemClock, valid_login, valid_org_code};
use kasumi_lifecycle::registration::{NumberFormat, SequenceScope};
use kasumi_store::{Actor, DynStore, NewOrg, NewUser, Target};
use kasumi_web::{AppConfig, AppState, password};

// Parsing and writing OSCAL allocates millions of small strings; mimalloc
// does that markedly faster than the system allocator (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kasumi",
    version,
    about = "Kasumi: the ISMAP registry and the CYDER exercise range"
)]
struct Cli {
    /// Log format: text for people, json for log collectors.
    #[arg(long, env = "KASUMI_LOG_FORMAT", default_value = "text", global = true, value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// ISMAP control criteria (管理基準): import, export, compare.
    Catalog {
        #[command(subcommand)]
        command: catalog::CatalogCommand,
    },
    /// ISMAP registration work: check a statement before submitting it.
    Ismap {
        #[command(subcommand)]
        command: ismap_cli::IsmapCommand,
    },
    /// OSCAL documents: resolve profiles, validate catalogs.
    Oscal {
        #[command(subcommand)]
        command: catalog::OscalCommand,
    },
    /// CYDER range: check scenarios, write a team's logs, grade recorded actions.
    Range {
        #[command(subcommand)]
        command: range_cli::RangeCommand,
    },
}

#[derive(Args)]
pub(crate) struct DbArgs {
    /// Directory of the embedded SQLite database (created on first start).
    #[arg(
        long,
        env = "KASUMI_DATA_DIR",
        default_value = "kasumi-data",
        conflicts_with = "database_url"
    )]
    data_dir: PathBuf,
    /// Database URL instead of the data directory: postgres://USER@HOST/DB or sqlite://PATH.
    #[arg(long, env = "KASUMI_DATABASE_URL")]
    database_url: Option<String>,
}

impl DbArgs {
    fn target(&self) -> Target {
        match &self.database_url {
            Some(url) if !url.is_empty() => Target::Url(url.clone()),
            _ => Target::DataDir(self.data_dir.clone()),
        }
    }

    pub(crate) async fn open(&self) -> anyhow::Result<DynStore> {
        let target = self.target();
        kasumi_store::open(&target).await.with_context(|| {
            format!(
                "Kasumi cannot use the database {} — check that it is reachable and that --data-dir / --database-url is right",
                target.display()
            )
        })
    }
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KASUMI_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    db: DbArgs,
    /// Fill an empty database with demo organisations and one account per role (the default).
    #[arg(long, conflicts_with = "no_demo")]
    demo: bool,
    /// Start without demo data.
    #[arg(long)]
    no_demo: bool,
    /// Mark cookies Secure: set this when Kasumi is served over HTTPS.
    #[arg(long, env = "KASUMI_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Registration number template: {YYYY} or {YY} fiscal year first registered,
    /// {NNNN} sequence (as many digits as Ns), {n} registration count.
    #[arg(
        long,
        env = "KASUMI_REGISTRATION_NUMBER",
        default_value = "C{YY}-{NNNN}-{n}"
    )]
    registration_number: String,
    /// Whether the sequence restarts every fiscal year or runs on.
    #[arg(
        long,
        env = "KASUMI_REGISTRATION_SEQUENCE",
        value_enum,
        default_value = "per-fiscal-year"
    )]
    registration_sequence: Sequence,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Sequence {
    PerFiscalYear,
    Global,
}

impl ServeArgs {
    /// `--demo` / `--no-demo` win; otherwise `KASUMI_DEMO`; demo mode by default.
    fn demo(&self) -> anyhow::Result<bool> {
        if self.demo || self.no_demo {
            return Ok(self.demo);
        }
        match std::env::var("KASUMI_DEMO") {
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                other => bail!("KASUMI_DEMO must be true or false, not '{other}'"),
            },
            Err(_) => Ok(true),
        }
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        login: String,
        /// One of: csp, auditor, audit_evaluator, ipa_reviewer, committee, secretariat, agency, cyder_operator, instructor, trainee, admin.
        #[arg(long)]
        role: String,
        /// The organisation's code (see `kasumi org list`).
        #[arg(long)]
        org: String,
        /// Display name (defaults to the login).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Add {
        /// Short code: lower-case letters, digits and '-'.
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// One of: csp, audit_firm, audit_evaluator, ipa, committee, agency, local_government, critical_infrastructure, nict, other.
        #[arg(long)]
        kind: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List organisations.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits 1 and names the first broken entry when it was tampered with.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KASUMI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    match run(cli.command).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match command {
        Command::Serve(args) => serve(args, clock).await,
        Command::User {
            command:
                UserCommand::Add {
                    login,
                    role,
                    org,
                    name,
                    db,
                },
        } => {
            let role: Role = role.parse()?;
            if !valid_login(&login) {
                bail!("login '{login}' is not valid: use 3 to 64 letters, digits, '.', '_' or '-'");
            }
            let store = db.open().await?;
            let org = store.org_by_code(&org).await?.with_context(|| {
                format!("there is no organisation with code '{org}' (see `kasumi org list`)")
            })?;
            let password = read_password()?;
            if let Err((key, (_, limit))) = password::check_rules(&password) {
                bail!("the password is refused ({key}: limit {limit} characters)");
            }
            let new = NewUser {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                org_id: org.id,
                role,
                password_hash: password::hash_blocking(password).await?,
            };
            let user = store
                .create_user(&Actor::system("cli"), clock.now(), &new)
                .await?;
            println!(
                "created user {} ({}, {})",
                user.login, user.role, user.org_code
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::List { db },
        } => {
            let store = db.open().await?;
            for u in store.list_users().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.login, u.role, u.org_code, u.display_name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Org {
            command:
                OrgCommand::Add {
                    code,
                    name,
                    kind,
                    db,
                },
        } => {
            let kind: OrgKind = kind.parse()?;
            if !valid_org_code(&code) {
                bail!(
                    "organisation code '{code}' is not valid: use 2 to 64 lower-case letters, digits or '-'"
                );
            }
            let store = db.open().await?;
            let org = store
                .create_org(
                    &Actor::system("cli"),
                    clock.now(),
                    &NewOrg { code, name, kind },
                )
                .await?;
            println!("created organisation {} ({})", org.code, org.kind);
            Ok(ExitCode::SUCCESS)
        }
        Command::Org {
            command: OrgCommand::List { db },
        } => {
            let store = db.open().await?;
            for o in store.list_orgs().await? {
                println!("{}\t{}\t{}", o.code, o.kind, o.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog { command } => catalog::run_catalog(command, clock.as_ref()).await,
        Command::Oscal { command } => catalog::run_oscal(command),
        Command::Ismap { command } => ismap_cli::run(command).await,
        Command::Range { command } => range_cli::run(command),
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let store = db.open().await?;
            let report = store.verify_audit().await?;
            match report.first_break {
                None => {
                    println!("audit trail intact: {} entries verified", report.entries);
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    println!("audit trail BROKEN at entry {}: {}", b.seq, b.reason);
                    println!("({} entries before it verified)", report.entries);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!(
            "no password on standard input (pipe it in, e.g. `printf '%s\\n' \"$PW\" | kasumi user add …`)"
        );
    }
    Ok(password)
}

async fn serve(args: ServeArgs, clock: Arc<dyn Clock>) -> anyhow::Result<ExitCode> {
    let demo = args.demo()?;
    let sequence = match args.registration_sequence {
        Sequence::PerFiscalYear => SequenceScope::PerFiscalYear,
        Sequence::Global => SequenceScope::Global,
    };
    let registration_number = NumberFormat::parse(&args.registration_number, sequence)
        .map_err(|e| anyhow::anyhow!("--registration-number: {e}"))?;
    let store = args.db.open().await?;
    if demo {
        demo::seed(&store, clock.as_ref(), &registration_number).await?;
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another program using it?)",
                args.listen
            )
        })?;
    let config = AppConfig {
        demo,
        secure_cookies: args.secure_cookies,
        registration_number,
        ..AppConfig::default()
    };
    let state = AppState::new(store, clock, config);
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %args.db.target().display(), demo, "Kasumi is listening");
    println!("Kasumi: http://{addr}/  (Ctrl-C to stop)");
    kasumi_web::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
