"""Turns bench/run.sh's raw results into BENCHMARKS.md (standard library only).

    python3 bench/report.py RESULTS_DIR OUTPUT.md
    python3 bench/report.py --only watch_fleet RESULTS_DIR OUTPUT.md

The second form rewrites only section 6 (bench/watch_fleet.sh run alone) in an existing file.

The hand-written analysis in bench/analysis.md (profiles, what bounds a missed target) is
appended after the generated tables.
"""

import json
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CLIENTS = [
    ("raw", "raw keep-alive socket, one pre-signed request (floor)"),
    ("rust", "Rust `Client`"),
    ("c", "C API (`dms_progress_client_get_progress`)"),
    ("go", "Go package"),
    ("python", "Python package `dms_progress`"),
    ("pysocket", "Python's own floor: a raw socket in Python replaying the pre-signed request"),
    ("sdk", "official Python SDK `huaweicloudsdkkafka`"),
]


def num(x, digits=3):
    """x with `digits` significant digits, no exponent."""
    if x == 0:
        return "0"
    magnitude = len(str(int(abs(x)))) if abs(x) >= 1 else 0
    decimals = max(0, digits - magnitude)
    if abs(x) < 1:
        decimals = digits
        while decimals < 8 and round(abs(x), decimals) * 10 ** (decimals - 1) < 10 ** (digits - 2):
            decimals += 1
    return f"{x:,.{decimals}f}"


def ratio(x):
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×"


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def read_kv(path):
    out = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def criterion(res):
    out = {}
    for line in (res / "criterion.txt").read_text().splitlines():
        name, blob = line.split(" ", 1)
        est = json.loads(blob)
        out[name] = {
            "median": est["median"]["point_estimate"],
            "lo": est["median"]["confidence_interval"]["lower_bound"],
            "hi": est["median"]["confidence_interval"]["upper_bound"],
            "mad": est["median_abs_dev"]["point_estimate"],
        }
    return out


def e2e(res):
    """{(client, mode): {lat: sorted µs, rounds: [calls/s]}}"""
    out = {}
    for path in sorted(res.glob("e2e.*.*.*")):
        _, client, mode, _round = path.name.split(".")
        lines = path.read_text().split()
        if len(lines) < 3 or lines[0] != "wall_ns":
            raise SystemExit(f"{path}: no results (did the run fail?)")
        wall_ns = int(lines[1])
        lat = [int(x) / 1000 for x in lines[2:]]
        entry = out.setdefault((client, mode), {"lat": [], "rounds": []})
        entry["lat"].extend(lat)
        entry["rounds"].append(len(lat) / (wall_ns / 1e9))
    for entry in out.values():
        entry["lat"].sort()
        entry["median"] = percentile(entry["lat"], 0.5)
        entry["p10"] = percentile(entry["lat"], 0.1)
        entry["p90"] = percentile(entry["lat"], 0.9)
        entry["rps"] = statistics.median(entry["rounds"])
    return out


def peer_runs(res, pattern):
    """Pooled per-call µs of the runs matching `pattern` (same format as the e2e files)."""
    lat = []
    for path in sorted(res.glob(pattern)):
        lines = path.read_text().split()
        if len(lines) < 3 or lines[0] != "wall_ns":
            raise SystemExit(f"{path}: no results (did the run fail?)")
        lat.extend(int(x) / 1000 for x in lines[2:])
    lat.sort()
    return percentile(lat, 0.5) if lat else None


def hyperfine(path):
    r = json.loads(path.read_text())["results"][0]
    times = sorted(r["times"])
    return {
        "median": r["median"] * 1000,
        "p10": percentile(times, 0.1) * 1000,
        "p90": percentile(times, 0.9) * 1000,
        "runs": len(times),
        "command": r["command"],
    }


def kv_numbers(path):
    out = {}
    for line in path.read_text().splitlines():
        k, v = line.split(" ", 1)
        out[k] = v
    return out


def rss(res):
    out = {}
    for line in (res / "rss.txt").read_text().splitlines():
        label, kib = line.split()
        out.setdefault(label, []).append(int(kib))
    return {k: statistics.median(v) for k, v in out.items()}


def wrk(res):
    text = (res / "wrk.txt").read_text()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", text, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", text)
    return {
        "rps": rps,
        "lat": lat,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "none",
        "total": total.group(1) if total else "?",
        "duration": total.group(2) if total else "?",
    }


def mib(n):
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.0f} KiB"


WATCH_FLEET_HEADING = "## 6. A watch of 200 tasks"


def watch_fleet_section(res):
    """Section 6 from bench/watch_fleet.sh's results, or no lines when it did not run."""
    path = res / "watch_fleet.txt"
    if not path.exists():
        return []
    f = read_kv(path)
    seconds = int(f["seconds"])
    L = []
    add = L.append
    add(WATCH_FLEET_HEADING)
    add("")
    add(f"`bench/watch_fleet.sh`: one `dms-progress watch` (release) of {f['tasks']} tasks for {seconds} s,")
    add("stdout to a file, under GNU `time -v`; one `dms-emulator` (release) plays the fleet")
    add(f"(`--generate-tasks 1 --generate-instances {f['tasks']} --generate-task-seconds 1200`: every task")
    add("runs the whole minute) and counts the requests in its log. Each task ends at `--max-wait`")
    add("(exit 4). Load average " + f"{f['load_before']} before, {f.get('load_after', '?')} after.")
    add("")
    add("| pace | requests (per s) | CPU user + system | CPU per request | peak RSS | tasks ended | exit |")
    add("|---|---|---|---|---|---|---|")
    for label, what in [("default", "defaults: each task every 5 s, at most 10 requests/s in all"),
                        ("busy", "`--interval 1 --max-rate 200`")]:
        if f"{label}_user" not in f:
            continue
        cpu = float(f[f"{label}_user"]) + float(f[f"{label}_system"])
        requests = int(f[f"{label}_requests"])
        per_request = f"{cpu / requests * 1e6:,.0f} µs" if requests else "-"
        add(f"| {what} | {requests:,} ({requests / seconds:,.1f}) | **{cpu:.2f} s** "
            f"({f[f'{label}_user']} + {f[f'{label}_system']}) | {per_request} | "
            f"**{mib(int(f[f'{label}_rss_kib']) * 1024)}** | {f[f'{label}_ended']} | {f[f'{label}_exit']} |")
    add("")
    add("The command (the same for both, `--interval 1 --max-rate 200` added for the busy pace):")
    add("")
    add("```")
    add(f"/usr/bin/time -v target/release/dms-progress watch --endpoint $ENDPOINT --project-id $PROJECT \\")
    add(f"    --max-wait {seconds} --task INSTANCE_1:TASK_1 ... --task INSTANCE_{f['tasks']}:TASK_{f['tasks']} > out.txt")
    add("```")
    add("")
    return L


def rewrite_section(res, out_path):
    """Replaces section 6 of an existing BENCHMARKS.md (or puts it before the analysis)."""
    text = Path(out_path).read_text()
    section = "\n".join(watch_fleet_section(res)) + "\n"
    start = text.find(WATCH_FLEET_HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(WATCH_FLEET_HEADING))
        end = len(text) if end < 0 else end + 1
        text = text[:start] + section + text[end:]
    else:
        at = text.find("## Analysis")
        at = len(text) if at < 0 else at
        text = text[:at] + section + text[at:]
    Path(out_path).write_text(text)


def main(res_dir, out_path):
    res = Path(res_dir)
    m = read_kv(res / "machine.txt")
    crit = criterion(res)
    runs = e2e(res)
    parts = {}
    parts_file = res / "python_parts.txt"
    if parts_file.exists():
        for line in parts_file.read_text().splitlines():
            d = json.loads(line)
            parts[d["part"]] = d["median_us"]
    cold_cli = hyperfine(res / "cold.cli.json")
    cold_py = hyperfine(res / "cold.python.json")
    cold_sdk = hyperfine(res / "cold.sdk.json")
    imp_none = hyperfine(res / "import.none.json")
    imp_ours = hyperfine(res / "import.ours.json")
    imp_sdk = hyperfine(res / "import.sdk.json")
    importtime = {}
    for side in ("ours", "sdk"):
        values = [int(x) for x in (res / f"importtime.{side}.txt").read_text().split()]
        importtime[side] = statistics.median(values) / 1000 if values else float("nan")
    sizes = kv_numbers(res / "sizes.txt")
    peak = rss(res)
    w = wrk(res)

    L = []
    add = L.append
    add("# Benchmarks")
    add("")
    add("Generated by `bench/run.sh` (the numbers and tables) from `bench/report.py`; the analysis")
    add("at the end is `bench/analysis.md`. Every ratio compares two figures of the same run.")
    if m.get("quick") == "1":
        add("")
        add("**A `--quick` smoke run: too few samples to publish.**")
    add("")
    add("| | |")
    add("|---|---|")
    add(f"| date | {m['date']} |")
    add(f"| command | `{m['command']}` ({m.get('seconds', '?')} s in all) |")
    add(f"| machine | {m['nproc']} cores (`nproc`), {m['cpu']}, {m['mem']}, Linux {m['kernel']} |")
    add(f"| load average (1, 5, 15 min) | {m['load_before']} when the measurements began; "
        f"{m.get('load_after', '?')} at the end (this run's own work included) |")
    add(f"| toolchains | {m['rustc']}, Go {m['go'].removeprefix('go')}, Python {m['python']} |")
    add(f"| official SDK | huaweicloudsdkkafka {m['sdk']}, huaweicloudsdkcore {m['sdkcore']} |")
    add("")

    # Targets first: what a reader wants to know.
    seq = {c: runs[(c, "seq")] for c, _ in CLIENTS if (c, "seq") in runs}
    conc = {c: runs[(c, "conc")] for c, _ in CLIENTS if (c, "conc") in runs}
    # The same sequential calls with client and emulator in one CPU (see section 2); absent
    # from a run on one core.
    same = {c: runs[(c, "same")] for c, _ in CLIENTS if (c, "same") in runs}
    floor = seq["raw"]["median"]
    sign_decode = crit["sign/sign_plus_decode_seed_example"]["median"] / 1000
    cold_ratio = cold_sdk["median"] / cold_cli["median"]

    def over(a, b, placement=None):
        """Median per call of client `a` over client `b`, sequential, in one placement."""
        p = seq if placement is None else placement
        return p[a]["median"] / p[b]["median"]

    def ratio_target(name, measured, a, b, ok):
        """A target on `a` over `b`: judged across CPUs, and shown with the same test on one
        CPU when the run has that placement."""
        one_cpu = "—"
        if a in same and b in same:
            r = over(a, b, same)
            one_cpu = f"{ratio(r)} ({'yes' if ok(r) else 'no'})"
        return (name, measured, ok(over(a, b)), one_cpu)

    def at_least(x):
        return lambda r: r >= x

    def at_most(x):
        return lambda r: r <= x

    py_vs_sdk = over("sdk", "python")
    rust_vs_floor = over("rust", "raw")
    py_vs_floor = over("python", "raw")
    targets = [
        ratio_target("Python package ≥ 10× faster per call than the official SDK",
                     f"{ratio(py_vs_sdk)} ({num(seq['python']['median'])} µs vs {num(seq['sdk']['median'])} µs, sequential medians)",
                     "sdk", "python", at_least(10)),
        ratio_target("Rust client ≤ 1.3× the raw-socket floor",
                     f"{ratio(rust_vs_floor)} ({num(seq['rust']['median'])} µs vs {num(floor)} µs)",
                     "rust", "raw", at_most(1.3)),
        ratio_target("Python package ≤ 2× the raw-socket floor",
                     f"{ratio(py_vs_floor)} ({num(seq['python']['median'])} µs vs {num(floor)} µs)",
                     "python", "raw", at_most(2)),
        ("cold start ≥ 10× faster than the official SDK script",
         f"{ratio(cold_ratio)} ({num(cold_cli['median'])} ms vs {num(cold_sdk['median'])} ms)",
         cold_ratio >= 10, "—"),
        ("core sign + decode of the seed example < 5 µs",
         f"{num(sign_decode)} µs", sign_decode < 5, "—"),
        ("emulator ≥ 20k requests/s", f"{w['rps']:,.0f} requests/s", w["rps"] >= 20000, "—"),
    ]
    # The performance issue's targets, from the same run.
    py_vs_rust = over("python", "rust")
    py_conc_share = conc["python"]["rps"] / conc["rust"]["rps"]
    go_vs_rust = over("go", "rust")
    ours_import = imp_ours["median"] - imp_none["median"]
    targets += [
        ratio_target("Python package ≥ 12× faster per call than the official Python SDK",
                     f"{ratio(py_vs_sdk)}", "sdk", "python", at_least(12)),
        ratio_target("Python package ≤ 1.3× the Rust `Client` per call (sequential)",
                     f"{ratio(py_vs_rust)} ({num(seq['python']['median'])} µs vs {num(seq['rust']['median'])} µs; "
                     f"Python's own raw-socket floor: {num(seq['pysocket']['median'])} µs)",
                     "python", "rust", at_most(1.3)),
        ("Python package with 8 threads ≥ 33 % of the Rust `Client`'s calls/s with 8 threads",
         f"{py_conc_share:.0%} ({conc['python']['rps']:,.0f} vs {conc['rust']['rps']:,.0f} calls/s)",
         py_conc_share >= 0.33, "—"),
        ("`import dms_progress` ≤ 15 ms over `python -c pass`", f"{num(ours_import)} ms", ours_import <= 15, "—"),
        ratio_target("Rust `Client` ≤ 1.4× the raw-socket floor", f"{ratio(rust_vs_floor)}", "rust", "raw", at_most(1.4)),
        ratio_target("Go package ≤ 1.15× the Rust `Client` per call (sequential, `context.Background()`)",
                     f"{ratio(go_vs_rust)} ({num(seq['go']['median'])} µs vs {num(seq['rust']['median'])} µs)",
                     "go", "rust", at_most(1.15)),
    ]
    add("## Targets")
    add("")
    add("Sequential figures are measured with the emulator and the client in different CPUs; the last")
    add("column is the same ratio, from the same run, with both in one CPU (section 2 says why both).")
    add("")
    add("| target | measured | met | client and emulator in one CPU |")
    add("|---|---|---|---|")
    for name, measured, met, one_cpu in targets:
        add(f"| {name} | {measured} | {'**yes**' if met else '**no**: see the analysis'} | {one_cpu} |")
    add("")

    add("## 1. Core (criterion)")
    add("")
    add("`cargo bench -p progress-core --bench core` (`crates/progress-core/benches/core.rs`), short")
    add("measurement time. Median of criterion's samples, its 95 % confidence interval, and the ratio")
    add("to the baseline measured beside it (below 1× is faster than the baseline).")
    add("")
    add("| benchmark | median | 95 % CI | baseline | baseline median | ratio |")
    add("|---|---|---|---|---|---|")
    rows = [
        ("sign a request (canonical request, SHA-256, HMAC, headers)", "sign/sign_request",
         "bare HMAC-SHA256 + two SHA-256 of the same sizes", "sign/floor_hmac_plus_two_sha256"),
        ("build the full signed request (URL, headers, signature)", "sign/build_full_request",
         "bare HMAC-SHA256 + two SHA-256", "sign/floor_hmac_plus_two_sha256"),
        ("decode the seed's example (2 steps, 350 B)", "decode/progress/seed_example",
         "`serde_json::Value` of the same bytes", "decode/serde_json_value_baseline/seed_example"),
        ("decode a 200-step response (24 KB)", "decode/progress/200_steps",
         "`serde_json::Value` of the same bytes", "decode/serde_json_value_baseline/200_steps"),
        ("decode an error body (API error with request id, redaction)", "decode/error_body",
         "`serde_json::Value` of the same bytes", "decode/error_body_serde_json_value_baseline"),
        ("build the signed request + decode the seed's example", "sign/sign_plus_decode_seed_example",
         "target", None),
    ]

    def t(ns):
        return f"{num(ns / 1000)} µs" if ns >= 1000 else f"{ns:.0f} ns"

    for label, key, base_label, base_key in rows:
        c = crit[key]
        ci = f"{t(c['lo'])} – {t(c['hi'])}"
        if base_key:
            b = crit[base_key]
            add(f"| {label} | {t(c['median'])} | {ci} | {base_label} | {t(b['median'])} | {ratio(c['median'] / b['median'])} |")
        else:
            add(f"| {label} | **{t(c['median'])}** | {ci} | {base_label} | 5 µs | {ratio(c['median'] / 5000)} |")
    add("")

    add("## 2. End to end on loopback")
    add("")
    add("One `dms-emulator` (release, `--quiet`, 2 worker threads, `bench/scenario.json`: a task")
    add("running for a day, so every answer is the same size) on 127.0.0.1; every client keeps its")
    add("connection(s) alive and makes a warm-up of 20 calls per caller first. Each client ran")
    add(f"{len(seq['raw']['rounds'])} rounds, interleaved with the others; the per-call figures pool every")
    add("call of every round (median, and 10th–90th percentile as the spread), calls/s is the median")
    add("of the rounds' throughputs. The floor is a raw keep-alive TCP socket replaying one request")
    add("signed once with `dms_progress_build_request` (C), reading each response to its last byte")
    add("and decoding nothing.")
    add("")
    add("Where the emulator and a sequential client run decides a call's latency here more than either")
    add("does. On this virtual machine a CPU with nothing to run halts, and waking it from the other CPU")
    add("is an exit to the hypervisor that costs tens of microseconds; on one CPU, a request is a")
    add("context switch into the emulator. Left to the scheduler, which moves between the two from one")
    add("moment to the next, the floor's median moved between about 11 µs and 90 µs within minutes. So")
    add("the sequential calls are pinned (`taskset`), and measured both ways in every round:")
    add("**different CPUs** (emulator on CPU 0, client on CPU 1, as a service on another machine: the")
    add("figures used everywhere else) and **one CPU** (both on CPU 0: nearly pure CPU work, where a")
    add("client's own cost weighs most). The concurrent rows keep both CPUs busy and are not pinned.")
    add("")
    add("**Sequential** (one caller):")
    add("")
    add("| client | per call, median | p10 – p90 | vs floor | official SDK ÷ this | calls/s | one CPU: median | vs floor | SDK ÷ this |")
    add("|---|---|---|---|---|---|---|---|---|")
    def vs_floor_and_sdk(placement, c):
        if c not in placement or "raw" not in placement or "sdk" not in placement:
            return "—", "—"
        return ("1×" if c == "raw" else ratio(over(c, "raw", placement)),
                "1×" if c == "sdk" else ratio(over("sdk", c, placement)))

    for c, label in CLIENTS:
        r = seq[c]
        vs_floor, vs_sdk = vs_floor_and_sdk(seq, c)
        one_floor, one_sdk = vs_floor_and_sdk(same, c)
        one_median = f"{num(same[c]['median'])} µs" if c in same else "—"
        add(f"| {label} | **{num(r['median'])} µs** | {num(r['p10'])} – {num(r['p90'])} µs | {vs_floor} | {vs_sdk} | "
            f"{r['rps']:,.0f} | {one_median} | {one_floor} | {one_sdk} |")
    add("")
    add("**8 concurrent callers** (threads; goroutines for Go; one shared client):")
    add("")
    add("| client | per call, median | p10 – p90 | calls/s | vs floor's calls/s | ÷ official SDK's calls/s |")
    add("|---|---|---|---|---|---|")
    for c, label in CLIENTS:
        if c not in conc:
            continue  # measured sequentially only
        r = conc[c]
        add(f"| {label} | {num(r['median'])} µs | {num(r['p10'])} – {num(r['p90'])} µs | **{r['rps']:,.0f}** | "
            f"{ratio(r['rps'] / conc['raw']['rps'])} | {ratio(r['rps'] / conc['sdk']['rps'])} |")
    add("")
    gosdk_err = res / "gosdk.running.err"
    gosdk = peer_runs(res, "gosdk.waiting.seq.*")
    ours_waiting = peer_runs(res, "gosdk.ours.seq.*")
    if gosdk_err.exists() and gosdk is not None and ours_waiting is not None:
        err = gosdk_err.read_text().strip().replace("|", "\\|")
        add("**The official Go SDK** (`huaweicloud-sdk-go-v3`, `bench/go-sdk`), sequential, same run:")
        add("")
        add("| task | official Go SDK | our Go package | SDK ÷ ours |")
        add("|---|---|---|---|")
        verdict = "decoded" if not err else f"**fails**: `{err[:160]}…`"
        add(f"| running (the table above) | {verdict} | {num(seq['go']['median'])} µs | — |")
        add(f"| not started (no step times) | {num(gosdk)} µs | {num(ours_waiting)} µs | {ratio(gosdk / ours_waiting)} |")
        add("")
        add("It declares step times as strings while the service sends integers (epoch milliseconds), so")
        add("it cannot read the progress of any task that has started (`tests/test_official_go_sdk.py`).")
        add("")
    if parts:
        add("Where a Python call's time goes (same run, sequential, medians):")
        add("")
        add("| | per call |")
        add("|---|---|")
        add(f"| `get_progress` from the main thread (as above: the wakeup descriptor is pointed at the Ctrl-C pipe) | {num(parts['main_thread'])} µs |")
        add(f"| `get_progress` from a worker thread (no wakeup descriptor) | {num(parts['worker_thread'])} µs |")
        if "native_call" in parts:
            add(f"| of which: the native call through ctypes, and freeing its result | {num(parts['native_call'])} µs |")
        add(f"| of which: copying the result into `Progress`/`Step` objects (one JSON view, `json.loads`) | {num(parts['convert'])} µs |")
        add(f"| Rust `Client` for the same call (table above) | {num(seq['rust']['median'])} µs |")
        add("")

    add("## 3. Cold start")
    add("")
    add("hyperfine (`--shell=none`, 3 warm-up runs): a whole process that makes one query against")
    add("the emulator and prints it, and the import alone. Median, and the 10th–90th percentile of")
    add("the runs.")
    add("")
    add("| command | median | p10 – p90 | runs | official SDK ÷ this |")
    add("|---|---|---|---|---|")
    for label, h in [
        ("`dms-progress get …` (the CLI)", cold_cli),
        ("`python one_call.py ours` (dms_progress)", cold_py),
        ("`python one_call.py sdk` (official SDK)", cold_sdk),
    ]:
        add(f"| {label} | **{num(h['median'])} ms** | {num(h['p10'])} – {num(h['p90'])} ms | {h['runs']} | {ratio(cold_sdk['median'] / h['median'])} |")
    add("")
    ours_import = imp_ours["median"] - imp_none["median"]
    sdk_import = imp_sdk["median"] - imp_none["median"]
    add("| import | process median | less `python -c pass` | `-X importtime` cumulative | official SDK ÷ this |")
    add("|---|---|---|---|---|")
    add(f"| `python -c pass` | {num(imp_none['median'])} ms | – | – | – |")
    add(f"| `import dms_progress` | {num(imp_ours['median'])} ms | **{num(ours_import)} ms** | {num(importtime['ours'])} ms | {ratio(sdk_import / ours_import) if ours_import > 0 else '–'} |")
    add(f"| `from huaweicloudsdkkafka.v2 import KafkaClient, …` | {num(imp_sdk['median'])} ms | **{num(sdk_import)} ms** | {num(importtime['sdk'])} ms | 1× |")
    add("")
    add("`bench/py/one_call.py` is the same dozen lines for both packages: build a client from an")
    add("endpoint, project and AK/SK, query once, print the percentage and the steps.")
    add("")

    add("## 4. Footprint")
    add("")
    so, so_stripped, a = int(sizes["so"]), int(sizes["so_stripped"]), int(sizes["a"])
    site_ours, site_sdk = int(sizes["site_ours"]), int(sizes["site_sdk"])
    add("| artefact | size |")
    add("|---|---|")
    add(f"| `libdms_progress.so` (release, as built / stripped) | {mib(so)} / {mib(so_stripped)} |")
    add(f"| `libdms_progress.a` (release; a program links only what it uses) | {mib(a)} |")
    add(f"| `bindings/c/example.c` linked statically | {mib(int(sizes['example_static']))} |")
    add(f"| `dms-progress` CLI | {mib(int(sizes['cli']))} |")
    add("")
    add("Installed Python footprint: everything pip put in a fresh venv's site-packages (bytecode")
    add("included), less pip and setuptools, one venv per side:")
    add("")
    add("| | distributions | size | ratio |")
    add("|---|---|---|---|")
    add(f"| `pip install ./bindings/python` | {sizes['dists_ours']}: {sizes['distnames_ours'].strip()} | **{mib(site_ours)}** | 1× |")
    add(f"| `pip install huaweicloudsdkkafka` | {sizes['dists_sdk']}: {sizes['distnames_sdk'].strip()} | **{mib(site_sdk)}** | {ratio(site_sdk / site_ours)} |")
    add("")
    add("Peak RSS (`/usr/bin/time -v`, maximum resident set size, median of runs) of a process")
    add("that makes one query against the emulator and exits:")
    add("")
    add("| process | peak RSS | official SDK ÷ this |")
    add("|---|---|---|")
    for label, key in [
        ("`bindings/c/example.c` (static; one get and one wait poll of a finished task)", "c_example"),
        ("`dms-progress get …`", "cli"),
        ("Python, `dms_progress`, after one call", "python"),
        ("Python, official SDK, after one call", "sdk"),
    ]:
        add(f"| {label} | **{mib(peak[key] * 1024)}** | {ratio(peak['sdk'] / peak[key])} |")
    add("")

    add("## 5. Emulator capacity")
    add("")
    add(f"`wrk -t2 -c32 -d…s --latency` with one pre-signed request (the `wrk_script` example of")
    add("`progress-emulator`), against the same emulator: every request has its signature verified")
    add("and its progress computed and encoded. wrk itself uses part of the 2 cores, so this is a")
    add("lower bound of what the emulator serves.")
    add("")
    add("| requests/s | requests | latency p50 / p90 / p99 | non-2xx | socket errors |")
    add("|---|---|---|---|---|")
    add(f"| **{w['rps']:,.0f}** | {w['total']} in {w['duration']} | {w['lat'].get('50', '?')} / {w['lat'].get('90', '?')} / {w['lat'].get('99', '?')} | {w['non2xx']} | {w['errors']} |")
    add("")
    best = max(r["rps"] for c, r in conc.items() if c != "raw")
    add(f"The fastest client of item 2 made {best:,.0f} calls/s with 8 callers, "
        f"{best / w['rps']:.0%} of this capacity.")
    add("")

    L.extend(watch_fleet_section(res))

    analysis = HERE / "analysis.md"
    if analysis.exists():
        add(analysis.read_text().rstrip())
        add("")
    Path(out_path).write_text("\n".join(L))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1:3] == ["--only", "watch_fleet"]:
        rewrite_section(Path(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 3:
        main(sys.argv[1], sys.argv[2])
    else:
        raise SystemExit(__doc__)
