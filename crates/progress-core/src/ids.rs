//! Validated project, instance and task identifiers.
//!
//! Ids go into URL path segments. Anything that could change the shape of the URL (`/ ? # %`),
//! or that a gateway would trim or refuse (whitespace, control characters such as NUL) is
//! rejected before a request is built, with an error naming the field. Everything else is
//! accepted and percent-encoded, so ids with `~`, `.` or non-ASCII letters still work.

use std::fmt;

/// Longest id accepted, in bytes. Real ids are 32 or 36 characters; this bound keeps a typo
/// (a pasted file, say) from producing a multi-megabyte URL.
pub const MAX_ID_LEN: usize = 128;

/// Which identifier an [`IdError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdField {
    /// `project_id`
    ProjectId,
    /// `instance_id`
    InstanceId,
    /// `task_id`
    TaskId,
}

impl IdField {
    /// The field's name as the API spells it (`project_id`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            IdField::ProjectId => "project_id",
            IdField::InstanceId => "instance_id",
            IdField::TaskId => "task_id",
        }
    }
}

impl fmt::Display for IdField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// The id is empty.
    Empty,
    /// The id is longer than [`MAX_ID_LEN`] bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The id contains a character that is never valid in an id.
    ForbiddenChar {
        /// The character.
        ch: char,
        /// Its byte offset in the id.
        at: usize,
    },
}

/// An identifier was refused; the message names the field and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {}", describe(.problem))]
pub struct IdError {
    /// Which id.
    pub field: IdField,
    /// What is wrong with it.
    pub problem: IdProblem,
}

fn describe(p: &IdProblem) -> String {
    match p {
        IdProblem::Empty => "must not be empty".to_owned(),
        IdProblem::TooLong { len } => format!("is {len} bytes long, the limit is {MAX_ID_LEN}"),
        IdProblem::ForbiddenChar { ch, at } => format!("contains {ch:?} at byte {at}"),
    }
}

/// Checks `value` as the id named by `field`.
pub fn validate_id(field: IdField, value: &str) -> Result<(), IdError> {
    let err = |problem| IdError { field, problem };
    if value.is_empty() {
        return Err(err(IdProblem::Empty));
    }
    if value.len() > MAX_ID_LEN {
        return Err(err(IdProblem::TooLong { len: value.len() }));
    }
    if let Some((at, ch)) = value
        .char_indices()
        .find(|&(_, c)| matches!(c, '/' | '?' | '#' | '%') || c.is_whitespace() || c.is_control())
    {
        return Err(err(IdProblem::ForbiddenChar { ch, at }));
    }
    Ok(())
}

/// The three ids that name one task's progress.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProgressRequest {
    project_id: String,
    instance_id: String,
    task_id: String,
}

impl ProgressRequest {
    /// Validates the three ids (project first, then instance, then task).
    pub fn new(project_id: &str, instance_id: &str, task_id: &str) -> Result<Self, IdError> {
        validate_id(IdField::ProjectId, project_id)?;
        validate_id(IdField::InstanceId, instance_id)?;
        validate_id(IdField::TaskId, task_id)?;
        Ok(ProgressRequest {
            project_id: project_id.to_owned(),
            instance_id: instance_id.to_owned(),
            task_id: task_id.to_owned(),
        })
    }

    /// The project id.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// The instance id.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// The task id.
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// The raw (not yet encoded) path segments after the leading `/`.
    pub fn path_segments(&self) -> [&str; 7] {
        [
            "v2",
            &self.project_id,
            "instances",
            &self.instance_id,
            "tasks",
            &self.task_id,
            "progress",
        ]
    }

    /// The path as sent on the wire, each segment percent-encoded:
    /// `/v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress`.
    pub fn path(&self) -> String {
        let mut out =
            String::with_capacity(64 + self.project_id.len() + self.instance_id.len() + self.task_id.len());
        for seg in self.path_segments() {
            out.push('/');
            crate::encoding::percent_encode_into(seg, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_ids() {
        let r = ProgressRequest::new(
            "0123456789abcdef0123456789abcdef",
            "11111111-2222-3333-4444-555555555555",
            "ff8080818d1b2a3c018d1b2a3c4d0001",
        )
        .unwrap();
        assert_eq!(
            r.path(),
            "/v2/0123456789abcdef0123456789abcdef/instances/11111111-2222-3333-4444-555555555555/tasks/ff8080818d1b2a3c018d1b2a3c4d0001/progress"
        );
    }

    #[test]
    fn encodes_unusual_but_valid_ids() {
        let r = ProgressRequest::new("p~.", "inst_é", "t-1").unwrap();
        assert_eq!(r.path(), "/v2/p~./instances/inst_%C3%A9/tasks/t-1/progress");
    }

    #[test]
    fn refuses_bad_ids_naming_the_field() {
        let e = ProgressRequest::new("p", "", "t").unwrap_err();
        assert_eq!(e.field, IdField::InstanceId);
        assert_eq!(e.problem, IdProblem::Empty);
        assert_eq!(e.to_string(), "invalid instance_id: must not be empty");

        for (bad, ch) in [
            ("a/b", '/'),
            ("a?b", '?'),
            ("a#b", '#'),
            ("a%b", '%'),
            ("a b", ' '),
            ("a\0b", '\0'),
            ("a\tb", '\t'),
            ("a\u{7f}", '\u{7f}'),
        ] {
            let e = ProgressRequest::new("p", "i", bad).unwrap_err();
            assert_eq!(e.field, IdField::TaskId);
            assert!(
                matches!(e.problem, IdProblem::ForbiddenChar { ch: c, at: 1 } if c == ch),
                "{bad:?}: {e:?}"
            );
        }
        let long = "x".repeat(MAX_ID_LEN + 1);
        let e = ProgressRequest::new(&long, "i", "t").unwrap_err();
        assert_eq!(e.field, IdField::ProjectId);
        assert_eq!(e.problem, IdProblem::TooLong { len: 129 });
        assert!(ProgressRequest::new(&"x".repeat(MAX_ID_LEN), "i", "t").is_ok());
    }

    #[test]
    fn messages_show_the_offending_character_readably() {
        let e = validate_id(IdField::TaskId, "ab\0").unwrap_err();
        assert_eq!(e.to_string(), "invalid task_id: contains '\\0' at byte 2");
        let e = validate_id(IdField::TaskId, "a/").unwrap_err();
        assert_eq!(e.to_string(), "invalid task_id: contains '/' at byte 1");
    }
}
