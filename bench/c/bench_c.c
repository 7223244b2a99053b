/*
 * bench_c.c: load generator for bench/run.sh, linked with the static libdms_progress.a.
 *
 *   bench_c client ENDPOINT PROJECT INSTANCE TASK THREADS CALLS_PER_THREAD
 *       the C API's client loop: dms_progress_client_get_progress, one client shared by
 *       THREADS callers (what bindings/c/example.c does once, in a loop)
 *   bench_c raw    ENDPOINT PROJECT INSTANCE TASK THREADS CALLS_PER_THREAD
 *       the floor: one request signed once with dms_progress_build_request, replayed on a raw
 *       keep-alive TCP socket per caller; the response is read to its last byte and its
 *       status checked, nothing is decoded
 *   bench_c once   ENDPOINT PROJECT INSTANCE TASK
 *       one client, one call, exit (for peak RSS)
 *
 * Credentials: HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK. Each caller warms up first (its
 * connection is set up), then all start together. Prints `wall_ns N`, then one call duration
 * in nanoseconds per line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dms_progress.h"

#define WARM_UP_CALLS 20

static const char *g_endpoint, *g_project, *g_instance, *g_task;
static size_t g_calls;
static pthread_barrier_t g_start;

/* raw mode: the pre-signed request, and where to send it */
static char *g_raw_request;
static size_t g_raw_len;
static struct sockaddr_in g_addr;

/* client mode */
static dms_progress_client *g_client;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, dms_progress_result rc, dms_progress_error *err) {
    fprintf(stderr, "bench_c: %s: %s: %s\n", what, dms_progress_result_name(rc),
            err ? dms_progress_error_message(err) : "");
    exit(1);
}

static dms_progress_config *make_config(void) {
    const char *ak = getenv("HUAWEICLOUD_SDK_AK"), *sk = getenv("HUAWEICLOUD_SDK_SK");
    if (!ak || !sk) {
        fprintf(stderr, "bench_c: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must be set\n");
        exit(2);
    }
    dms_progress_config *c = dms_progress_config_new();
    dms_progress_config_set_endpoint(c, g_endpoint, NULL);
    dms_progress_config_set_project_id(c, g_project, NULL);
    dms_progress_config_set_access_key_id(c, ak, NULL);
    dms_progress_config_set_secret_access_key(c, sk, NULL);
    dms_progress_config_set_proxy(c, "", NULL);
    dms_progress_config_set_use_environment(c, false, NULL);
    return c;
}

static int client_call(void) {
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    dms_progress_result rc = dms_progress_client_get_progress(g_client, g_instance, g_task, NULL, &p, &err);
    if (rc != DMS_PROGRESS_RESULT_OK) {
        die("get_progress", rc, err);
    }
    size_t steps = dms_progress_progress_step_count(p);
    dms_progress_progress_free(p);
    return steps > 0;
}

/* Sends the pre-signed request and reads one whole response (Content-Length framed). */
static int raw_call(int fd, char *buf, size_t cap) {
    size_t sent = 0;
    while (sent < g_raw_len) {
        ssize_t n = write(fd, g_raw_request + sent, g_raw_len - sent);
        if (n <= 0) {
            perror("bench_c: write");
            exit(1);
        }
        sent += (size_t)n;
    }
    size_t have = 0, need = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, cap - have - 1);
        if (n <= 0) {
            fprintf(stderr, "bench_c: the connection closed mid-response\n");
            exit(1);
        }
        have += (size_t)n;
        buf[have] = '\0';
        if (!need) {
            char *end = strstr(buf, "\r\n\r\n");
            if (!end) {
                continue;
            }
            char *cl = strcasestr(buf, "\r\ncontent-length:");
            if (!cl || cl > end) {
                fprintf(stderr, "bench_c: no Content-Length in the response\n");
                exit(1);
            }
            need = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
            if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0) {
                fprintf(stderr, "bench_c: unexpected response: %.40s\n", buf);
                exit(1);
            }
        }
        if (need && have >= need) {
            return 1;
        }
    }
}

static int raw_connect(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&g_addr, sizeof g_addr) != 0) {
        perror("bench_c: connect");
        exit(1);
    }
    return fd;
}

static void prepare_raw(void) {
    dms_progress_config *c = make_config();
    dms_progress_request *req = NULL;
    dms_progress_error *err = NULL;
    dms_progress_result rc =
        dms_progress_build_request(c, g_instance, g_task, (uint64_t)time(NULL), &req, &err);
    dms_progress_config_free(c);
    if (rc != DMS_PROGRESS_RESULT_OK) {
        die("build_request", rc, err);
    }
    /* http://HOST:PORT/path -> address and path */
    const char *url = dms_progress_request_url(req);
    const char *hostport = strstr(url, "://");
    if (!hostport || strncmp(url, "http://", 7) != 0) {
        fprintf(stderr, "bench_c: raw mode needs an http:// endpoint\n");
        exit(2);
    }
    hostport += 3;
    const char *path = strchr(hostport, '/');
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(path - hostport), hostport);
    char *colon = strrchr(host, ':');
    int port = 80;
    if (colon) {
        *colon = '\0';
        port = atoi(colon + 1);
    }
    memset(&g_addr, 0, sizeof g_addr);
    g_addr.sin_family = AF_INET;
    g_addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &g_addr.sin_addr) != 1) {
        fprintf(stderr, "bench_c: raw mode needs a numeric IPv4 endpoint, not %s\n", host);
        exit(2);
    }
    size_t cap = 4096;
    g_raw_request = malloc(cap);
    int len = snprintf(g_raw_request, cap, "%s %s HTTP/1.1\r\n", dms_progress_request_method(req), path);
    for (size_t i = 0; i < dms_progress_request_header_count(req); i++) {
        len += snprintf(g_raw_request + len, cap - (size_t)len, "%s: %s\r\n",
                        dms_progress_request_header_name(req, i), dms_progress_request_header_value(req, i));
    }
    len += snprintf(g_raw_request + len, cap - (size_t)len, "\r\n");
    if ((size_t)len >= cap) {
        fprintf(stderr, "bench_c: request too long\n");
        exit(1);
    }
    g_raw_len = (size_t)len;
    dms_progress_request_free(req);
}

typedef struct {
    int raw;
    uint64_t *lat;
} worker_arg;

static void *worker(void *p) {
    worker_arg *a = p;
    int fd = -1;
    char *buf = NULL;
    size_t cap = 65536;
    if (a->raw) {
        fd = raw_connect();
        buf = malloc(cap);
    }
    for (int i = 0; i < WARM_UP_CALLS; i++) {
        a->raw ? raw_call(fd, buf, cap) : client_call();
    }
    pthread_barrier_wait(&g_start);
    for (size_t i = 0; i < g_calls; i++) {
        uint64_t t = now_ns();
        a->raw ? raw_call(fd, buf, cap) : client_call();
        a->lat[i] = now_ns() - t;
    }
    if (fd >= 0) {
        close(fd);
    }
    free(buf);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "once") == 0) {
        g_endpoint = argv[2], g_project = argv[3], g_instance = argv[4], g_task = argv[5];
        dms_progress_config *c = make_config();
        dms_progress_error *err = NULL;
        dms_progress_result rc = dms_progress_client_new(c, &g_client, &err);
        dms_progress_config_free(c);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            die("client_new", rc, err);
        }
        client_call();
        dms_progress_client_free(g_client);
        return 0;
    }
    if (argc != 8 || (strcmp(argv[1], "client") != 0 && strcmp(argv[1], "raw") != 0)) {
        fprintf(stderr, "usage: %s client|raw ENDPOINT PROJECT INSTANCE TASK THREADS CALLS_PER_THREAD\n"
                        "       %s once ENDPOINT PROJECT INSTANCE TASK\n", argv[0], argv[0]);
        return 2;
    }
    int raw = strcmp(argv[1], "raw") == 0;
    g_endpoint = argv[2], g_project = argv[3], g_instance = argv[4], g_task = argv[5];
    size_t threads = strtoul(argv[6], NULL, 10);
    g_calls = strtoul(argv[7], NULL, 10);
    if (threads == 0 || g_calls == 0) {
        fprintf(stderr, "bench_c: THREADS and CALLS_PER_THREAD must be positive\n");
        return 2;
    }
    if (raw) {
        prepare_raw();
    } else {
        dms_progress_config *c = make_config();
        dms_progress_error *err = NULL;
        dms_progress_result rc = dms_progress_client_new(c, &g_client, &err);
        dms_progress_config_free(c);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            die("client_new", rc, err);
        }
    }
    pthread_barrier_init(&g_start, NULL, (unsigned)threads + 1);
    pthread_t *tids = calloc(threads, sizeof *tids);
    worker_arg *args = calloc(threads, sizeof *args);
    for (size_t i = 0; i < threads; i++) {
        args[i].raw = raw;
        args[i].lat = calloc(g_calls, sizeof(uint64_t));
        pthread_create(&tids[i], NULL, worker, &args[i]);
    }
    pthread_barrier_wait(&g_start);
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
    }
    uint64_t wall = now_ns() - t0;
    printf("wall_ns %llu\n", (unsigned long long)wall);
    for (size_t i = 0; i < threads; i++) {
        for (size_t j = 0; j < g_calls; j++) {
            printf("%llu\n", (unsigned long long)args[i].lat[j]);
        }
        free(args[i].lat);
    }
    free(args);
    free(tids);
    dms_progress_client_free(g_client);
    free(g_raw_request);
    return 0;
}
