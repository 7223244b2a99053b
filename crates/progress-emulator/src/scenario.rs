//! What the emulator plays: one project, its instances, and their scripted background tasks.
//!
//! A scenario is plain data. It comes from [`Scenario::demo`], from a JSON file
//! ([`Scenario::from_json`]) or is built in Rust; [`Scenario::validate`] checks it (the
//! emulator calls it on start) and every error names the JSON path of the problem, e.g.
//! `instances[0].tasks[1].steps[2].seconds: must be a non-negative number`.
//!
//! The file format:
//!
//! ```json
//! {
//!   "project_id": "0123456789abcdef0123456789abcdef",
//!   "instances": [
//!     {
//!       "instance_id": "11111111-2222-3333-4444-555555555555",
//!       "tasks": [
//!         {
//!           "task_id": "ff8080818d1b2a3c018d1b2a3c4d0001",
//!           "name": "kafkaInstanceExtend",
//!           "started_seconds_ago": 0,
//!           "params": {"new_storage_space": 600},
//!           "steps": [
//!             {"name": "pre_check", "seconds": 1.5},
//!             {"name": "disk_expansion", "seconds": 3, "fails": true}
//!           ]
//!         }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! Only `project_id`, `instance_id`, `task_id`, and each step's `name` and `seconds` are
//! required. Unknown fields are refused, so that a typo does not silently change a test.

use std::fmt;

use progress_core::ids::{validate_id, IdField};
use serde_json::{Map, Value};

/// Longest step duration or task offset accepted, in seconds (about 31 years): keeps every
/// derived millisecond timestamp far from overflow.
pub const MAX_SECONDS: f64 = 1.0e9;

/// The task name the real service gives a Kafka capacity expansion.
pub const DEFAULT_TASK_NAME: &str = "kafkaInstanceExtend";

/// A whole scenario: one project and its instances, and the projects IAM lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The project id every path must carry (`X-Project-Id` must equal it too).
    pub project_id: String,
    /// The instances, in order.
    pub instances: Vec<InstanceSpec>,
    /// What IAM's `GET /v3/projects?name=` answers from: by default one project named
    /// [`DEFAULT_REGION`] with id [`Scenario::project_id`]. Several may share a name (to test
    /// a client's "several projects" error), and none may match one.
    pub projects: Vec<ProjectSpec>,
}

/// One IAM project: its name is a region id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSpec {
    /// The region id, e.g. `cn-north-4`.
    pub name: String,
    /// The project id.
    pub id: String,
}

/// The region IAM names the scenario's project after unless the scenario says otherwise.
pub const DEFAULT_REGION: &str = "cn-north-4";

/// The projects of a scenario that lists none: `project_id` in [`DEFAULT_REGION`].
fn default_projects(project_id: &str) -> Vec<ProjectSpec> {
    vec![ProjectSpec {
        name: DEFAULT_REGION.to_owned(),
        id: project_id.to_owned(),
    }]
}

/// One Kafka instance and its background tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSpec {
    /// The instance id.
    pub instance_id: String,
    /// Its tasks, in order.
    pub tasks: Vec<TaskSpec>,
}

/// One scripted background task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    /// The task id (what the resize call returns as `job_id`).
    pub task_id: String,
    /// The task name reported by ListBackgroundTasks / ShowBackgroundTask.
    pub name: String,
    /// How long before the emulator started the task's first step began. Positive puts the
    /// task in the past (a large value makes a task that is already finished); negative makes
    /// it start that many seconds after the emulator (its steps wait until then).
    pub started_seconds_ago: f64,
    /// The task's `params`, reported as JSON text by the task APIs.
    pub params: Value,
    /// The steps, run one after the other.
    pub steps: Vec<StepSpec>,
}

/// One step of a task.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpec {
    /// Step name (`pre_check`, `disk_expansion`, `rolling_scaling`, ...).
    pub name: String,
    /// How long the step stays `IN_PROGRESS`, in seconds (millisecond resolution).
    pub seconds: f64,
    /// Whether the step ends `FAILED` instead of `COMPLETED`; the task then stops.
    pub fails: bool,
}

/// A scenario was refused. `path` is where in the JSON (`instances[0].tasks[1].task_id`),
/// empty for the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// JSON path of the offending value; empty for the whole document.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn err(path: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Project id of the built-in demo scenario.
pub const DEMO_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// Instance id of the built-in demo scenario.
pub const DEMO_INSTANCE_ID: &str = "11111111-2222-3333-4444-555555555555";
/// Demo task that runs for 20 s from start-up: pre_check 2 s, disk_expansion 8 s,
/// rolling_scaling 8 s, post_check 2 s.
pub const DEMO_TASK_RUNNING: &str = "ff8080818d1b2a3c018d1b2a3c4d0001";
/// Demo task that finished before start-up (it began an hour earlier).
pub const DEMO_TASK_FINISHED: &str = "ff8080818d1b2a3c018d1b2a3c4d0002";
/// Demo task whose disk_expansion step fails 6 s after start-up.
pub const DEMO_TASK_FAILING: &str = "ff8080818d1b2a3c018d1b2a3c4d0003";

fn step(name: &str, seconds: f64) -> StepSpec {
    StepSpec {
        name: name.to_owned(),
        seconds,
        fails: false,
    }
}

impl Scenario {
    /// The built-in demo: project [`DEMO_PROJECT_ID`], instance [`DEMO_INSTANCE_ID`], and three
    /// expansion tasks: [`DEMO_TASK_RUNNING`] (done 20 s after start-up),
    /// [`DEMO_TASK_FINISHED`] (done before start-up) and [`DEMO_TASK_FAILING`]
    /// (`disk_expansion` fails 6 s after start-up).
    pub fn demo() -> Scenario {
        let params = |old: u32, new: u32| serde_json::json!({"oper_type": "storage", "old_storage_space": old, "new_storage_space": new});
        Scenario {
            project_id: DEMO_PROJECT_ID.to_owned(),
            instances: vec![InstanceSpec {
                instance_id: DEMO_INSTANCE_ID.to_owned(),
                tasks: vec![
                    TaskSpec {
                        task_id: DEMO_TASK_RUNNING.to_owned(),
                        name: DEFAULT_TASK_NAME.to_owned(),
                        started_seconds_ago: 0.0,
                        params: params(600, 900),
                        steps: vec![
                            step("pre_check", 2.0),
                            step("disk_expansion", 8.0),
                            step("rolling_scaling", 8.0),
                            step("post_check", 2.0),
                        ],
                    },
                    TaskSpec {
                        task_id: DEMO_TASK_FINISHED.to_owned(),
                        name: DEFAULT_TASK_NAME.to_owned(),
                        started_seconds_ago: 3600.0,
                        params: params(300, 600),
                        steps: vec![
                            step("pre_check", 44.0),
                            step("disk_expansion", 310.0),
                            step("rolling_scaling", 1200.0),
                            step("post_check", 30.0),
                        ],
                    },
                    TaskSpec {
                        task_id: DEMO_TASK_FAILING.to_owned(),
                        name: DEFAULT_TASK_NAME.to_owned(),
                        started_seconds_ago: 0.0,
                        params: params(900, 1200),
                        steps: vec![
                            step("pre_check", 2.0),
                            StepSpec {
                                fails: true,
                                ..step("disk_expansion", 4.0)
                            },
                            step("rolling_scaling", 8.0),
                            step("post_check", 2.0),
                        ],
                    },
                ],
            }],
            projects: default_projects(DEMO_PROJECT_ID),
        }
    }

    /// A scenario with `instances` instances of `tasks_per_instance` tasks each, for fleets and
    /// long task lists (what `dms-emulator --generate-tasks` plays). Every task is a
    /// `kafkaInstanceExtend` of four steps lasting `task_seconds` in all (pre_check 5 %,
    /// disk_expansion 40 %, rolling_scaling 50 %, post_check 5 %). In each instance task 0 is
    /// the newest; task `j` started `j * task_seconds / 2` seconds before start-up, plus
    /// `(k % 10) * task_seconds / 20` for instance `k`, so that tasks 0 and 1 are running
    /// and the older ones done; every fourth (`j % 4 == 3`) failed in disk_expansion. Ids:
    /// project [`DEMO_PROJECT_ID`], instance `k` (from 0) `00000000-0000-4000-8000-{k+1:012}`,
    /// its task `j` `ff808081{k+1:08x}{j+1:016x}`.
    pub fn generated(instances: usize, tasks_per_instance: usize, task_seconds: f64) -> Scenario {
        let split = [
            ("pre_check", 0.05),
            ("disk_expansion", 0.40),
            ("rolling_scaling", 0.50),
            ("post_check", 0.05),
        ];
        let instances = (0..instances)
            .map(|k| InstanceSpec {
                instance_id: format!("00000000-0000-4000-8000-{:012}", k + 1),
                tasks: (0..tasks_per_instance)
                    .map(|j| {
                        let fails = j % 4 == 3;
                        TaskSpec {
                            task_id: format!("ff808081{:08x}{:016x}", k + 1, j + 1),
                            name: DEFAULT_TASK_NAME.to_owned(),
                            started_seconds_ago: j as f64 * task_seconds / 2.0
                                + (k % 10) as f64 * task_seconds / 20.0,
                            params: serde_json::json!({
                                "oper_type": "storage",
                                "old_storage_space": 300 + 100 * (tasks_per_instance - j),
                                "new_storage_space": 400 + 100 * (tasks_per_instance - j),
                            }),
                            steps: split
                                .iter()
                                .map(|&(name, share)| StepSpec {
                                    name: name.to_owned(),
                                    seconds: (task_seconds * share * 1000.0).round() / 1000.0,
                                    fails: fails && name == "disk_expansion",
                                })
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect();
        Scenario {
            project_id: DEMO_PROJECT_ID.to_owned(),
            instances,
            projects: default_projects(DEMO_PROJECT_ID),
        }
    }

    /// Parses and validates a scenario file's text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| {
            err(
                "",
                format!("invalid JSON at line {} column {}: {e}", e.line(), e.column()),
            )
        })?;
        let scenario = parse_scenario(&doc)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The scenario as JSON in the file format (what `dms-emulator --print-scenario` shows).
    pub fn to_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            project_id: &'a str,
            instances: Vec<Inst<'a>>,
            projects: Vec<Proj<'a>>,
        }
        #[derive(serde::Serialize)]
        struct Proj<'a> {
            name: &'a str,
            id: &'a str,
        }
        #[derive(serde::Serialize)]
        struct Inst<'a> {
            instance_id: &'a str,
            tasks: Vec<Task<'a>>,
        }
        #[derive(serde::Serialize)]
        struct Task<'a> {
            task_id: &'a str,
            name: &'a str,
            started_seconds_ago: Value,
            params: &'a Value,
            steps: Vec<Step<'a>>,
        }
        #[derive(serde::Serialize)]
        struct Step<'a> {
            name: &'a str,
            seconds: Value,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            fails: bool,
        }
        let doc = Doc {
            project_id: &self.project_id,
            instances: self
                .instances
                .iter()
                .map(|inst| Inst {
                    instance_id: &inst.instance_id,
                    tasks: inst
                        .tasks
                        .iter()
                        .map(|t| Task {
                            task_id: &t.task_id,
                            name: &t.name,
                            started_seconds_ago: number(t.started_seconds_ago),
                            params: &t.params,
                            steps: t
                                .steps
                                .iter()
                                .map(|s| Step {
                                    name: &s.name,
                                    seconds: number(s.seconds),
                                    fails: s.fails,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            projects: self
                .projects
                .iter()
                .map(|p| Proj {
                    name: &p.name,
                    id: &p.id,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&doc).expect("a scenario always serialises")
    }

    /// Every task with its instance id, in scenario order.
    pub fn tasks(&self) -> impl Iterator<Item = (&str, &TaskSpec)> {
        self.instances
            .iter()
            .flat_map(|i| i.tasks.iter().map(move |t| (i.instance_id.as_str(), t)))
    }

    /// The instance with id `instance_id`.
    pub fn instance(&self, instance_id: &str) -> Option<&InstanceSpec> {
        self.instances.iter().find(|i| i.instance_id == instance_id)
    }

    /// Checks ids (as the client checks them), uniqueness, names and durations.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        validate_id(IdField::ProjectId, &self.project_id)
            .map_err(|e| err("project_id", id_problem(&e.to_string())))?;
        for (i, p) in self.projects.iter().enumerate() {
            let ppath = format!("projects[{i}]");
            if p.name.trim().is_empty() {
                return Err(err(&format!("{ppath}.name"), "must not be empty"));
            }
            validate_id(IdField::ProjectId, &p.id)
                .map_err(|e| err(&format!("{ppath}.id"), id_problem(&e.to_string())))?;
        }
        for (i, inst) in self.instances.iter().enumerate() {
            let ipath = format!("instances[{i}]");
            validate_id(IdField::InstanceId, &inst.instance_id)
                .map_err(|e| err(&format!("{ipath}.instance_id"), id_problem(&e.to_string())))?;
            if self.instances[..i]
                .iter()
                .any(|o| o.instance_id == inst.instance_id)
            {
                return Err(err(
                    &format!("{ipath}.instance_id"),
                    format!("duplicate instance id {:?}", inst.instance_id),
                ));
            }
            for (j, task) in inst.tasks.iter().enumerate() {
                let tpath = format!("{ipath}.tasks[{j}]");
                validate_id(IdField::TaskId, &task.task_id)
                    .map_err(|e| err(&format!("{tpath}.task_id"), id_problem(&e.to_string())))?;
                if inst.tasks[..j].iter().any(|o| o.task_id == task.task_id) {
                    return Err(err(
                        &format!("{tpath}.task_id"),
                        format!("duplicate task id {:?} in this instance", task.task_id),
                    ));
                }
                if !task.started_seconds_ago.is_finite() || task.started_seconds_ago.abs() > MAX_SECONDS {
                    return Err(err(
                        &format!("{tpath}.started_seconds_ago"),
                        format!("must be a number between -{MAX_SECONDS:e} and {MAX_SECONDS:e}"),
                    ));
                }
                let mut total = 0.0;
                for (k, s) in task.steps.iter().enumerate() {
                    let spath = format!("{tpath}.steps[{k}]");
                    if s.name.trim().is_empty() {
                        return Err(err(&format!("{spath}.name"), "must not be empty"));
                    }
                    if !(s.seconds.is_finite() && s.seconds >= 0.0) {
                        return Err(err(&format!("{spath}.seconds"), "must be a non-negative number"));
                    }
                    total += s.seconds;
                    if total > MAX_SECONDS {
                        return Err(err(
                            &format!("{spath}.seconds"),
                            format!("the task's steps add up to more than {MAX_SECONDS:e} seconds"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// `invalid task_id: contains '/' at byte 1` → `contains '/' at byte 1` (the path names the field).
fn id_problem(message: &str) -> String {
    message
        .split_once(": ")
        .map(|(_, m)| m.to_owned())
        .unwrap_or_else(|| message.to_owned())
}

fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// An object's fields, refusing unknown ones.
fn object<'a>(v: &'a Value, path: &str, known: &[&str]) -> Result<&'a Map<String, Value>, ScenarioError> {
    let map = v.as_object().ok_or_else(|| {
        err(
            path,
            if path.is_empty() {
                "the scenario must be a JSON object".to_owned()
            } else {
                "must be a JSON object".to_owned()
            },
        )
    })?;
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(err(
            &join(path, k),
            format!("unknown field (expected one of: {})", known.join(", ")),
        ));
    }
    Ok(map)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn required<'a>(map: &'a Map<String, Value>, path: &str, key: &str) -> Result<&'a Value, ScenarioError> {
    map.get(key).ok_or_else(|| err(&join(path, key), "is required"))
}

fn string(v: &Value, path: &str) -> Result<String, ScenarioError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| err(path, "must be a string"))
}

fn array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>, ScenarioError> {
    v.as_array().ok_or_else(|| err(path, "must be an array"))
}

fn parse_scenario(doc: &Value) -> Result<Scenario, ScenarioError> {
    let root = object(doc, "", &["project_id", "instances", "projects"])?;
    let project_id = string(required(root, "", "project_id")?, "project_id")?;
    let projects = match root.get("projects") {
        None => default_projects(&project_id),
        Some(list) => array(list, "projects")?
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let ppath = format!("projects[{i}]");
                let m = object(p, &ppath, &["name", "id"])?;
                Ok(ProjectSpec {
                    name: string(required(m, &ppath, "name")?, &join(&ppath, "name"))?,
                    id: string(required(m, &ppath, "id")?, &join(&ppath, "id"))?,
                })
            })
            .collect::<Result<_, ScenarioError>>()?,
    };
    let mut instances = Vec::new();
    for (i, inst) in array(required(root, "", "instances")?, "instances")?
        .iter()
        .enumerate()
    {
        let ipath = format!("instances[{i}]");
        let m = object(inst, &ipath, &["instance_id", "tasks"])?;
        let instance_id = string(required(m, &ipath, "instance_id")?, &join(&ipath, "instance_id"))?;
        let mut tasks = Vec::new();
        if let Some(list) = m.get("tasks") {
            let lpath = join(&ipath, "tasks");
            for (j, t) in array(list, &lpath)?.iter().enumerate() {
                tasks.push(parse_task(t, &format!("{lpath}[{j}]"))?);
            }
        }
        instances.push(InstanceSpec { instance_id, tasks });
    }
    Ok(Scenario {
        project_id,
        instances,
        projects,
    })
}

fn parse_task(v: &Value, path: &str) -> Result<TaskSpec, ScenarioError> {
    let m = object(
        v,
        path,
        &["task_id", "name", "started_seconds_ago", "params", "steps"],
    )?;
    let task_id = string(required(m, path, "task_id")?, &join(path, "task_id"))?;
    let name = match m.get("name") {
        Some(n) => string(n, &join(path, "name"))?,
        None => DEFAULT_TASK_NAME.to_owned(),
    };
    let started_seconds_ago = match m.get("started_seconds_ago") {
        Some(n) => n
            .as_f64()
            .ok_or_else(|| err(&join(path, "started_seconds_ago"), "must be a number"))?,
        None => 0.0,
    };
    let params = m
        .get("params")
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()));
    let spath = join(path, "steps");
    let mut steps = Vec::new();
    for (k, s) in array(required(m, path, "steps")?, &spath)?.iter().enumerate() {
        let p = format!("{spath}[{k}]");
        let sm = object(s, &p, &["name", "seconds", "fails"])?;
        let name = string(required(sm, &p, "name")?, &join(&p, "name"))?;
        let seconds = required(sm, &p, "seconds")?
            .as_f64()
            .filter(|x| *x >= 0.0)
            .ok_or_else(|| err(&join(&p, "seconds"), "must be a non-negative number"))?;
        let fails = match sm.get("fails") {
            Some(f) => f
                .as_bool()
                .ok_or_else(|| err(&join(&p, "fails"), "must be true or false"))?,
            None => false,
        };
        steps.push(StepSpec { name, seconds, fails });
    }
    Ok(TaskSpec {
        task_id,
        name,
        started_seconds_ago,
        params,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_scenarios_are_valid_with_two_running_tasks_per_instance() {
        use crate::timeline::TaskStatus;
        let s = Scenario::generated(12, 8, 100.0);
        s.validate().unwrap();
        assert_eq!((s.instances.len(), s.tasks().count()), (12, 96));
        assert_eq!(s.instances[0].instance_id, "00000000-0000-4000-8000-000000000001");
        assert_eq!(
            s.instances[11].tasks[7].task_id,
            "ff8080810000000c0000000000000008"
        );
        let t0 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600);
        for inst in &s.instances {
            let statuses: Vec<TaskStatus> = inst.tasks.iter().map(|t| t.snapshot(t0, t0).status).collect();
            assert_eq!(
                statuses,
                [
                    TaskStatus::Executing,
                    TaskStatus::Executing,
                    TaskStatus::Success,
                    TaskStatus::Failed,
                    TaskStatus::Success,
                    TaskStatus::Success,
                    TaskStatus::Success,
                    TaskStatus::Failed
                ],
                "{}",
                inst.instance_id
            );
            let total: f64 = inst.tasks[0].steps.iter().map(|s| s.seconds).sum();
            assert!((total - 100.0).abs() < 1e-9);
        }
        // Newest first within an instance.
        let created: Vec<i64> = s.instances[3]
            .tasks
            .iter()
            .map(|t| t.snapshot(t0, t0).created_at)
            .collect();
        assert!(created.windows(2).all(|w| w[0] > w[1]), "{created:?}");
    }

    #[test]
    fn demo_is_valid_and_round_trips_through_json() {
        let demo = Scenario::demo();
        demo.validate().unwrap();
        assert_eq!(Scenario::from_json(&demo.to_json()).unwrap(), demo);
        let ids: Vec<&str> = demo.tasks().map(|(_, t)| t.task_id.as_str()).collect();
        assert_eq!(ids, [DEMO_TASK_RUNNING, DEMO_TASK_FINISHED, DEMO_TASK_FAILING]);
        let running: f64 = demo.instances[0].tasks[0].steps.iter().map(|s| s.seconds).sum();
        assert_eq!(running, 20.0);
    }

    #[test]
    fn parses_the_documented_example_with_defaults() {
        let s = Scenario::from_json(
            r#"{"project_id": "p", "instances": [{"instance_id": "i", "tasks": [{"task_id": "t",
               "steps": [{"name": "pre_check", "seconds": 1.5}, {"name": "disk_expansion", "seconds": 3, "fails": true}]}]}]}"#,
        )
        .unwrap();
        let t = &s.instances[0].tasks[0];
        assert_eq!(t.name, DEFAULT_TASK_NAME);
        assert_eq!(t.started_seconds_ago, 0.0);
        assert_eq!(t.params, serde_json::json!({}));
        assert_eq!(
            t.steps,
            [
                StepSpec {
                    name: "pre_check".into(),
                    seconds: 1.5,
                    fails: false
                },
                StepSpec {
                    name: "disk_expansion".into(),
                    seconds: 3.0,
                    fails: true
                }
            ]
        );
    }

    fn error_of(text: &str) -> String {
        Scenario::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_json_path() {
        let wrap = |task: &str| {
            format!(
                r#"{{"project_id": "p", "instances": [{{"instance_id": "i", "tasks": [{{"task_id": "t0", "steps": []}}, {task}]}}]}}"#
            )
        };
        assert_eq!(
            error_of(&wrap(
                r#"{"task_id": "t1", "steps": [{"name": "a", "seconds": 1}, {"name": "b", "seconds": 1}, {"name": "c", "seconds": -1}]}"#
            )),
            "instances[0].tasks[1].steps[2].seconds: must be a non-negative number"
        );
        assert_eq!(
            error_of(&wrap(
                r#"{"task_id": "t1", "steps": [{"name": "a", "seconds": "2"}]}"#
            )),
            "instances[0].tasks[1].steps[0].seconds: must be a non-negative number"
        );
        assert_eq!(
            error_of(&wrap(r#"{"task_id": "t1", "stpes": []}"#)),
            "instances[0].tasks[1].stpes: unknown field (expected one of: task_id, name, started_seconds_ago, params, steps)"
        );
        assert_eq!(
            error_of(&wrap(r#"{"steps": []}"#)),
            "instances[0].tasks[1].task_id: is required"
        );
        assert_eq!(
            error_of(&wrap(r#"{"task_id": "t0", "steps": []}"#)),
            "instances[0].tasks[1].task_id: duplicate task id \"t0\" in this instance"
        );
        assert_eq!(
            error_of(&wrap(r#"{"task_id": "a/b", "steps": []}"#)),
            "instances[0].tasks[1].task_id: contains '/' at byte 1"
        );
        assert_eq!(
            error_of(&wrap(
                r#"{"task_id": "t1", "steps": [{"name": "a", "seconds": 1, "fails": "yes"}]}"#
            )),
            "instances[0].tasks[1].steps[0].fails: must be true or false"
        );
        assert_eq!(
            error_of(&wrap(
                r#"{"task_id": "t1", "steps": [{"name": " ", "seconds": 1}]}"#
            )),
            "instances[0].tasks[1].steps[0].name: must not be empty"
        );
        assert_eq!(
            error_of(&wrap(
                r#"{"task_id": "t1", "started_seconds_ago": "1", "steps": []}"#
            )),
            "instances[0].tasks[1].started_seconds_ago: must be a number"
        );
        assert_eq!(
            error_of(&wrap(
                r#"{"task_id": "t1", "steps": [{"name": "a", "seconds": 1e10}]}"#
            )),
            "instances[0].tasks[1].steps[0].seconds: the task's steps add up to more than 1e9 seconds"
        );
        assert_eq!(error_of("[]"), "the scenario must be a JSON object");
        assert_eq!(error_of(r#"{"instances": []}"#), "project_id: is required");
        assert_eq!(
            error_of(r#"{"project_id": 1, "instances": []}"#),
            "project_id: must be a string"
        );
        assert_eq!(
            error_of(r#"{"project_id": "", "instances": []}"#),
            "project_id: must not be empty"
        );
        assert_eq!(
            error_of(r#"{"project_id": "p", "instances": {}}"#),
            "instances: must be an array"
        );
        assert_eq!(
            error_of(r#"{"project_id": "p", "instances": [{"instance_id": "i"}, {"instance_id": "i"}]}"#),
            "instances[1].instance_id: duplicate instance id \"i\""
        );
        assert!(error_of("{\n  \"project_id\": ").starts_with("invalid JSON at line 2 column"));
    }
}
