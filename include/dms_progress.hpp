/*
 * dms_progress.hpp: a header-only C++17 layer over the C API of dms_progress.h.
 *
 * What it adds, and nothing else (every rule, default and message is the library's):
 * - owning handles (dms_progress::config, client, cancel_token) that free their C handle
 *   when they go out of scope; movable (a client is also copyable: copies share the native,
 *   reference-counted client). Using a moved-from handle throws std::logic_error.
 * - results as values: dms_progress::progress and dms_progress::step hold std::string,
 *   std::optional and std::chrono copies of what the library returned, whose C handle is
 *   freed at once;
 * - failures as dms_progress::error (a std::runtime_error) carrying every field of
 *   dms_progress_error: result code and its name, message, whether it is retryable, HTTP
 *   status, service error code and message, request id, and for a failed task or an expired
 *   wait the progress and the failed step;
 * - client::wait with wait_options: interval and maximum wait (unset: the library's
 *   defaults), a std::function callback (an exception it throws stops the wait and is
 *   rethrown by wait, never crossing the C library) and a cancel token.
 * - the background-task calls: client::list_tasks (one page, a task_page), list_all_tasks
 *   (every page, walked by the library), show_task, delete_task and running_expansion, with
 *   dms_progress::task values and a list_tasks_query whose unset fields are the library's
 *   defaults.
 *
 * Thread-safety is the C API's: a client and a cancel token may be used from any number of
 * threads at once; a config must not be changed from two threads at once. Strings passed in
 * must not contain NUL characters (refused with DMS_PROGRESS_RESULT_INVALID_ARGUMENT).
 *
 * Link with the C library as usual (pkg-config dms_progress or dms_progress_static, or the
 * CMake targets dms_progress::dms_progress / dms_progress::dms_progress_static).
 */
#ifndef DMS_PROGRESS_HPP
#define DMS_PROGRESS_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dms_progress.h"

namespace dms_progress {

/// The version of the linked library ("0.1.0"); DMS_PROGRESS_VERSION is the header's.
inline std::string version() { return dms_progress_version(); }

/// The symbolic name of a result code ("DMS_PROGRESS_RESULT_TIMEOUT").
inline std::string result_name(dms_progress_result code) {
    const char *name = dms_progress_result_name(code);
    return name ? name : "DMS_PROGRESS_RESULT_UNKNOWN";
}

/// One step of a task, copied out of the library.
struct step {
    std::string name;
    dms_progress_step_status status = DMS_PROGRESS_STEP_STATUS_OTHER;
    /// The status as the service wrote it ("COMPLETED", or text the library does not know).
    std::string status_text;
    /// Start and end, when the service sent them as numbers; std::nullopt until then.
    std::optional<std::chrono::system_clock::time_point> start_time, end_time;
    /// The times as the service sent them when they were not numbers.
    std::optional<std::string> start_time_text, end_time_text;
};

/// The progress of a task, copied out of the library.
struct progress {
    std::optional<unsigned> percentage;
    std::optional<std::chrono::seconds> remain_time;
    std::vector<step> steps;
    /// The library's reading: every step completed.
    bool is_complete = false;
    /// The index of the first failed step, if any.
    std::optional<std::size_t> failed_step;
    /// The index of the step running now (the first IN_PROGRESS one), if any.
    std::optional<std::size_t> current_step;
};

/// One background task, copied out of the library.
struct task {
    std::string id;
    /// "kafkaInstanceExtend" for an expansion.
    std::string name;
    std::string user_name, user_id;
    dms_progress_task_state status = DMS_PROGRESS_TASK_STATE_OTHER;
    /// The status as the service wrote it ("EXECUTING", or text the library does not know).
    std::string status_text;
    /// The library's reading: CREATED or EXECUTING.
    bool is_running = false;
    /// When the service sent a time; std::nullopt when absent or not a time.
    std::optional<std::chrono::system_clock::time_point> created_at, updated_at;
    /// The times as the service sent them when they were not times.
    std::optional<std::string> created_at_text, updated_at_text;
    /// The parameters as the service sent them (JSON text, normally), unparsed.
    std::string params;
};

/// One page of a task list.
struct task_page {
    /// Newest first.
    std::vector<task> tasks;
    /// How many tasks match on every page together, when the service said.
    std::optional<uint64_t> task_count;
};

/// Which tasks client::list_tasks and client::list_all_tasks ask for; an unset field is the
/// library's default (from the newest task, its page size, no time bounds). The values are
/// checked by the library when the call starts (a limit outside 1..100, a begin time after
/// the end time: DMS_PROGRESS_RESULT_INVALID_ARGUMENT).
struct list_tasks_query {
    /// The 1-based position of the first task (the newest is 1).
    std::optional<uint32_t> start;
    /// Tasks per page.
    std::optional<uint32_t> limit;
    /// Only tasks created at or after / at or before these times (not before 1970).
    std::optional<std::chrono::system_clock::time_point> begin_time, end_time;
};

/// What client::running_expansion found: `running` and the picked task, or not running and
/// the instance's newest task (std::nullopt when it has none).
struct expansion {
    bool running = false;
    std::optional<dms_progress::task> task;
};

namespace detail {

inline std::string copy_string(const char *s) { return s ? std::string(s) : std::string(); }

inline std::optional<std::string> copy_optional(const char *s) {
    return s ? std::optional<std::string>(s) : std::nullopt;
}

inline std::optional<std::chrono::system_clock::time_point> epoch_ms(bool known, int64_t ms) {
    if (!known) {
        return std::nullopt;
    }
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::milliseconds(ms)));
}

/// Copies a (borrowed) C progress into a value.
inline progress copy_progress(const dms_progress_progress *p) {
    progress out;
    uint8_t pct = 0;
    if (dms_progress_progress_percentage(p, &pct)) {
        out.percentage = pct;
    }
    uint64_t remain = 0;
    if (dms_progress_progress_remain_time(p, &remain)) {
        out.remain_time = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(remain));
    }
    const std::size_t count = dms_progress_progress_step_count(p);
    out.steps.reserve(count);
    for (std::size_t i = 0; i < count; i++) {
        step s;
        s.name = copy_string(dms_progress_progress_step_name(p, i));
        s.status = dms_progress_progress_step_status(p, i);
        s.status_text = copy_string(dms_progress_progress_step_status_text(p, i));
        int64_t ms = 0;
        bool known = dms_progress_progress_step_start_time(p, i, &ms);
        s.start_time = epoch_ms(known, ms);
        known = dms_progress_progress_step_end_time(p, i, &ms);
        s.end_time = epoch_ms(known, ms);
        s.start_time_text = copy_optional(dms_progress_progress_step_start_time_text(p, i));
        s.end_time_text = copy_optional(dms_progress_progress_step_end_time_text(p, i));
        out.steps.push_back(std::move(s));
    }
    out.is_complete = dms_progress_progress_is_complete(p);
    std::size_t index = 0;
    if (dms_progress_progress_failed_step(p, &index)) {
        out.failed_step = index;
    }
    if (dms_progress_progress_current_step(p, &index)) {
        out.current_step = index;
    }
    return out;
}

/// Takes ownership of a C progress, copies it, frees it.
inline progress take_progress(dms_progress_progress *p) {
    std::unique_ptr<dms_progress_progress, void (*)(dms_progress_progress *)> owned(p, dms_progress_progress_free);
    return copy_progress(owned.get());
}

/// Copies a (borrowed) C task into a value.
inline task copy_task(const dms_progress_task *t) {
    task out;
    out.id = copy_string(dms_progress_task_id(t));
    out.name = copy_string(dms_progress_task_name(t));
    out.user_name = copy_string(dms_progress_task_user_name(t));
    out.user_id = copy_string(dms_progress_task_user_id(t));
    out.status = dms_progress_task_status(t);
    out.status_text = copy_string(dms_progress_task_status_text(t));
    out.is_running = dms_progress_task_is_running(t);
    int64_t ms = 0;
    bool known = dms_progress_task_created_at(t, &ms);
    out.created_at = epoch_ms(known, ms);
    known = dms_progress_task_updated_at(t, &ms);
    out.updated_at = epoch_ms(known, ms);
    out.created_at_text = copy_optional(dms_progress_task_created_at_text(t));
    out.updated_at_text = copy_optional(dms_progress_task_updated_at_text(t));
    out.params = copy_string(dms_progress_task_params(t));
    return out;
}

/// Takes ownership of a C task, copies it, frees it.
inline task take_task(dms_progress_task *t) {
    std::unique_ptr<dms_progress_task, void (*)(dms_progress_task *)> owned(t, dms_progress_task_free);
    return copy_task(owned.get());
}

/// Takes ownership of a C task list, copies it, frees it.
inline task_page take_task_list(dms_progress_task_list *l) {
    std::unique_ptr<dms_progress_task_list, void (*)(dms_progress_task_list *)> owned(l,
                                                                                     dms_progress_task_list_free);
    task_page out;
    const std::size_t count = dms_progress_task_list_count(l);
    out.tasks.reserve(count);
    for (std::size_t i = 0; i < count; i++) {
        out.tasks.push_back(copy_task(dms_progress_task_list_get(l, i)));
    }
    uint64_t total = 0;
    if (dms_progress_task_list_task_count(l, &total)) {
        out.task_count = total;
    }
    return out;
}

} // namespace detail

/// A failed call: every field of dms_progress_error, copied.
class error : public std::runtime_error {
public:
    /// An error the C++ layer itself reports (a NUL in a string, a setter refused).
    error(dms_progress_result code, const std::string &message)
        : std::runtime_error(message), code_(code) {}

    /// Copies `err` (which stays owned by the caller). A NULL `err` (the library could not
    /// allocate the detail) keeps the code, with its name as the message.
    error(dms_progress_result code, const dms_progress_error *err)
        : std::runtime_error(err ? detail::copy_string(dms_progress_error_message(err)) : result_name(code)),
          code_(code) {
        if (!err) {
            return;
        }
        retryable_ = dms_progress_error_is_retryable(err);
        http_status_ = dms_progress_error_http_status(err);
        api_code_ = detail::copy_optional(dms_progress_error_api_code(err));
        api_message_ = detail::copy_optional(dms_progress_error_api_message(err));
        request_id_ = detail::copy_optional(dms_progress_error_request_id(err));
        if (const dms_progress_progress *p = dms_progress_error_progress(err)) {
            progress_ = detail::copy_progress(p);
        }
        std::size_t failed = 0;
        if (dms_progress_error_failed_step(err, &failed)) {
            failed_step_ = failed;
        }
    }

    /// The result code (DMS_PROGRESS_RESULT_API, ...).
    dms_progress_result code() const noexcept { return code_; }
    /// Its symbolic name ("DMS_PROGRESS_RESULT_API").
    std::string code_name() const { return result_name(code_); }
    /// Whether sending the same request again later may succeed (the library's reading).
    bool is_retryable() const noexcept { return retryable_; }
    /// The HTTP status of an API error; 0 for every other error.
    uint16_t http_status() const noexcept { return http_status_; }
    /// The service's error code and message ("DMS.00400009", ...), for API errors that had one.
    const std::optional<std::string> &api_code() const noexcept { return api_code_; }
    const std::optional<std::string> &api_message() const noexcept { return api_message_; }
    /// The request id of the response, when there was one.
    const std::optional<std::string> &request_id() const noexcept { return request_id_; }
    /// For TASK_FAILED the failing progress, for WAIT_TIMEOUT the last one seen.
    const std::optional<dms_progress::progress> &last_progress() const noexcept { return progress_; }
    /// For TASK_FAILED the index of the failed step.
    std::optional<std::size_t> failed_step() const noexcept { return failed_step_; }

private:
    dms_progress_result code_;
    bool retryable_ = false;
    uint16_t http_status_ = 0;
    std::optional<std::string> api_code_, api_message_, request_id_;
    std::optional<dms_progress::progress> progress_;
    std::optional<std::size_t> failed_step_;
};

namespace detail {

/// Throws the error of a failed call, freeing the C error first.
[[noreturn]] inline void throw_error(dms_progress_result code, dms_progress_error *err) {
    std::unique_ptr<dms_progress_error, void (*)(dms_progress_error *)> owned(err, dms_progress_error_free);
    throw error(code, owned.get());
}

/// A string argument as a C string; a NUL inside it would silently cut it short, so it is
/// refused.
inline const char *c_str(const std::string &s, const char *what) {
    if (s.find('\0') != std::string::npos) {
        throw error(DMS_PROGRESS_RESULT_INVALID_ARGUMENT,
                    std::string("invalid argument: ") + what + " contains a NUL character");
    }
    return s.c_str();
}

/// Calls a setter `f(err_out)` and throws its error when it fails.
template <typename F> inline void set(F &&f) {
    dms_progress_error *err = nullptr;
    dms_progress_result rc = f(&err);
    if (rc != DMS_PROGRESS_RESULT_OK) {
        throw_error(rc, err);
    }
}

template <typename T, void (*Free)(T *)> struct free_with {
    void operator()(T *p) const noexcept { Free(p); }
};

template <typename T, void (*Free)(T *)> class handle {
public:
    explicit handle(T *p, const char *what) : p_(p), what_(what) {
        if (!p_) {
            throw std::bad_alloc();
        }
    }
    T *get() const {
        if (!p_) {
            throw std::logic_error(std::string("dms_progress: use of a moved-from ") + what_);
        }
        return p_.get();
    }

private:
    std::unique_ptr<T, free_with<T, Free>> p_;
    const char *what_;
};

inline uint64_t to_ms(std::chrono::milliseconds d) {
    return d.count() < 0 ? 0 : static_cast<uint64_t>(d.count());
}

/// A query bound in milliseconds since the epoch (the C API's 0 is "none", so the epoch
/// itself and earlier times cannot be said and are refused).
inline uint64_t bound_ms(std::chrono::system_clock::time_point t, const char *what) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    if (ms <= 0) {
        throw error(DMS_PROGRESS_RESULT_INVALID_ARGUMENT, std::string("invalid argument: ") + what +
                                                              " is not after 1970-01-01T00:00:00Z");
    }
    return static_cast<uint64_t>(ms);
}

using query_handle = handle<dms_progress_list_tasks_query, dms_progress_list_tasks_query_free>;

/// The C query of `q`.
inline query_handle make_query(const list_tasks_query &q) {
    query_handle h(dms_progress_list_tasks_query_new(), "dms_progress::list_tasks_query");
    if (q.start) {
        set([&](dms_progress_error **e) { return dms_progress_list_tasks_query_set_start(h.get(), *q.start, e); });
    }
    if (q.limit) {
        set([&](dms_progress_error **e) { return dms_progress_list_tasks_query_set_limit(h.get(), *q.limit, e); });
    }
    if (q.begin_time) {
        uint64_t ms = bound_ms(*q.begin_time, "begin_time");
        set([&](dms_progress_error **e) { return dms_progress_list_tasks_query_set_begin_time_ms(h.get(), ms, e); });
    }
    if (q.end_time) {
        uint64_t ms = bound_ms(*q.end_time, "end_time");
        set([&](dms_progress_error **e) { return dms_progress_list_tasks_query_set_end_time_ms(h.get(), ms, e); });
    }
    return h;
}

} // namespace detail

/// A client configuration (dms_progress_config). Unset values are resolved from the
/// environment and the profile file when the client is built, unless use_environment(false);
/// a setting left alone keeps the library's default. Setters return *this, so they chain; a
/// refused value throws dms_progress::error.
class config {
public:
    config() : h_(dms_progress_config_new(), "dms_progress::config") {}

    config &endpoint(const std::string &url) {
        const char *v = detail::c_str(url, "endpoint");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_endpoint(get(), v, e); });
        return *this;
    }
    config &region(const std::string &region) {
        const char *v = detail::c_str(region, "region");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_region(get(), v, e); });
        return *this;
    }
    config &project_id(const std::string &id) {
        const char *v = detail::c_str(id, "project id");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_project_id(get(), v, e); });
        return *this;
    }
    config &access_key_id(const std::string &ak) {
        const char *v = detail::c_str(ak, "access key id");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_access_key_id(get(), v, e); });
        return *this;
    }
    /// The library keeps and wipes its own copy; the caller's std::string is the caller's.
    config &secret_access_key(const std::string &sk) {
        const char *v = detail::c_str(sk, "secret access key");
        detail::set(
            [&](dms_progress_error **e) { return dms_progress_config_set_secret_access_key(get(), v, e); });
        return *this;
    }
    config &security_token(const std::string &token) {
        const char *v = detail::c_str(token, "security token");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_security_token(get(), v, e); });
        return *this;
    }
    config &iam_token(const std::string &token) {
        const char *v = detail::c_str(token, "IAM token");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_iam_token(get(), v, e); });
        return *this;
    }
    config &connect_timeout(std::chrono::milliseconds t) {
        detail::set([&](dms_progress_error **e) {
            return dms_progress_config_set_connect_timeout_ms(get(), detail::to_ms(t), e);
        });
        return *this;
    }
    config &timeout(std::chrono::milliseconds t) {
        detail::set(
            [&](dms_progress_error **e) { return dms_progress_config_set_timeout_ms(get(), detail::to_ms(t), e); });
        return *this;
    }
    config &retries(uint32_t n) {
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_retries(get(), n, e); });
        return *this;
    }
    config &max_body_bytes(uint64_t n) {
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_max_body_bytes(get(), n, e); });
        return *this;
    }
    config &ca_file(const std::string &path) {
        const char *v = detail::c_str(path, "CA file");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_ca_file(get(), v, e); });
        return *this;
    }
    config &insecure(bool yes) {
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_insecure(get(), yes, e); });
        return *this;
    }
    config &proxy(const std::string &url) {
        const char *v = detail::c_str(url, "proxy");
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_proxy(get(), v, e); });
        return *this;
    }
    config &use_environment(bool yes) {
        detail::set([&](dms_progress_error **e) { return dms_progress_config_set_use_environment(get(), yes, e); });
        return *this;
    }

    dms_progress_config *get() const { return h_.get(); }

private:
    detail::handle<dms_progress_config, dms_progress_config_free> h_;
};

/// A cancel token (dms_progress_cancel): trigger() from any thread stops the calls it was
/// given to, which then throw an error with DMS_PROGRESS_RESULT_CANCELLED.
class cancel_token {
public:
    cancel_token() : h_(dms_progress_cancel_new(), "dms_progress::cancel_token") {}
    void trigger() const { dms_progress_cancel_trigger(get()); }
    bool is_triggered() const { return dms_progress_cancel_is_triggered(get()); }
    const dms_progress_cancel *get() const { return h_.get(); }

private:
    detail::handle<dms_progress_cancel, dms_progress_cancel_free> h_;
};

/// The callback of client::wait: gets each poll's progress; return false to stop the wait
/// (DMS_PROGRESS_RESULT_CANCELLED). An exception it throws stops the wait too, and wait
/// rethrows it.
using progress_callback = std::function<bool(const progress &)>;

/// How client::wait polls. What is left unset is the library's default (its interval and its
/// maximum wait; no callback, no cancel token).
struct wait_options {
    /// Delay between polls while the task progresses (raised to the library's floor).
    std::optional<std::chrono::milliseconds> interval;
    /// Bound of the whole wait.
    std::optional<std::chrono::milliseconds> max_wait;
    /// Called after every successful poll, on the waiting thread.
    progress_callback on_progress;
    /// Triggering it stops the wait (DMS_PROGRESS_RESULT_CANCELLED). Not owned.
    const cancel_token *cancel = nullptr;
};

/// A client (dms_progress_client): safe to share between threads; keeps a connection pool.
/// Copies are references to the same client (dms_progress_client_clone); the native client
/// is released with the last of them.
class client {
public:
    /// Builds a client from `cfg` (only read; it may be changed or destroyed afterwards).
    explicit client(const config &cfg) : h_(make(cfg), "dms_progress::client") {}
    client(const client &other) : h_(dms_progress_client_clone(other.get()), "dms_progress::client") {}
    client &operator=(const client &other) {
        if (this != &other) {
            h_ = handle_type(dms_progress_client_clone(other.get()), "dms_progress::client");
        }
        return *this;
    }
    client(client &&) noexcept = default;
    client &operator=(client &&) noexcept = default;

    /// The resolved endpoint ("https://dms.cn-north-4.myhuaweicloud.com").
    std::string endpoint() const { return detail::copy_string(dms_progress_client_endpoint(get())); }
    /// The resolved project id.
    std::string project_id() const { return detail::copy_string(dms_progress_client_project_id(get())); }
    /// The access key id in use (never the secret), empty with an IAM token.
    std::string access_key_id() const { return detail::copy_string(dms_progress_client_access_key_id(get())); }
    /// Where the credentials came from ("explicit", "environment", "profile", ...).
    std::string credential_source() const {
        return detail::copy_string(dms_progress_client_credential_source(get()));
    }
    /// Whether the credentials are temporary (refreshed by the library).
    bool temporary_credentials() const { return dms_progress_client_temporary_credentials(get()); }
    /// When the credentials the client was built with expire; std::nullopt when not known
    /// (long-lived keys, a static security token).
    std::optional<std::chrono::system_clock::time_point> credentials_expire_at() const {
        int64_t ms = dms_progress_client_credentials_expire_at(get());
        return detail::epoch_ms(ms != 0, ms);
    }
    /// Where the project id came from ("explicit", "environment", "profile" or "iam").
    std::string project_id_source() const {
        return detail::copy_string(dms_progress_client_project_id_source(get()));
    }
    /// Cancels every call running on this client (and its copies) now.
    void cancel_all() const { dms_progress_client_cancel_all(get()); }

    /// One query of a task's progress. Blocking.
    progress get_progress(const std::string &instance_id, const std::string &task_id,
                          const cancel_token *cancel = nullptr) const {
        dms_progress_progress *out = nullptr;
        dms_progress_error *err = nullptr;
        dms_progress_result rc = dms_progress_client_get_progress(
            get(), detail::c_str(instance_id, "instance id"), detail::c_str(task_id, "task id"),
            cancel ? cancel->get() : nullptr, &out, &err);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
        return detail::take_progress(out);
    }

    /// Polls until the task completes (returns its progress), a step fails (TASK_FAILED), the
    /// maximum wait passes (WAIT_TIMEOUT), the callback returns false or the cancel token is
    /// triggered (CANCELLED). Blocking.
    progress wait(const std::string &instance_id, const std::string &task_id,
                  const wait_options &options = wait_options()) const {
        const char *instance = detail::c_str(instance_id, "instance id");
        const char *task = detail::c_str(task_id, "task id");
        detail::handle<dms_progress_wait_options, dms_progress_wait_options_free> opts(
            dms_progress_wait_options_new(), "dms_progress::wait_options");
        if (options.interval) {
            detail::set([&](dms_progress_error **e) {
                return dms_progress_wait_options_set_interval_ms(opts.get(), detail::to_ms(*options.interval), e);
            });
        }
        if (options.max_wait) {
            detail::set([&](dms_progress_error **e) {
                return dms_progress_wait_options_set_max_wait_ms(opts.get(), detail::to_ms(*options.max_wait), e);
            });
        }
        struct state {
            const progress_callback *callback;
            std::exception_ptr thrown;
        } st{&options.on_progress, nullptr};
        if (options.on_progress) {
            // No exception may unwind through the C library: the trampoline catches it and
            // stops the wait, and it is rethrown below.
            dms_progress_progress_callback trampoline = [](void *userdata,
                                                           const dms_progress_progress *p) -> bool {
                auto *s = static_cast<state *>(userdata);
                try {
                    return (*s->callback)(detail::copy_progress(p));
                } catch (...) {
                    s->thrown = std::current_exception();
                    return false;
                }
            };
            detail::set([&](dms_progress_error **e) {
                return dms_progress_wait_options_set_callback(opts.get(), trampoline, &st, e);
            });
        }
        if (options.cancel) {
            detail::set([&](dms_progress_error **e) {
                return dms_progress_wait_options_set_cancel(opts.get(), options.cancel->get(), e);
            });
        }
        dms_progress_progress *out = nullptr;
        dms_progress_error *err = nullptr;
        dms_progress_result rc = dms_progress_client_wait(get(), instance, task, opts.get(), &out, &err);
        if (st.thrown) {
            dms_progress_error_free(err);
            dms_progress_progress_free(out);
            std::rethrow_exception(st.thrown);
        }
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
        return detail::take_progress(out);
    }

    /// One page of the instance's tasks, newest first (ListBackgroundTasks). Blocking.
    task_page list_tasks(const std::string &instance_id, const list_tasks_query &query = list_tasks_query(),
                         const cancel_token *cancel = nullptr) const {
        const char *instance = detail::c_str(instance_id, "instance id");
        detail::query_handle q = detail::make_query(query);
        dms_progress_task_list *out = nullptr;
        dms_progress_error *err = nullptr;
        dms_progress_result rc =
            dms_progress_client_list_tasks(get(), instance, q.get(), cancel ? cancel->get() : nullptr, &out, &err);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
        return detail::take_task_list(out);
    }

    /// Every task the query selects, newest first: the library walks the pages. Blocking.
    std::vector<task> list_all_tasks(const std::string &instance_id,
                                     const list_tasks_query &query = list_tasks_query(),
                                     const cancel_token *cancel = nullptr) const {
        const char *instance = detail::c_str(instance_id, "instance id");
        detail::query_handle q = detail::make_query(query);
        dms_progress_task_list *out = nullptr;
        dms_progress_error *err = nullptr;
        dms_progress_result rc = dms_progress_client_list_all_tasks(get(), instance, q.get(),
                                                                    cancel ? cancel->get() : nullptr, &out, &err);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
        return detail::take_task_list(out).tasks;
    }

    /// One task (ShowBackgroundTask); a deleted one shows DMS_PROGRESS_TASK_STATE_DELETED.
    /// Blocking.
    task show_task(const std::string &instance_id, const std::string &task_id,
                   const cancel_token *cancel = nullptr) const {
        dms_progress_task *out = nullptr;
        dms_progress_error *err = nullptr;
        dms_progress_result rc = dms_progress_client_show_task(
            get(), detail::c_str(instance_id, "instance id"), detail::c_str(task_id, "task id"),
            cancel ? cancel->get() : nullptr, &out, &err);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
        return detail::take_task(out);
    }

    /// Deletes the record of a task (DeleteBackgroundTask). Blocking.
    void delete_task(const std::string &instance_id, const std::string &task_id,
                     const cancel_token *cancel = nullptr) const {
        dms_progress_error *err = nullptr;
        dms_progress_result rc =
            dms_progress_client_delete_task(get(), detail::c_str(instance_id, "instance id"),
                                            detail::c_str(task_id, "task id"), cancel ? cancel->get() : nullptr, &err);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
    }

    /// The expansion running on the instance, as the library picks it. Blocking.
    expansion running_expansion(const std::string &instance_id, const cancel_token *cancel = nullptr) const {
        bool running = false;
        dms_progress_task *t = nullptr;
        dms_progress_error *err = nullptr;
        dms_progress_result rc = dms_progress_client_running_expansion(
            get(), detail::c_str(instance_id, "instance id"), cancel ? cancel->get() : nullptr, &running, &t, &err);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
        expansion out;
        out.running = running;
        if (t) {
            out.task = detail::take_task(t);
        }
        return out;
    }

    const dms_progress_client *get() const { return h_.get(); }

private:
    using handle_type = detail::handle<dms_progress_client, dms_progress_client_free>;

    static dms_progress_client *make(const config &cfg) {
        dms_progress_client *c = nullptr;
        dms_progress_error *err = nullptr;
        dms_progress_result rc = dms_progress_client_new(cfg.get(), &c, &err);
        if (rc != DMS_PROGRESS_RESULT_OK) {
            detail::throw_error(rc, err);
        }
        return c;
    }

    handle_type h_;
};

/// A signed request description, for a tool that sends it with its own HTTP stack. Header
/// values include the signature and any token: do not log them.
struct request {
    std::string method;
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// Builds and signs the progress request for `unix_seconds` (dms_progress_build_request).
inline request build_request(const config &cfg, const std::string &instance_id, const std::string &task_id,
                             uint64_t unix_seconds) {
    dms_progress_request *out = nullptr;
    dms_progress_error *err = nullptr;
    dms_progress_result rc =
        dms_progress_build_request(cfg.get(), detail::c_str(instance_id, "instance id"),
                                   detail::c_str(task_id, "task id"), unix_seconds, &out, &err);
    if (rc != DMS_PROGRESS_RESULT_OK) {
        detail::throw_error(rc, err);
    }
    std::unique_ptr<dms_progress_request, void (*)(dms_progress_request *)> owned(out, dms_progress_request_free);
    request r;
    r.method = detail::copy_string(dms_progress_request_method(out));
    r.url = detail::copy_string(dms_progress_request_url(out));
    const std::size_t count = dms_progress_request_header_count(out);
    for (std::size_t i = 0; i < count; i++) {
        r.headers.emplace_back(detail::copy_string(dms_progress_request_header_name(out, i)),
                               detail::copy_string(dms_progress_request_header_value(out, i)));
    }
    return r;
}

/// Decodes a response the caller received (dms_progress_decode_response).
inline progress decode_response(uint16_t status, const std::vector<std::pair<std::string, std::string>> &headers,
                                const std::string &body) {
    std::vector<const char *> names, values;
    names.reserve(headers.size());
    values.reserve(headers.size());
    for (const auto &h : headers) {
        names.push_back(detail::c_str(h.first, "header name"));
        values.push_back(detail::c_str(h.second, "header value"));
    }
    dms_progress_progress *out = nullptr;
    dms_progress_error *err = nullptr;
    dms_progress_result rc = dms_progress_decode_response(
        status, names.empty() ? nullptr : names.data(), values.empty() ? nullptr : values.data(), headers.size(),
        reinterpret_cast<const uint8_t *>(body.data()), body.size(), &out, &err);
    if (rc != DMS_PROGRESS_RESULT_OK) {
        detail::throw_error(rc, err);
    }
    return detail::take_progress(out);
}

} // namespace dms_progress

#endif /* DMS_PROGRESS_HPP */
