//! What the emulator does with connections that misbehave: slow heads and idle connections are
//! closed, a flood of them does not lock legitimate clients out, and a client that shuts its
//! write side right after its request still gets the answer.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use progress_emulator::{EmulatorConfig, Limits, RunningEmulator};

fn limits(header: f64, idle: f64, max: usize) -> Limits {
    Limits {
        header_timeout: Duration::from_secs_f64(header),
        idle_timeout: Duration::from_secs_f64(idle),
        max_connections: max,
    }
}

/// Whether the server has closed `s` (EOF or reset), waiting up to `within`.
fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // an answer (e.g. a 408), then the close
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return false,
            Err(_) => return true,
        }
    }
}

/// Waits (at most 5 s) until the emulator holds `n` connections or fewer.
fn wait_for_at_most(emu: &RunningEmulator, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let held = emu.open_connections();
        if held <= n || Instant::now() > deadline {
            return held;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_head_sent_slowly_is_cut_off_after_the_header_timeout() {
    let (emu, _clock) = start_manual(EmulatorConfig::default().with_limits(limits(0.5, 60.0, 64)));
    let mut s = TcpStream::connect(emu.addr()).unwrap();
    s.write_all(b"GET /v2/p/instances/i/tasks HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    // One header line every 100 ms: bytes keep coming, the head never ends.
    let mut cut = false;
    for i in 0..50 {
        if s.write_all(format!("X-Slow-{i}: y\r\n").as_bytes()).is_err() {
            cut = true;
            break;
        }
        s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let mut b = [0u8; 64];
        match s.read(&mut b) {
            Ok(0) => {
                cut = true;
                break;
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Ok(_) | Err(_) => {
                cut = true;
                break;
            }
        }
    }
    assert!(cut, "a 5 s trickle of headers was never cut off");
    let after = started.elapsed();
    assert!(
        after >= Duration::from_millis(400),
        "cut after {after:?}, before the timeout"
    );
    assert!(after < Duration::from_secs(3), "cut only after {after:?}");
}

#[test]
fn idle_connections_are_closed_after_the_idle_timeout() {
    let (emu, clock) = start_manual(EmulatorConfig::default().with_limits(limits(5.0, 0.5, 64)));
    // A connection that never sends anything.
    let mut silent = TcpStream::connect(emu.addr()).unwrap();
    // A keep-alive connection after one answer.
    let req = Req::progress(&emu, RUNNING, clock.now());
    let mut kept = Conn::open(emu.addr());
    assert_eq!(kept.send("GET", &req.target(), &req.signed_headers()).status, 200);
    let mut kept = kept.into_stream();
    let started = Instant::now();
    assert!(closed_by_server(&mut silent, Duration::from_secs(5)));
    assert!(closed_by_server(&mut kept, Duration::from_secs(5)));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(wait_for_at_most(&emu, 0), 0);
}

#[test]
fn a_flood_of_idle_and_slow_connections_does_not_lock_clients_out() {
    const MAX: usize = 16;
    // Timeouts far longer than the test: only the connection limit can make room.
    let (emu, clock) = start_manual(EmulatorConfig::default().with_limits(limits(600.0, 600.0, MAX)));
    let req = Req::progress(&emu, RUNNING, clock.now());
    let (target, headers) = (req.target(), req.signed_headers());

    // A client in the middle of its work, polling on one keep-alive connection.
    let mut steady = Conn::open(emu.addr());
    assert_eq!(steady.send("GET", &target, &headers).status, 200);

    let mut flood = Vec::new();
    for i in 0..(MAX * 8) {
        let mut s = TcpStream::connect(emu.addr()).unwrap();
        if i % 2 == 0 {
            // Half of them start a head and stall.
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        }
        flood.push(s);
        if i % 4 == 0 {
            assert_eq!(
                steady.send("GET", &target, &headers).status,
                200,
                "the steady client lost its connection"
            );
        }
    }
    let held = wait_for_at_most(&emu, MAX);
    assert!(held <= MAX, "{held} connections held, limit {MAX}");

    // New clients are served, each on a fresh connection.
    for _ in 0..10 {
        let r = Conn::open(emu.addr()).send("GET", &target, &headers);
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(steady.send("GET", &target, &headers).status, 200);
    // Most of the flood was closed to make that room.
    let closed = flood
        .iter_mut()
        .map(|s| closed_by_server(s, Duration::from_millis(50)))
        .filter(|&c| c)
        .count();
    assert!(
        closed >= flood.len() - MAX,
        "only {closed} of {} closed",
        flood.len()
    );
}

#[test]
fn a_request_followed_at_once_by_a_half_close_is_answered() {
    let (emu, clock) = start_manual(EmulatorConfig::default());
    let req = Req::progress(&emu, RUNNING, clock.now());
    let mut raw = format!("GET {} HTTP/1.1\r\n", req.target());
    for (n, v) in req.signed_headers() {
        raw.push_str(&format!("{n}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    for i in 0..20 {
        let mut s = TcpStream::connect(emu.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(raw.as_bytes()).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n"),
            "attempt {i}: {answer:?}"
        );
        assert!(
            answer.contains("\"progress_percentage\":0"),
            "attempt {i}: {answer:?}"
        );
    }
}
