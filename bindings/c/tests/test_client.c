/*
 * C tests of the dms_progress C API against a running dms-emulator (see with-emulator.sh,
 * which exports DMS_ENDPOINT, DMS_AK, DMS_SK and DMS_PROJECT_ID and serves scenario.json).
 * The sans-IO tests read the repository's testdata/ (DMS_TESTDATA, set by the Makefile).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dms_progress.h"

static int passed, failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define CHECK_RC(rc, expected)                                                         \
    do {                                                                               \
        dms_progress_result rc_ = (rc);                                                \
        if (rc_ == (expected)) {                                                       \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: got %s, expected %s\n", __FILE__, __LINE__,        \
                    dms_progress_result_name(rc_), dms_progress_result_name(expected)); \
        }                                                                              \
    } while (0)

static const char *INSTANCE = "c-test-instance";

#ifndef DMS_TESTDATA
#error "DMS_TESTDATA must name the repository's testdata directory (the Makefile sets it)"
#endif

/* The whole of testdata/<rel> as a NUL-terminated buffer (the NUL is not counted in *len). */
static char *read_testdata(const char *rel, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DMS_TESTDATA, rel);
    FILE *f = fopen(path, "rb");
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) {
        size = ftell(f);
        rewind(f);
    }
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    size_t n = buf ? fread(buf, 1, (size_t)size, f) : 0;
    if (f) {
        fclose(f);
    }
    if (!buf || n != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    buf[n] = 0;
    if (len) {
        *len = n;
    }
    return buf;
}

#define MAX_HEADERS 16

/* A request.txt or response.txt: first line, `Name: value` lines, an empty line, the body.
 * Every string points into `raw`, which parse_message cuts with NULs. */
struct message {
    char *raw;
    const char *first;
    const char *names[MAX_HEADERS];
    const char *values[MAX_HEADERS];
    size_t header_count;
    const uint8_t *body;
    size_t body_len;
};

static struct message read_message(const char *rel) {
    struct message m = {0};
    size_t len = 0;
    m.raw = read_testdata(rel, &len);
    char *end_of_head = strstr(m.raw, "\n\n");
    if (!end_of_head) {
        fprintf(stderr, "%s: no empty line after the head\n", rel);
        exit(2);
    }
    *end_of_head = 0;
    m.body = (const uint8_t *)end_of_head + 2;
    m.body_len = len - (size_t)(end_of_head + 2 - m.raw);
    char *line = m.raw;
    m.first = line;
    for (char *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = 0;
        }
        if (line == m.first) {
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon || m.header_count == MAX_HEADERS) {
            fprintf(stderr, "%s: bad header line %s\n", rel, line);
            exit(2);
        }
        *colon++ = 0;
        while (*colon == ' ') {
            colon++;
        }
        m.names[m.header_count] = line;
        m.values[m.header_count++] = colon;
    }
    return m;
}

static const char *message_header(const struct message *m, const char *name) {
    for (size_t i = 0; i < m->header_count; i++) {
        if (strcasecmp(m->names[i], name) == 0) {
            return m->values[i];
        }
    }
    return NULL;
}

static const char *request_header(const dms_progress_request *r, const char *name) {
    for (size_t i = 0; i < dms_progress_request_header_count(r); i++) {
        if (strcasecmp(dms_progress_request_header_name(r, i), name) == 0) {
            return dms_progress_request_header_value(r, i);
        }
    }
    return NULL;
}

/* Seconds since the epoch of an X-Sdk-Date (YYYYMMDDTHHMMSSZ), by days from the civil date. */
static uint64_t sdk_date_seconds(const char *date) {
    int y, mo, d, h, mi, s;
    if (sscanf(date, "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi, &s) != 6) {
        fprintf(stderr, "bad X-Sdk-Date %s\n", date);
        exit(2);
    }
    y -= mo <= 2;
    long era = y / 400, yoe = y - era * 400;
    long doy = (153L * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return (uint64_t)days * 86400 + (uint64_t)(h * 3600 + mi * 60 + s);
}

/* The value of `key` in a credentials file (`key = value` lines), copied into out. */
static void credential(const char *file, const char *key, char *out, size_t cap) {
    char pattern[32];
    snprintf(pattern, sizeof pattern, "\n%s = ", key);
    const char *at = strstr(file, pattern);
    CHECK(at != NULL);
    out[0] = 0;
    if (at) {
        at += strlen(pattern);
        size_t n = strcspn(at, "\n");
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), at);
    }
}

static const char *env(const char *name) {
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "%s is not set: run through tests/with-emulator.sh\n", name);
        exit(2);
    }
    return v;
}

static dms_progress_client *new_client(const char *sk) {
    dms_progress_config *cfg = dms_progress_config_new();
    CHECK_RC(dms_progress_config_set_use_environment(cfg, false, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_config_set_endpoint(cfg, env("DMS_ENDPOINT"), NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_config_set_project_id(cfg, env("DMS_PROJECT_ID"), NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_config_set_access_key_id(cfg, env("DMS_AK"), NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_config_set_secret_access_key(cfg, sk, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_config_set_retries(cfg, 0, NULL), DMS_PROGRESS_RESULT_OK);
    dms_progress_client *client = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(dms_progress_client_new(cfg, &client, &err), DMS_PROGRESS_RESULT_OK);
    CHECK(err == NULL);
    dms_progress_config_free(cfg);
    return client;
}

static void test_client_accessors(dms_progress_client *client) {
    CHECK(strcmp(dms_progress_client_endpoint(client), env("DMS_ENDPOINT")) == 0);
    CHECK(strcmp(dms_progress_client_project_id(client), env("DMS_PROJECT_ID")) == 0);
    CHECK(strcmp(dms_progress_client_access_key_id(client), env("DMS_AK")) == 0);
    CHECK(strcmp(dms_progress_client_credential_source(client), "explicit") == 0);
    CHECK(!dms_progress_client_temporary_credentials(client));
    CHECK(strcmp(dms_progress_client_project_id_source(client), "explicit") == 0);
    CHECK(dms_progress_client_credentials_expire_at(client) == 0);

    /* What the client resolved from the environment, and from an IAM token. */
    setenv("HUAWEICLOUD_SDK_AK", "ENVAK", 1);
    setenv("HUAWEICLOUD_SDK_SK", "env-sk", 1);
    setenv("HUAWEICLOUD_SDK_SECURITY_TOKEN", "env-token", 1);
    setenv("HUAWEICLOUD_SDK_PROJECT_ID", "envproject", 1);
    dms_progress_config *cfg = dms_progress_config_new();
    dms_progress_config_set_endpoint(cfg, "http://127.0.0.1:9", NULL);
    dms_progress_client *from_env = NULL;
    CHECK_RC(dms_progress_client_new(cfg, &from_env, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(strcmp(dms_progress_client_access_key_id(from_env), "ENVAK") == 0);
    CHECK(strcmp(dms_progress_client_project_id(from_env), "envproject") == 0);
    CHECK(strcmp(dms_progress_client_credential_source(from_env), "environment") == 0);
    CHECK(dms_progress_client_temporary_credentials(from_env));
    dms_progress_client_free(from_env);
    unsetenv("HUAWEICLOUD_SDK_AK");
    unsetenv("HUAWEICLOUD_SDK_SK");
    unsetenv("HUAWEICLOUD_SDK_SECURITY_TOKEN");
    unsetenv("HUAWEICLOUD_SDK_PROJECT_ID");

    dms_progress_config_set_use_environment(cfg, false, NULL);
    dms_progress_config_set_project_id(cfg, "p", NULL);
    dms_progress_config_set_iam_token(cfg, "iam-token-value", NULL);
    dms_progress_client *iam = NULL;
    CHECK_RC(dms_progress_client_new(cfg, &iam, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_client_access_key_id(iam) == NULL);
    CHECK(strcmp(dms_progress_client_credential_source(iam), "iam-token") == 0);
    CHECK(dms_progress_client_temporary_credentials(iam));
    dms_progress_client_free(iam);
    dms_progress_config_free(cfg);
}

static void test_version(void) {
    const char *v = dms_progress_version();
    CHECK(v != NULL && strlen(v) >= 5);
    CHECK(strcmp(dms_progress_result_name(DMS_PROGRESS_RESULT_TIMEOUT), "DMS_PROGRESS_RESULT_TIMEOUT") == 0);
    CHECK(strcmp(dms_progress_result_name(999), "DMS_PROGRESS_RESULT_UNKNOWN") == 0);
}

static void test_get_progress(dms_progress_client *client) {
    dms_progress_progress *p = NULL;
    dms_progress_error *err = (dms_progress_error *)0x1; /* must be reset to NULL on entry */
    CHECK_RC(dms_progress_client_get_progress(client, INSTANCE, "long", NULL, &p, &err), DMS_PROGRESS_RESULT_OK);
    CHECK(err == NULL);
    CHECK(p != NULL);
    uint8_t pct = 255;
    CHECK(dms_progress_progress_percentage(p, &pct));
    CHECK(pct <= 100);
    uint64_t remain = 0;
    CHECK(dms_progress_progress_remain_time(p, &remain));
    CHECK(remain > 3000);
    CHECK(dms_progress_progress_step_count(p) == 2);
    CHECK(strcmp(dms_progress_progress_step_name(p, 0), "pre_check") == 0);
    CHECK(strcmp(dms_progress_progress_step_name(p, 1), "rolling_scaling") == 0);
    CHECK(dms_progress_progress_step_name(p, 2) == NULL);
    CHECK(dms_progress_progress_step_status(p, 2) == DMS_PROGRESS_STEP_STATUS_OTHER);
    int64_t start = 0;
    CHECK(dms_progress_progress_step_start_time(p, 0, &start));
    CHECK(start > 1700000000000LL);
    CHECK(!dms_progress_progress_is_complete(p));
    size_t failed_step = 99;
    CHECK(!dms_progress_progress_failed_step(p, &failed_step));
    CHECK(failed_step == 99);
    dms_progress_progress_free(p);
}

/* A wait with these options (0: the library's default), freeing the options at once. */
static dms_progress_result wait_for(dms_progress_client *client, const char *task, uint64_t interval_ms,
                                    uint64_t max_wait_ms, dms_progress_progress_callback callback, void *userdata,
                                    const dms_progress_cancel *cancel, dms_progress_progress **p,
                                    dms_progress_error **err) {
    dms_progress_wait_options *o = dms_progress_wait_options_new();
    CHECK_RC(dms_progress_wait_options_set_interval_ms(o, interval_ms, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_wait_options_set_max_wait_ms(o, max_wait_ms, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_wait_options_set_callback(o, callback, userdata, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_wait_options_set_cancel(o, cancel, NULL), DMS_PROGRESS_RESULT_OK);
    dms_progress_result rc = dms_progress_client_wait(client, INSTANCE, task, o, p, err);
    dms_progress_wait_options_free(o);
    return rc;
}

struct wait_state {
    int calls;
    int last_pct;
};

static bool count_polls(void *userdata, const dms_progress_progress *p) {
    struct wait_state *s = userdata;
    uint8_t pct;
    s->calls++;
    if (dms_progress_progress_percentage(p, &pct)) {
        s->last_pct = pct;
    }
    return true;
}

static void test_wait_completes(dms_progress_client *client) {
    struct wait_state s = {0, -1};
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(wait_for(client, "completes", 200, 30000, count_polls, &s, NULL, &p, &err),
             DMS_PROGRESS_RESULT_OK);
    if (err) {
        fprintf(stderr, "wait: %s\n", dms_progress_error_message(err));
    }
    CHECK(s.calls >= 1);
    CHECK(s.last_pct == 100);
    CHECK(dms_progress_progress_is_complete(p));
    CHECK(dms_progress_progress_step_status(p, 1) == DMS_PROGRESS_STEP_STATUS_COMPLETED);
    int64_t end = 0;
    CHECK(dms_progress_progress_step_end_time(p, 1, &end));
    dms_progress_progress_free(p);
    dms_progress_error_free(err);
}

static void test_wait_failing_task(dms_progress_client *client) {
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(wait_for(client, "fails", 200, 30000, NULL, NULL, NULL, &p, &err),
             DMS_PROGRESS_RESULT_TASK_FAILED);
    CHECK(p == NULL);
    CHECK(err != NULL);
    CHECK(dms_progress_error_result(err) == DMS_PROGRESS_RESULT_TASK_FAILED);
    size_t step = 99;
    CHECK(dms_progress_error_failed_step(err, &step));
    CHECK(step == 1);
    const dms_progress_progress *fp = dms_progress_error_progress(err);
    CHECK(fp != NULL);
    CHECK(strcmp(dms_progress_progress_step_name(fp, step), "disk_expansion") == 0);
    CHECK(dms_progress_progress_step_status(fp, step) == DMS_PROGRESS_STEP_STATUS_FAILED);
    CHECK(dms_progress_progress_step_status(fp, 2) == DMS_PROGRESS_STEP_STATUS_WAITING);
    CHECK(strstr(dms_progress_error_message(err), "disk_expansion") != NULL);
    dms_progress_error_free(err);
}

static bool stop_at_first(void *userdata, const dms_progress_progress *p) {
    (void)p;
    (*(int *)userdata)++;
    return false;
}

static void test_wait_cancel_and_timeout(dms_progress_client *client) {
    int calls = 0;
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(wait_for(client, "long", 100, 30000, stop_at_first, &calls, NULL, &p, &err),
             DMS_PROGRESS_RESULT_CANCELLED);
    CHECK(calls == 1);
    dms_progress_error_free(err);

    dms_progress_cancel *cancel = dms_progress_cancel_new();
    dms_progress_cancel_trigger(cancel);
    CHECK(dms_progress_cancel_is_triggered(cancel));
    CHECK_RC(wait_for(client, "long", 100, 30000, NULL, NULL, cancel, &p, NULL), DMS_PROGRESS_RESULT_CANCELLED);
    dms_progress_cancel_free(cancel);

    err = NULL;
    CHECK_RC(wait_for(client, "long", 100, 500, NULL, NULL, NULL, &p, &err),
             DMS_PROGRESS_RESULT_WAIT_TIMEOUT);
    CHECK(dms_progress_error_progress(err) != NULL);
    dms_progress_error_free(err);
}

static void test_unauthorized(void) {
    dms_progress_client *bad = new_client("not-the-secret-key");
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(dms_progress_client_get_progress(bad, INSTANCE, "long", NULL, &p, &err), DMS_PROGRESS_RESULT_API);
    CHECK(p == NULL);
    CHECK(dms_progress_error_http_status(err) == 401);
    CHECK(strcmp(dms_progress_error_api_code(err), "APIGW.0301") == 0);
    CHECK(dms_progress_error_request_id(err) != NULL && strlen(dms_progress_error_request_id(err)) > 0);
    CHECK(strstr(dms_progress_error_message(err), "not-the-secret-key") == NULL);
    CHECK(strstr(dms_progress_error_message(err), "HTTP 401") != NULL);
    dms_progress_error_free(err);
    dms_progress_client_free(bad);
}

static void test_not_found(dms_progress_client *client) {
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(dms_progress_client_get_progress(client, "no-such-instance", "t", NULL, &p, &err), DMS_PROGRESS_RESULT_API);
    CHECK(dms_progress_error_http_status(err) == 404);
    CHECK(strncmp(dms_progress_error_api_code(err), "DMS.", 4) == 0);
    CHECK(dms_progress_error_request_id(err) != NULL);
    dms_progress_error_free(err);
}

static void test_null_parameters(dms_progress_client *client) {
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    dms_progress_client *c = NULL;
    dms_progress_request *r = NULL;
    dms_progress_config *cfg = dms_progress_config_new();

    CHECK_RC(dms_progress_client_new(NULL, &c, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "config") != NULL);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_client_new(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_get_progress(NULL, INSTANCE, "t", NULL, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_get_progress(client, NULL, "t", NULL, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_get_progress(client, INSTANCE, NULL, NULL, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_get_progress(client, INSTANCE, "t", NULL, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    dms_progress_wait_options *o = dms_progress_wait_options_new();
    CHECK_RC(dms_progress_client_wait(NULL, INSTANCE, "t", o, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_wait(client, NULL, "t", o, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_wait(client, INSTANCE, NULL, o, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_wait(client, INSTANCE, "t", o, NULL, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "progress_out is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_wait_options_set_interval_ms(NULL, 1, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "options is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_wait_options_set_max_wait_ms(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    /* The maximum wait in effect: the library default (an hour) until one is set. */
    CHECK(dms_progress_wait_options_max_wait_ms(NULL) == 0);
    CHECK(dms_progress_wait_options_max_wait_ms(o) == 3600000);
    CHECK_RC(dms_progress_wait_options_set_max_wait_ms(o, 1234, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_wait_options_max_wait_ms(o) == 1234);
    CHECK_RC(dms_progress_wait_options_set_max_wait_ms(o, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_wait_options_max_wait_ms(o) == 3600000);
    CHECK_RC(dms_progress_wait_options_set_callback(NULL, NULL, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_wait_options_set_cancel(NULL, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    /* 0 is "the library's default", not an error; NULL clears the callback and the token. */
    CHECK_RC(dms_progress_wait_options_set_interval_ms(o, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_wait_options_set_max_wait_ms(o, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_wait_options_set_callback(o, NULL, NULL, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_wait_options_set_cancel(o, NULL, NULL), DMS_PROGRESS_RESULT_OK);
    dms_progress_wait_options_free(o);

    /* Setters name the refused parameter in err_out; their only failures are NULL and UTF-8. */
    err = (dms_progress_error *)0x1; /* must be reset to NULL on entry */
    CHECK_RC(dms_progress_config_set_endpoint(NULL, "x", &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "config is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_config_set_endpoint(cfg, NULL, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "endpoint is NULL") == 0);
    CHECK(dms_progress_error_result(err) == DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(!dms_progress_error_is_retryable(err));
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_config_set_region(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_project_id(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_access_key_id(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_secret_access_key(cfg, NULL, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "secret_access_key is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_config_set_security_token(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_iam_token(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_ca_file(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_proxy(cfg, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_timeout_ms(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_connect_timeout_ms(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_retries(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_max_body_bytes(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_insecure(NULL, true, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_use_environment(NULL, true, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_config_set_timeout_ms(cfg, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_config_set_connect_timeout_ms(cfg, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_config_set_max_body_bytes(cfg, 0, NULL), DMS_PROGRESS_RESULT_OK);

    CHECK_RC(dms_progress_build_request(NULL, INSTANCE, "t", 0, &r, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_build_request(cfg, NULL, "t", 0, &r, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_build_request(cfg, INSTANCE, NULL, 0, &r, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_build_request(cfg, INSTANCE, "t", 0, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_decode_response(200, NULL, NULL, 0, NULL, 0, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_decode_response(200, NULL, NULL, 1, NULL, 0, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_decode_response(200, NULL, NULL, 0, NULL, 5, &p, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    const char *names[] = {NULL};
    const char *values[] = {"v"};
    CHECK_RC(dms_progress_decode_response(200, names, values, 1, (const uint8_t *)"{}", 2, &p, NULL),
             DMS_PROGRESS_RESULT_NULL_PARAMETER);

    /* Accessors and frees tolerate NULL. */
    uint8_t pct = 7;
    uint64_t remain = 7;
    int64_t ms = 7;
    size_t idx = 7;
    CHECK(!dms_progress_progress_percentage(NULL, &pct) && pct == 7);
    CHECK(!dms_progress_progress_remain_time(NULL, &remain) && remain == 7);
    CHECK(dms_progress_progress_step_count(NULL) == 0);
    CHECK(dms_progress_client_endpoint(NULL) == NULL);
    CHECK(dms_progress_client_project_id(NULL) == NULL);
    CHECK(dms_progress_progress_step_name(NULL, 0) == NULL);
    CHECK(dms_progress_progress_step_status(NULL, 0) == DMS_PROGRESS_STEP_STATUS_OTHER);
    CHECK(dms_progress_progress_step_status_text(NULL, 0) == NULL);
    CHECK(!dms_progress_progress_step_start_time(NULL, 0, &ms) && ms == 7);
    CHECK(!dms_progress_progress_step_end_time(NULL, 0, &ms) && ms == 7);
    CHECK(dms_progress_progress_step_start_time_text(NULL, 0) == NULL);
    CHECK(dms_progress_progress_step_end_time_text(NULL, 0) == NULL);
    CHECK(!dms_progress_progress_is_complete(NULL));
    CHECK(!dms_progress_progress_failed_step(NULL, &idx) && idx == 7);
    CHECK(dms_progress_error_message(NULL) == NULL);
    CHECK(dms_progress_error_http_status(NULL) == 0);
    CHECK(dms_progress_error_api_code(NULL) == NULL);
    CHECK(dms_progress_error_api_message(NULL) == NULL);
    CHECK(dms_progress_error_request_id(NULL) == NULL);
    CHECK(dms_progress_error_progress(NULL) == NULL);
    CHECK(!dms_progress_error_failed_step(NULL, &idx));
    CHECK(dms_progress_error_result(NULL) == DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(!dms_progress_error_is_retryable(NULL));
    CHECK(dms_progress_client_access_key_id(NULL) == NULL);
    CHECK(dms_progress_client_credential_source(NULL) == NULL);
    CHECK(!dms_progress_client_temporary_credentials(NULL));
    CHECK(dms_progress_client_project_id_source(NULL) == NULL);
    CHECK(dms_progress_client_credentials_expire_at(NULL) == 0);
    CHECK(dms_progress_client_clone(NULL) == NULL);
    dms_progress_client_cancel_all(NULL);
    CHECK(!dms_progress_progress_current_step(NULL, &idx) && idx == 7);
    dms_progress_wait_options_free(NULL);
    CHECK(dms_progress_request_method(NULL) == NULL);
    CHECK(dms_progress_request_url(NULL) == NULL);
    CHECK(dms_progress_request_header_count(NULL) == 0);
    CHECK(dms_progress_request_header_name(NULL, 0) == NULL);
    CHECK(dms_progress_request_header_value(NULL, 0) == NULL);
    CHECK(!dms_progress_cancel_is_triggered(NULL));
    dms_progress_cancel_trigger(NULL);
    dms_progress_progress_free(NULL);
    dms_progress_error_free(NULL);
    dms_progress_client_free(NULL);
    dms_progress_config_free(NULL);
    dms_progress_request_free(NULL);
    dms_progress_cancel_free(NULL);
    dms_progress_config_free(cfg);
}

static void test_bad_strings(dms_progress_client *client) {
    dms_progress_progress *p = NULL;
    dms_progress_error *err = NULL;
    const char invalid_utf8[] = {'a', (char)0xff, 'b', 0};
    CHECK_RC(dms_progress_client_get_progress(client, invalid_utf8, "t", NULL, &p, &err), DMS_PROGRESS_RESULT_INVALID_UTF8);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "instance_id") != NULL);
    dms_progress_error_free(err);

    dms_progress_config *cfg = dms_progress_config_new();
    CHECK_RC(dms_progress_config_set_endpoint(cfg, invalid_utf8, NULL), DMS_PROGRESS_RESULT_INVALID_UTF8);
    CHECK_RC(dms_progress_config_set_secret_access_key(cfg, invalid_utf8, &err), DMS_PROGRESS_RESULT_INVALID_UTF8);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "secret_access_key is not valid UTF-8") != NULL);
    dms_progress_error_free(err);
    dms_progress_config_free(cfg);

    /* A 1 MiB id is refused before anything is sent. */
    size_t big = 1024 * 1024;
    char *huge = malloc(big + 1);
    memset(huge, 'x', big);
    huge[big] = 0;
    CHECK_RC(dms_progress_client_get_progress(client, INSTANCE, huge, NULL, &p, &err), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "task_id") != NULL);
    dms_progress_error_free(err);
    free(huge);

    /* An id cut by a NUL byte is seen up to the NUL; ids with '/' or spaces are refused. */
    CHECK_RC(dms_progress_client_get_progress(client, INSTANCE, "a/b", NULL, &p, NULL), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(dms_progress_client_get_progress(client, INSTANCE, "", NULL, &p, NULL), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(dms_progress_client_get_progress(client, "a b", "t", NULL, &p, NULL), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);

    cfg = dms_progress_config_new();
    dms_progress_config_set_use_environment(cfg, false, NULL);
    dms_progress_config_set_endpoint(cfg, "ftp://nope", NULL);
    dms_progress_client *c = NULL;
    CHECK_RC(dms_progress_client_new(cfg, &c, &err), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(c == NULL);
    dms_progress_error_free(err);
    dms_progress_config_set_endpoint(cfg, "http://127.0.0.1:1", NULL);
    CHECK_RC(dms_progress_client_new(cfg, &c, &err), DMS_PROGRESS_RESULT_CONFIG);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "no credentials") != NULL);
    dms_progress_error_free(err);
    /* Half an access key pair is refused by the library's one rule, naming the missing half. */
    dms_progress_config_set_project_id(cfg, "p", NULL);
    dms_progress_config_set_access_key_id(cfg, "AK", NULL);
    CHECK_RC(dms_progress_client_new(cfg, &c, &err), DMS_PROGRESS_RESULT_CONFIG);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "ak is set but sk is not") != NULL);
    dms_progress_error_free(err);
    dms_progress_config_free(cfg);
}

/* The route's signing vector: the request dms_progress_build_request describes is the case's
 * request (method, URL, every header), with the case's Authorization. */
static void test_build_request_vector(void) {
    struct message req = read_message("signing/progress-route/request.txt");
    char *creq = read_testdata("signing/progress-route/canonical-request.txt", NULL);
    char *signature = read_testdata("signing/progress-route/signature.txt", NULL);
    char *creds = read_testdata("signing/progress-route/credentials", NULL);
    char method[16], path[512], project[128], instance[128], task[128], ak[128], sk[128];
    CHECK(sscanf(req.first, "%15s %511s", method, path) == 2);
    CHECK(sscanf(path, "/v2/%127[^/]/instances/%127[^/]/tasks/%127[^/]/progress", project, instance, task) == 3);
    credential(creds, "ak", ak, sizeof ak);
    credential(creds, "sk", sk, sizeof sk);
    char endpoint[256], url[1024], authorization[1024];
    snprintf(endpoint, sizeof endpoint, "https://%s", message_header(&req, "Host"));
    snprintf(url, sizeof url, "%s%s", endpoint, path);
    /* SignedHeaders is the canonical request's fifth line (the last but one). */
    *strrchr(creq, '\n') = 0;
    snprintf(authorization, sizeof authorization, "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s", ak,
             strrchr(creq, '\n') + 1, signature);

    dms_progress_config *cfg = dms_progress_config_new();
    dms_progress_config_set_use_environment(cfg, false, NULL);
    dms_progress_config_set_endpoint(cfg, endpoint, NULL);
    dms_progress_config_set_project_id(cfg, project, NULL);
    dms_progress_config_set_access_key_id(cfg, ak, NULL);
    dms_progress_config_set_secret_access_key(cfg, sk, NULL);
    dms_progress_request *r = NULL;
    CHECK_RC(dms_progress_build_request(cfg, instance, task, sdk_date_seconds(message_header(&req, "X-Sdk-Date")), &r, NULL),
             DMS_PROGRESS_RESULT_OK);
    CHECK(strcmp(dms_progress_request_method(r), method) == 0);
    CHECK(strcmp(dms_progress_request_url(r), url) == 0);
    for (size_t i = 0; i < req.header_count; i++) {
        const char *got = request_header(r, req.names[i]);
        CHECK(got != NULL && strcmp(got, req.values[i]) == 0);
    }
    const char *got = request_header(r, "Authorization");
    CHECK(got != NULL && strcmp(got, authorization) == 0);
    CHECK(dms_progress_request_header_name(r, 1000) == NULL);
    dms_progress_request_free(r);
    dms_progress_config_free(cfg);
    free(req.raw);
    free(creq);
    free(signature);
    free(creds);
}

/* Response cases of testdata/responses through dms_progress_decode_response. */
static dms_progress_result decode_case(const char *name, dms_progress_progress **p, dms_progress_error **err) {
    char rel[256];
    snprintf(rel, sizeof rel, "responses/%s/response.txt", name);
    struct message m = read_message(rel);
    int status = 0;
    CHECK(sscanf(m.first, "HTTP/1.1 %d", &status) == 1);
    dms_progress_result rc = dms_progress_decode_response((uint16_t)status, m.names, m.values, m.header_count, m.body,
                                                          m.body_len, p, err);
    free(m.raw);
    return rc;
}

/* The JSON view of a progress, with snprintf's contract. */
static void test_progress_json(void) {
    const char *body = "{\"progress_percentage\": 40, \"step_list\": [{\"name\": \"caf\\u00e9\", \"status\": \"IN_PROGRESS\","
                       " \"start_time\": 1700000000000, \"end_time\": \"soon\"}]}";
    const char *want = "{\"percentage\":40,\"remain_time\":null,\"is_complete\":false,\"failed_step\":null,"
                       "\"current_step\":0,\"steps\":[{\"name\":\"caf\xc3\xa9\",\"status\":\"IN_PROGRESS\","
                       "\"start_time\":1700000000000,\"end_time\":\"soon\"}]}";
    dms_progress_progress *p = NULL;
    CHECK_RC(dms_progress_decode_response(200, NULL, NULL, 0, (const uint8_t *)body, strlen(body), &p, NULL),
             DMS_PROGRESS_RESULT_OK);
    size_t need = dms_progress_progress_to_json(p, NULL, 0);
    CHECK(need == strlen(want));
    char *buf = malloc(need + 1);
    CHECK(dms_progress_progress_to_json(p, buf, need + 1) == need && strcmp(buf, want) == 0);
    /* Cut short: NUL-terminated, never inside the two bytes of the e-acute. */
    const char *accent = strstr(want, "\xc3\xa9");
    size_t cut = (size_t)(accent - want) + 2; /* room for the first byte of the e-acute only */
    memset(buf, 'x', need + 1);
    CHECK(dms_progress_progress_to_json(p, buf, cut) == need);
    CHECK(strlen(buf) == cut - 2 && strncmp(buf, want, cut - 2) == 0);
    memset(buf, 'x', need + 1);
    CHECK(dms_progress_progress_to_json(p, buf, 1) == need && buf[0] == '\0');
    free(buf);
    dms_progress_progress_free(p);
    char untouched = 'x';
    CHECK(dms_progress_progress_to_json(NULL, &untouched, 1) == 0 && untouched == 'x');

    /* The positional form: the same values, in the same order, without keys. */
    const char *want_array = "[40,null,false,null,0,[[\"caf\xc3\xa9\",\"IN_PROGRESS\",1700000000000,\"soon\"]]]";
    CHECK_RC(dms_progress_decode_response(200, NULL, NULL, 0, (const uint8_t *)body, strlen(body), &p, NULL),
             DMS_PROGRESS_RESULT_OK);
    char small[8];
    size_t need_array = dms_progress_progress_to_json_array(p, small, sizeof small);
    CHECK(need_array == strlen(want_array) && strlen(small) == sizeof small - 1);
    buf = malloc(need_array + 1);
    CHECK(dms_progress_progress_to_json_array(p, buf, need_array + 1) == need_array && strcmp(buf, want_array) == 0);
    free(buf);
    dms_progress_progress_free(p);
    CHECK(dms_progress_progress_to_json_array(NULL, &untouched, 1) == 0 && untouched == 'x');
}

static void test_sans_io(void) {
    test_build_request_vector();

    dms_progress_progress *p = NULL;
    CHECK_RC(decode_case("progress-numeric-strings", &p, NULL), DMS_PROGRESS_RESULT_OK);
    int64_t ms = 0;
    CHECK(dms_progress_progress_step_start_time(p, 0, &ms) && ms == 1763350067752LL);
    CHECK(dms_progress_progress_step_status(p, 1) == DMS_PROGRESS_STEP_STATUS_OTHER);
    CHECK(strcmp(dms_progress_progress_step_status_text(p, 1), "ROLLING_BACK") == 0);
    CHECK(!dms_progress_progress_step_start_time(p, 1, &ms));
    CHECK(strcmp(dms_progress_progress_step_start_time_text(p, 1), "yesterday") == 0);
    dms_progress_progress_free(p);

    dms_progress_error *err = NULL;
    struct message html = read_message("responses/error-html-502/response.txt");
    CHECK_RC(decode_case("error-html-502", &p, &err), DMS_PROGRESS_RESULT_API);
    CHECK(dms_progress_error_http_status(err) == 502);
    CHECK(strcmp(dms_progress_error_api_code(err), "502") == 0);
    CHECK(strcmp(dms_progress_error_api_message(err), (const char *)html.body) == 0);
    CHECK(strcmp(dms_progress_error_request_id(err), message_header(&html, "X-Request-Id")) == 0);
    CHECK(dms_progress_error_is_retryable(err));
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_decode_response(404, NULL, NULL, 0, (const uint8_t *)"{}", 2, &p, &err), DMS_PROGRESS_RESULT_API);
    CHECK(!dms_progress_error_is_retryable(err));
    dms_progress_error_free(err);
    free(html.raw);

    CHECK_RC(decode_case("progress-not-an-object", &p, &err), DMS_PROGRESS_RESULT_DECODE);
    CHECK(!dms_progress_error_is_retryable(err));
    dms_progress_error_free(err);

    /* The current step is the library's answer: the first IN_PROGRESS step, if any. */
    const char *running = "{\"progress_percentage\": 50, \"step_list\": [{\"name\": \"a\", \"status\": \"COMPLETED\"},"
                          "{\"name\": \"b\", \"status\": \"WAITING\"}, {\"name\": \"c\", \"status\": \"IN_PROGRESS\"}]}";
    CHECK_RC(dms_progress_decode_response(200, NULL, NULL, 0, (const uint8_t *)running, strlen(running), &p, NULL),
             DMS_PROGRESS_RESULT_OK);
    size_t current = 99;
    CHECK(dms_progress_progress_current_step(p, &current) && current == 2);
    CHECK(!dms_progress_progress_current_step(p, NULL));
    dms_progress_progress_free(p);
    CHECK_RC(decode_case("progress-numeric-strings", &p, NULL), DMS_PROGRESS_RESULT_OK);
    current = 99;
    CHECK(!dms_progress_progress_current_step(p, &current) && current == 99);
    dms_progress_progress_free(p);
    test_progress_json();
}

#define THREADS 8
#define CALLS_PER_THREAD 25

static void *hammer(void *arg) {
    dms_progress_client *client = arg;
    long ok = 0;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        dms_progress_progress *p = NULL;
        if (dms_progress_client_get_progress(client, INSTANCE, "long", NULL, &p, NULL) == DMS_PROGRESS_RESULT_OK) {
            ok += dms_progress_progress_step_count(p) == 2;
        }
        dms_progress_progress_free(p);
    }
    return (void *)ok;
}

static void test_shared_by_threads(dms_progress_client *client) {
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, hammer, client) == 0);
    }
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        void *ok = NULL;
        pthread_join(threads[i], &ok);
        total += (long)ok;
    }
    CHECK(total == THREADS * CALLS_PER_THREAD);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* A wait on its own thread, holding its own reference to the client. */
struct background_wait {
    dms_progress_client *client;
    atomic_int polls;
    dms_progress_result rc;
    pthread_t thread;
};

static bool note_poll(void *userdata, const dms_progress_progress *p) {
    (void)p;
    atomic_fetch_add(&((struct background_wait *)userdata)->polls, 1);
    return true;
}

static void *run_wait(void *arg) {
    struct background_wait *w = arg;
    dms_progress_progress *p = NULL;
    w->rc = wait_for(w->client, "long", 100, 60000, note_poll, w, NULL, &p, NULL);
    dms_progress_progress_free(p);
    dms_progress_client_free(w->client);
    return NULL;
}

static void start_wait(struct background_wait *w, dms_progress_client *client) {
    w->client = dms_progress_client_clone(client);
    CHECK(w->client == client);
    atomic_init(&w->polls, 0);
    w->rc = DMS_PROGRESS_RESULT_OK;
    CHECK(pthread_create(&w->thread, NULL, run_wait, w) == 0);
    for (int i = 0; i < 500 && atomic_load(&w->polls) == 0; i++) {
        sleep_ms(10);
    }
    CHECK(atomic_load(&w->polls) > 0);
}

static void test_cancel_all_and_free_while_waits_run(void) {
    /* cancel_all ends every wait in flight promptly; the client stays usable afterwards. */
    dms_progress_client *client = new_client(env("DMS_SK"));
    struct background_wait a, b;
    start_wait(&a, client);
    start_wait(&b, client);
    double t0 = now_s();
    dms_progress_client_cancel_all(client);
    pthread_join(a.thread, NULL);
    pthread_join(b.thread, NULL);
    CHECK(now_s() - t0 < 1.0);
    CHECK_RC(a.rc, DMS_PROGRESS_RESULT_CANCELLED);
    CHECK_RC(b.rc, DMS_PROGRESS_RESULT_CANCELLED);
    dms_progress_progress *p = NULL;
    CHECK_RC(dms_progress_client_get_progress(client, INSTANCE, "long", NULL, &p, NULL), DMS_PROGRESS_RESULT_OK);
    dms_progress_progress_free(p);

    /* Freeing the last reference the caller holds while a wait runs does not pull the client
     * from under it (ASan and valgrind would see it): the wait holds its own. */
    start_wait(&a, client);
    dms_progress_client_cancel_all(client);
    dms_progress_client_free(client);
    pthread_join(a.thread, NULL);
    CHECK_RC(a.rc, DMS_PROGRESS_RESULT_CANCELLED);
}

/* --- the background-task APIs (c-tasks-instance, c-idle-instance, c-empty-instance) --- */

static const char *TASKS_INSTANCE = "c-tasks-instance";

/* The task of `list` with id `id`, or NULL. */
static const dms_progress_task *find_task(const dms_progress_task_list *list, const char *id) {
    for (size_t i = 0; i < dms_progress_task_list_count(list); i++) {
        const dms_progress_task *t = dms_progress_task_list_get(list, i);
        if (strcmp(dms_progress_task_id(t), id) == 0) {
            return t;
        }
    }
    return NULL;
}

static void test_list_tasks(dms_progress_client *client) {
    dms_progress_task_list *list = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, NULL, NULL, &list, &err), DMS_PROGRESS_RESULT_OK);
    CHECK(err == NULL);
    CHECK(dms_progress_task_list_count(list) == 5);
    uint64_t total = 0;
    CHECK(dms_progress_task_list_task_count(list, &total) && total == 5);
    /* Newest first: restarting (60 s ago), expanding, to-delete, failed-once, old-done. */
    const char *order[] = {"restarting", "expanding", "to-delete", "failed-once", "old-done"};
    int64_t previous = INT64_MAX;
    for (size_t i = 0; i < 5; i++) {
        const dms_progress_task *t = dms_progress_task_list_get(list, i);
        CHECK(t != NULL && strcmp(dms_progress_task_id(t), order[i]) == 0);
        int64_t created = 0, updated = 0;
        CHECK(dms_progress_task_created_at(t, &created) && created <= previous);
        CHECK(dms_progress_task_updated_at(t, &updated) && updated >= created);
        CHECK(dms_progress_task_created_at_text(t) == NULL && dms_progress_task_updated_at_text(t) == NULL);
        previous = created;
    }
    CHECK(dms_progress_task_list_get(list, 5) == NULL);
    const dms_progress_task *t = find_task(list, "expanding");
    CHECK(strcmp(dms_progress_task_name(t), "kafkaInstanceExtend") == 0);
    CHECK(dms_progress_task_status(t) == DMS_PROGRESS_TASK_STATE_EXECUTING);
    CHECK(strcmp(dms_progress_task_status_text(t), "EXECUTING") == 0);
    CHECK(dms_progress_task_is_running(t));
    t = find_task(list, "old-done");
    CHECK(dms_progress_task_status(t) == DMS_PROGRESS_TASK_STATE_SUCCESS && !dms_progress_task_is_running(t));
    CHECK(strcmp(dms_progress_task_params(t), "{\"new_storage_space\":600}") == 0);
    CHECK(dms_progress_task_user_name(t) != NULL && dms_progress_task_user_id(t) != NULL);
    t = find_task(list, "failed-once");
    CHECK(dms_progress_task_status(t) == DMS_PROGRESS_TASK_STATE_FAILED);
    CHECK(strcmp(dms_progress_task_name(find_task(list, "restarting")), "restartInstance") == 0);

    /* snprintf semantics: the size first, then the text; a short buffer is cut and ended. */
    size_t need = dms_progress_task_list_to_json(list, NULL, 0);
    CHECK(need > 0);
    char *json = malloc(need + 1);
    CHECK(dms_progress_task_list_to_json(list, json, need + 1) == need);
    CHECK(strlen(json) == need);
    CHECK(json[0] == '[' && json[need - 1] == ']');
    CHECK(strstr(json, "{\"id\":\"restarting\",\"name\":\"restartInstance\",\"status\":\"EXECUTING\",\"running\":true,\"created_at\":") != NULL);
    CHECK(strstr(json, "\"params\":\"{\\\"new_storage_space\\\":600}\"") != NULL);
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK(dms_progress_task_list_to_json(list, small, sizeof small) == need);
    CHECK(memcmp(small, json, 7) == 0 && small[7] == 0);
    char one = 'x';
    CHECK(dms_progress_task_list_to_json(list, &one, 1) == need && one == 0);
    CHECK(dms_progress_task_list_to_json(NULL, small, sizeof small) == 0);
    free(json);
    dms_progress_task_list_free(list);

    /* A page of two from the second task: task_count still counts every task. */
    dms_progress_list_tasks_query *q = dms_progress_list_tasks_query_new();
    CHECK_RC(dms_progress_list_tasks_query_set_start(q, 2, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_limit(q, 2, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, q, NULL, &list, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_task_list_count(list) == 2);
    CHECK(dms_progress_task_list_task_count(list, &total) && total == 5);
    CHECK(strcmp(dms_progress_task_id(dms_progress_task_list_get(list, 0)), "expanding") == 0);
    dms_progress_task_list_free(list);

    /* Every page, two at a time: five tasks once each, no task_count for a walk. */
    CHECK_RC(dms_progress_list_tasks_query_set_start(q, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_client_list_all_tasks(client, TASKS_INSTANCE, q, NULL, &list, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_task_list_count(list) == 5);
    CHECK(!dms_progress_task_list_task_count(list, &total));
    CHECK(strcmp(dms_progress_task_id(dms_progress_task_list_get(list, 4)), "old-done") == 0);
    dms_progress_task_list_free(list);

    /* Time bounds: only what was created within the last 30 minutes. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t now_ms = (uint64_t)now.tv_sec * 1000;
    CHECK_RC(dms_progress_list_tasks_query_set_limit(q, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_begin_time_ms(q, now_ms - 1800 * 1000, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_end_time_ms(q, now_ms + 60 * 1000, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_client_list_all_tasks(client, TASKS_INSTANCE, q, NULL, &list, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_task_list_count(list) == 2);
    CHECK(find_task(list, "restarting") != NULL && find_task(list, "expanding") != NULL);
    dms_progress_task_list_free(list);

    /* The core decides what a query may hold; nothing is sent for a refused one. */
    list = (dms_progress_task_list *)0x1;
    CHECK_RC(dms_progress_list_tasks_query_set_begin_time_ms(q, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_end_time_ms(q, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_limit(q, 101, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, q, NULL, &list, &err), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "limit") != NULL);
    CHECK(list == (dms_progress_task_list *)0x1); /* outputs are written only on success */
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_client_list_all_tasks(client, TASKS_INSTANCE, q, NULL, &list, NULL), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(dms_progress_list_tasks_query_set_limit(q, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_begin_time_ms(q, now_ms, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_end_time_ms(q, now_ms - 1000, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, q, NULL, &list, &err), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "begin_time") != NULL);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_list_tasks_query_set_begin_time_ms(q, UINT64_MAX, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_list_tasks_query_set_end_time_ms(q, 0, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, q, NULL, &list, &err), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "begin_time") != NULL);
    dms_progress_error_free(err);
    dms_progress_list_tasks_query_free(q);

    /* An instance without tasks lists none; a cancelled token stops the call before it sends. */
    CHECK_RC(dms_progress_client_list_all_tasks(client, "c-empty-instance", NULL, NULL, &list, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_task_list_count(list) == 0);
    CHECK(dms_progress_task_list_to_json(list, small, sizeof small) == 2 && strcmp(small, "[]") == 0);
    dms_progress_task_list_free(list);
    dms_progress_cancel *cancel = dms_progress_cancel_new();
    dms_progress_cancel_trigger(cancel);
    CHECK_RC(dms_progress_client_list_all_tasks(client, TASKS_INSTANCE, NULL, cancel, &list, NULL), DMS_PROGRESS_RESULT_CANCELLED);
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, NULL, cancel, &list, NULL), DMS_PROGRESS_RESULT_CANCELLED);
    dms_progress_task *task = NULL;
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, "old-done", cancel, &task, NULL), DMS_PROGRESS_RESULT_CANCELLED);
    CHECK_RC(dms_progress_client_delete_task(client, TASKS_INSTANCE, "old-done", cancel, NULL), DMS_PROGRESS_RESULT_CANCELLED);
    bool running = false;
    CHECK_RC(dms_progress_client_running_expansion(client, TASKS_INSTANCE, cancel, &running, &task, NULL), DMS_PROGRESS_RESULT_CANCELLED);
    dms_progress_cancel_free(cancel);
}

static void test_show_and_delete_task(dms_progress_client *client) {
    dms_progress_task *task = NULL;
    dms_progress_error *err = NULL;
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, "to-delete", NULL, &task, &err), DMS_PROGRESS_RESULT_OK);
    CHECK(strcmp(dms_progress_task_id(task), "to-delete") == 0);
    CHECK(dms_progress_task_status(task) == DMS_PROGRESS_TASK_STATE_SUCCESS);
    dms_progress_task_free(task);

    CHECK_RC(dms_progress_client_delete_task(client, TASKS_INSTANCE, "to-delete", NULL, &err), DMS_PROGRESS_RESULT_OK);
    CHECK(err == NULL);
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, "to-delete", NULL, &task, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(dms_progress_task_status(task) == DMS_PROGRESS_TASK_STATE_DELETED);
    CHECK(strcmp(dms_progress_task_status_text(task), "DELETED") == 0);
    dms_progress_task_free(task);
    dms_progress_progress *p = NULL;
    CHECK_RC(dms_progress_client_get_progress(client, TASKS_INSTANCE, "to-delete", NULL, &p, &err), DMS_PROGRESS_RESULT_API);
    CHECK(err != NULL && dms_progress_error_http_status(err) == 404);
    CHECK(err != NULL && strcmp(dms_progress_error_api_code(err), "DMS.00404023") == 0);
    dms_progress_error_free(err);
    /* Deleting again is no error (the service's answer); an unknown task is a 404. */
    CHECK_RC(dms_progress_client_delete_task(client, TASKS_INSTANCE, "to-delete", NULL, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, "no-such-task", NULL, &task, &err), DMS_PROGRESS_RESULT_API);
    CHECK(err != NULL && dms_progress_error_http_status(err) == 404);
    dms_progress_error_free(err);
    /* Ids are checked before anything is sent. */
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, "a/b", NULL, &task, NULL), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(dms_progress_client_delete_task(client, "", "t", NULL, NULL), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(dms_progress_client_list_tasks(client, "a b", NULL, NULL, (dms_progress_task_list **)&task, NULL),
             DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
}

static void test_running_expansion(dms_progress_client *client) {
    /* Two tasks run on c-tasks-instance; the expansion wins over the newer restart. */
    bool running = false;
    dms_progress_task *task = NULL;
    CHECK_RC(dms_progress_client_running_expansion(client, TASKS_INSTANCE, NULL, &running, &task, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(running && task != NULL && strcmp(dms_progress_task_id(task), "expanding") == 0);
    dms_progress_task_free(task);
    /* Nothing runs: the newest task says what was last. */
    running = true;
    CHECK_RC(dms_progress_client_running_expansion(client, "c-idle-instance", NULL, &running, &task, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(!running && task != NULL && strcmp(dms_progress_task_id(task), "idle-newest") == 0);
    CHECK(task != NULL && dms_progress_task_status(task) == DMS_PROGRESS_TASK_STATE_SUCCESS);
    dms_progress_task_free(task);
    /* No task at all. */
    running = true;
    task = (dms_progress_task *)0x1;
    CHECK_RC(dms_progress_client_running_expansion(client, "c-empty-instance", NULL, &running, &task, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(!running && task == NULL);
}

static void test_task_null_parameters(dms_progress_client *client) {
    dms_progress_task_list *list = NULL;
    dms_progress_task *task = NULL;
    dms_progress_error *err = NULL;
    bool running = false;
    CHECK_RC(dms_progress_client_list_tasks(NULL, TASKS_INSTANCE, NULL, NULL, &list, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "client is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_client_list_tasks(client, NULL, NULL, NULL, &list, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, NULL, NULL, NULL, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "list_out is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_client_list_all_tasks(NULL, TASKS_INSTANCE, NULL, NULL, &list, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_list_all_tasks(client, NULL, NULL, NULL, &list, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_list_all_tasks(client, TASKS_INSTANCE, NULL, NULL, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_show_task(NULL, TASKS_INSTANCE, "t", NULL, &task, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_show_task(client, NULL, "t", NULL, &task, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, NULL, NULL, &task, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "task_id is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, "t", NULL, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_delete_task(NULL, TASKS_INSTANCE, "t", NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_delete_task(client, NULL, "t", NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_delete_task(client, TASKS_INSTANCE, NULL, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_running_expansion(NULL, TASKS_INSTANCE, NULL, &running, &task, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_running_expansion(client, NULL, NULL, &running, &task, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_client_running_expansion(client, TASKS_INSTANCE, NULL, NULL, &task, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "running_out is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_client_running_expansion(client, TASKS_INSTANCE, NULL, &running, NULL, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    const char bad[] = {'c', (char)0xff, 0};
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, bad, NULL, &task, &err), DMS_PROGRESS_RESULT_INVALID_UTF8);
    CHECK(err != NULL && strstr(dms_progress_error_message(err), "task_id is not valid UTF-8") != NULL);
    dms_progress_error_free(err);

    /* The query setters refuse NULL; the accessors give their neutral value for NULL. */
    CHECK_RC(dms_progress_list_tasks_query_set_start(NULL, 1, &err), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK(err != NULL && strcmp(dms_progress_error_message(err), "query is NULL") == 0);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_list_tasks_query_set_limit(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_list_tasks_query_set_begin_time_ms(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_list_tasks_query_set_end_time_ms(NULL, 1, NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    dms_progress_list_tasks_query_free(NULL);
    dms_progress_task_list_free(NULL);
    dms_progress_task_free(NULL);
    int64_t ms = 0;
    uint64_t count = 0;
    CHECK(dms_progress_task_list_count(NULL) == 0);
    CHECK(!dms_progress_task_list_task_count(NULL, &count));
    CHECK(dms_progress_task_list_get(NULL, 0) == NULL);
    CHECK(dms_progress_task_id(NULL) == NULL && dms_progress_task_name(NULL) == NULL);
    CHECK(dms_progress_task_user_name(NULL) == NULL && dms_progress_task_user_id(NULL) == NULL);
    CHECK(dms_progress_task_status(NULL) == DMS_PROGRESS_TASK_STATE_OTHER);
    CHECK(dms_progress_task_status_text(NULL) == NULL && dms_progress_task_params(NULL) == NULL);
    CHECK(!dms_progress_task_is_running(NULL));
    CHECK(!dms_progress_task_created_at(NULL, &ms) && !dms_progress_task_updated_at(NULL, &ms));
    CHECK(dms_progress_task_created_at_text(NULL) == NULL && dms_progress_task_updated_at_text(NULL) == NULL);
    CHECK_RC(dms_progress_client_show_task(client, TASKS_INSTANCE, "old-done", NULL, &task, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(!dms_progress_task_created_at(task, NULL));
    dms_progress_task_free(task);
    CHECK_RC(dms_progress_client_list_tasks(client, TASKS_INSTANCE, NULL, NULL, &list, NULL), DMS_PROGRESS_RESULT_OK);
    CHECK(!dms_progress_task_list_task_count(list, NULL));
    CHECK(dms_progress_task_list_to_json(list, NULL, 100) == dms_progress_task_list_to_json(list, NULL, 0));
    dms_progress_task_list_free(list);
}

/* --- a server that accepts connections and never answers, in a child process (so that its
 * sockets are not counted with ours) --- */

static pid_t hanging_server(int *port_out) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(fd, 64) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *port_out = ntohs(addr.sin_port);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            int c = accept(fd, NULL, NULL);
            (void)c; /* held open, never read, never answered */
        }
    }
    close(fd);
    return pid;
}

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

static int count_threads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "Threads: %d", &n) == 1) {
            break;
        }
    }
    fclose(f);
    return n;
}

struct hanging_call {
    dms_progress_client *client;
    dms_progress_cancel *cancel;
    dms_progress_result rc;
};

static void *run_get(void *arg) {
    struct hanging_call *c = arg;
    dms_progress_progress *p = NULL;
    c->rc = dms_progress_client_get_progress(c->client, INSTANCE, "t", c->cancel, &p, NULL);
    dms_progress_progress_free(p);
    return NULL;
}

static int signal_pipe[2];

/* Async-signal-safe: one write(2) to the pipe dms_progress_cancel_watch_fd watches. */
static void write_to_signal_pipe(int sig) {
    unsigned char byte = (unsigned char)sig;
    ssize_t ignored = write(signal_pipe[1], &byte, 1);
    (void)ignored;
}

static void test_cancelled_get_progress_on_a_hanging_server(void) {
    int port = 0;
    pid_t server = hanging_server(&port);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
    dms_progress_config *cfg = dms_progress_config_new();
    dms_progress_config_set_use_environment(cfg, false, NULL);
    dms_progress_config_set_endpoint(cfg, endpoint, NULL);
    dms_progress_config_set_project_id(cfg, "p", NULL);
    dms_progress_config_set_access_key_id(cfg, "AK", NULL);
    dms_progress_config_set_secret_access_key(cfg, "SK", NULL);
    /* The attempt timeout stays the library's default (far longer than this test). */
    struct hanging_call call = {NULL, dms_progress_cancel_new(), DMS_PROGRESS_RESULT_OK};
    CHECK_RC(dms_progress_client_new(cfg, &call.client, NULL), DMS_PROGRESS_RESULT_OK);
    dms_progress_config_free(cfg);

    int fds = count_fds(), threads = count_threads();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_get, &call) == 0);
    sleep_ms(200); /* connected, request sent, no answer coming */
    CHECK(count_fds() == fds + 1);
    double cancelled_at = now_s();
    dms_progress_cancel_trigger(call.cancel);
    pthread_join(t, NULL);
    double returned_at = now_s();
    CHECK_RC(call.rc, DMS_PROGRESS_RESULT_CANCELLED);
    CHECK(returned_at - cancelled_at < 1.0); /* the cancel reached the blocked read */
    /* Within a second of the call returning, nothing of it is left: no socket, no thread. */
    while ((count_fds() != fds || count_threads() != threads) && now_s() - returned_at < 1.0) {
        sleep_ms(10);
    }
    CHECK(count_fds() == fds);
    CHECK(count_threads() == threads);

    /* The same through dms_progress_client_cancel_all, with no token of the caller's. */
    dms_progress_cancel_free(call.cancel);
    call.cancel = NULL;
    CHECK(pthread_create(&t, NULL, run_get, &call) == 0);
    sleep_ms(200);
    CHECK(count_fds() == fds + 1);
    cancelled_at = now_s();
    dms_progress_client_cancel_all(call.client);
    pthread_join(t, NULL);
    returned_at = now_s();
    CHECK_RC(call.rc, DMS_PROGRESS_RESULT_CANCELLED);
    CHECK(returned_at - cancelled_at < 1.0);
    while ((count_fds() != fds || count_threads() != threads) && now_s() - returned_at < 1.0) {
        sleep_ms(10);
    }
    CHECK(count_fds() == fds);
    CHECK(count_threads() == threads);

    /* From a signal handler: it writes to a pipe whose read end the token watches. */
    CHECK(pipe(signal_pipe) == 0);
    call.cancel = dms_progress_cancel_new();
    dms_progress_error *err = NULL;
    CHECK_RC(dms_progress_cancel_watch_fd(call.cancel, -1, &err), DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(dms_progress_error_message(err), "fd") != NULL);
    dms_progress_error_free(err);
    CHECK_RC(dms_progress_cancel_watch_fd(NULL, signal_pipe[0], NULL), DMS_PROGRESS_RESULT_NULL_PARAMETER);
    CHECK_RC(dms_progress_cancel_watch_fd(call.cancel, signal_pipe[0], NULL), DMS_PROGRESS_RESULT_OK);
    struct sigaction action = {0}, previous;
    action.sa_handler = write_to_signal_pipe;
    CHECK(sigaction(SIGUSR1, &action, &previous) == 0);
    sleep_ms(50); /* the library's watcher thread has started */
    fds = count_fds();
    threads = count_threads();
    CHECK(pthread_create(&t, NULL, run_get, &call) == 0);
    sleep_ms(200);
    CHECK(!dms_progress_cancel_is_triggered(call.cancel));
    cancelled_at = now_s();
    raise(SIGUSR1);
    pthread_join(t, NULL);
    returned_at = now_s();
    CHECK_RC(call.rc, DMS_PROGRESS_RESULT_CANCELLED);
    CHECK(dms_progress_cancel_is_triggered(call.cancel));
    CHECK(returned_at - cancelled_at < 1.0);
    while ((count_fds() != fds || count_threads() != threads) && now_s() - returned_at < 1.0) {
        sleep_ms(10);
    }
    CHECK(count_fds() == fds);
    CHECK(count_threads() == threads);
    sigaction(SIGUSR1, &previous, NULL);
    dms_progress_cancel_free(call.cancel); /* ends the watch: the pipe may be closed now */
    close(signal_pipe[0]);
    close(signal_pipe[1]);

    dms_progress_client_free(call.client);
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
}

/* --- a server that answers every request with one canned response, in a child process --- */

static pid_t scripted_server(const char *response, int *port_out) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(fd, 16) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *port_out = ntohs(addr.sin_port);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            int c = accept(fd, NULL, NULL);
            char req[4096];
            size_t got = 0;
            ssize_t n;
            /* A GET has no body: the request ends with its head. */
            while (got < sizeof req - 1 && (n = read(c, req + got, sizeof req - 1 - got)) > 0) {
                got += (size_t)n;
                req[got] = 0;
                if (strstr(req, "\r\n\r\n")) {
                    break;
                }
            }
            if (write(c, response, strlen(response)) < 0) {
                _exit(1);
            }
            close(c);
        }
    }
    close(fd);
    return pid;
}

/* A client of the scripted server on `port`, without retries. */
static dms_progress_client *scripted_client(int port) {
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
    dms_progress_config *cfg = dms_progress_config_new();
    dms_progress_config_set_use_environment(cfg, false, NULL);
    dms_progress_config_set_endpoint(cfg, endpoint, NULL);
    dms_progress_config_set_project_id(cfg, "p", NULL);
    dms_progress_config_set_access_key_id(cfg, "AK", NULL);
    dms_progress_config_set_secret_access_key(cfg, "SK", NULL);
    dms_progress_config_set_retries(cfg, 0, NULL);
    dms_progress_client *client = NULL;
    CHECK_RC(dms_progress_client_new(cfg, &client, NULL), DMS_PROGRESS_RESULT_OK);
    dms_progress_config_free(cfg);
    return client;
}

/* Answers a task list page must not be taken for: each a typed DECODE error naming it. */
static void test_malformed_task_pages(void) {
    struct {
        const char *body, *names;
    } cases[] = {
        {"this is not JSON", "not a JSON object"},
        {"{\"task_count\": \"many\", \"tasks\": []}", "task_count"},
        {"{\"task_count\": \"1\", \"tasks\": {}}", "expected a sequence"},
        {"{\"task_count\": \"1\", \"tasks\": [{\"name\": \"no id\"}]}", "id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char response[512];
        snprintf(response, sizeof response,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: req-%zu\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 i, strlen(cases[i].body), cases[i].body);
        int port = 0;
        pid_t server = scripted_server(response, &port);
        dms_progress_client *client = scripted_client(port);
        dms_progress_task_list *list = NULL;
        dms_progress_task *task = NULL;
        dms_progress_error *err = NULL;
        CHECK_RC(dms_progress_client_list_tasks(client, "i", NULL, NULL, &list, &err), DMS_PROGRESS_RESULT_DECODE);
        CHECK(list == NULL);
        CHECK(err != NULL && strstr(dms_progress_error_message(err), cases[i].names) != NULL);
        char request_id[16];
        snprintf(request_id, sizeof request_id, "req-%zu", i);
        CHECK(err != NULL && dms_progress_error_request_id(err) != NULL &&
              strcmp(dms_progress_error_request_id(err), request_id) == 0);
        dms_progress_error_free(err);
        CHECK_RC(dms_progress_client_list_all_tasks(client, "i", NULL, NULL, &list, NULL), DMS_PROGRESS_RESULT_DECODE);
        CHECK_RC(dms_progress_client_show_task(client, "i", "t", NULL, &task, NULL), DMS_PROGRESS_RESULT_DECODE);
        bool running = false;
        CHECK_RC(dms_progress_client_running_expansion(client, "i", NULL, &running, &task, NULL), DMS_PROGRESS_RESULT_DECODE);
        CHECK(task == NULL);
        dms_progress_client_free(client);
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
    }
}

int main(void) {
    dms_progress_client *client = new_client(env("DMS_SK"));
    test_version();
    test_client_accessors(client);
    test_get_progress(client);
    test_wait_completes(client);
    test_wait_failing_task(client);
    test_wait_cancel_and_timeout(client);
    test_unauthorized();
    test_not_found(client);
    test_null_parameters(client);
    test_bad_strings(client);
    test_sans_io();
    test_shared_by_threads(client);
    test_cancel_all_and_free_while_waits_run();
    test_cancelled_get_progress_on_a_hanging_server();
    test_list_tasks(client);
    test_show_and_delete_task(client);
    test_running_expansion(client);
    test_task_null_parameters(client);
    test_malformed_task_pages();
    dms_progress_client_free(client);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
