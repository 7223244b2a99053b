//! The process environment, read one named variable at a time.
//!
//! Resolution never lists the environment: an unrelated variable holding bytes that are not
//! UTF-8 (common: file names in a legacy encoding) must not break a client. Only the
//! variables the core names are read, as `OsString`; one of ours that is not UTF-8 is a
//! configuration error naming the variable, never showing its value.

use std::collections::HashMap;

use progress_core::credentials::Environment;

use crate::error::ConfigError;

/// A snapshot of the variables a resolution asked for.
#[derive(Default)]
pub(crate) struct ProcessEnvironment {
    values: HashMap<String, String>,
}

impl ProcessEnvironment {
    /// Reads each variable of `names` that is set (an empty value is kept: the core decides
    /// that empty means unset).
    pub(crate) fn read<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, ConfigError> {
        let mut values = HashMap::new();
        for name in names {
            if let Some(v) = std::env::var_os(name) {
                let v = v.into_string().map_err(|_| ConfigError::NotUnicode {
                    name: name.to_owned(),
                })?;
                values.insert(name.to_owned(), v);
            }
        }
        Ok(ProcessEnvironment { values })
    }

    /// Reads one more variable into the snapshot (one whose name depends on another value,
    /// like a region's endpoint override).
    pub(crate) fn add(&mut self, name: &str) -> Result<(), ConfigError> {
        let more = ProcessEnvironment::read([name])?;
        self.values.extend(more.values);
        Ok(())
    }
}

impl Environment for ProcessEnvironment {
    fn var(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }
}
