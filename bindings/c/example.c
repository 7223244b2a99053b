/*
 * example.c: query the progress of a Kafka capacity expansion once, then wait for it.
 *
 *   ./example INSTANCE_ID TASK_ID
 *
 * Endpoint, project and credentials come from the environment, as the official SDKs read
 * them: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, plus
 * DMS_ENDPOINT (e.g. http://127.0.0.1:8080) or DMS_REGION (e.g. cn-north-4).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "dms_progress.h"

static void print_error(const char *what, dms_progress_result rc, dms_progress_error *err) {
    fprintf(stderr, "%s failed: %s: %s\n", what, dms_progress_result_name(rc),
            err ? dms_progress_error_message(err) : "(no detail)");
    dms_progress_error_free(err);
}

static void print_progress(const dms_progress_progress *p) {
    uint8_t pct;
    uint64_t remain;
    if (dms_progress_progress_percentage(p, &pct)) {
        printf("%3u%%", (unsigned)pct);
    } else {
        printf("  ?%%");
    }
    if (dms_progress_progress_remain_time(p, &remain)) {
        printf("  %" PRIu64 "s left", remain);
    }
    for (size_t i = 0; i < dms_progress_progress_step_count(p); i++) {
        printf("  %s=%s", dms_progress_progress_step_name(p, i),
               dms_progress_progress_step_status_text(p, i));
    }
    printf("\n");
}

/* Called after every poll; return false to stop waiting. */
static bool on_progress(void *userdata, const dms_progress_progress *p) {
    (void)userdata;
    print_progress(p);
    return true;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s INSTANCE_ID TASK_ID\n", argv[0]);
        return 2;
    }
    dms_progress_config *config = dms_progress_config_new();
    const char *endpoint = getenv("DMS_ENDPOINT");
    const char *region = getenv("DMS_REGION");
    dms_progress_error *err = NULL;
    dms_progress_result rc = DMS_PROGRESS_RESULT_OK;
    if (endpoint) {
        rc = dms_progress_config_set_endpoint(config, endpoint, &err);
    } else if (region) {
        rc = dms_progress_config_set_region(config, region, &err);
    }
    if (rc != DMS_PROGRESS_RESULT_OK) {
        print_error("configuring the client", rc, err);
        dms_progress_config_free(config);
        return 1;
    }

    dms_progress_client *client = NULL;
    rc = dms_progress_client_new(config, &client, &err);
    dms_progress_config_free(config); /* the client keeps its own copy */
    if (rc != DMS_PROGRESS_RESULT_OK) {
        print_error("creating the client", rc, err);
        return 1;
    }

    dms_progress_progress *progress = NULL;
    rc = dms_progress_client_get_progress(client, argv[1], argv[2], NULL, &progress, &err);
    if (rc != DMS_PROGRESS_RESULT_OK) {
        if (rc == DMS_PROGRESS_RESULT_API) {
            fprintf(stderr, "HTTP %u, request id %s\n", (unsigned)dms_progress_error_http_status(err),
                    dms_progress_error_request_id(err) ? dms_progress_error_request_id(err) : "-");
        }
        print_error("querying the progress", rc, err);
        dms_progress_client_free(client);
        return 1;
    }
    print_progress(progress);
    dms_progress_progress_free(progress);

    /* Poll every 2 s for at most 10 minutes; what is not set keeps the library's default. */
    dms_progress_wait_options *options = dms_progress_wait_options_new();
    dms_progress_wait_options_set_interval_ms(options, 2000, NULL);
    dms_progress_wait_options_set_max_wait_ms(options, 600000, NULL);
    dms_progress_wait_options_set_callback(options, on_progress, NULL, NULL);
    rc = dms_progress_client_wait(client, argv[1], argv[2], options, &progress, &err);
    dms_progress_wait_options_free(options);
    if (rc == DMS_PROGRESS_RESULT_TASK_FAILED) {
        size_t step = 0;
        dms_progress_error_failed_step(err, &step);
        fprintf(stderr, "step %s failed\n",
                dms_progress_progress_step_name(dms_progress_error_progress(err), step));
    }
    if (rc != DMS_PROGRESS_RESULT_OK) {
        print_error("waiting", rc, err);
        dms_progress_client_free(client);
        return 3;
    }
    printf("complete\n");
    dms_progress_progress_free(progress);
    dms_progress_client_free(client);
    return 0;
}
