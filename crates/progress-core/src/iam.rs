//! IAM project discovery (`KeystoneListProjects`): the project id of a region, looked up
//! with the client's own credentials when no source gave one.
//!
//! `GET {iam}/v3/projects?name={region}`, signed (or with the IAM token), with no
//! `Content-Type` and no `X-Project-Id`. IAM is `iam_endpoint` of the profile file, else
//! `HUAWEICLOUD_SDK_IAM_ENDPOINT` exactly as given (`http://` included), else the region's own
//! IAM where there is one (`https://iam.eu-west-101.myhuaweicloud.eu` for eu-west-101), else the
//! global `https://iam.myhuaweicloud.com`.

use std::time::SystemTime;

use serde::Deserialize;

use crate::credentials::{
    non_empty, Credentials, CredentialsError, Environment, Profile, Source, ENV_IAM_ENDPOINT,
};
use crate::encoding::percent_encode;
use crate::endpoint::Endpoint;
use crate::request::HEADER_AUTH_TOKEN;
use crate::service::{not_json, status_error, ServiceError, ServiceRequest};
use crate::signing::{sign, SignableRequest};

/// IAM for every region without its own.
pub const GLOBAL_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The regions IAM serves on a regional host (`https://iam.{region}.myhuaweicloud.com`, `.eu`
/// for eu-west-101), as the official SDKs' IAM region tables list them.
pub const IAM_REGIONS: [&str; 19] = [
    "af-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "cn-east-2",
    "cn-east-3",
    "cn-north-1",
    "cn-north-2",
    "cn-north-4",
    "cn-north-9",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "eu-west-0",
    "eu-west-101",
    "la-north-2",
    "la-south-2",
    "na-mexico-1",
    "sa-brazil-1",
];

/// The IAM endpoint project discovery asks for `region`.
pub fn discovery_endpoint(
    profile: Option<&Profile>,
    env: &dyn Environment,
    region: &str,
) -> Result<Endpoint, CredentialsError> {
    if let Some(e) = profile.and_then(|p| p.iam_endpoint.as_deref()) {
        return Endpoint::parse(e).map_err(|e| CredentialsError::InvalidSetting {
            origin: Source::ProfileFile,
            name: "iam_endpoint",
            problem: e.to_string(),
        });
    }
    if let Some(e) = non_empty(env, ENV_IAM_ENDPOINT) {
        return Endpoint::parse(e).map_err(|e| CredentialsError::InvalidSetting {
            origin: Source::Environment,
            name: ENV_IAM_ENDPOINT,
            problem: e.to_string(),
        });
    }
    let region = region.trim().to_ascii_lowercase();
    let text = if IAM_REGIONS.contains(&region.as_str()) {
        let domain = if region == "eu-west-101" {
            "myhuaweicloud.eu"
        } else {
            "myhuaweicloud.com"
        };
        format!("https://iam.{region}.{domain}")
    } else {
        GLOBAL_IAM_ENDPOINT.to_owned()
    };
    Ok(Endpoint::parse(&text).expect("IAM hosts parse"))
}

/// The signed `GET {iam}/v3/projects?name={region}` at `now`.
pub fn list_projects_request(
    iam: &Endpoint,
    region: &str,
    credentials: &Credentials,
    now: SystemTime,
) -> ServiceRequest {
    const PATH: &str = "/v3/projects";
    let host = iam.host_header();
    let url = format!("{}{PATH}?name={}", iam.base_url(), percent_encode(region));
    let headers = match credentials {
        Credentials::AkSk(key) => {
            let signable = [("Host", host.as_str())];
            sign(
                &SignableRequest {
                    method: "GET",
                    path: PATH,
                    query: &[("name", region)],
                    headers: &signable,
                    body: b"",
                },
                key,
                now,
            )
            .headers
        }
        Credentials::IamToken(t) => vec![(HEADER_AUTH_TOKEN, t.expose().to_owned())],
    };
    // Host is sent as it was signed.
    let headers = std::iter::once(("Host", host.clone())).chain(headers).collect();
    ServiceRequest {
        method: "GET",
        url,
        headers,
        body: Vec::new(),
        secrets: Vec::new(),
    }
}

#[derive(Deserialize)]
struct Projects {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(Deserialize)]
struct Project {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
}

/// The one project named `region` in IAM's answer: its id. None, or several (sub-projects
/// are named `{region}_{suffix}`, but IAM matches names exactly, so several means an
/// ambiguous account), are errors saying what to do.
pub fn decode_projects(region: &str, status: u16, body: &[u8]) -> Result<String, ServiceError> {
    if !(200..300).contains(&status) {
        return Err(status_error(status, body));
    }
    let answer: Projects = serde_json::from_slice(body).map_err(|_| not_json(status, body))?;
    let mut found: Vec<(String, String)> = answer
        .projects
        .into_iter()
        .filter(|p| !p.id.is_empty())
        .map(|p| (p.id, p.name))
        .collect();
    match found.len() {
        0 => Err(ServiceError::NoProject {
            region: region.to_owned(),
        }),
        1 => {
            let (id, _) = found.remove(0);
            crate::ids::validate_id(crate::IdField::ProjectId, &id).map_err(|_| ServiceError::Malformed {
                field: "project id",
                problem: "is not a valid id",
            })?;
            Ok(id)
        }
        _ => Err(ServiceError::SeveralProjects {
            region: region.to_owned(),
            projects: found,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{AkSk, Secret};
    use crate::signing::{canonical_request, parse_authorization, signature, string_to_sign};
    use std::time::{Duration, UNIX_EPOCH};

    const NO_ENV: [(&str, &str); 0] = [];

    #[test]
    fn which_iam() {
        let at = |profile: Option<&Profile>, env: &dyn Environment, region| {
            discovery_endpoint(profile, env, region).unwrap().base_url()
        };
        assert_eq!(
            at(None, &NO_ENV, "cn-north-4"),
            "https://iam.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            at(None, &NO_ENV, "eu-west-101"),
            "https://iam.eu-west-101.myhuaweicloud.eu"
        );
        assert_eq!(at(None, &NO_ENV, "ru-moscow-1"), "https://iam.myhuaweicloud.com");
        assert_eq!(at(None, &NO_ENV, "my-lab-1"), "https://iam.myhuaweicloud.com");
        // Used exactly as given: http stays http.
        let env = [(ENV_IAM_ENDPOINT, "http://127.0.0.1:8080")];
        assert_eq!(at(None, &env, "cn-north-4"), "http://127.0.0.1:8080");
        let profile = Profile::parse("[basic]\niam_endpoint = http://127.0.0.1:7\n").unwrap();
        assert_eq!(at(Some(&profile), &env, "cn-north-4"), "http://127.0.0.1:7");
        assert!(discovery_endpoint(None, &[(ENV_IAM_ENDPOINT, "ftp://x")], "r").is_err());
    }

    #[test]
    fn the_request_is_signed_with_its_query() {
        let key = AkSk {
            ak: "AK".into(),
            sk: Secret::new("SK"),
            security_token: Some(Secret::new("TOKENVALUE")),
        };
        let iam = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let r = list_projects_request(&iam, "cn-north-4", &Credentials::AkSk(key), now);
        assert_eq!(r.url, "http://127.0.0.1:8080/v3/projects?name=cn-north-4");
        assert_eq!(r.header("Content-Type"), None);
        assert_eq!(r.header("X-Project-Id"), None);
        assert_eq!(r.header("X-Security-Token"), Some("TOKENVALUE"));
        let auth = parse_authorization(r.header("Authorization").unwrap()).unwrap();
        assert_eq!(auth.signed_headers, ["host", "x-sdk-date", "x-security-token"]);
        // A server recomputes the same signature from what was sent.
        let headers = [
            ("Host", "127.0.0.1:8080"),
            ("X-Sdk-Date", r.header("X-Sdk-Date").unwrap()),
            ("X-Security-Token", "TOKENVALUE"),
        ];
        let signed: Vec<String> = auth.signed_headers.iter().map(|s| s.to_string()).collect();
        let creq = canonical_request(
            &SignableRequest {
                method: "GET",
                path: "/v3/projects",
                query: &[("name", "cn-north-4")],
                headers: &headers,
                body: b"",
            },
            &signed,
        );
        assert_eq!(
            auth.signature,
            signature("SK", &string_to_sign("20260101T000000Z", &creq))
        );
        assert!(!format!("{r:?}").contains("TOKENVALUE"));

        let r = list_projects_request(
            &iam,
            "cn-north-4",
            &Credentials::IamToken(Secret::new("IAMT")),
            now,
        );
        assert_eq!(r.header("X-Auth-Token"), Some("IAMT"));
    }

    #[test]
    fn one_project_none_or_several() {
        let one = br#"{"projects": [{"id": "0123456789abcdef0123456789abcdef", "name": "cn-north-4", "domain_id": "d"}], "links": {}}"#;
        assert_eq!(
            decode_projects("cn-north-4", 200, one).unwrap(),
            "0123456789abcdef0123456789abcdef"
        );
        for none in [&br#"{"projects": []}"#[..], b"{}"] {
            let e = decode_projects("cn-north-4", 200, none).unwrap_err();
            assert_eq!(
                e,
                ServiceError::NoProject {
                    region: "cn-north-4".into()
                }
            );
            assert!(e.to_string().contains("HUAWEICLOUD_SDK_PROJECT_ID"), "{e}");
        }
        let two =
            br#"{"projects": [{"id": "p1", "name": "cn-north-4"}, {"id": "p2", "name": "cn-north-4"}]}"#;
        let e = decode_projects("cn-north-4", 200, two).unwrap_err();
        assert_eq!(
            e.to_string(),
            "IAM has 2 projects named \"cn-north-4\": p1 (cn-north-4), p2 (cn-north-4); give the one to use as the project id"
        );
        let e = decode_projects(
            "cn-north-4",
            403,
            br#"{"error": {"code": 403, "message": "no permission"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "answered HTTP 403 (403: no permission)");
        assert!(matches!(
            decode_projects("r", 200, b"<html>"),
            Err(ServiceError::NotJson { .. })
        ));
        assert!(matches!(
            decode_projects("r", 200, br#"{"projects": [{"id": "a/b", "name": "r"}]}"#),
            Err(ServiceError::Malformed { .. })
        ));
    }
}
