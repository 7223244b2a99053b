//! Load generator for `bench/run.sh`: the Rust `Client` calling `get_progress` against a
//! running `dms-emulator`, one shared client (one keep-alive pool) for all callers.
//!
//! ```text
//! bench_client ENDPOINT PROJECT INSTANCE TASK THREADS CALLS_PER_THREAD
//! ```
//!
//! Credentials: `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK`. Each caller makes a few warm-up
//! calls first (connection set-up is not what is measured), then all start together. Prints
//! `wall_ns N` (from the common start to the last caller's end), then one line per call with
//! its duration in nanoseconds; `bench/report.py` turns that into medians and throughput.

use std::io::Write;
use std::sync::{Arc, Barrier};
use std::time::Instant;

use progress_client::progress_core::Secret;
use progress_client::{Client, ClientConfig, ProxyConfig};

const WARM_UP_CALLS: usize = 20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, project, instance, task, threads, calls] = args.as_slice() else {
        return Err("usage: bench_client ENDPOINT PROJECT INSTANCE TASK THREADS CALLS_PER_THREAD".into());
    };
    let threads: usize = threads.parse()?;
    let calls: usize = calls.parse()?;
    let env = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set"));
    let client = Arc::new(Client::new(ClientConfig {
        endpoint: Some(endpoint.clone()),
        project_id: Some(project.clone()),
        ak: Some(env("HUAWEICLOUD_SDK_AK")?),
        sk: Some(Secret::new(env("HUAWEICLOUD_SDK_SK")?)),
        proxy: ProxyConfig::None,
        use_environment: false,
        ..ClientConfig::default()
    })?);

    let start_line = Arc::new(Barrier::new(threads + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (client, start_line) = (Arc::clone(&client), Arc::clone(&start_line));
            let (instance, task) = (instance.clone(), task.clone());
            std::thread::spawn(move || -> Result<Vec<u64>, String> {
                let warm_up =
                    (0..WARM_UP_CALLS).try_for_each(|_| client.get_progress(&instance, &task).map(drop));
                // Wait even after a failure, so that the other callers are not left waiting.
                start_line.wait();
                warm_up.map_err(|e| e.to_string())?;
                let mut lat = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let t = Instant::now();
                    let p = client.get_progress(&instance, &task).map_err(|e| e.to_string())?;
                    lat.push(t.elapsed().as_nanos() as u64);
                    std::hint::black_box(p);
                }
                Ok(lat)
            })
        })
        .collect();
    start_line.wait();
    let t0 = Instant::now();
    let mut all = Vec::with_capacity(threads * calls);
    for w in workers {
        all.extend(w.join().map_err(|_| "a caller panicked")??);
    }
    let wall = t0.elapsed().as_nanos();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "wall_ns {wall}")?;
    for ns in all {
        writeln!(out, "{ns}")?;
    }
    out.flush()?;
    Ok(())
}
