// Tests of include/dms_progress.hpp against a dms-emulator playing tests/scenario.json
// (started by tests/with-emulator.sh, which exports DMS_ENDPOINT, DMS_AK, DMS_SK and
// DMS_PROJECT_ID). Built with -std=c++17 -Wall -Wextra -Werror, run plain, under valgrind and
// with ASan/UBSan (make -C bindings/c test-cpp memcheck-cpp sanitize-cpp).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "dms_progress.hpp"

namespace dp = dms_progress;
using namespace std::chrono_literals;

static int passed = 0, failed = 0;

#define CHECK(cond)                                                                                 \
    do {                                                                                            \
        if (cond) {                                                                                 \
            passed++;                                                                               \
        } else {                                                                                    \
            failed++;                                                                               \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);           \
        }                                                                                           \
    } while (0)

static const char *INSTANCE = "c-test-instance";

static std::string env(const char *name) {
    const char *v = std::getenv(name);
    if (!v) {
        std::fprintf(stderr, "%s is not set: run under tests/with-emulator.sh\n", name);
        std::exit(2);
    }
    return v;
}

static dp::config emulator_config() {
    dp::config cfg;
    cfg.endpoint(env("DMS_ENDPOINT"))
        .project_id(env("DMS_PROJECT_ID"))
        .access_key_id(env("DMS_AK"))
        .secret_access_key(env("DMS_SK"))
        .use_environment(false)
        .retries(0);
    return cfg;
}

// Runs `f`, which must throw dp::error; returns it (a default one with code OK if it did not).
template <typename F> static dp::error expect_error(F &&f) {
    try {
        f();
    } catch (const dp::error &e) {
        return e;
    }
    return dp::error(DMS_PROGRESS_RESULT_OK, "no exception");
}

static void test_version() {
    CHECK(dp::version() == DMS_PROGRESS_VERSION);
    CHECK(dp::result_name(DMS_PROGRESS_RESULT_API) == "DMS_PROGRESS_RESULT_API");
}

static void test_handles_own_and_move() {
    static_assert(!std::is_copy_constructible<dp::config>::value, "a config is not copyable");
    static_assert(std::is_copy_constructible<dp::client>::value, "a client is (a new reference)");
    static_assert(std::is_nothrow_move_constructible<dp::cancel_token>::value, "handles move");
    dp::cancel_token a;
    dp::cancel_token b = std::move(a);
    CHECK(!b.is_triggered());
    b.trigger();
    CHECK(b.is_triggered());
    bool threw = false;
    try {
        (void)a.is_triggered(); // NOLINT: use after move is what is tested
    } catch (const std::logic_error &) {
        threw = true;
    }
    CHECK(threw);
}

static void test_get_progress() {
    dp::client c(emulator_config());
    CHECK(c.project_id() == env("DMS_PROJECT_ID"));
    CHECK(c.access_key_id() == env("DMS_AK"));
    CHECK(c.credential_source() == "explicit");
    CHECK(!c.temporary_credentials());
    CHECK(!c.credentials_expire_at().has_value());
    CHECK(c.project_id_source() == "explicit");
    CHECK(!c.endpoint().empty());
    dp::progress p = c.get_progress(INSTANCE, "completes");
    CHECK(p.steps.size() == 2);
    CHECK(p.steps.size() == 2 && p.steps[0].name == "pre_check" && p.steps[1].name == "disk_expansion");
    CHECK(p.percentage.has_value() && *p.percentage <= 100);
    CHECK(!p.failed_step.has_value());
}

static void test_wait_completes_with_callback() {
    dp::client c(emulator_config());
    int calls = 0;
    dp::progress last_seen;
    dp::progress done = c.wait(INSTANCE, "completes", {100ms, 20s, [&](const dp::progress &p) {
                                         calls++;
                                         last_seen = p;
                                         return true;
                                     }});
    CHECK(done.is_complete);
    CHECK(calls >= 1);
    CHECK(last_seen.steps.size() == done.steps.size());
    CHECK(done.steps.size() == 2 && done.steps[0].status == DMS_PROGRESS_STEP_STATUS_COMPLETED &&
          done.steps[0].status_text == "COMPLETED");
    CHECK(done.steps.size() == 2 && done.steps[0].start_time.has_value() && done.steps[0].end_time.has_value());
}

static void test_failed_task_is_an_error_with_every_field() {
    dp::client c(emulator_config());
    dp::error e = expect_error([&] { c.wait(INSTANCE, "fails", {100ms, 20s, nullptr}); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_TASK_FAILED);
    CHECK(e.code_name() == "DMS_PROGRESS_RESULT_TASK_FAILED");
    CHECK(std::strlen(e.what()) > 0);
    CHECK(e.failed_step() == std::optional<std::size_t>(1));
    CHECK(e.last_progress().has_value() && e.last_progress()->steps.size() == 3 &&
          e.last_progress()->steps[1].name == "disk_expansion" &&
          e.last_progress()->steps[1].status == DMS_PROGRESS_STEP_STATUS_FAILED);
    CHECK(e.http_status() == 0);
    CHECK(!e.is_retryable());
}

static void test_api_error_fields() {
    dp::config cfg = emulator_config();
    cfg.secret_access_key("not-the-secret-key");
    dp::client c(cfg);
    dp::error e = expect_error([&] { c.get_progress(INSTANCE, "completes"); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_API);
    CHECK(e.http_status() == 401 || e.http_status() == 403);
    CHECK(e.api_code().has_value() && !e.api_code()->empty());
    CHECK(e.api_message().has_value());
    CHECK(e.request_id().has_value() && !e.request_id()->empty());
    CHECK(std::string(e.what()).find("not-the-secret-key") == std::string::npos);
}

static void test_callback_stops_and_throws() {
    dp::client c(emulator_config());
    dp::error e = expect_error([&] { c.wait(INSTANCE, "long", {50ms, 20s, [](const dp::progress &) { return false; }}); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_CANCELLED);

    std::string caught;
    try {
        c.wait(INSTANCE, "long", {50ms, 20s, [](const dp::progress &) -> bool { throw std::runtime_error("boom"); }});
    } catch (const dp::error &) {
        caught = "dms_progress::error";
    } catch (const std::runtime_error &ex) {
        caught = ex.what();
    }
    CHECK(caught == "boom");
}

static void test_cancel_token_from_another_thread() {
    dp::client c(emulator_config());
    dp::cancel_token cancel;
    std::thread trigger([&] {
        std::this_thread::sleep_for(300ms);
        cancel.trigger();
    });
    auto start = std::chrono::steady_clock::now();
    dp::error e = expect_error([&] { c.wait(INSTANCE, "long", {100ms, 60s, nullptr, &cancel}); });
    auto took = std::chrono::steady_clock::now() - start;
    trigger.join();
    CHECK(e.code() == DMS_PROGRESS_RESULT_CANCELLED);
    CHECK(took < 2s);
}

static void test_cancel_all_reaches_every_copy() {
    dp::client c(emulator_config());
    dp::client copy = c; // the same native client
    std::thread canceller([&] {
        std::this_thread::sleep_for(300ms);
        copy.cancel_all();
    });
    auto start = std::chrono::steady_clock::now();
    dp::error e = expect_error([&] { c.wait(INSTANCE, "long", {100ms, 60s, nullptr}); });
    auto took = std::chrono::steady_clock::now() - start;
    canceller.join();
    CHECK(e.code() == DMS_PROGRESS_RESULT_CANCELLED);
    CHECK(took < 2s);
    CHECK(copy.project_id() == c.project_id());
}

static void test_wait_timeout_carries_the_last_progress() {
    dp::client c(emulator_config());
    dp::error e = expect_error([&] { c.wait(INSTANCE, "long", {50ms, 300ms, nullptr}); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_WAIT_TIMEOUT);
    CHECK(e.last_progress().has_value() && !e.last_progress()->is_complete);
}

static void test_bad_arguments() {
    dp::client c(emulator_config());
    dp::error e = expect_error([&] { c.get_progress("", "completes"); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    e = expect_error([&] { c.get_progress(std::string("c-test\0instance", 15), "completes"); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(std::string(e.what()).find("NUL") != std::string::npos);
    dp::config cfg;
    cfg.use_environment(false).endpoint("ftp://nope");
    e = expect_error([&] { dp::client refused(cfg); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
}

static void test_sans_io_round_trip() {
    dp::request r = dp::build_request(emulator_config(), INSTANCE, "completes", 1700000000);
    CHECK(r.method == "GET");
    CHECK(r.url.find("/instances/c-test-instance/tasks/completes/progress") != std::string::npos);
    bool signed_request = false;
    for (const auto &h : r.headers) {
        signed_request |= h.first == "Authorization" || h.first == "authorization";
    }
    CHECK(signed_request);

    dp::progress p = dp::decode_response(
        200, {{"X-Request-Id", "req-1"}},
        R"({"remain_time":5,"progress_percentage":"50","step_list":[{"name":"pre_check","status":"COMPLETED"}]})");
    CHECK(p.percentage == std::optional<unsigned>(50));
    CHECK(p.remain_time == std::optional<std::chrono::seconds>(5s));
    CHECK(p.steps.size() == 1 && p.steps[0].name == "pre_check");

    dp::error e = expect_error([] {
        dp::decode_response(404, {{"X-Request-Id", "req-2"}},
                            R"({"error_code":"DMS.00404022","error_msg":"task not found"})");
    });
    CHECK(e.code() == DMS_PROGRESS_RESULT_API);
    CHECK(e.http_status() == 404);
    CHECK(e.api_code() == std::optional<std::string>("DMS.00404022"));
    CHECK(e.request_id() == std::optional<std::string>("req-2"));
}

static const char *TASKS_INSTANCE = "c-tasks-instance";

static void test_list_tasks() {
    dp::client c(emulator_config());
    dp::task_page page = c.list_tasks(TASKS_INSTANCE);
    CHECK(page.task_count == std::optional<uint64_t>(5));
    CHECK(page.tasks.size() == 5 && page.tasks[0].id == "restarting" && page.tasks[0].name == "restartInstance");
    CHECK(page.tasks.size() == 5 && page.tasks[1].id == "expanding" &&
          page.tasks[1].status == DMS_PROGRESS_TASK_STATE_EXECUTING && page.tasks[1].status_text == "EXECUTING" &&
          page.tasks[1].is_running);
    CHECK(page.tasks.size() == 5 && page.tasks[4].id == "old-done" &&
          page.tasks[4].status == DMS_PROGRESS_TASK_STATE_SUCCESS && !page.tasks[4].is_running &&
          page.tasks[4].params == "{\"new_storage_space\":600}");
    for (const dp::task &t : page.tasks) {
        CHECK(t.created_at.has_value() && t.updated_at.has_value() && *t.updated_at >= *t.created_at);
        CHECK(!t.created_at_text.has_value());
    }

    dp::list_tasks_query q;
    q.start = 2;
    q.limit = 2;
    page = c.list_tasks(TASKS_INSTANCE, q);
    CHECK(page.tasks.size() == 2 && page.tasks[0].id == "expanding" && page.task_count == std::optional<uint64_t>(5));
    q.start.reset();
    std::vector<dp::task> all = c.list_all_tasks(TASKS_INSTANCE, q);
    CHECK(all.size() == 5 && all.back().id == "old-done");

    dp::list_tasks_query recent;
    recent.begin_time = std::chrono::system_clock::now() - 30min;
    CHECK(c.list_all_tasks(TASKS_INSTANCE, recent).size() == 2);

    q.limit = 101; // the library's rule, not the wrapper's
    dp::error e = expect_error([&] { c.list_tasks(TASKS_INSTANCE, q); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_INVALID_ARGUMENT && std::string(e.what()).find("limit") != std::string::npos);
    dp::list_tasks_query before_epoch;
    before_epoch.end_time = std::chrono::system_clock::time_point();
    e = expect_error([&] { c.list_tasks(TASKS_INSTANCE, before_epoch); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_INVALID_ARGUMENT);
    CHECK(c.list_all_tasks("c-empty-instance").empty());
    dp::cancel_token cancel;
    cancel.trigger();
    e = expect_error([&] { c.list_all_tasks(TASKS_INSTANCE, {}, &cancel); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_CANCELLED);
}

static void test_show_delete_and_running_expansion() {
    dp::client c(emulator_config());
    // The C tests delete "to-delete" in their own emulator; each suite runs with a fresh one.
    CHECK(c.show_task(TASKS_INSTANCE, "to-delete").status == DMS_PROGRESS_TASK_STATE_SUCCESS);
    c.delete_task(TASKS_INSTANCE, "to-delete");
    CHECK(c.show_task(TASKS_INSTANCE, "to-delete").status == DMS_PROGRESS_TASK_STATE_DELETED);
    dp::error e = expect_error([&] { c.get_progress(TASKS_INSTANCE, "to-delete"); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_API && e.http_status() == 404);
    e = expect_error([&] { c.show_task(TASKS_INSTANCE, "no-such-task"); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_API && e.http_status() == 404);
    e = expect_error([&] { c.delete_task(TASKS_INSTANCE, std::string("t\0x", 3)); });
    CHECK(e.code() == DMS_PROGRESS_RESULT_INVALID_ARGUMENT);

    dp::expansion x = c.running_expansion(TASKS_INSTANCE);
    CHECK(x.running && x.task.has_value() && x.task->id == "expanding");
    x = c.running_expansion("c-idle-instance");
    CHECK(!x.running && x.task.has_value() && x.task->id == "idle-newest");
    x = c.running_expansion("c-empty-instance");
    CHECK(!x.running && !x.task.has_value());
}

int main() {
    test_version();
    test_handles_own_and_move();
    test_get_progress();
    test_wait_completes_with_callback();
    test_failed_task_is_an_error_with_every_field();
    test_api_error_fields();
    test_callback_stops_and_throws();
    test_cancel_token_from_another_thread();
    test_cancel_all_reaches_every_copy();
    test_wait_timeout_carries_the_last_progress();
    test_bad_arguments();
    test_sans_io_round_trip();
    test_list_tasks();
    test_show_delete_and_running_expansion();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
