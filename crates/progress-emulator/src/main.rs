//! `dms-emulator`: serve the DMS for Kafka task API locally. See the README section
//! "The emulator (dms-emulator)".

use progress_core::credentials::{self, ChainInput, Chosen, ExplicitCredentials, Plan};
use progress_core::{Credentials, CredentialsError, Secret};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use progress_emulator::startup::{CredentialSource, Startup};
use progress_emulator::{Emulator, EmulatorConfig, IdentityConfig, Limits, Scenario};

/// Exit status for a bad flag or a malformed scenario (clap uses it for usage errors too).
const EXIT_USAGE: u8 = 2;
/// Most tasks a generated scenario may hold in all.
const MAX_GENERATED_TASKS: u64 = 100_000;

/// A local stand-in for the DMS for Kafka task API (ShowBackgroundTaskProgress,
/// ListBackgroundTasks, ShowBackgroundTask), with gateway-faithful SDK-HMAC-SHA256 checks.
///
/// Once it accepts connections it prints one JSON line on stdout: the endpoint, the access key
/// (and the secret key only when it is the public demo pair), the project, every instance and
/// its task ids. Request logs go to stderr. SIGINT/SIGTERM stop it.
#[derive(Debug, Parser)]
#[command(name = "dms-emulator", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,

    /// Scenario file (JSON); without it, the built-in demo scenario.
    #[arg(long, value_name = "FILE", conflicts_with = "generate_tasks")]
    scenario: Option<PathBuf>,

    /// Play a generated scenario with N tasks per instance instead (see --generate-instances,
    /// --generate-task-seconds; the README describes what it holds).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    generate_tasks: Option<u32>,

    /// Instances of the generated scenario.
    #[arg(long, value_name = "M", default_value_t = 1, requires = "generate_tasks",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    generate_instances: u32,

    /// How long each generated task runs, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "1200", requires = "generate_tasks", value_parser = seconds)]
    generate_task_seconds: Duration,

    /// Access key to accept [default: $HUAWEICLOUD_SDK_AK, else the demo key].
    #[arg(long, value_name = "AK", requires = "sk")]
    ak: Option<String>,

    /// Secret key of --ak [default: $HUAWEICLOUD_SDK_SK, else the demo key]. Never printed.
    #[arg(long, value_name = "SK", requires = "ak")]
    sk: Option<String>,

    /// Also accept `X-Auth-Token: TOKEN` [default: $DMS_EMULATOR_IAM_TOKEN].
    #[arg(long, value_name = "TOKEN")]
    iam_token: Option<String>,

    /// Seconds every temporary credential the identity services issue stays valid (a few
    /// seconds make a client refresh, or see them expire, within a test).
    #[arg(long, value_name = "SECONDS", default_value = "3600", value_parser = seconds)]
    credential_lifetime: Duration,

    /// The ECS metadata service has no agency: the credentials request answers the
    /// service's "Please configure Cloud Service Agency first" 401.
    #[arg(long)]
    metadata_no_agency: bool,

    /// Serve CCE pod identity, accepting as raw Authorization the content of FILE (re-read at
    /// every request).
    #[arg(long, value_name = "FILE")]
    pod_identity_token_file: Option<PathBuf>,

    /// The id token STS OIDC and IAM federation accept is the content of FILE (re-read at
    /// every request).
    #[arg(long, value_name = "FILE")]
    id_token_file: Option<PathBuf>,

    /// The identity provider id IAM federation accepts.
    #[arg(long, value_name = "ID", default_value = progress_emulator::identity::DEFAULT_IDP_ID)]
    idp_id: String,

    /// Worker threads of the server.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,

    /// Seconds a request head may take from its first byte to its end.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    header_timeout: Duration,

    /// Seconds a connection may sit with no request in progress before it is closed.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds)]
    idle_timeout: Duration,

    /// Connections held at most; one more closes the least useful (slowest head, else
    /// longest idle).
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,

    /// No per-request log lines on stderr.
    #[arg(long, short)]
    quiet: bool,

    /// Also write the start-up facts as shell variable assignments (`. FILE` to read them)
    /// to FILE, atomically, once the emulator accepts connections.
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,

    /// Print the scenario (the demo one, or --scenario's after validation) as JSON and exit.
    #[arg(long)]
    print_scenario: bool,
}

/// A duration flag: seconds, fractions allowed, above 0 and at most a day.
fn seconds(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "{text:?} is not a number of seconds above 0 and at most 86400"
        )),
    }
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("dms-emulator: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Writes `text` to `path` through a temporary file renamed into place, so that a reader
/// waiting for the file never sees half of it.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn main() -> ExitCode {
    let args = Args::parse();

    let scenario = match (&args.scenario, args.generate_tasks) {
        (None, Some(tasks)) => {
            let total = u64::from(tasks) * u64::from(args.generate_instances);
            if total > MAX_GENERATED_TASKS {
                return usage_error(format_args!(
                    "--generate-tasks {tasks} x --generate-instances {} is {total} tasks, more than {MAX_GENERATED_TASKS}",
                    args.generate_instances
                ));
            }
            Scenario::generated(
                args.generate_instances as usize,
                tasks as usize,
                args.generate_task_seconds.as_secs_f64(),
            )
        }
        (None, None) => Scenario::demo(),
        (Some(path), _) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    return usage_error(format_args!("cannot read scenario file {}: {e}", path.display()))
                }
            };
            match Scenario::from_json(&text) {
                Ok(s) => s,
                Err(e) => return usage_error(format_args!("invalid scenario file {}: {e}", path.display())),
            }
        }
    };
    if args.print_scenario {
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = writeln!(std::io::stdout().lock(), "{}", scenario.to_json());
        return ExitCode::SUCCESS;
    }

    let listen: SocketAddr = match args.listen.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => addr,
        _ => {
            return usage_error(format_args!(
                "invalid --listen {:?}: expected HOST:PORT, e.g. 127.0.0.1:8080",
                args.listen
            ))
        }
    };

    let mut config = EmulatorConfig::default()
        .with_listen(listen)
        .with_scenario(scenario)
        .with_log_requests(!args.quiet)
        .with_limits(Limits {
            header_timeout: args.header_timeout,
            idle_timeout: args.idle_timeout,
            max_connections: args.max_connections as usize,
        })
        .with_identity(IdentityConfig {
            credential_lifetime: args.credential_lifetime,
            metadata_agency: !args.metadata_no_agency,
            pod_identity_token_file: args.pod_identity_token_file,
            id_token_file: args.id_token_file,
            idp_id: args.idp_id,
        });
    config.worker_threads = usize::from(args.workers);
    // Which pair to accept is the core's rule (a pair comes whole from one source), as for
    // every client: --ak/--sk, else the environment, else the demo pair.
    let env: std::collections::HashMap<String, String> = [credentials::ENV_AK, credentials::ENV_SK]
        .into_iter()
        .filter_map(|name| env_nonempty(name).map(|v| (name.to_owned(), v)))
        .collect();
    let explicit = ExplicitCredentials {
        ak: args.ak,
        sk: args.sk.map(Secret::new),
        ..Default::default()
    };
    let planned = credentials::plan(&ChainInput {
        explicit: &explicit,
        env: &env,
        profile: None,
        profile_path: None,
        chain: true,
    });
    let source = match planned {
        Ok(Plan {
            chosen:
                Chosen::Ready {
                    credentials: Credentials::AkSk(key),
                    source,
                },
            ..
        }) => {
            config = config.with_credentials(key.ak.clone(), key.sk.expose().to_owned());
            if source == credentials::Source::Explicit {
                CredentialSource::Flags
            } else {
                CredentialSource::Environment
            }
        }
        // Neither flags nor variables: the chain would go on to services; the demo pair.
        Ok(_) | Err(CredentialsError::Missing) => CredentialSource::Demo,
        Err(e) => return usage_error(format!("{e} (or pass --ak and --sk)")),
    };
    if let Some(token) = args.iam_token.or_else(|| env_nonempty("DMS_EMULATOR_IAM_TOKEN")) {
        config = config.with_iam_token(token);
    }

    let signals = match Signals::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dms-emulator: cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let running = match Emulator::start(config) {
        Ok(r) => r,
        Err(e @ progress_emulator::Error::Config(_)) => return usage_error(e),
        Err(e) => {
            eprintln!("dms-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };

    let startup = Startup::of(&running, source);
    if let Some(path) = &args.env_file {
        if let Err(e) = write_atomically(path, &startup.env_file()) {
            eprintln!("dms-emulator: cannot write --env-file {}: {e}", path.display());
            running.shutdown();
            return ExitCode::FAILURE;
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", startup.json_line());
    let _ = out.flush();
    drop(out);

    signals.wait();
    running.shutdown();
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM handlers, installed before the start-up line is printed so that a
/// signal sent right after the start-up line stops the emulator cleanly instead of killing it.
struct Signals {
    rt: tokio::runtime::Runtime,
    #[cfg(unix)]
    streams: (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        #[cfg(unix)]
        let streams = {
            use tokio::signal::unix::{signal, SignalKind};
            let _guard = rt.enter();
            (signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?)
        };
        Ok(Signals {
            rt,
            #[cfg(unix)]
            streams,
        })
    }

    /// Blocks until one of the signals arrives.
    fn wait(self) {
        #[cfg(unix)]
        {
            let (mut int, mut term) = self.streams;
            self.rt.block_on(async {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            });
        }
        #[cfg(not(unix))]
        self.rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
}
