//! The `tessera` command line.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tessera_domain::token::{NewToken, TokenLifetimeDays, TokenName};
use tessera_domain::user::{NewUser, UserKind};
use tessera_domain::{DisplayName, Email, Password, UserId, Username};

use crate::auth::authz;
use crate::config::{Overrides, Settings};
use crate::error::ApiError;
use crate::service::imports::ImportFormat;
use crate::startup::Application;
use crate::state::AppState;
use crate::{demo, service, store, telemetry};

/// Tessera: an identity-governance portal. People request access packages, approvers decide,
/// reviewers confirm that access is still right, and administrators configure it all.
///
/// Without a command, `tessera` runs `serve`. Settings come from defaults, then the file given
/// with --config, then TESSERA_* environment variables, then these flags.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, propagate_version = true)]
pub struct Cli {
    /// A TOML configuration file (see docs/CONFIGURATION.md).
    #[arg(long, global = true, env = "TESSERA_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "TESSERA_LISTEN", value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,

    /// Database to use: sqlite://FILE (created when missing) or postgres://USER@HOST/DB
    /// [default: sqlite://tessera.db in the working directory].
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations, then serve the API and the web portal on one port (the default).
    Serve(ServeArgs),
    /// Same as `serve --demo`: seed a small demo organisation on first start, then serve.
    Demo,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (JSON) and exit.
    Openapi,
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage users from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens from the command line.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import users, groups, memberships and applications from a .json or .csv file (the
    /// format of POST /api/v1/directory/imports) and print the report as JSON. Importing the
    /// same file again changes nothing; imported users get no password. Exits with an error
    /// when a row was refused.
    Import {
        /// The file: FILE.json or FILE.csv.
        file: PathBuf,
    },
}

#[derive(Debug, Default, Args)]
struct ServeArgs {
    /// Seed demo users on first start and print how to sign in.
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a person or a service account. A person's password is read from standard input
    /// with --password-stdin; without it the person cannot sign in with a password.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        #[arg(long)]
        email: String,
        /// Make the user a global administrator.
        #[arg(long)]
        admin: bool,
        /// Create a service account (API tokens only, no password).
        #[arg(long, conflicts_with = "password_stdin")]
        service_account: bool,
        /// The username of the user's manager.
        #[arg(long, value_name = "USERNAME")]
        manager: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective settings (secrets hidden) as TOML and exit; fail when a setting is
    /// invalid, the file has an unknown key, or a TESSERA_* environment variable names no
    /// setting.
    Check,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token and print its secret, once.
    Create {
        /// The username of the token's owner.
        #[arg(long, value_name = "USERNAME")]
        user: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Lifetime in days (1 to 366).
        #[arg(long, default_value_t = 90)]
        days: u16,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        listen: cli.listen,
        database_url: cli.database_url.clone(),
    };
    let settings = match Settings::load(cli.config.as_deref(), &overrides) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("tessera: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let unknown_env = crate::config::unknown_environment_variables();
    for variable in &unknown_env {
        tracing::warn!(
            %variable,
            "ignoring an environment variable that names no setting; see docs/CONFIGURATION.md"
        );
    }
    if let Some(Command::Config(ConfigCommand::Check)) = &cli.command {
        for line in settings.describe() {
            println!("{line}");
        }
        if unknown_env.is_empty() {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "tessera: unknown environment variable(s): {}",
            unknown_env.join(", ")
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tessera: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(
        cli.command.unwrap_or(Command::Serve(ServeArgs::default())),
        settings,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tessera: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Serve(ServeArgs { demo }) => serve(settings, demo).await,
        Command::Demo => serve(settings, true).await,
        Command::Migrate => {
            let state = AppState::open(settings).await.map_err(|e| e.to_string())?;
            state.db.close().await;
            println!("Migrations applied.");
            Ok(())
        }
        // Answered in `main`, without a runtime.
        Command::Config(ConfigCommand::Check) => Ok(()),
        Command::Openapi => {
            let document = crate::openapi::document();
            let json = document.to_pretty_json().map_err(|e| e.to_string())?;
            println!("{json}");
            Ok(())
        }
        Command::User(UserCommand::Create {
            username,
            display_name,
            email,
            admin,
            service_account,
            manager,
            password_stdin,
        }) => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| format!("cannot read the password: {e}"))?;
                Some(
                    Password::parse(line.trim_end_matches(['\r', '\n']))
                        .map_err(|e| format!("password {e}"))?,
                )
            } else {
                None
            };
            let state = AppState::open(settings).await.map_err(|e| e.to_string())?;
            let manager_id = match manager {
                Some(name) => Some(find_user_id(&state, &name).await?),
                None => None,
            };
            let input = NewUser {
                username: Username::parse(username).map_err(|e| format!("username {e}"))?,
                display_name: DisplayName::parse(display_name)
                    .map_err(|e| format!("display name {e}"))?,
                email: Email::parse(email).map_err(|e| format!("email {e}"))?,
                kind: if service_account {
                    UserKind::ServiceAccount
                } else {
                    UserKind::Person
                },
                manager_id,
                user_type: Default::default(),
                department: None,
                attributes: Default::default(),
                external_id: None,
                given_name: None,
                family_name: None,
                formatted_name: None,
                sponsors: Default::default(),
                password,
                is_admin: admin,
            };
            let user = service::users::create_user(&state, None, input)
                .await
                .map_err(describe)?;
            println!(
                "Created {} ({}) with id {}.",
                user.username,
                user.kind.as_str(),
                user.id
            );
            Ok(())
        }
        Command::Import { file } => import(settings, &file).await,
        Command::Token(TokenCommand::Create { user, name, days }) => {
            let state = AppState::open(settings).await.map_err(|e| e.to_string())?;
            let owner = find_user_id(&state, &user).await?;
            let input = NewToken {
                name: TokenName::parse(name).map_err(|e| format!("name {e}"))?,
                expires_in_days: TokenLifetimeDays::try_from(days)
                    .map_err(|e| format!("days {e}"))?,
            };
            let proof = authz::operator_may_manage_tokens_of(owner);
            let created = service::tokens::create_token(&proof, &state, None, input)
                .await
                .map_err(describe)?;
            eprintln!(
                "Token {} for {user} expires {}. Store the secret now; it is not shown again:",
                created.token.id,
                created.token.expires_at.to_rfc3339()
            );
            println!("{}", created.secret);
            Ok(())
        }
    }
}

async fn import(settings: Settings, file: &std::path::Path) -> Result<(), String> {
    let format = match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => ImportFormat::Json,
        Some("csv") => ImportFormat::Csv,
        _ => return Err(format!("{} must end in .json or .csv", file.display())),
    };
    let body = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let state = AppState::open(settings).await.map_err(|e| e.to_string())?;
    let report = service::imports::import_directory(&state, None, format, &body)
        .await
        .map_err(describe)?;
    state.db.close().await;
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    println!("{json}");
    if report.rejected.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} row(s) of {} were refused; the others were applied",
            report.rejected.len(),
            file.display()
        ))
    }
}

async fn serve(settings: Settings, seed_demo: bool) -> Result<(), String> {
    let public_url = settings.public_url();
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    if seed_demo {
        demo::seed(app.state()).await.map_err(describe)?;
    }
    let mut url = public_url;
    if url.port().is_some() || url.port_or_known_default() != Some(app.port()) {
        let _ = url.set_port(Some(app.port()));
    }
    println!("Tessera is running at {url}");
    if seed_demo {
        println!("{}", demo::SIGN_IN_HELP);
    }
    tracing::info!(%url, "serving");
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

async fn find_user_id(state: &AppState, username: &str) -> Result<UserId, String> {
    let name = Username::parse(username).map_err(|e| format!("username {e}"))?;
    store::users::find_user_by_username(&state.db, name.as_str())
        .await
        .map_err(|e| e.to_string())?
        .map(|row| UserId::from_uuid(row.id))
        .ok_or_else(|| format!("no user is called {username}"))
}

/// An API error in words for the terminal.
fn describe(err: ApiError) -> String {
    let problem = err.problem();
    let mut text = problem.detail.unwrap_or(problem.title);
    for field in problem.errors {
        text.push_str(&format!("\n  {}: {}", field.field, field.message));
    }
    text
}
