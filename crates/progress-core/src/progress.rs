//! The progress of a background task, and its tolerant decoding from a 200 body.
//!
//! Tolerance follows docs/wire.md §6 exactly: `statue` (sic) or `status`, times as integers,
//! numeric strings or null, unknown states and non-numeric times kept as raw text, unknown
//! fields ignored, missing numbers as `None`. Strict where a wrong answer would follow: a body
//! that is not a JSON object, a percentage outside 0..=100, a `step_list` that is not a list.

use std::fmt;
use std::num::IntErrorKind;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

/// The state of one step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StepStatus {
    /// `COMPLETED`
    Completed,
    /// `IN_PROGRESS`
    InProgress,
    /// `FAILED`
    Failed,
    /// `WAITING`
    Waiting,
    /// Any other text, kept as sent (an empty string when the state is absent).
    Other(String),
}

impl StepStatus {
    /// Maps wire text to a state; unknown text is kept.
    pub fn from_wire(s: &str) -> StepStatus {
        match s {
            "COMPLETED" => StepStatus::Completed,
            "IN_PROGRESS" => StepStatus::InProgress,
            "FAILED" => StepStatus::Failed,
            "WAITING" => StepStatus::Waiting,
            other => StepStatus::Other(other.to_owned()),
        }
    }

    /// The wire text.
    pub fn as_str(&self) -> &str {
        match self {
            StepStatus::Completed => "COMPLETED",
            StepStatus::InProgress => "IN_PROGRESS",
            StepStatus::Failed => "FAILED",
            StepStatus::Waiting => "WAITING",
            StepStatus::Other(s) => s,
        }
    }
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step's start or end time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TimeValue {
    /// Milliseconds since the Unix epoch (sent as an integer or a numeric string).
    EpochMillis(i64),
    /// A value that is not a number, kept as sent (a string's text, or other JSON as JSON).
    Raw(String),
}

impl TimeValue {
    /// The epoch milliseconds, if the value was numeric.
    pub fn epoch_millis(&self) -> Option<i64> {
        match self {
            TimeValue::EpochMillis(ms) => Some(*ms),
            TimeValue::Raw(_) => None,
        }
    }
}

/// One step of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Step name (`pre_check`, `disk_expansion`, …); empty if absent.
    pub name: String,
    /// Step state.
    pub status: StepStatus,
    /// When the step started; `None` until it does.
    pub start_time: Option<TimeValue>,
    /// When the step ended; `None` until it does.
    pub end_time: Option<TimeValue>,
}

/// The progress of a task, as `ShowBackgroundTaskProgress` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// Whole-task progress 0..=100; `None` when the service did not say.
    pub percentage: Option<u8>,
    /// Remaining time in seconds; `None` when the service did not say (or sent a negative value).
    pub remain_time: Option<u64>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Progress {
    /// Done: the percentage is 100 and every step is `COMPLETED`.
    pub fn is_complete(&self) -> bool {
        self.percentage == Some(100) && self.steps.iter().all(|s| s.status == StepStatus::Completed)
    }

    /// The index of the first `FAILED` step, if any.
    pub fn failed_step(&self) -> Option<usize> {
        self.steps.iter().position(|s| s.status == StepStatus::Failed)
    }

    /// The index of the step running now: the first `IN_PROGRESS` step, if any. Between two
    /// steps (one `COMPLETED`, the next not started) no step is current.
    ///
    /// This is the one definition of "current step": the C API, the Python and Go packages
    /// and the command line all report this answer.
    pub fn current_step_index(&self) -> Option<usize> {
        self.steps.iter().position(|s| s.status == StepStatus::InProgress)
    }

    /// The step running now (see [`current_step_index`](Self::current_step_index)).
    pub fn current_step(&self) -> Option<&Step> {
        self.current_step_index().map(|i| &self.steps[i])
    }
}

/// The JSON view of a progress: one compact object holding everything a [`Progress`] knows,
/// including the answers derived from it, so a binding copies a progress in one call and a
/// log line shows it whole.
///
/// ```json
/// {"percentage":50,"remain_time":120,"is_complete":false,"failed_step":null,"current_step":1,
///  "steps":[{"name":"pre_check","status":"COMPLETED","start_time":1700000000000,"end_time":1700000060000},
///           {"name":"disk_expansion","status":"IN_PROGRESS","start_time":1700000060000,"end_time":null}]}
/// ```
///
/// `percentage`, `remain_time`, `failed_step` and `current_step` (step indexes) are numbers or
/// `null` when unknown. A step time is a number (epoch milliseconds), a string (the text the
/// service sent when it was not a time) or `null` (not started or ended yet). Keys always
/// appear, in this order; nothing else is added, so the view is stable enough to parse.
impl Progress {
    /// The JSON view (see above), without whitespace.
    pub fn to_json(&self) -> String {
        // Serialising these types cannot fail: every key is a string and no value is a float.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The positional JSON view: the same values as the [JSON view](Progress::to_json), in the
/// same order, as arrays without key names, for a binding that builds its own objects (a
/// parser makes no map and no key string for them, which is most of its work on the object
/// view):
///
/// ```json
/// [50,120,false,null,1,[["pre_check","COMPLETED",1700000000000,1700000060000],
///                       ["disk_expansion","IN_PROGRESS",1700000060000,null]]]
/// ```
///
/// `[percentage, remain_time, is_complete, failed_step, current_step, steps]`, each step
/// `[name, status, start_time, end_time]`; the values read as in the object view.
impl Progress {
    /// The positional JSON view (see above), without whitespace.
    pub fn to_json_array(&self) -> String {
        // As for `to_json`: nothing here can fail to serialise.
        serde_json::to_string(&Positional(self)).unwrap_or_default()
    }
}

/// A progress serialised as the positional view.
struct Positional<'a>(&'a Progress);

impl Serialize for Positional<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut s = serializer.serialize_tuple(6)?;
        s.serialize_element(&p.percentage)?;
        s.serialize_element(&p.remain_time)?;
        s.serialize_element(&p.is_complete())?;
        s.serialize_element(&p.failed_step())?;
        s.serialize_element(&p.current_step_index())?;
        s.serialize_element(&PositionalSteps(&p.steps))?;
        s.end()
    }
}

struct PositionalSteps<'a>(&'a [Step]);

impl Serialize for PositionalSteps<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .iter()
                .map(|s| (&s.name, s.status.as_str(), &s.start_time, &s.end_time)),
        )
    }
}

impl Serialize for Progress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Progress", 6)?;
        s.serialize_field("percentage", &self.percentage)?;
        s.serialize_field("remain_time", &self.remain_time)?;
        s.serialize_field("is_complete", &self.is_complete())?;
        s.serialize_field("failed_step", &self.failed_step())?;
        s.serialize_field("current_step", &self.current_step_index())?;
        s.serialize_field("steps", &self.steps)?;
        s.end()
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Step", 4)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("status", self.status.as_str())?;
        s.serialize_field("start_time", &self.start_time)?;
        s.serialize_field("end_time", &self.end_time)?;
        s.end()
    }
}

impl Serialize for TimeValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TimeValue::EpochMillis(ms) => serializer.serialize_i64(*ms),
            TimeValue::Raw(text) => serializer.serialize_str(text),
        }
    }
}

/// A 2xx body that could not be understood. The message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode the {response} response: {message}")]
pub struct DecodeError {
    /// Which response: `progress`, `task list` or `task`.
    pub response: &'static str,
    /// What was wrong, naming the field (`step_list[1].start_time`, `tasks[0].id`, …).
    pub message: String,
}

impl DecodeError {
    fn new(message: impl Into<String>) -> Self {
        DecodeError::of("progress", message)
    }

    /// An error decoding the `response` response (`task list`, …).
    pub(crate) fn of(response: &'static str, message: impl Into<String>) -> Self {
        DecodeError {
            response,
            message: message.into(),
        }
    }
}

/// A JSON scalar as sent, before the field it belongs to decides what it means.
#[derive(Debug)]
pub(crate) enum Loose {
    Null,
    Int(i128),
    Float(f64),
    Str(String),
    /// A bool, array or object: only its kind is kept.
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Null)
            }
            fn visit_none<E>(self) -> Result<Loose, E> {
                Ok(Loose::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Loose, E> {
                Ok(Loose::Other("a boolean"))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
                Ok(Loose::Int(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::Int(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
                Ok(Loose::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Loose, E> {
                Ok(Loose::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

impl Loose {
    /// An integer, from a JSON integer, an integral float or a numeric string. One beyond
    /// `i128` saturates, so it is out of range for every field rather than "not a number".
    pub(crate) fn integer(&self) -> Option<i128> {
        match self {
            Loose::Int(i) => Some(*i),
            // `as` saturates.
            Loose::Float(f) if f.fract() == 0.0 => Some(*f as i128),
            Loose::Str(s) => match s.trim().parse::<i128>() {
                Ok(i) => Some(i),
                Err(e) if *e.kind() == IntErrorKind::PosOverflow => Some(i128::MAX),
                Err(e) if *e.kind() == IntErrorKind::NegOverflow => Some(i128::MIN),
                Err(_) => None,
            },
            _ => None,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Loose::Null => "null".into(),
            Loose::Int(i) => i.to_string(),
            Loose::Float(f) => f.to_string(),
            Loose::Str(s) => format!("{:?}", truncate(s, 64)),
            Loose::Other(kind) => (*kind).into(),
        }
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[derive(Deserialize)]
struct WireProgress {
    progress_percentage: Option<Loose>,
    remain_time: Option<Loose>,
    step_list: Option<Loose2<Vec<WireStep>>>,
}

/// `null` or a `T`: a `step_list` of `null` is the same as an absent one.
pub(crate) struct Loose2<T>(pub(crate) Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Loose2<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(Loose2)
    }
}

#[derive(Deserialize)]
struct WireStep {
    name: Option<Loose>,
    statue: Option<Loose>,
    status: Option<Loose>,
    start_time: Option<Loose>,
    end_time: Option<Loose>,
}

pub(crate) fn text_of(v: Option<Loose>) -> Option<String> {
    match v? {
        Loose::Null => None,
        Loose::Str(s) => Some(s),
        Loose::Int(i) => Some(i.to_string()),
        Loose::Float(f) => Some(f.to_string()),
        Loose::Other(kind) => Some(format!("<{kind}>")),
    }
}

fn time_of(v: Option<Loose>, field: impl Fn() -> String) -> Result<Option<TimeValue>, DecodeError> {
    let Some(v) = v else { return Ok(None) };
    if let Loose::Null = v {
        return Ok(None);
    }
    if let Loose::Str(s) = &v {
        if s.trim().is_empty() {
            return Ok(None);
        }
    }
    match v.integer() {
        Some(i) => i64::try_from(i)
            .map(|ms| Some(TimeValue::EpochMillis(ms)))
            .map_err(|_| DecodeError::new(format!("{} is out of range: {}", field(), v.describe()))),
        None => Ok(Some(TimeValue::Raw(match v {
            Loose::Str(s) => s,
            other => other.describe(),
        }))),
    }
}

/// Refuses, before parsing, a body that cannot be a JSON object: empty, not UTF-8, or
/// starting with anything but `{`.
pub(crate) fn check_object_body(body: &[u8]) -> Result<(), &'static str> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{') => Ok(()),
        None => Err("the body is empty"),
        Some(_) if std::str::from_utf8(body).is_err() => Err("the body is not UTF-8 text"),
        Some(_) => Err("the body is not a JSON object"),
    }
}

/// Decodes a 2xx body of `ShowBackgroundTaskProgress`.
pub fn decode_progress(body: &[u8]) -> Result<Progress, DecodeError> {
    check_object_body(body).map_err(DecodeError::new)?;
    let wire: WireProgress =
        serde_json::from_slice(body).map_err(|e| DecodeError::new(format!("invalid JSON: {e}")))?;

    let percentage = match wire.progress_percentage {
        None | Some(Loose::Null) => None,
        Some(v) => match v.integer() {
            Some(p @ 0..=100) => Some(p as u8),
            _ => {
                return Err(DecodeError::new(format!(
                    "progress_percentage must be an integer 0..=100, got {}",
                    v.describe()
                )))
            }
        },
    };
    let remain_time =
        match wire.remain_time {
            None | Some(Loose::Null) => None,
            Some(v) => match v.integer() {
                Some(t) if t < 0 => None,
                Some(t) => Some(u64::try_from(t).map_err(|_| {
                    DecodeError::new(format!("remain_time is out of range: {}", v.describe()))
                })?),
                None => {
                    return Err(DecodeError::new(format!(
                        "remain_time must be an integer, got {}",
                        v.describe()
                    )))
                }
            },
        };
    let wire_steps = wire.step_list.and_then(|l| l.0).unwrap_or_default();
    let mut steps = Vec::with_capacity(wire_steps.len());
    for (i, s) in wire_steps.into_iter().enumerate() {
        // `statue` is the current spelling; `status` the original one. Prefer `statue`.
        let state = match (text_of(s.statue), text_of(s.status)) {
            (Some(a), _) => a,
            (None, Some(b)) => b,
            (None, None) => String::new(),
        };
        steps.push(Step {
            name: text_of(s.name).unwrap_or_default(),
            status: StepStatus::from_wire(&state),
            start_time: time_of(s.start_time, || format!("step_list[{i}].start_time"))?,
            end_time: time_of(s.end_time, || format!("step_list[{i}].end_time"))?,
        });
    }
    Ok(Progress {
        percentage,
        remain_time,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_view_holds_everything_a_progress_knows() {
        let p = decode_progress(
            br#"{"progress_percentage": 40, "remain_time": 90, "step_list": [
                {"name": "pre_check", "statue": "COMPLETED", "start_time": 1700000000000, "end_time": "1700000060000"},
                {"name": "disk \"x\"", "statue": "IN_PROGRESS", "start_time": "yesterday"},
                {"name": "rolling", "statue": "ROLLING_BACK"}]}"#,
        )
        .unwrap();
        assert_eq!(
            p.to_json(),
            concat!(
                r#"{"percentage":40,"remain_time":90,"is_complete":false,"failed_step":null,"current_step":1,"steps":["#,
                r#"{"name":"pre_check","status":"COMPLETED","start_time":1700000000000,"end_time":1700000060000},"#,
                r#"{"name":"disk \"x\"","status":"IN_PROGRESS","start_time":"yesterday","end_time":null},"#,
                r#"{"name":"rolling","status":"ROLLING_BACK","start_time":null,"end_time":null}]}"#
            )
        );
        let failed = decode_progress(br#"{"step_list": [{"name": "a", "statue": "FAILED"}]}"#).unwrap();
        assert_eq!(
            failed.to_json(),
            r#"{"percentage":null,"remain_time":null,"is_complete":false,"failed_step":0,"current_step":null,"steps":[{"name":"a","status":"FAILED","start_time":null,"end_time":null}]}"#
        );
        let done = decode_progress(br#"{"progress_percentage": 100, "step_list": []}"#).unwrap();
        assert!(done.to_json().contains(r#""is_complete":true"#));
    }

    #[test]
    fn the_positional_view_is_the_object_views_values_in_order() {
        let p = decode_progress(
            br#"{"progress_percentage": 40, "step_list": [{"name": "a\"b", "statue": "FAILED", "start_time": "soon"}]}"#,
        )
        .unwrap();
        assert_eq!(
            p.to_json_array(),
            r#"[40,null,false,0,null,[["a\"b","FAILED","soon",null]]]"#
        );
    }

    #[test]
    fn refuses_what_would_give_a_wrong_answer() {
        let msg = |b: &[u8]| decode_progress(b).unwrap_err().message;
        assert!(msg(b"{\"progress_percentage\": 1").starts_with("invalid JSON"));
        assert_eq!(
            msg(br#"{"progress_percentage": "half"}"#),
            "progress_percentage must be an integer 0..=100, got \"half\""
        );
        assert_eq!(
            msg(br#"{"remain_time": 1.5}"#),
            "remain_time must be an integer, got 1.5"
        );
        assert!(msg(br#"{"step_list": {"a": 1}}"#).starts_with("invalid JSON"));
        assert!(msg(br#"{"step_list": [1]}"#).starts_with("invalid JSON"));
        assert_eq!(
            msg(br#"{"step_list": [{"start_time": 18446744073709551615}]}"#),
            "step_list[0].start_time is out of range: 18446744073709551615"
        );
    }

    #[test]
    fn integers_beyond_u64_are_out_of_range_not_raw_text() {
        // Found by fuzzing: a JSON integer too large for u64 (which serde_json reads as a
        // float) or a digit string too large for i128 was kept as `TimeValue::Raw`.
        let msg = |b: &[u8]| decode_progress(b).unwrap_err().message;
        assert_eq!(
            msg(br#"{"step_list": [{"end_time": -1e300}]}"#),
            format!("step_list[0].end_time is out of range: {}", -1e300f64)
        );
        let huge = format!(r#"{{"step_list": [{{"start_time": "{}"}}]}}"#, "9".repeat(40));
        assert!(msg(huge.as_bytes()).starts_with("step_list[0].start_time is out of range: \"999"));
        assert_eq!(
            msg(br#"{"remain_time": 1e20}"#),
            "remain_time is out of range: 100000000000000000000"
        );
        assert_eq!(
            msg(br#"{"progress_percentage": 1e40}"#),
            format!("progress_percentage must be an integer 0..=100, got {}", 1e40f64)
        );
        let p = decode_progress(br#"{"remain_time": 1e19, "step_list": [{"start_time": 1.5}]}"#).unwrap();
        assert_eq!(p.remain_time, Some(10_000_000_000_000_000_000));
        assert_eq!(p.steps[0].start_time, Some(TimeValue::Raw("1.5".into())));
    }
}
