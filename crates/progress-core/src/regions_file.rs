//! The regions file of the official SDKs (`HUAWEICLOUD_SDK_REGIONS_FILE`, else
//! `~/.huaweicloud/regions.yaml`): endpoints of regions, per service, for private regions and
//! gateways the built-in table does not know.
//!
//! ```yaml
//! KAFKA:                      # service key, case-insensitive
//!   - id: cn-north-4
//!     endpoint: https://dms.cn-north-4.myhuaweicloud.com
//!   - id: my-private-region
//!     endpoints: [https://a.example, https://b.example]
//! ```
//!
//! Parsed with `yaml-rust2` (pure, safe Rust, maintained; `serde_yaml` is deprecated and its
//! forks wrap a C-to-Rust translation of libyaml). The client reads the file; this module
//! only takes its text.

use crate::endpoint::{Endpoint, EndpointError};

/// Environment variable naming the regions file.
pub const ENV_REGIONS_FILE: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";

/// The service key of DMS for Kafka in a regions file.
pub const SERVICE_KEY: &str = "KAFKA";

/// Why a regions file cannot be used. Names the line (syntax) or the entry (content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionsFileError {
    /// Not YAML.
    #[error("line {line}, column {column}: {reason}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's reason.
        reason: String,
    },
    /// YAML, but not the shape of a regions file.
    #[error("{what}")]
    Shape {
        /// What is wrong, naming the service key and the entry.
        what: String,
    },
    /// An entry's endpoint is not one.
    #[error("{service} entry {index} (id {id:?}): {error}")]
    Endpoint {
        /// The service key as written.
        service: String,
        /// 1-based entry number.
        index: usize,
        /// The region id of the entry.
        id: String,
        /// The endpoint's fault.
        error: EndpointError,
    },
}

/// The Kafka entries of a regions file: each region id with its endpoints, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionsFile {
    entries: Vec<(String, Vec<Endpoint>)>,
}

impl RegionsFile {
    /// Parses a regions file's text, keeping the `KAFKA` entries (other services are
    /// ignored, but must still be YAML).
    pub fn parse(text: &str) -> Result<RegionsFile, RegionsFileError> {
        use yaml_rust2::{Yaml, YamlLoader};
        let docs = YamlLoader::load_from_str(text).map_err(|e| RegionsFileError::Syntax {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            reason: e.info().to_owned(),
        })?;
        let shape = |what: String| RegionsFileError::Shape { what };
        let Some(doc) = docs.into_iter().next() else {
            return Ok(RegionsFile::default());
        };
        let root = match doc {
            Yaml::Hash(h) => h,
            Yaml::Null => return Ok(RegionsFile::default()),
            _ => {
                return Err(shape(
                    "the file is not a mapping of service keys (KAFKA: ...)".into(),
                ))
            }
        };
        let mut entries = Vec::new();
        for (key, value) in root {
            let Some(service) = key.as_str() else {
                continue;
            };
            if !service.eq_ignore_ascii_case(SERVICE_KEY) {
                continue;
            }
            let Yaml::Array(list) = value else {
                return Err(shape(format!(
                    "{service} is not a list of regions (- id: ..., endpoint: ...)"
                )));
            };
            for (i, item) in list.iter().enumerate() {
                let index = i + 1;
                let Some(h) = item.as_hash() else {
                    return Err(shape(format!(
                        "{service} entry {index} is not a mapping with id and endpoint"
                    )));
                };
                let field = |name: &str| h.get(&Yaml::String(name.to_owned()));
                let Some(id) = field("id")
                    .and_then(Yaml::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                else {
                    return Err(shape(format!("{service} entry {index} has no id")));
                };
                let texts: Vec<&str> = match (field("endpoint"), field("endpoints")) {
                    (Some(Yaml::String(e)), _) => vec![e.as_str()],
                    (_, Some(Yaml::Array(list))) => list.iter().filter_map(Yaml::as_str).collect(),
                    (_, Some(Yaml::String(e))) => e.split(',').collect(),
                    _ => Vec::new(),
                };
                let endpoint_error = |error| RegionsFileError::Endpoint {
                    service: service.to_owned(),
                    index,
                    id: id.to_owned(),
                    error,
                };
                let endpoints = texts
                    .iter()
                    .map(|t| t.trim())
                    .filter(|t| !t.is_empty())
                    .map(|t| Endpoint::parse(t).map_err(endpoint_error))
                    .collect::<Result<Vec<_>, _>>()?;
                if endpoints.is_empty() {
                    return Err(shape(format!(
                        "{service} entry {index} (id {id:?}) has no endpoint or endpoints"
                    )));
                }
                entries.push((id.to_owned(), endpoints));
            }
        }
        Ok(RegionsFile { entries })
    }

    /// The endpoints of `region` (case-insensitive), if the file has it.
    pub fn endpoints(&self, region: &str) -> Option<&[Endpoint]> {
        let region = region.trim();
        self.entries
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(region))
            .map(|(_, e)| e.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sdks_format() {
        let text = "# private regions\nECS:\n  - id: cn-north-4\n    endpoint: https://ecs.example\nkafka:\n  - id: cn-north-4\n    endpoint: https://dms.cn-north-4.myhuaweicloud.com\n  - id: My-Private-Region\n    endpoints: [https://a.example, 'http://127.0.0.1:8080']\n";
        let f = RegionsFile::parse(text).unwrap();
        let urls = |r| {
            f.endpoints(r)
                .unwrap()
                .iter()
                .map(Endpoint::base_url)
                .collect::<Vec<_>>()
        };
        assert_eq!(urls("cn-north-4"), ["https://dms.cn-north-4.myhuaweicloud.com"]);
        assert_eq!(
            urls("my-private-region"),
            ["https://a.example", "http://127.0.0.1:8080"]
        );
        assert!(f.endpoints("cn-east-3").is_none());
        assert_eq!(RegionsFile::parse("").unwrap(), RegionsFile::default());
        assert_eq!(RegionsFile::parse("# nothing\n").unwrap(), RegionsFile::default());
    }

    #[test]
    fn errors_name_the_line_or_the_entry() {
        let e = RegionsFile::parse("KAFKA:\n  - id: a\n    endpoint: [unclosed\n").unwrap_err();
        assert!(
            matches!(e, RegionsFileError::Syntax { line, .. } if line >= 3),
            "{e}"
        );
        assert!(e.to_string().starts_with("line "), "{e}");
        let e = RegionsFile::parse("KAFKA:\n\t- id: a\n").unwrap_err();
        assert!(matches!(e, RegionsFileError::Syntax { line: 2, .. }), "{e}");
        let e = RegionsFile::parse("KAFKA:\n  - id: r1\n    endpoint: ftp://x\n").unwrap_err();
        assert!(
            e.to_string().starts_with("KAFKA entry 1 (id \"r1\"): endpoint"),
            "{e}"
        );
        for (text, says) in [
            ("- a\n", "not a mapping of service keys"),
            ("KAFKA: x\n", "not a list of regions"),
            ("KAFKA:\n  - 1\n", "entry 1 is not a mapping"),
            ("KAFKA:\n  - endpoint: https://a\n", "entry 1 has no id"),
            ("KAFKA:\n  - id: r\n", "has no endpoint or endpoints"),
        ] {
            let e = RegionsFile::parse(text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
