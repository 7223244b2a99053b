//! The `dms-progress` binary against an emulator started in this test process: every
//! command, every exit code, the JSON shapes, and that no secret is ever printed.
//!
//! Each test starts its own emulator (the scenario's clocks start with it) on a free port, and
//! runs the binary with a clean environment: only the variables a test sets, a HOME without a
//! credentials file, no proxy.

use std::io::{BufRead, BufReader, Read};
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

/// The binary with a clean environment (no proxy, no real credentials).
fn bare(tag: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dms-progress"));
    c.env_clear()
        .env("HOME", empty_home(tag))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
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

#[test]
fn watch_draws_a_live_bar_on_a_terminal() {
    // `script` (util-linux) gives the binary a pseudo-terminal; without it, nothing to test.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` command for a pseudo-terminal");
        return;
    }
    let emu = emulator();
    let mut args = task_args("watch", &emu, "quick");
    args.extend(["--interval", "0.2"].map(String::from));
    // Every argument is free of spaces and quotes, so a plain join is a correct shell line.
    let line = std::iter::once(env!("CARGO_BIN_EXE_dms-progress").to_owned())
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ");
    let mut c = Command::new("script");
    c.env_clear()
        .env("HOME", empty_home("tty"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm-256color")
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", TOKEN)
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null());
    let o = run(c);
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
}
