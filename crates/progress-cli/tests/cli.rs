//! The `dms-progress` binary against an emulator started in this test process: every
//! command, every exit code, the JSON shapes, and that no secret is ever printed.
//!
//! Each test starts its own emulator (the scenario's clocks start with it) on a free port, and
//! runs the binary with a clean environment: only the variables a test sets, a HOME without a
//! credentials file, no proxy.

use std::io::{BufRead, BufReader, Read};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use progress_emulator::{Emulator, EmulatorConfig, RunningEmulator, Scenario};
use serde_json::Value;

const AK: &str = "CLITESTACCESSKEY0001";
/// Recognisable, so any leak is found by a plain substring search.
const SK: &str = "cli-test-SECRET-7f3a9c1e5b";
const TOKEN: &str = "cli-test-STSTOKEN-4d2e8a6f0c";
const WRONG_SK: &str = "cli-test-WRONGSECRET-11aa22bb";
const PROJECT: &str = "c1i0000000000000000000000000abcd";
const INSTANCE: &str = "inst-0001";

/// done: finished an hour ago. quick: 1.6 s. fails: its second step fails after 0.6 s.
/// long: ten minutes. failed_before: failed an hour ago.
const SCENARIO: &str = r#"{
  "project_id": "c1i0000000000000000000000000abcd",
  "instances": [{
    "instance_id": "inst-0001",
    "tasks": [
      {"task_id": "done", "started_seconds_ago": 3600,
       "steps": [{"name": "pre_check", "seconds": 40}, {"name": "disk_expansion", "seconds": 300}]},
      {"task_id": "quick", "started_seconds_ago": 0,
       "steps": [{"name": "pre_check", "seconds": 0.8}, {"name": "disk_expansion", "seconds": 0.8}]},
      {"task_id": "fails", "started_seconds_ago": 0,
       "steps": [{"name": "pre_check", "seconds": 0.3}, {"name": "disk_expansion", "seconds": 0.3, "fails": true},
                 {"name": "rolling_scaling", "seconds": 1}]},
      {"task_id": "long", "started_seconds_ago": 0,
       "steps": [{"name": "pre_check", "seconds": 1}, {"name": "disk_expansion", "seconds": 600}]},
      {"task_id": "failed_before", "started_seconds_ago": 3600,
       "steps": [{"name": "pre_check", "seconds": 10}, {"name": "disk_expansion", "seconds": 10, "fails": true}]}
    ]
  }]
}"#;

fn emulator() -> RunningEmulator {
    let config = EmulatorConfig::default()
        .with_scenario(Scenario::from_json(SCENARIO).expect("valid scenario"))
        .with_credentials(AK, SK);
    Emulator::start(config).expect("emulator starts")
}

/// An empty directory per test, used as HOME so no real credentials file is found.
fn empty_home(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dms-progress-cli-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary with a clean environment (no proxy, no real credentials; the metadata service,
/// last resort of the credential chain, is a closed loopback port).
fn bare(tag: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dms-progress"));
    c.env_clear()
        .env("HOME", empty_home(tag))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DMS_PROGRESS_METADATA_ENDPOINT", "http://127.0.0.1:9")
        .stdin(Stdio::null());
    c
}

/// The binary with the test credentials (and a security token) in the environment.
fn with_creds(tag: &str) -> Command {
    let mut c = bare(tag);
    c.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN);
    c
}

/// `get`/`watch` arguments for `task` on `emu`.
fn task_args(cmd: &str, emu: &RunningEmulator, task: &str) -> Vec<String> {
    [
        cmd,
        "--endpoint",
        &emu.endpoint(),
        "--project-id",
        PROJECT,
        "--instance-id",
        INSTANCE,
        "--task-id",
        task,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Asserts nothing secret was printed.
fn assert_no_secret(stdout: &str, stderr: &str) {
    for secret in [SK, TOKEN, WRONG_SK] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "a secret was printed\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    }
}

/// Runs to the end; checks that no secret appears in either stream.
fn run(mut cmd: Command) -> Out {
    let out = cmd.output().expect("the binary runs");
    let o = Out {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert_no_secret(&o.stdout, &o.stderr);
    o
}

fn run_args(mut cmd: Command, args: &[String]) -> Out {
    cmd.args(args);
    run(cmd)
}

fn parse_json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// Checks the documented shape exactly: three keys; steps with exactly four keys; times are
/// integers or null; status a string.
fn assert_progress_shape(v: &Value) {
    let obj = v.as_object().expect("an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["progress_percentage", "remain_time", "steps"], "{v}");
    assert!(
        v["progress_percentage"].is_u64() || v["progress_percentage"].is_null(),
        "{v}"
    );
    assert!(v["remain_time"].is_u64() || v["remain_time"].is_null(), "{v}");
    for s in v["steps"].as_array().expect("steps is an array") {
        let mut keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["end_time", "name", "start_time", "status"], "{s}");
        assert!(s["name"].is_string() && s["status"].is_string(), "{s}");
        for t in ["start_time", "end_time"] {
            assert!(s[t].is_i64() || s[t].is_null(), "{t} in {s}");
        }
    }
}

#[test]
fn regions_lists_the_table() {
    let o = run_args(bare("regions"), &["regions".into()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<Vec<&str>> = o.stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines.len(), 34);
    assert!(lines.iter().all(|l| l.len() == 2));
    assert!(lines.contains(&vec!["cn-north-4", "https://dms.cn-north-4.myhuaweicloud.com"]));
    assert!(lines.contains(&vec!["eu-west-101", "https://dms.eu-west-101.myhuaweicloud.eu"]));
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [vec!["--help"], vec!["watch", "--help"]] {
        let mut c = bare("help");
        c.args(&args);
        let o = run(c);
        assert_eq!(o.code, 0);
        for code in ["0 ", "1 ", "2 ", "3 ", "4 ", "130"] {
            assert!(o.stdout.contains(&format!("  {code}")), "{code} in {}", o.stdout);
        }
    }
}

#[test]
fn get_prints_a_table() {
    let emu = emulator();
    let o = run_args(with_creds("get-text"), &task_args("get", &emu, "done"));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Progress   100%"), "{}", o.stdout);
    assert!(o.stdout.contains("Remaining  0s"), "{}", o.stdout);
    let pre = o.stdout.lines().find(|l| l.starts_with("pre_check")).unwrap();
    assert!(
        pre.contains("COMPLETED") && pre.trim_end().ends_with("40s"),
        "{pre}"
    );
    let disk = o
        .stdout
        .lines()
        .find(|l| l.starts_with("disk_expansion"))
        .unwrap();
    assert!(disk.trim_end().ends_with("5m 00s"), "{disk}");
}

#[test]
fn get_json_has_the_documented_shape() {
    let emu = emulator();
    let mut args = task_args("get", &emu, "done");
    args.extend(["--output".into(), "json".into()]);
    let o = run_args(with_creds("get-json"), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 1, "one object: {}", o.stdout);
    let v = parse_json(o.stdout.trim());
    assert_progress_shape(&v);
    assert_eq!(v["progress_percentage"], 100);
    assert_eq!(v["remain_time"], 0);
    assert_eq!(v["steps"][0]["name"], "pre_check");
    assert_eq!(v["steps"][0]["status"], "COMPLETED");
    let (start, end) = (
        v["steps"][0]["start_time"].as_i64().unwrap(),
        v["steps"][0]["end_time"].as_i64().unwrap(),
    );
    assert_eq!(end - start, 40_000, "epoch milliseconds");

    // A running task: the waiting step's times are null.
    let mut args = task_args("get", &emu, "long");
    args.extend(["--output".into(), "json".into()]);
    let v = parse_json(run_args(with_creds("get-json"), &args).stdout.trim());
    assert_progress_shape(&v);
    assert_eq!(v["steps"][1]["end_time"], Value::Null);
    assert!(v["remain_time"].as_u64().unwrap() > 500);
}

#[test]
fn project_id_comes_from_the_environment_when_not_given() {
    let emu = emulator();
    let mut c = with_creds("project-env");
    c.env("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT).args([
        "get",
        "--endpoint",
        &emu.endpoint(),
        "--instance-id",
        INSTANCE,
        "--task-id",
        "done",
    ]);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn credentials_come_from_the_profile_file() {
    let emu = emulator();
    let home = empty_home("profile");
    let file = home.join("credentials");
    std::fs::write(
        &file,
        format!("[basic]\nak = {AK}\nsk = {SK}\nproject_id = {PROJECT}\n"),
    )
    .unwrap();
    let mut c = bare("profile");
    c.env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file).args([
        "get",
        "--endpoint",
        &emu.endpoint(),
        "--instance-id",
        INSTANCE,
        "--task-id",
        "done",
    ]);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn watch_json_prints_one_object_per_poll_to_completion() {
    let emu = emulator();
    let mut args = task_args("watch", &emu, "quick");
    args.extend(["--output", "json", "--interval", "0.2"].map(String::from));
    let o = run_args(with_creds("watch-json"), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let polls: Vec<Value> = o.stdout.lines().map(parse_json).collect();
    assert!(polls.len() >= 2, "several polls over 1.6 s: {}", o.stdout);
    for v in &polls {
        assert_progress_shape(v);
    }
    let pcts: Vec<u64> = polls
        .iter()
        .map(|v| v["progress_percentage"].as_u64().unwrap())
        .collect();
    assert!(pcts.windows(2).all(|w| w[0] <= w[1]), "{pcts:?}");
    let last = polls.last().unwrap();
    assert_eq!(last["progress_percentage"], 100);
    assert!(last["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "COMPLETED"));
}

#[test]
fn watch_text_prints_a_line_per_change_when_not_a_terminal() {
    let emu = emulator();
    let mut args = task_args("watch", &emu, "quick");
    args.extend(["--interval", "0.2"].map(String::from));
    let o = run_args(with_creds("watch-text"), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let out = &o.stdout;
    assert!(
        out.starts_with("Watching task quick of instance inst-0001\nat http://127.0.0.1:"),
        "{out}"
    );
    assert!(
        !out.contains('\r') && !out.contains('\x1b'),
        "no terminal control codes: {out:?}"
    );
    assert!(out.contains("step 1/2 pre_check COMPLETED"), "{out}");
    assert!(out.contains("step 2/2 disk_expansion COMPLETED"), "{out}");
    assert!(
        out.lines().last().unwrap().contains("completed: 2 steps"),
        "{out}"
    );
    // One line per change: no two consecutive status lines are the same.
    let bodies: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_once("] ").map(|(_, b)| b))
        .collect();
    assert!(bodies.windows(2).all(|w| w[0] != w[1]), "{out}");
}

#[test]
fn exit_1_on_a_wrong_secret_key_shows_the_api_error_and_request_id() {
    let emu = emulator();
    let mut c = bare("wrong-sk");
    c.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", WRONG_SK)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN)
        .args(task_args("get", &emu, "done"));
    let o = run(c);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("HTTP 401"), "{}", o.stderr);
    assert!(o.stderr.contains("error code: APIGW.0301"), "{}", o.stderr);
    assert!(o.stderr.contains("message:"), "{}", o.stderr);
    let id_line = o
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("request id:"))
        .expect("a request id line");
    let id = id_line.split_once(':').unwrap().1.trim();
    assert!(!id.is_empty() && !id.starts_with('('), "{id_line}");

    // watch stops at once too: 401 is not worth retrying.
    let mut c = bare("wrong-sk");
    c.env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", WRONG_SK)
        .args(task_args("watch", &emu, "long"));
    let o = run(c);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("APIGW.0301"), "{}", o.stderr);
}

#[test]
fn exit_1_on_an_unknown_instance_and_on_a_dead_endpoint() {
    let emu = emulator();
    let mut args = task_args("get", &emu, "done");
    args[6] = "no-such-instance".into();
    let o = run_args(with_creds("no-instance"), &args);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("HTTP 404") && o.stderr.contains("DMS.00404022"),
        "{}",
        o.stderr
    );

    // A port nothing listens on: a transport error, no retries.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = with_creds("dead");
    c.args([
        "get",
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        "--project-id",
        PROJECT,
        "--instance-id",
        INSTANCE,
        "--task-id",
        "done",
        "--retries",
        "0",
    ]);
    let o = run(c);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.starts_with("error: connection failed"), "{}", o.stderr);
}

#[test]
fn exit_2_on_usage_and_configuration_errors() {
    let emu = emulator();

    // A bad id, refused before anything is sent.
    let o = run_args(with_creds("bad-id"), &task_args("get", &emu, "has/slash"));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("invalid task_id"), "{}", o.stderr);

    // No credentials anywhere.
    let o = run_args(bare("no-creds"), &task_args("watch", &emu, "done"));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("no credentials"), "{}", o.stderr);
    assert!(o.stderr.contains("HUAWEICLOUD_SDK_AK"), "{}", o.stderr);

    // An unknown region, with a suggestion.
    let mut c = with_creds("region");
    c.args([
        "get",
        "--region",
        "cn-nort-4",
        "--project-id",
        PROJECT,
        "--instance-id",
        INSTANCE,
        "--task-id",
        "done",
    ]);
    let o = run(c);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("unknown region \"cn-nort-4\""), "{}", o.stderr);
    assert!(o.stderr.contains("did you mean cn-north-4"), "{}", o.stderr);

    // No project id anywhere.
    let mut c = with_creds("no-project");
    c.args([
        "get",
        "--endpoint",
        &emu.endpoint(),
        "--instance-id",
        INSTANCE,
        "--task-id",
        "done",
    ]);
    let o = run(c);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--project-id"), "{}", o.stderr);

    // clap's usage errors: a missing flag, both --region and --endpoint, a bad number, no
    // command, an unknown command.
    for args in [
        vec!["get", "--endpoint", "http://127.0.0.1:1", "--instance-id", "i"],
        vec![
            "get",
            "--region",
            "cn-north-4",
            "--endpoint",
            "http://h",
            "--instance-id",
            "i",
            "--task-id",
            "t",
        ],
        vec![
            "watch",
            "--endpoint",
            "http://h",
            "--instance-id",
            "i",
            "--task-id",
            "t",
            "--interval",
            "soon",
        ],
        vec![
            "watch",
            "--endpoint",
            "http://h",
            "--instance-id",
            "i",
            "--task-id",
            "t",
            "--max-wait",
            "0",
        ],
        vec![],
        vec!["frobnicate"],
    ] {
        let mut c = with_creds("usage");
        c.args(&args);
        let o = run(c);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
    }

    // A secret is never a flag.
    let mut c = with_creds("usage");
    c.args(task_args("get", &emu, "done")).args(["--sk", "x"]);
    assert_eq!(run(c).code, 2);
}

#[test]
fn exit_3_when_a_step_fails_naming_it() {
    let emu = emulator();
    let mut args = task_args("watch", &emu, "fails");
    args.extend(["--interval", "0.2"].map(String::from));
    let o = run_args(with_creds("fails"), &args);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("step 2/3 \"disk_expansion\""), "{}", o.stderr);
    assert!(
        o.stdout.contains("step 2/3 disk_expansion FAILED"),
        "{}",
        o.stdout
    );

    // get of a task that failed earlier.
    let o = run_args(with_creds("fails"), &task_args("get", &emu, "failed_before"));
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(o.stderr.contains("disk_expansion"), "{}", o.stderr);
    assert!(o.stdout.contains("FAILED"), "{}", o.stdout);
}

#[test]
fn exit_4_when_max_wait_passes() {
    let emu = emulator();
    let mut args = task_args("watch", &emu, "long");
    args.extend(["--interval", "0.3", "--max-wait", "1"].map(String::from));
    let started = Instant::now();
    let o = run_args(with_creds("max-wait"), &args);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(o.stderr.contains("--max-wait exceeded"), "{}", o.stderr);
    assert!(
        o.stderr.contains("disk_expansion") || o.stderr.contains("pre_check"),
        "{}",
        o.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn watch_says_when_the_client_raises_the_interval_to_its_floor() {
    let emu = emulator();
    let mut args = task_args("watch", &emu, "long");
    args.extend(["--interval", "0.001", "--max-wait", "0.3"].map(String::from));
    let o = run_args(with_creds("floor"), &args);
    assert_eq!(o.code, 4, "{}", o.stderr);
    let floor = progress_core::defaults::MIN_POLL_INTERVAL_LOOPBACK.as_secs_f64();
    assert!(
        o.stdout.contains(&format!(
            "polling every {floor}s (the shortest interval for this endpoint)"
        )),
        "{}",
        o.stdout
    );
}

#[test]
fn exit_130_on_ctrl_c() {
    let emu = emulator();
    let mut c = with_creds("sigint");
    c.args(task_args("watch", &emu, "long"))
        .args(["--interval", "0.5", "--output", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The first JSON line means the handler is installed and the wait is running.
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_progress_shape(&parse_json(first.trim()));

    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid with a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let sent = Instant::now();

    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let status = child.wait().unwrap();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        tx.send((status, rest, err)).unwrap();
    });
    let (status, rest, err) = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("exits after SIGINT");
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
    assert_eq!(status.code(), Some(130), "{status:?} {err}");
    assert!(err.contains("interrupted"), "{err}");
    assert_no_secret(&rest, &err);
}

#[test]
fn demo_runs_a_short_scenario_and_ignores_the_users_credentials() {
    let dir = empty_home("demo");
    let file = dir.join("scenario.json");
    std::fs::write(
        &file,
        r#"{"project_id": "0123456789abcdef0123456789abcdef", "instances": [{"instance_id": "demo-inst",
            "tasks": [{"task_id": "old", "started_seconds_ago": 100, "steps": [{"name": "pre_check", "seconds": 1}]},
                      {"task_id": "new", "steps": [{"name": "pre_check", "seconds": 0.5}, {"name": "disk_expansion", "seconds": 0.5}]}]}]}"#,
    )
    .unwrap();
    // Real-looking credentials in the environment must not be used (nor printed).
    let mut c = with_creds("demo");
    c.args(["demo", "--interval", "0.2", "--scenario"]).arg(&file);
    let o = run(c);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("Watching expansion task new\nof instance demo-inst"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("step 2/2 disk_expansion COMPLETED"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("completed: 2 steps"), "{}", o.stdout);
    assert!(o.stdout.contains("export HUAWEICLOUD_SDK_AK="), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("dms-progress watch --region cn-north-4 --instance-id"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains(progress_emulator::DEMO_SK));

    // A scenario file that is not valid is a usage error.
    std::fs::write(&file, r#"{"project_id": "p"}"#).unwrap();
    let mut c = bare("demo");
    c.args(["demo", "--scenario"]).arg(&file);
    assert_eq!(run(c).code, 2);
}

#[test]
fn demo_plays_the_built_in_expansion_to_the_end() {
    let started = Instant::now();
    let o = run_args(with_creds("demo-builtin"), &["demo".into()]);
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains(
            "task ff8080818d1b2a3c018d1b2a3c4d0001\nof instance 11111111-2222-3333-4444-555555555555"
        ),
        "{}",
        o.stdout
    );
    for step in ["pre_check", "disk_expansion", "rolling_scaling", "post_check"] {
        assert!(
            o.stdout.contains(&format!("{step} COMPLETED")),
            "{step}: {}",
            o.stdout
        );
    }
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// `script` (util-linux, in every Debian/Ubuntu base system) running the binary with `args` on
/// a pseudo-terminal, with the test credentials. Its stdin is what is typed on that terminal;
/// its stdout is everything the terminal received (`\n` arrives as `\r\n`).
fn in_pty(tag: &str, args: &[String]) -> Command {
    in_pty_sized(tag, args, None)
}

/// [`in_pty`] on a terminal of `(columns, rows)` when given (else the size `script` picks).
fn in_pty_sized(tag: &str, args: &[String], size: Option<(u16, u16)>) -> Command {
    // Every argument is free of spaces and quotes, so a plain join is a correct shell line.
    let mut line = std::iter::once(env!("CARGO_BIN_EXE_dms-progress").to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some((columns, rows)) = size {
        line = format!("stty columns {columns} rows {rows} && exec {line}");
    }
    assert!(!line.contains(['\'', '"', '\\']), "{line}");
    let mut c = Command::new("script");
    c.env_clear()
        .env("HOME", empty_home(tag))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm-256color")
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN)
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null());
    c
}

#[test]
fn watch_draws_a_live_bar_on_a_terminal() {
    let emu = emulator();
    let mut args = task_args("watch", &emu, "quick");
    args.extend(["--interval", "0.2"].map(String::from));
    let o = run(in_pty("tty", &args));
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains('\r'), "redrawn in place: {:?}", o.stdout);
    assert!(o.stdout.contains("ETA"), "{}", o.stdout);
    assert!(
        o.stdout.contains("✔ step 1/2 pre_check COMPLETED"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("✔ step 2/2 disk_expansion COMPLETED"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("✔ completed: 2 steps"), "{}", o.stdout);
    let screen = screen(&o.stdout);
    assert_eq!(
        screen.last().map(String::as_str),
        Some(""),
        "the bar is replaced by the summary: {screen:#?}"
    );
    assert!(
        screen[screen.len() - 2].starts_with("✔ completed: 2 steps"),
        "{screen:#?}"
    );
}

/// What a terminal shows after receiving `output`, line by line: characters written at the
/// cursor, `\r`, `\n`, and the CSI sequences indicatif uses (cursor up/down/column, erase in
/// line, erase below); other sequences (colours, cursor visibility) change no text.
fn screen(output: &str) -> Vec<String> {
    screen_of_width(output, usize::MAX)
}

/// [`screen`] of a terminal `width` columns wide, which wraps a character written past its
/// last column to the next line (as terminals do, and as indicatif's full-width lines expect).
fn screen_of_width(output: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    let mut chars = output.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\n' => {
                row += 1;
                col = 0;
            }
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                let mut params = String::new();
                let mut action = None;
                for p in chars.by_ref() {
                    if ('\x40'..='\x7e').contains(&p) {
                        action = Some(p);
                        break;
                    }
                    params.push(p);
                }
                let n = params.parse::<usize>().unwrap_or(1).max(1);
                let line = &mut lines[row];
                match (action, params.as_str()) {
                    // Moving up or down ends a pending wrap on the last column.
                    (Some('A'), _) => {
                        row = row.saturating_sub(n);
                        col = col.min(width - 1);
                    }
                    (Some('B'), _) => {
                        row += n;
                        col = col.min(width - 1);
                    }
                    (Some('G'), _) => col = n - 1,
                    (Some('K'), "2") => line.clear(),
                    (Some('K'), "" | "0") => line.truncate(col),
                    (Some('K'), "1") => line.iter_mut().take(col + 1).for_each(|c| *c = ' '),
                    (Some('J'), "" | "0") => {
                        line.truncate(col);
                        lines.truncate(row + 1);
                    }
                    _ => {}
                }
            }
            '\x1b' => {
                chars.next();
            }
            c if c.is_control() => {}
            c => {
                if col >= width {
                    row += 1;
                    col = 0;
                    while lines.len() <= row {
                        lines.push(Vec::new());
                    }
                }
                let line = &mut lines[row];
                if line.len() < col {
                    line.resize(col, ' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
        while lines.len() <= row {
            lines.push(Vec::new());
        }
    }
    lines
        .into_iter()
        .map(|l| l.into_iter().collect::<String>().trim_end().to_owned())
        .collect()
}

#[test]
fn the_screen_model_reads_carriage_returns_and_line_clears() {
    assert_eq!(screen("abc\rX"), ["Xbc"]);
    assert_eq!(screen("bar 10%\r\x1b[2Kinterrupted\r\n"), ["interrupted", ""]);
    assert_eq!(screen("bar 10%^Cinterrupted\r\n"), ["bar 10%^Cinterrupted", ""]);
    assert_eq!(screen("a\r\nb\x1b[1A\r\x1b[2K\x1b[31mc\x1b[0m"), ["c", "b"]);
    // A full line wraps on the next character, not before it.
    assert_eq!(screen_of_width("abcdef", 3), ["abc", "def"]);
    assert_eq!(screen_of_width("abc\r\nd", 3), ["abc", "d"]);
    assert_eq!(screen_of_width("abc\x1b[1Bx", 3), ["abc", "  x"]);
}

/// A local HTTP server that answers every request with `response` (`None`: accepts and
/// never answers), one request per connection. Its endpoint.
fn scripted_server(response: Option<Vec<u8>>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let Some(response) = &response else {
                held.push(conn);
                continue;
            };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let _ = std::io::Write::write_all(&mut conn, response);
        }
    });
    endpoint
}

/// An HTTP/1.1 response with a JSON body and the given extra header lines.
fn http_response(status: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// `get`/`watch` arguments for any task on `endpoint`.
fn endpoint_args(cmd: &str, endpoint: &str) -> Vec<String> {
    [
        cmd,
        "--endpoint",
        endpoint,
        "--project-id",
        PROJECT,
        "--instance-id",
        INSTANCE,
        "--task-id",
        "t",
    ]
    .map(String::from)
    .to_vec()
}

/// A character a terminal would act on, other than the line breaks of the output itself.
fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn assert_inert(what: &str, text: &str) {
    assert!(
        !text.chars().any(is_terminal_control),
        "{what} reaches the terminal raw: {text:?}"
    );
}

#[test]
fn server_text_never_reaches_the_terminal_raw() {
    // Set the window title, clear the screen, move up and erase a line, CSI as C1, a bidi
    // override: in every field the server controls.
    let progress = r#"{"progress_percentage": 40, "remain_time": 10, "step_list": [
        {"name": "pre\u001b]0;pwned\u0007_check", "statue": "COMPLETED", "start_time": 1763350067752, "end_time": 1763350111208},
        {"name": "disk\u001b[2J\u001b[H_expansion", "statue": "IN_PROGRESS", "start_time": "\u001b[1A\u001b[2Ksoon", "end_time": null},
        {"name": "rolling\u202e_scaling", "statue": "\u009b31mWAITING\r", "start_time": null, "end_time": null}]}"#;
    let endpoint = scripted_server(Some(http_response("200 OK", "", progress)));

    let o = run_args(with_creds("hostile-get"), &endpoint_args("get", &endpoint));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_inert("get", &o.stdout);
    for shown in [
        "pre\\x1b]0;pwned\\x07_check",
        "disk\\x1b[2J\\x1b[H_expansion",
        "\\x1b[1A\\x1b[2Ksoon",
        "rolling\\u{202e}_scaling",
        "\\u{9b}31mWAITING\\r",
    ] {
        assert!(o.stdout.contains(shown), "{shown} in {}", o.stdout);
    }

    let mut args = endpoint_args("watch", &endpoint);
    args.extend(["--interval", "0.2", "--max-wait", "0.5"].map(String::from));
    let o = run_args(with_creds("hostile-watch"), &args);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert_inert("watch", &o.stdout);
    assert_inert("the --max-wait message", &o.stderr);
    assert!(
        o.stdout
            .contains("step 1/3 pre\\x1b]0;pwned\\x07_check COMPLETED"),
        "{}",
        o.stdout
    );
    assert!(
        o.stderr.contains("step \"disk\\x1b[2J\\x1b[H_expansion\""),
        "{}",
        o.stderr
    );

    // JSON escapes them and reads back as sent.
    let mut args = endpoint_args("get", &endpoint);
    args.extend(["--output", "json"].map(String::from));
    let o = run_args(with_creds("hostile-json"), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_inert("--output json", &o.stdout);
    let v = parse_json(o.stdout.trim());
    assert_eq!(v["steps"][2]["name"], "rolling\u{202e}_scaling");
    assert_eq!(v["steps"][2]["status"], "\u{9b}31mWAITING\r");

    // An API error: its code and message, and a request id in C1 bytes.
    let error =
        r#"{"error_code": "DMS.\u001b[2J", "error_msg": "denied\r\u001b[1A\u001b[2Kall fine\n\u009b2J"}"#;
    let endpoint = scripted_server(Some(http_response(
        "400 Bad Request",
        "X-Request-Id: req-\u{9b}2J\r\n",
        error,
    )));
    let o = run_args(with_creds("hostile-error"), &endpoint_args("get", &endpoint));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_inert("the API error", &o.stderr);
    assert!(o.stderr.contains("error code: DMS.\\x1b[2J"), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("message:    denied\\r\\x1b[1A\\x1b[2Kall fine\\n\\u{9b}2J"),
        "{}",
        o.stderr
    );
}

/// Runs `cmd` with stdout a pipe whose reader has already gone; its exit code, stderr and
/// how long it ran.
fn run_into_closed_pipe(mut cmd: Command) -> (i32, String, Duration) {
    let mut fds = [0; 2];
    // SAFETY: pipe2(2) writes two new descriptors into `fds`; close-on-exec, so no other
    // child spawned meanwhile inherits the read end.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    cmd.stdout(writer).stderr(Stdio::piped());
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_no_secret("", &stderr);
    (
        out.status.code().expect("exited, not killed"),
        stderr,
        started.elapsed(),
    )
}

/// Every command's arguments, against `emu`: each writes to stdout at once.
fn every_command(emu: &RunningEmulator) -> Vec<Vec<String>> {
    let with = |mut args: Vec<String>, more: &[&str]| {
        args.extend(more.iter().map(|s| s.to_string()));
        args
    };
    vec![
        vec!["regions".into()],
        task_args("get", emu, "done"),
        with(task_args("get", emu, "done"), &["--output", "json"]),
        // A ten-minute task: today's watch would poll it until --max-wait.
        with(
            task_args("watch", emu, "long"),
            &["--interval", "0.2", "--max-wait", "30"],
        ),
        with(
            task_args("watch", emu, "long"),
            &["--interval", "0.2", "--max-wait", "30", "--output", "json"],
        ),
        vec!["demo".into()],
        with(service_args("tasks", emu), &["--instance-id", INSTANCE]),
        with(
            service_args("tasks", emu),
            &["--instance-id", INSTANCE, "--output", "json"],
        ),
        // Several tasks at once.
        with(
            service_args("watch", emu),
            &[
                "--task",
                "inst-0001:long",
                "--task",
                "inst-0001:done",
                "--interval",
                "0.2",
                "--max-wait",
                "30",
            ],
        ),
        with(
            service_args("watch", emu),
            &[
                "--task",
                "inst-0001:long",
                "--task",
                "inst-0001:done",
                "--interval",
                "0.2",
                "--max-wait",
                "30",
                "--output",
                "json",
            ],
        ),
        vec!["completions".into(), "bash".into()],
        vec!["man".into()],
        vec!["--help".into()],
    ]
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_141() {
    let emu = emulator();
    for args in every_command(&emu) {
        let mut c = with_creds("closed-pipe");
        c.args(&args);
        let (code, stderr, took) = run_into_closed_pipe(c);
        assert_eq!(code, 141, "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}: nothing on stderr");
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
    }
}

#[test]
fn a_full_stdout_is_one_line_on_stderr_and_exit_1() {
    let emu = emulator();
    for args in every_command(&emu) {
        let mut c = with_creds("dev-full");
        c.args(&args).stdout(std::fs::File::create("/dev/full").unwrap());
        let o = run(c);
        assert_eq!(o.code, 1, "{args:?}: {}", o.stderr);
        assert_eq!(
            o.stderr, "error: cannot write to stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn watch_stops_polling_once_head_has_read_its_line() {
    let emu = emulator();
    for output in ["json", "text"] {
        // `watch ... | head -1`: read one line, then close the pipe.
        let mut c = with_creds("head");
        c.args(task_args("watch", &emu, "long"))
            .args(["--interval", "0.2", "--max-wait", "60", "--output", output])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        drop(stdout);
        let closed = Instant::now();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let status = child.wait().unwrap();
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            tx.send((status, err)).unwrap();
        });
        let (status, err) = rx
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("{output}: still polling 10 s after its reader left"));
        assert_eq!(status.code(), Some(141), "{output}: {err}");
        assert_eq!(err, "", "{output}");
        assert!(
            closed.elapsed() < Duration::from_secs(3),
            "{output}: {:?}",
            closed.elapsed()
        );
    }
}

#[test]
fn head_c_never_makes_a_command_panic() {
    // `get | head -c 10`, `regions | head -c 10`: whether the reader leaves before or after
    // the last write is a race; either way the exit is 0 or 141 and stderr stays empty.
    let emu = emulator();
    for args in [vec!["regions".to_owned()], task_args("get", &emu, "done")] {
        for _ in 0..10 {
            let mut c = with_creds("head-c");
            c.args(&args).stdout(Stdio::piped()).stderr(Stdio::piped());
            let mut child = c.spawn().unwrap();
            let mut first = [0u8; 10];
            child.stdout.take().unwrap().read_exact(&mut first).unwrap();
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 141)),
                "{args:?}: {:?} {err}",
                out.status
            );
            assert_eq!(err, "", "{args:?}");
        }
    }
}

#[test]
fn duration_flags_beyond_the_limit_are_usage_errors_naming_the_flag() {
    let emu = emulator();
    for (flag, value) in [
        ("--max-wait", "1e19"),
        ("--timeout", "1e19"),
        ("--interval", "1e19"),
        ("--interval", "-1"),
        ("--interval", "NaN"),
        ("--interval", "inf"),
        ("--timeout", "1e-400"),
        ("--max-wait", "2592001"),
    ] {
        let mut args = task_args("watch", &emu, "quick");
        args.extend([flag, value].map(String::from));
        let o = run_args(with_creds("durations"), &args);
        assert_eq!(o.code, 2, "{flag} {value}: {}", o.stderr);
        assert!(
            o.stderr.contains(&format!("'{flag} <S>'")),
            "{flag} {value}: {}",
            o.stderr
        );
    }
    let mut args = task_args("watch", &emu, "quick");
    args.extend(["--retries", "4000000000"].map(String::from));
    let o = run_args(with_creds("durations"), &args);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--retries"), "{}", o.stderr);
}

#[test]
fn an_endpoint_with_a_password_is_refused_without_showing_it() {
    let mut args = endpoint_args("get", "https://admin:hunter2@dms.example.com");
    let o = run_args(with_creds("userinfo"), &args);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("https://<redacted>@dms.example.com"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("user information"), "{}", o.stderr);
    assert!(!o.stderr.contains("hunter2"), "{}", o.stderr);

    // The same through the region override variable.
    args = endpoint_args("get", "");
    args.splice(1..3, ["--region".to_owned(), "cn-north-4".to_owned()]);
    let mut c = with_creds("userinfo");
    c.env(
        "HUAWEICLOUD_SDK_REGION_KAFKA_CN_NORTH_4",
        "https://admin:hunter2@gw.example.com",
    )
    .args(&args);
    let o = run(c);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("<redacted>@gw.example.com"), "{}", o.stderr);
    assert!(!o.stderr.contains("hunter2"), "{}", o.stderr);
}

#[test]
fn interrupted_replaces_the_live_bar_after_the_grace_period() {
    // A server that never answers: the poll in flight outlives the 2 s grace after Ctrl-C.
    let endpoint = scripted_server(None);
    let mut args = endpoint_args("watch", &endpoint);
    args.extend(["--timeout", "60"].map(String::from));
    let mut c = in_pty("grace", &args);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut script = c.spawn().unwrap();
    let mut terminal = script.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = terminal.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    // Type Ctrl-C once the bar is on screen.
    let mut shown = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&shown).contains("waiting for the first answer") {
        let left = deadline.saturating_duration_since(Instant::now());
        shown.extend(rx.recv_timeout(left).expect("the bar is drawn"));
    }
    let mut keyboard = script.stdin.take().unwrap();
    std::io::Write::write_all(&mut keyboard, b"\x03").unwrap();
    let typed = Instant::now();
    while let Ok(more) = rx.recv_timeout(Duration::from_secs(10)) {
        shown.extend(more);
    }
    let status = script.wait().unwrap();
    drop(keyboard);
    let shown = String::from_utf8(shown).unwrap();
    assert_eq!(status.code(), Some(130), "{shown:?}");
    assert!(typed.elapsed() < Duration::from_secs(15), "{:?}", typed.elapsed());
    let screen = screen(&shown);
    let line = screen
        .iter()
        .find(|l| l.contains("interrupted"))
        .unwrap_or_else(|| panic!("no interrupted line: {screen:#?}"));
    assert_eq!(line, "interrupted", "the bar's line is replaced: {screen:#?}");
    assert!(
        !screen.iter().any(|l| l.contains("waiting for the first answer")),
        "no bar is left on screen: {screen:#?}"
    );
}

#[test]
fn completions_and_the_man_page_are_printed_for_installing() {
    let print = |args: &[&str]| {
        let mut c = bare("completions");
        c.args(args);
        let o = run(c);
        assert_eq!(o.code, 0, "{args:?}: {}", o.stderr);
        assert_eq!(o.stderr, "", "{args:?}");
        o.stdout
    };

    // bash: loading the script registers the completion function for the command, and the
    // function offers the commands and flags.
    let bash = print(&["completions", "bash"]);
    let dir = empty_home("completions");
    let script = dir.join("dms-progress.bash");
    std::fs::write(&script, &bash).unwrap();
    let check = Command::new("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(
            r#"source "$1" && complete -p dms-progress &&
               COMP_WORDS=(dms-progress wa) COMP_CWORD=1 COMP_LINE="dms-progress wa" COMP_POINT=15 &&
               _dms_progress dms-progress wa dms-progress && echo "words: ${COMPREPLY[*]}" &&
               COMP_WORDS=(dms-progress watch --max) COMP_CWORD=2 &&
               _dms_progress dms-progress --max watch && echo "flags: ${COMPREPLY[*]}""#,
        )
        .args(["bash", script.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(said.contains("-F _dms_progress dms-progress"), "{said}");
    assert!(said.contains("words: watch"), "{said}");
    assert!(said.contains("flags: --max-wait"), "{said}");

    let zsh = print(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef dms-progress\n"), "{zsh}");
    assert!(zsh.contains("--max-wait"), "{zsh}");
    let fish = print(&["completions", "fish"]);
    assert!(fish.contains("complete -c dms-progress"), "{fish}");
    assert!(fish.contains("-l max-wait"), "{fish}");

    let man = print(&["man"]);
    assert!(man.contains("\n.TH dms-progress 1 "), "{man}");
    for part in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH COMMANDS",
        ".SS watch",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(man.contains(part), "{part}: {man}");
    }
    assert!(
        !man.chars().any(|c| c.is_control() && c != '\n'),
        "plain roff text"
    );
}

// The task APIs and the watch of several tasks: `tasks`, `watch --instance-id` without a task
// (the running expansion), `watch` with several targets, on a terminal and off one.

/// `cmd` against `emu`'s endpoint and project, no target yet.
fn service_args(cmd: &str, emu: &RunningEmulator) -> Vec<String> {
    [cmd, "--endpoint", &emu.endpoint(), "--project-id", PROJECT]
        .map(String::from)
        .to_vec()
}

/// `args` plus `more`.
fn and(mut args: Vec<String>, more: &[&str]) -> Vec<String> {
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

/// inst-a: a 3 s expansion running and an old finished one. inst-b: an expansion whose
/// second step fails after 1.5 s. inst-c: a ten-minute expansion. inst-idle: only a finished
/// task. inst-pick: a running expansion (the pick), a newer running restart, a newest
/// finished expansion. Durations leave a slow machine time to start the command.
const FLEET: &str = r#"{
  "project_id": "c1i0000000000000000000000000abcd",
  "instances": [
    {"instance_id": "inst-a", "tasks": [
      {"task_id": "a-old", "started_seconds_ago": 7200, "params": {"new_storage_space": 600},
       "steps": [{"name": "pre_check", "seconds": 40}]},
      {"task_id": "a-ext", "params": {"new_storage_space": 900},
       "steps": [{"name": "pre_check", "seconds": 1.5}, {"name": "disk_expansion", "seconds": 1.5}]}
    ]},
    {"instance_id": "inst-b", "tasks": [
      {"task_id": "b-fails", "steps": [{"name": "pre_check", "seconds": 0.75},
                                       {"name": "disk_expansion", "seconds": 0.75, "fails": true}]}
    ]},
    {"instance_id": "inst-c", "tasks": [
      {"task_id": "c-long", "steps": [{"name": "pre_check", "seconds": 0.2}, {"name": "disk_expansion", "seconds": 600}]}
    ]},
    {"instance_id": "inst-idle", "tasks": [
      {"task_id": "idle-done", "name": "restartInstance", "started_seconds_ago": 100,
       "steps": [{"name": "restart", "seconds": 5}]}
    ]},
    {"instance_id": "inst-pick", "tasks": [
      {"task_id": "p-ext", "started_seconds_ago": 60, "steps": [{"name": "disk_expansion", "seconds": 3600}]},
      {"task_id": "p-restart", "name": "restartInstance", "started_seconds_ago": 30, "steps": [{"name": "restart", "seconds": 3600}]},
      {"task_id": "p-done", "started_seconds_ago": 10, "steps": [{"name": "pre_check", "seconds": 1}]}
    ]}
  ]
}"#;

fn fleet_emulator() -> RunningEmulator {
    let config = EmulatorConfig::default()
        .with_scenario(Scenario::from_json(FLEET).expect("valid scenario"))
        .with_credentials(AK, SK);
    Emulator::start(config).expect("emulator starts")
}

#[test]
fn tasks_lists_newest_first_as_a_table_and_as_json_lines() {
    let emu = fleet_emulator();
    let base = and(service_args("tasks", &emu), &["--instance-id", "inst-a"]);
    let o = run_args(with_creds("tasks-text"), &base);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", o.stdout);
    for column in ["ID", "NAME", "STATUS", "CREATED (UTC", "UPDATED", "PARAMS"] {
        assert!(lines[0].contains(column), "{column}: {}", lines[0]);
    }
    assert!(
        lines[1].starts_with("a-ext ") && lines[1].contains("EXECUTING"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(r#"{"new_storage_space":900}"#), "{}", lines[1]);
    assert!(
        lines[2].starts_with("a-old ") && lines[2].contains("SUCCESS"),
        "{}",
        lines[2]
    );

    let o = run_args(
        with_creds("tasks-json"),
        &and(base.clone(), &["--output", "json"]),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let tasks: Vec<Value> = o.stdout.lines().map(parse_json).collect();
    assert_eq!(tasks.len(), 2);
    for t in &tasks {
        let mut keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["created_at", "id", "name", "params", "status", "updated_at"],
            "{t}"
        );
        let created = t["created_at"].as_str().unwrap();
        assert!(
            created.ends_with('Z') && created.len() == 24,
            "ISO 8601 with ms: {created}"
        );
    }
    assert_eq!(tasks[0]["id"], "a-ext");
    assert_eq!(tasks[0]["name"], "kafkaInstanceExtend");
    assert_eq!(tasks[0]["params"]["new_storage_space"], 900, "params parsed");
    assert_eq!(tasks[1]["status"], "SUCCESS");

    // Filters: status (any case), age, count.
    let ids = |extra: &[&str]| -> Vec<String> {
        let o = run_args(
            with_creds("tasks-filter"),
            &and(base.clone(), &[&["--output", "json"], extra].concat()),
        );
        assert_eq!(o.code, 0, "{extra:?}: {}", o.stderr);
        o.stdout
            .lines()
            .map(|l| parse_json(l)["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&["--status", "success"]), ["a-old"]);
    assert_eq!(ids(&["--status", "EXECUTING", "--status", "failed"]), ["a-ext"]);
    assert_eq!(ids(&["--since", "30m"]), ["a-ext"]);
    assert_eq!(ids(&["--since", "3h"]), ["a-ext", "a-old"]);
    assert_eq!(ids(&["--since", "3600"]), ["a-ext"], "plain seconds");
    assert_eq!(
        ids(&["--since", "100000d"]),
        ["a-ext", "a-old"],
        "back before 1970: every task"
    );
    assert_eq!(ids(&["--limit", "1"]), ["a-ext"]);
    assert_eq!(ids(&["--status", "deleted"]), Vec::<String>::new());
    let o = run_args(with_creds("tasks-none"), &and(base, &["--status", "cancelled"]));
    assert_eq!(
        (o.code, o.stdout.as_str()),
        (0, "No tasks on instance inst-a that match.\n")
    );
}

#[test]
fn tasks_refuses_bad_input_as_usage_errors_that_say_what_was_wrong() {
    let emu = fleet_emulator();
    let base = and(service_args("tasks", &emu), &["--instance-id", "inst-a"]);
    for (extra, says) in [
        (
            &["--status", "RUNNING"][..],
            "not a task status: expected one of CREATED, EXECUTING, SUCCESS, FAILED, DELETED, CANCELLED",
        ),
        (&["--since", "yesterday"], "--since"),
        (&["--since", "0"], "--since"),
        (&["--since", "-5m"], "--since"),
        (&["--since", "1e400"], "--since"),
        (&["--limit", "0"], "0 is outside 1..=100"),
        (&["--limit", "101"], "101 is outside 1..=100"),
        (&["--limit", "ten"], "--limit"),
    ] {
        let o = run_args(with_creds("tasks-usage"), &and(base.clone(), extra));
        assert_eq!(o.code, 2, "{extra:?}: {}", o.stderr);
        assert!(o.stderr.contains(says), "{extra:?}: {}", o.stderr);
        assert_eq!(o.stdout, "", "{extra:?}");
    }
    let o = run_args(
        with_creds("tasks-bad-id"),
        &and(service_args("tasks", &emu), &["--instance-id", "a/b"]),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("invalid instance_id"), "{}", o.stderr);
    let o = run_args(
        with_creds("tasks-no-instance"),
        &and(service_args("tasks", &emu), &["--instance-id", "nope"]),
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("DMS.00404022"), "{}", o.stderr);
}

#[test]
fn watch_of_an_instance_picks_its_running_expansion_and_says_which() {
    let emu = fleet_emulator();
    let args = and(
        service_args("watch", &emu),
        &[
            "--instance-id",
            "inst-pick",
            "--interval",
            "0.2",
            "--max-wait",
            "0.5",
        ],
    );
    let o = run_args(with_creds("pick"), &args);
    assert_eq!(o.code, 4, "{}\n{}", o.stdout, o.stderr);
    let first = o.stdout.lines().next().unwrap();
    assert!(
        first.starts_with(
            "Picked the running expansion of instance inst-pick: task p-ext (kafkaInstanceExtend, EXECUTING, created "
        ),
        "{first}"
    );
    assert!(
        o.stdout.contains("Watching task p-ext of instance inst-pick"),
        "{}",
        o.stdout
    );

    // JSON lines stay alone on stdout: the pick is said on stderr.
    let o = run_args(with_creds("pick-json"), &and(args, &["--output", "json"]));
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(
        o.stderr
            .starts_with("Picked the running expansion of instance inst-pick: task p-ext"),
        "{}",
        o.stderr
    );
    for line in o.stdout.lines() {
        assert_progress_shape(&parse_json(line));
    }

    // A running expansion that completes: the watch ends as a watch of that task does.
    let o = run_args(
        with_creds("pick-done"),
        &and(
            service_args("watch", &emu),
            &["--instance-id", "inst-a", "--interval", "0.2"],
        ),
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("task a-ext (kafkaInstanceExtend, EXECUTING"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("completed: 2 steps"), "{}", o.stdout);
}

#[test]
fn watch_of_an_instance_with_nothing_running_exits_5_naming_its_newest_task() {
    let emu = fleet_emulator();
    let o = run_args(
        with_creds("idle"),
        &and(service_args("watch", &emu), &["--instance-id", "inst-idle"]),
    );
    assert_eq!(o.code, 5, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(o.stdout, "");
    assert!(
        o.stderr.starts_with(
            "nothing to watch: no task is running on instance inst-idle; its newest is task idle-done (restartInstance, SUCCESS, created "
        ),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains(", updated "), "{}", o.stderr);
}

#[test]
fn watch_of_several_tasks_off_a_terminal_names_each_and_exits_with_the_worst() {
    let emu = fleet_emulator();
    let args = and(
        service_args("watch", &emu),
        &[
            "--instance-id",
            "inst-a",
            "--instance-id",
            "inst-b",
            "--instance-id",
            "inst-idle",
            "--task",
            "inst-c:c-long",
            "--interval",
            "0.2",
            "--max-wait",
            "5",
        ],
    );
    let o = run_args(with_creds("many-text"), &args);
    assert_eq!(
        o.code, 3,
        "a failed step is the worst outcome\n{}\n{}",
        o.stdout, o.stderr
    );
    let out = &o.stdout;
    assert!(
        out.contains(
            "Instance inst-a: its running expansion is task a-ext (kafkaInstanceExtend, EXECUTING, created "
        ),
        "{out}"
    );
    assert!(
        out.contains("Instance inst-b: its running expansion is task b-fails ("),
        "{out}"
    );
    assert!(
        out.contains("nothing to watch: no task is running on instance inst-idle"),
        "{out}"
    );
    assert!(out.contains("Watching 3 tasks at "), "{out}");
    // Every line of the watch names its instance and task.
    let watched: Vec<&str> = out.lines().filter(|l| l.starts_with('[')).collect();
    assert!(watched.len() >= 6, "{out}");
    for line in &watched {
        assert!(
            ["] inst-a a-ext ", "] inst-b b-fails ", "] inst-c c-long "]
                .iter()
                .any(|t| line.contains(t)),
            "{line}"
        );
    }
    assert!(
        watched
            .iter()
            .any(|l| l.contains("] inst-a a-ext completed: 2 steps")),
        "{out}"
    );
    assert!(
        watched
            .iter()
            .any(|l| l.contains("] inst-b b-fails failed at step 2/2 \"disk_expansion\"")),
        "{out}"
    );
    assert!(
        watched
            .iter()
            .any(|l| l.contains("] inst-c c-long --max-wait passed")),
        "{out}"
    );
    assert!(
        out.contains("Summary: 3 tasks watched; 1 completed, 1 failed, 1 timed out, 1 had nothing running"),
        "{out}"
    );

    // Without the failure, the deadline is the worst.
    let args = and(
        service_args("watch", &emu),
        &[
            "--task",
            "inst-a:a-ext",
            "--task",
            "inst-c:c-long",
            "--interval",
            "0.2",
            "--max-wait",
            "5",
        ],
    );
    let o = run_args(with_creds("many-timeout"), &args);
    assert_eq!(o.code, 4, "{}\n{}", o.stdout, o.stderr);
    // And an unknown task is one that could not be watched (1) beside completions.
    let args = and(
        service_args("watch", &emu),
        &["--task", "inst-a:a-old", "--task", "inst-a:nope"],
    );
    let o = run_args(with_creds("many-unknown"), &args);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("inst-a nope could not be watched: HTTP 404 DMS.00404023"),
        "{}",
        o.stdout
    );
}

#[test]
fn watch_of_several_tasks_as_json_lines_names_instance_and_task_on_each() {
    let emu = fleet_emulator();
    let args = and(
        service_args("watch", &emu),
        &[
            "--instance-id",
            "inst-b",
            "--instance-id",
            "inst-idle",
            "--task",
            "inst-a:a-ext",
            "--interval",
            "0.2",
            "--output",
            "json",
        ],
    );
    let o = run_args(with_creds("many-json"), &args);
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    let events: Vec<Value> = o.stdout.lines().map(parse_json).collect();
    let kinds = |kind: &str| events.iter().filter(|e| e["event"] == kind).collect::<Vec<_>>();
    for e in &events {
        assert!(e["instance_id"].is_string(), "{e}");
    }
    let picked = kinds("picked");
    assert_eq!(picked.len(), 1);
    assert_eq!(
        (&picked[0]["instance_id"], &picked[0]["task_id"]),
        (&"inst-b".into(), &"b-fails".into())
    );
    assert_eq!(picked[0]["status"], "EXECUTING");
    let progress = kinds("progress");
    assert!(progress.len() >= 2, "{}", o.stdout);
    for p in &progress {
        assert!(
            p["task_id"].is_string() && p["steps"].is_array() && p.get("progress_percentage").is_some(),
            "{p}"
        );
    }
    let ends = kinds("end");
    let outcome = |instance: &str| {
        let e = ends.iter().find(|e| e["instance_id"] == instance).unwrap();
        (
            e["outcome"].as_str().unwrap().to_owned(),
            e["exit_code"].as_i64().unwrap(),
        )
    };
    assert_eq!(ends.len(), 3, "{}", o.stdout);
    assert_eq!(outcome("inst-a"), ("completed".to_owned(), 0));
    assert_eq!(outcome("inst-b"), ("failed".to_owned(), 3));
    assert_eq!(outcome("inst-idle"), ("nothing_running".to_owned(), 5));
    assert!(ends
        .iter()
        .any(|e| e["instance_id"] == "inst-idle" && e["task_id"].is_null()));
    assert_eq!(o.stderr, "");
}

#[test]
fn watch_refuses_conflicting_targets_as_usage_errors() {
    let emu = fleet_emulator();
    for (extra, says) in [
        (
            &["--task", "inst-a"][..],
            "\"inst-a\" has no colon: expected INSTANCE_ID:TASK_ID",
        ),
        (
            &["--instance-id", "inst-a", "--instance-id", "inst-a"],
            "--instance-id inst-a is given twice",
        ),
        (
            &["--task", "inst-a:t", "--task", "inst-a:t"],
            "--task inst-a:t is given twice",
        ),
        (
            &["--instance-id", "inst-a", "--task", "inst-a:t"],
            "instance inst-a is given twice",
        ),
        (
            &[
                "--instance-id",
                "inst-a",
                "--instance-id",
                "inst-b",
                "--task-id",
                "t",
            ],
            "--task-id names one task of one instance",
        ),
        (&["--instance-id", "inst-a", "--max-rate", "0"], "--max-rate"),
    ] {
        let o = run_args(
            with_creds("watch-usage"),
            &and(service_args("watch", &emu), extra),
        );
        assert_eq!(o.code, 2, "{extra:?}: {}", o.stderr);
        assert!(o.stderr.contains(says), "{extra:?}: {}", o.stderr);
    }
}

#[test]
fn watch_of_several_tasks_on_a_terminal_draws_a_live_line_per_task_then_a_summary() {
    let emu = fleet_emulator();
    let args = and(
        service_args("watch", &emu),
        &[
            "--instance-id",
            "inst-a",
            "--task",
            "inst-b:b-fails",
            "--task",
            "inst-c:c-long",
            "--interval",
            "0.2",
            "--max-wait",
            "5",
        ],
    );
    let o = run(in_pty_sized("many-tty", &args, Some((100, 40))));
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    // Live lines: one per task with its bar, under a line of totals, redrawn in place.
    let screen = screen_of_width(&o.stdout, 100);
    let text = screen.join("\n");
    assert!(o.stdout.contains("\x1b[1A"), "redrawn in place: {text}");
    let live = |label: &str| {
        o.stdout
            .split(label)
            .skip(1)
            .any(|after| after.trim_start_matches(' ').starts_with('['))
    };
    assert!(live("all"), "a line of totals: {text}");
    for label in ["inst-a a-ext", "inst-b b-fails", "inst-c c-long"] {
        assert!(live(label), "a live line for {label}: {text}");
    }
    assert!(o.stdout.contains("] 1/3 ended  1 failed"), "{text}");
    assert!(o.stdout.contains("step 2/2 disk_expansion"), "{text}");
    // What stays on the screen: one line per ended task, then the summary.
    assert!(text.contains("✔ inst-a a-ext completed: 2 steps"), "{text}");
    assert!(
        text.contains("✘ inst-b b-fails failed at step 2/2 \"disk_expansion\""),
        "{text}"
    );
    assert!(text.contains("… inst-c c-long --max-wait passed"), "{text}");
    assert!(
        text.contains("Summary: 3 tasks watched; 1 completed, 1 failed, 1 timed out"),
        "{text}"
    );
    assert!(!text.contains(" ended  "), "the live lines are gone: {text}");
}

#[test]
fn ctrl_c_ends_a_watch_of_several_tasks_with_130_and_a_summary() {
    let emu = fleet_emulator();
    let mut c = with_creds("many-sigint");
    c.args(and(
        service_args("watch", &emu),
        &[
            "--task",
            "inst-c:c-long",
            "--task",
            "inst-pick:p-ext",
            "--interval",
            "0.5",
        ],
    ))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // A line about a task means the handler is installed and the watch is polling.
    let mut line = String::new();
    while !line.starts_with('[') {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the watch ended early");
    }
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid with a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let sent = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "took {:?}",
        sent.elapsed()
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}\n{err}");
    assert_eq!(err, "interrupted\n");
    assert!(
        rest.ends_with("Summary: 2 tasks watched; 2 interrupted\n"),
        "{rest}"
    );
    assert!(
        !rest.contains("] inst-c c-long interrupted"),
        "no line per task: {rest}"
    );
}

#[test]
fn one_watch_of_200_tasks_keeps_a_bounded_number_of_threads() {
    // 200 instances, one 2-second expansion each.
    let instances: Vec<String> = (0..200)
        .map(|i| {
            format!(
                r#"{{"instance_id": "inst-{i:03}", "tasks": [{{"task_id": "t-{i:03}", "steps": [{{"name": "pre_check", "seconds": 1}}, {{"name": "disk_expansion", "seconds": 1}}]}}]}}"#
            )
        })
        .collect();
    let scenario = format!(
        r#"{{"project_id": "{PROJECT}", "instances": [{}]}}"#,
        instances.join(",")
    );
    let emu = Emulator::start(
        EmulatorConfig::default()
            .with_scenario(Scenario::from_json(&scenario).unwrap())
            .with_credentials(AK, SK),
    )
    .unwrap();
    let mut args = service_args("watch", &emu);
    for i in 0..200 {
        args.extend(["--task".to_owned(), format!("inst-{i:03}:t-{i:03}")]);
    }
    args.extend(["--interval", "0.5", "--max-rate", "500", "--output", "json"].map(String::from));
    let mut c = with_creds("200");
    c.args(&args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let mut most = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let threads = status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            most = most.max(threads);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    let lines = reader.join().unwrap();
    assert_eq!(status.code(), Some(0), "{:?}", lines.last());
    let ends = lines.iter().filter(|l| parse_json(l)["event"] == "end").count();
    assert_eq!(ends, 200);
    // The main thread, the poll workers, the Ctrl-C handler: never one per task.
    assert!((2..=8).contains(&most), "{most} threads");
}
