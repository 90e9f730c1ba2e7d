//! SARIF 2.1.0, written with a few hand-written serde structs.
//!
//! Unlike hadolint's SARIF, `tool.driver.rules[]` carries every rule in force
//! with its summary, full description (the rule page) and `helpUri`, results
//! point at exact regions (`columnKind: unicodeCodePoints`, the end column
//! just past the span), and each result carries a stable partial fingerprint.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::{display_path, Report};
use crate::lint::finding::{Applicability, Finding, Severity};
use crate::lint::rule::Rule;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Debug, Serialize, Deserialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub version: String,
    pub runs: Vec<Run>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub invocations: Vec<Invocation>,
    pub column_kind: String,
    pub results: Vec<SarifResult>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: String,
    pub version: String,
    pub semantic_version: String,
    pub information_uri: String,
    pub rules: Vec<ReportingDescriptor>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Text {
    pub text: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MultiformatText {
    pub text: String,
    pub markdown: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    pub id: String,
    pub name: String,
    pub short_description: Text,
    pub full_description: Text,
    pub help: MultiformatText,
    pub help_uri: String,
    pub default_configuration: ReportingConfiguration,
    pub properties: DescriptorProperties,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ReportingConfiguration {
    pub enabled: bool,
    pub level: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DescriptorProperties {
    /// Aliases (hadolint codes, BuildKit check names) and the severity.
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub level: String,
    pub message: Text,
    pub locations: Vec<Location>,
    pub partial_fingerprints: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_locations: Vec<RelatedLocation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<SarifFix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<ResultProperties>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ResultProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Aliases the finding has beyond its rule's (those of the rules it
    /// absorbed), so a search for DL3000 finds the finding that replaced it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedLocation {
    pub id: usize,
    pub physical_location: PhysicalLocation,
    pub message: Text,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ArtifactLocation {
    pub uri: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifFix {
    pub description: Text,
    pub artifact_changes: Vec<ArtifactChange>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactChange {
    pub artifact_location: ArtifactLocation,
    pub replacements: Vec<Replacement>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    pub deleted_region: ByteRegion,
    pub inserted_content: Text,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ByteRegion {
    pub byte_offset: u32,
    pub byte_length: u32,
}

/// SARIF's level for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// A relative path as a URI reference: each segment percent-encoded.
pub fn path_uri(path: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let absolute = path.starts_with('/');
    let encoded: Vec<String> = path
        .split('/')
        .map(|seg| utf8_percent_encode(seg, SEGMENT).to_string())
        .collect();
    let joined = encoded.join("/");
    if absolute {
        format!("file://{joined}")
    } else {
        joined
    }
}

/// The first paragraph of the page's `## What it does` section.
fn what_it_does(rule: &Rule) -> String {
    let body = rule
        .doc
        .split("## What it does")
        .nth(1)
        .unwrap_or(rule.summary);
    let body = body.split("\n## ").next().unwrap_or("");
    let text = body.trim().split("\n\n").next().unwrap_or("").trim();
    if text.is_empty() {
        rule.summary.to_string()
    } else {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut tags: Vec<String> = rule.aliases.iter().map(|a| a.to_string()).collect();
    tags.push(rule.severity.as_str().to_string());
    ReportingDescriptor {
        id: rule.code.to_string(),
        name: rule.name.to_string(),
        short_description: Text {
            text: rule.summary.to_string(),
        },
        full_description: Text {
            text: what_it_does(rule),
        },
        help: MultiformatText {
            text: format!("{}\n\n{}", rule.summary, rule.url()),
            markdown: rule.doc.to_string(),
        },
        help_uri: rule.url(),
        default_configuration: ReportingConfiguration {
            enabled: rule.default_enabled,
            level: level(rule.severity).to_string(),
        },
        properties: DescriptorProperties { tags },
    }
}

fn region(f: &Finding, span: crate::span::Span) -> Region {
    let (s, e) = (f.file.line_col(span.start), f.file.line_col(span.end));
    Region {
        start_line: s.line,
        start_column: s.column,
        end_line: e.line,
        end_column: e.column,
    }
}

fn result(f: &Finding, rule_index: usize, fingerprint: String) -> SarifResult {
    let uri = path_uri(&display_path(&f.file.path));
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let related_locations = f
        .labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let (uri, region) = match &label.file {
                Some(file) => {
                    let (s, e) = (
                        file.line_col(label.span.start),
                        file.line_col(label.span.end),
                    );
                    (
                        path_uri(&display_path(&file.path)),
                        Region {
                            start_line: s.line,
                            start_column: s.column,
                            end_line: e.line,
                            end_column: e.column,
                        },
                    )
                }
                None => (uri.clone(), region(f, label.span)),
            };
            RelatedLocation {
                id: i + 1,
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri },
                    region,
                },
                message: Text {
                    text: label.message.clone(),
                },
            }
        })
        .collect();
    let fixes = f
        .fix
        .iter()
        .filter(|fix| !fix.edits.is_empty())
        .map(|fix| SarifFix {
            description: Text {
                text: match fix.applicability {
                    Applicability::Safe => "safe fix".into(),
                    Applicability::Unsafe => "unsafe fix: review before applying".into(),
                    Applicability::DisplayOnly => "suggested change: review before applying".into(),
                },
            },
            artifact_changes: vec![ArtifactChange {
                artifact_location: ArtifactLocation { uri: uri.clone() },
                replacements: fix
                    .edits
                    .iter()
                    .map(|e| Replacement {
                        deleted_region: ByteRegion {
                            byte_offset: e.start,
                            byte_length: e.end - e.start,
                        },
                        inserted_content: Text {
                            text: e.replacement.clone(),
                        },
                    })
                    .collect(),
            }],
        })
        .collect();
    SarifResult {
        rule_id: f.rule.code.to_string(),
        rule_index,
        level: level(f.severity).to_string(),
        message: Text { text },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: region(f, f.span),
            },
        }],
        partial_fingerprints: BTreeMap::from([("buildlint/v1".to_string(), fingerprint)]),
        related_locations,
        fixes,
        properties: result_properties(f),
    }
}

fn result_properties(f: &Finding) -> Option<ResultProperties> {
    let tags: Vec<String> = f
        .aliases()
        .into_iter()
        .filter(|a| !f.rule.aliases.contains(a))
        .map(str::to_string)
        .collect();
    (f.service.is_some() || !tags.is_empty()).then(|| ResultProperties {
        service: f.service.clone(),
        tags,
    })
}

/// Builds the SARIF log for a report.
pub fn log(report: &Report) -> Log {
    let rules: Vec<ReportingDescriptor> = report.rules.iter().map(|r| descriptor(r)).collect();
    let fingerprints = crate::lint::baseline::unique_fingerprints(&report.findings);
    let results = report
        .findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fp)| {
            let index = report
                .rules
                .iter()
                .position(|r| r.code == f.rule.code)
                .expect("every rule with a finding is listed");
            result(f, index, fp)
        })
        .collect();
    let unreadable = report
        .findings
        .iter()
        .any(|f| std::ptr::eq(f.rule, &crate::lint::rules::meta::UNREADABLE_FILE));
    let version = env!("CARGO_PKG_VERSION").to_string();
    Log {
        schema: SCHEMA.to_string(),
        version: "2.1.0".to_string(),
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "buildlint".into(),
                    semantic_version: version.clone(),
                    version,
                    information_uri: "https://github.com/buildlint/buildlint".into(),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: !unreadable,
            }],
            column_kind: "unicodeCodePoints".into(),
            results,
        }],
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::{assert_snapshot, rendered};
    use crate::report::Format;

    /// The parts of the SARIF 2.1.0 schema that buildlint's output uses,
    /// written from the specification: required properties, enumerations,
    /// and no properties beyond those the specification defines.
    fn schema_subset() -> serde_json::Value {
        serde_json::from_str(
            r##"{
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": false,
            "required": ["version", "runs"],
            "properties": {
                "$schema": {"type": "string"},
                "version": {"enum": ["2.1.0"]},
                "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}}
            },
            "definitions": {
                "message": {
                    "type": "object", "additionalProperties": false,
                    "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
                    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}, "id": {"type": "string"}}
                },
                "mfString": {
                    "type": "object", "additionalProperties": false, "required": ["text"],
                    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}}
                },
                "level": {"enum": ["none", "note", "warning", "error"]},
                "run": {
                    "type": "object", "additionalProperties": false, "required": ["tool"],
                    "properties": {
                        "tool": {
                            "type": "object", "additionalProperties": false, "required": ["driver"],
                            "properties": {"driver": {"$ref": "#/definitions/toolComponent"}}
                        },
                        "invocations": {"type": "array", "items": {
                            "type": "object", "additionalProperties": false,
                            "required": ["executionSuccessful"],
                            "properties": {"executionSuccessful": {"type": "boolean"}}
                        }},
                        "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                        "results": {"type": "array", "items": {"$ref": "#/definitions/result"}}
                    }
                },
                "toolComponent": {
                    "type": "object", "additionalProperties": false, "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "version": {"type": "string"},
                        "semanticVersion": {"type": "string"},
                        "informationUri": {"type": "string", "format": "uri"},
                        "rules": {"type": "array", "items": {"$ref": "#/definitions/reportingDescriptor"}}
                    }
                },
                "reportingDescriptor": {
                    "type": "object", "additionalProperties": false, "required": ["id"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "shortDescription": {"$ref": "#/definitions/mfString"},
                        "fullDescription": {"$ref": "#/definitions/mfString"},
                        "help": {"$ref": "#/definitions/mfString"},
                        "helpUri": {"type": "string", "format": "uri"},
                        "defaultConfiguration": {
                            "type": "object", "additionalProperties": false,
                            "properties": {"enabled": {"type": "boolean"}, "level": {"$ref": "#/definitions/level"}}
                        },
                        "properties": {"type": "object", "properties": {"tags": {
                            "type": "array", "uniqueItems": true, "items": {"type": "string"}}}}
                    }
                },
                "region": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "startLine": {"type": "integer", "minimum": 1},
                        "startColumn": {"type": "integer", "minimum": 1},
                        "endLine": {"type": "integer", "minimum": 1},
                        "endColumn": {"type": "integer", "minimum": 1},
                        "byteOffset": {"type": "integer", "minimum": 0},
                        "byteLength": {"type": "integer", "minimum": 0}
                    }
                },
                "physicalLocation": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "artifactLocation": {
                            "type": "object", "additionalProperties": false,
                            "properties": {"uri": {"type": "string", "format": "uri-reference"}}
                        },
                        "region": {"$ref": "#/definitions/region"}
                    }
                },
                "result": {
                    "type": "object", "additionalProperties": false, "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"$ref": "#/definitions/level"},
                        "message": {"$ref": "#/definitions/message"},
                        "locations": {"type": "array", "items": {
                            "type": "object", "additionalProperties": false,
                            "properties": {"physicalLocation": {"$ref": "#/definitions/physicalLocation"}}
                        }},
                        "relatedLocations": {"type": "array", "items": {
                            "type": "object", "additionalProperties": false,
                            "properties": {
                                "id": {"type": "integer", "minimum": -1},
                                "physicalLocation": {"$ref": "#/definitions/physicalLocation"},
                                "message": {"$ref": "#/definitions/message"}
                            }
                        }},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                        "fixes": {"type": "array", "items": {
                            "type": "object", "additionalProperties": false, "required": ["artifactChanges"],
                            "properties": {
                                "description": {"$ref": "#/definitions/message"},
                                "artifactChanges": {"type": "array", "minItems": 1, "items": {
                                    "type": "object", "additionalProperties": false,
                                    "required": ["artifactLocation", "replacements"],
                                    "properties": {
                                        "artifactLocation": {"type": "object"},
                                        "replacements": {"type": "array", "minItems": 1, "items": {
                                            "type": "object", "additionalProperties": false,
                                            "required": ["deletedRegion"],
                                            "properties": {
                                                "deletedRegion": {"$ref": "#/definitions/region"},
                                                "insertedContent": {"type": "object"}
                                            }
                                        }}
                                    }
                                }}
                            }
                        }},
                        "properties": {"type": "object"}
                    }
                }
            }
        }"##,
        )
        .expect("the schema subset is JSON")
    }

    #[test]
    fn snapshot_parses_back_and_validates() {
        let out = rendered(Format::Sarif);
        assert_snapshot("sarif.json", &out);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        let validator = jsonschema::validator_for(&schema_subset()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");

        let log: Log = serde_json::from_value(value).unwrap();
        let run = &log.runs[0];
        assert_eq!(run.column_kind, "unicodeCodePoints");
        let ids: Vec<&str> = run
            .tool
            .driver
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["BL0001", "BL1901", "BL2901", "BL3901"]);
        for r in &run.tool.driver.rules {
            assert!(r.help_uri.ends_with(&format!("/{}.md", r.id)));
            assert!(!r.full_description.text.is_empty());
            assert!(r.help.markdown.contains("## What it does"));
        }
        for res in &run.results {
            assert_eq!(run.tool.driver.rules[res.rule_index].id, res.rule_id);
        }
        let text = run.results.iter().find(|r| r.rule_id == "BL2901").unwrap();
        let region = &text.locations[0].physical_location.region;
        assert_eq!((region.start_column, region.end_column), (26, 36));
        assert!(
            !run.invocations[0].execution_successful,
            "a file did not parse"
        );
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(path_uri("a b/Dockerfile"), "a%20b/Dockerfile");
        assert_eq!(path_uri("ü/x.Dockerfile"), "%C3%BC/x.Dockerfile");
        assert_eq!(path_uri("/abs/Dockerfile"), "file:///abs/Dockerfile");
    }
}
