//! Property tests: decoders never panic on arbitrary input, and what must be injective or
//! round-trip does. These are the always-on counterparts of the cargo-fuzz targets in fuzz/.

use std::time::{Duration, UNIX_EPOCH};

use progress_core::encoding::percent_encode;
use progress_core::signing::canonical_uri;
use progress_core::time::{parse_iso8601_millis, parse_sdk_date, sdk_date};
use progress_core::{
    decode_api_error, decode_delete_task_response, decode_list_tasks_response, decode_progress,
    decode_response, decode_show_task_response, decode_task_list, pick_running_expansion, Endpoint,
    ExpansionPick, ListTasksQuery, Profile, StepStatus, Task, TaskPage, TaskPager, TaskStatus,
    EXPANSION_TASK_NAME,
};
use proptest::prelude::*;

fn json_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_owned()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        "[a-zA-Z0-9_ ]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
    ]
}

fn step_json() -> impl Strategy<Value = String> {
    (json_scalar(), json_scalar(), json_scalar(), json_scalar(), json_scalar()).prop_map(
        |(name, statue, status, start, end)| {
            format!(r#"{{"name": {name}, "statue": {statue}, "status": {status}, "start_time": {start}, "end_time": {end}}}"#)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512), status in 0u16..1000) {
        let _ = decode_progress(&body);
        let _ = decode_response(status, &[("X-Request-Id", "r"), ("Retry-After", "3")], &body);
        let e = decode_api_error(status, &[], &body);
        prop_assert!(!e.error_code.is_empty());
    }

    #[test]
    fn decoding_json_shaped_input_keeps_its_invariants(
        pct in json_scalar(),
        remain in json_scalar(),
        steps in proptest::collection::vec(step_json(), 0..6),
    ) {
        let body = format!(r#"{{"progress_percentage": {pct}, "remain_time": {remain}, "step_list": [{}]}}"#, steps.join(","));
        if let Ok(p) = decode_progress(body.as_bytes()) {
            prop_assert!(p.percentage.is_none_or(|p| p <= 100));
            prop_assert_eq!(p.steps.len(), steps.len());
            if let Some(i) = p.failed_step() {
                prop_assert_eq!(&p.steps[i].status, &StepStatus::Failed);
            }
            if p.is_complete() {
                prop_assert_eq!(p.percentage, Some(100));
            }
        }
    }

    #[test]
    fn percent_encoding_is_injective(a in any::<String>(), b in any::<String>()) {
        if a != b {
            prop_assert_ne!(percent_encode(&a), percent_encode(&b));
        }
    }

    #[test]
    fn percent_encoding_uses_only_unreserved_bytes_and_escapes(s in any::<String>()) {
        let e = percent_encode(&s);
        prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        prop_assert!(!e.contains('/') && !e.contains(' '));
    }

    #[test]
    fn canonical_uri_always_ends_in_one_slash(segments in proptest::collection::vec("[^/]{0,8}", 1..5)) {
        let path = format!("/{}", segments.join("/"));
        let uri = canonical_uri(&path);
        prop_assert!(uri.ends_with('/'));
        prop_assert!(uri.starts_with('/'));
    }

    #[test]
    fn sdk_dates_round_trip(secs in 0u64..253_402_300_799) {
        let t = UNIX_EPOCH + Duration::from_secs(secs);
        prop_assert_eq!(parse_sdk_date(&sdk_date(t)), Some(t));
    }

    #[test]
    fn profile_parsing_never_panics(text in any::<String>()) {
        let _ = Profile::parse(&text);
    }

    #[test]
    fn endpoint_parsing_never_panics_and_round_trips(text in any::<String>()) {
        if let Ok(e) = Endpoint::parse(&text) {
            prop_assert_eq!(Endpoint::parse(&e.base_url()), Ok(e));
        }
    }

    #[test]
    fn valid_endpoints_round_trip(host in "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9-]{0,10}){0,3}", port in proptest::option::of(1u16..), https in any::<bool>()) {
        let scheme = if https { "https" } else { "http" };
        let text = match port { Some(p) => format!("{scheme}://{host}:{p}"), None => format!("{scheme}://{host}") };
        let e = Endpoint::parse(&text).unwrap();
        prop_assert_eq!(e.host(), host.as_str());
        prop_assert_eq!(Endpoint::parse(&e.base_url()), Ok(e));
    }
}

fn task_json() -> impl Strategy<Value = String> {
    (
        json_scalar(),
        json_scalar(),
        json_scalar(),
        prop_oneof![
            json_scalar(),
            Just(r#""CREATED""#.to_owned()),
            Just(r#""EXECUTING""#.to_owned()),
            Just(r#""SUCCESS""#.to_owned()),
        ],
        prop_oneof![
            json_scalar(),
            Just(r#""2020-06-15T08:55:53.606Z""#.to_owned()),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?".prop_map(|s| format!("{s:?}")),
        ],
        json_scalar(),
    )
        .prop_map(|(id, name, params, status, created, updated)| {
            format!(r#"{{"id": {id}, "name": {name}, "params": {params}, "status": {status}, "created_at": {created}, "updated_at": {updated}, "user_name": "u"}}"#)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn task_decoders_never_panic_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512), status in 0u16..1000) {
        let _ = decode_task_list(&body);
        let _ = decode_list_tasks_response(status, &[("X-Request-Id", "r")], &body);
        let _ = decode_show_task_response(status, &[], &body, "t");
        let _ = decode_delete_task_response(status, &[], &body);
    }

    #[test]
    fn task_lists_decode_every_task_or_fail_naming_the_response(
        count in json_scalar(),
        tasks in proptest::collection::vec(task_json(), 0..6),
    ) {
        let body = format!(r#"{{"task_count": {count}, "tasks": [{}]}}"#, tasks.join(","));
        match decode_task_list(body.as_bytes()) {
            Ok(page) => {
                prop_assert_eq!(page.tasks.len(), tasks.len());
                for t in &page.tasks {
                    prop_assert!(!t.id.is_empty());
                    prop_assert_eq!(TaskStatus::from_wire(t.status.as_str()), t.status.clone());
                }
                // The pick, whatever it finds, keeps its promise.
                match pick_running_expansion(&page.tasks) {
                    ExpansionPick::Running(t) => {
                        prop_assert!(t.status.is_running());
                        let preferred = |x: &Task| x.name == EXPANSION_TASK_NAME;
                        prop_assert!(!page.tasks.iter().any(|o| o.status.is_running()
                            && (preferred(o) && !preferred(t)
                                || preferred(o) == preferred(t) && o.created_at_millis() > t.created_at_millis())));
                    }
                    ExpansionPick::NoneRunning { newest } => {
                        prop_assert!(!page.tasks.iter().any(|t| t.status.is_running()));
                        prop_assert_eq!(newest.is_some(), !page.tasks.is_empty());
                    }
                }
            }
            Err(e) => prop_assert_eq!(e.response, "task list"),
        }
    }

    #[test]
    fn iso_times_never_panic(s in any::<String>()) {
        let _ = parse_iso8601_millis(&s);
    }

    #[test]
    fn iso_times_read_what_sdk_dates_write(secs in 0u64..253_402_300_799, ms in 0u64..1000) {
        let d = sdk_date(UNIX_EPOCH + Duration::from_secs(secs));
        let iso = format!("{}-{}-{}T{}:{}:{}.{ms:03}Z", &d[0..4], &d[4..6], &d[6..8], &d[9..11], &d[11..13], &d[13..15]);
        prop_assert_eq!(parse_iso8601_millis(&iso), Some((secs * 1000 + ms) as i64));
    }

    #[test]
    fn the_pager_passes_each_task_once_and_always_ends(
        pages in proptest::collection::vec((proptest::collection::vec(0u8..40, 0..12), proptest::option::of(0u64..200)), 1..30),
        limit in 1u32..12,
    ) {
        let mut pager = TaskPager::new(ListTasksQuery { limit: Some(limit), ..Default::default() }).unwrap();
        let mut seen = std::collections::HashSet::new();
        for (ids, count) in pages {
            if pager.next_query().is_none() {
                break;
            }
            let page = TaskPage {
                task_count: count,
                tasks: ids.iter().map(|i| Task {
                    id: format!("t{i}"), name: String::new(), user_name: String::new(), user_id: String::new(),
                    params: String::new(), status: TaskStatus::Success, created_at: None, updated_at: None,
                }).collect(),
            };
            let short = (page.tasks.len() as u32) < limit;
            for t in pager.on_page(page).unwrap() {
                prop_assert!(seen.insert(t.id), "passed on twice");
            }
            if short {
                prop_assert!(pager.is_done());
            }
        }
    }
}
