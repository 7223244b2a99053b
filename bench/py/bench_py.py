"""bench/run.sh's load generator for Python: the dms_progress package or the official SDK
(huaweicloudsdkkafka), one client shared by every caller, against a running dms-emulator.

    python bench_py.py ours|sdk|socket ENDPOINT PROJECT INSTANCE TASK CALLERS CALLS_PER_CALLER
    python bench_py.py ours-parts ENDPOINT PROJECT INSTANCE TASK 1 CALLS

``socket`` is Python's own floor, the counterpart of ``bench_c raw``: one request signed once
by the library's sans-IO half (``dms_progress_build_request``), replayed on a raw keep-alive
socket from Python, each response read to its last byte and decoded no further. What a
Python process pays for a loopback round trip, whatever library it uses.

Credentials: HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK. With one caller the calls run on the
main thread, as a script makes them; with more, each caller is a thread. Each caller warms up
first, then all start together. Prints ``wall_ns N``, then one call duration in nanoseconds
per line.

``ours-parts`` shows where the package's time goes instead, as JSON lines of median
microseconds: ``get_progress`` from the main thread (where it also points Python's wakeup
descriptor at the pipe that lets Ctrl-C cancel the native call), the same from a worker
thread (no wakeup descriptor), the native call alone (``dms_progress_client_get_progress``
through ctypes, and freeing its result), and the copy of one result into Python objects
alone (one ``dms_progress_progress_to_json`` call, ``json.loads``, the objects).
"""

import os
import sys
import threading
import time

WARM_UP_CALLS = 20


def make_call(kind, endpoint, project, instance, task):
    ak, sk = os.environ["HUAWEICLOUD_SDK_AK"], os.environ["HUAWEICLOUD_SDK_SK"]
    if kind == "ours":
        import dms_progress

        client = dms_progress.Client(endpoint=endpoint, project_id=project, ak=ak, sk=sk)
        return lambda: client.get_progress(instance, task)
    if kind == "sdk":
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkkafka.v2 import KafkaClient, ShowBackgroundTaskProgressRequest

        client = (
            KafkaClient.new_builder()
            .with_credentials(BasicCredentials(ak, sk, project))
            .with_endpoints([endpoint])
            .build()
        )
        return lambda: client.show_background_task_progress(
            ShowBackgroundTaskProgressRequest(instance_id=instance, task_id=task)
        )
    if kind == "socket":
        return raw_socket_call(endpoint, instance, task)
    raise SystemExit(f"unknown kind {kind!r}: ours, sdk or socket")


def raw_socket_call(endpoint, instance, task):
    import ctypes
    import socket
    from urllib.parse import urlsplit

    from dms_progress import _ffi

    lib = _ffi.lib
    config = lib.dms_progress_config_new()
    for setter, value in [
        (lib.dms_progress_config_set_endpoint, endpoint),
        (lib.dms_progress_config_set_access_key_id, os.environ["HUAWEICLOUD_SDK_AK"]),
        (lib.dms_progress_config_set_secret_access_key, os.environ["HUAWEICLOUD_SDK_SK"]),
        (lib.dms_progress_config_set_project_id, os.environ["HUAWEICLOUD_SDK_PROJECT_ID"]),
    ]:
        assert setter(config, value.encode(), None) == 0
    request = ctypes.POINTER(_ffi.dms_progress_request)()
    rc = lib.dms_progress_build_request(config, instance.encode(), task.encode(), int(time.time()), ctypes.byref(request), None)
    assert rc == 0, rc
    url = urlsplit(lib.dms_progress_request_url(request).decode())
    lines = [f"GET {url.path}{'?' + url.query if url.query else ''} HTTP/1.1", f"Host: {url.netloc}"]
    for i in range(lib.dms_progress_request_header_count(request)):
        name = lib.dms_progress_request_header_name(request, i).decode()
        if name.lower() != "host":
            lines.append(f"{name}: {lib.dms_progress_request_header_value(request, i).decode()}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode()
    lib.dms_progress_request_free(request)
    lib.dms_progress_config_free(config)
    sock = socket.create_connection((url.hostname, url.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def call():
        sock.sendall(data)
        got = b""
        while True:
            chunk = sock.recv(131072)
            if not chunk:
                raise SystemExit("the emulator closed the connection")
            got += chunk
            head, sep, body = got.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
                )
                if len(body) >= length:
                    if not head.startswith(b"HTTP/1.1 200 "):
                        raise SystemExit(f"unexpected answer: {head[:80]!r}")
                    return

    return call


def median_us(samples):
    samples = sorted(samples)
    return samples[len(samples) // 2] / 1000


def parts(endpoint, project, instance, task, calls):
    import json

    import dms_progress
    import dms_progress._client as client_module

    client = dms_progress.Client(
        endpoint=endpoint,
        project_id=project,
        ak=os.environ["HUAWEICLOUD_SDK_AK"],
        sk=os.environ["HUAWEICLOUD_SDK_SK"],
    )
    clock = time.perf_counter_ns
    convert = []
    copy = client_module.progress_from_c

    def timed_copy(ptr):
        t = clock()
        try:
            return copy(ptr)
        finally:
            convert.append(clock() - t)

    client_module.progress_from_c = timed_copy

    def loop(out):
        for _ in range(WARM_UP_CALLS):
            client.get_progress(instance, task)
        del convert[:]
        for _ in range(calls):
            t = clock()
            client.get_progress(instance, task)
            out.append(clock() - t)

    def native(out):
        import ctypes

        lib = client_module.lib
        iid, tid = instance.encode(), task.encode()
        ptr = client._ptr
        result = client_module.ProgressPtr()
        for i in range(WARM_UP_CALLS + calls):
            t = clock()
            rc = lib.dms_progress_client_get_progress(ptr, iid, tid, None, ctypes.byref(result), None)
            lib.dms_progress_progress_free(result)
            if i >= WARM_UP_CALLS:
                out.append(clock() - t)
            assert rc == 0, rc

    main_thread, worker_thread, native_call = [], [], []
    loop(main_thread)
    worker = threading.Thread(target=loop, args=(worker_thread,))
    worker.start()
    worker.join()
    native(native_call)
    for name, samples in [
        ("main_thread", main_thread),
        ("worker_thread", worker_thread),
        ("native_call", native_call),
        ("convert", convert),
    ]:
        print(json.dumps({"part": name, "median_us": median_us(samples), "n": len(samples)}))


def main(argv):
    if len(argv) != 7:
        raise SystemExit(__doc__)
    kind, endpoint, project, instance, task = argv[:5]
    callers, calls = int(argv[5]), int(argv[6])
    if kind == "ours-parts":
        return parts(endpoint, project, instance, task, calls)
    call = make_call(kind, endpoint, project, instance, task)
    clock = time.perf_counter_ns
    lat = [[] for _ in range(callers)]

    def caller(mine, start):
        for _ in range(WARM_UP_CALLS):
            call()
        start.wait()
        for _ in range(calls):
            t = clock()
            call()
            mine.append(clock() - t)

    if callers == 1:
        for _ in range(WARM_UP_CALLS):
            call()
        t0 = clock()
        for _ in range(calls):
            t = clock()
            call()
            lat[0].append(clock() - t)
        wall = clock() - t0
    else:
        start = threading.Barrier(callers + 1)
        threads = [threading.Thread(target=caller, args=(lat[i], start)) for i in range(callers)]
        for th in threads:
            th.start()
        start.wait()
        t0 = clock()
        for th in threads:
            th.join()
        wall = clock() - t0
        if sum(map(len, lat)) != callers * calls:
            raise SystemExit("a caller failed")
    out = [f"wall_ns {wall}"]
    out.extend(str(ns) for mine in lat for ns in mine)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
