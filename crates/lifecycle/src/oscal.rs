//! A reported engagement as an OSCAL assessment-results document
//! (`{"assessment-results": …}`, OSCAL 1.1.2).
//!
//! Layout: one `result` for the audit period; `reviewed-controls` lists the
//! controls in scope; per control one `observation` (methods from the
//! procedures, the evidence as `relevant-evidence` with the SHA-256 and
//! size as props) and one `finding` whose target status is `satisfied`
//! when design and operation found no exception, else `not-satisfied`
//! (with the exception text). ISMAP-specific values are props in
//! [`kasumi_ismap::KASUMI_NS`]. UUIDs are derived deterministically from
//! the engagement id and the control, so the same engagement always gives
//! the same document.

use jiff::civil::Date;
use kasumi_ismap::KASUMI_NS;
use serde_json::{Value, json};

use crate::engagement::{Engagement, EngagementStatus, Procedure, TestResult};
use crate::error::Refusal;

fn fnv(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A deterministic UUID (version 8, RFC 9562 "custom") for `name`.
pub fn stable_uuid(name: &str) -> String {
    let hi = fnv(0xcbf2_9ce4_8422_2325, name.as_bytes());
    let lo = fnv(0x6c62_272e_07bb_0142, name.as_bytes());
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_8000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

fn method(p: Procedure) -> &'static str {
    match p {
        Procedure::Inspection | Procedure::Observation => "EXAMINE",
        Procedure::Inquiry => "INTERVIEW",
        Procedure::Reperformance => "TEST",
    }
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": KASUMI_NS, "value": value })
}

fn result_text(r: &TestResult) -> (&'static str, &str) {
    match r {
        TestResult::NoException => ("no-exception", ""),
        TestResult::Exception { description } => ("exception", description.as_str()),
    }
}

fn day_start(d: Date) -> String {
    format!("{d}T00:00:00+09:00")
}

fn day_end(d: Date) -> String {
    format!("{d}T23:59:59+09:00")
}

/// The names the document needs besides the engagement.
#[derive(Debug, Clone, Copy)]
pub struct ArNames<'a> {
    pub service_name: &'a str,
    pub firm_name: &'a str,
}

/// Converts a reported engagement. Refused (409) before the report is issued.
pub fn assessment_results(eng: &Engagement, names: ArNames<'_>) -> Result<Value, Refusal> {
    let Some(report) = eng
        .report
        .as_ref()
        .filter(|_| eng.status == EngagementStatus::Reported)
    else {
        return Err(Refusal::conflict(
            "oscal.not_reported",
            "報告書の発行前は OSCAL に変換できません。",
            "Only a reported engagement can be exported to OSCAL.",
        ));
    };
    let base = format!("kasumi:engagement:{}", eng.id);
    let firm_uuid = stable_uuid(&format!("{base}:firm"));
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for control in &eng.controls {
        let Some(r) = eng.result(control) else {
            continue;
        };
        let obs_uuid = stable_uuid(&format!("{base}:observation:{control}"));
        let mut methods: Vec<&str> = r.input.procedures.iter().map(|p| method(*p)).collect();
        methods.sort();
        methods.dedup();
        let (design, design_text) = result_text(&r.input.design);
        let (operating, operating_text) = result_text(&r.input.operating);
        let mut props = vec![
            prop("ismap-design-result", design),
            prop("ismap-operating-result", operating),
        ];
        props.extend(
            r.input
                .procedures
                .iter()
                .map(|p| prop("ismap-procedure", p.code())),
        );
        let evidence: Vec<Value> = r
            .input
            .evidence
            .iter()
            .map(|e| {
                json!({
                    "href": format!("#sha256-{}", e.sha256),
                    "description": if e.name.is_empty() { e.sha256.clone() } else { e.name.clone() },
                    "props": [prop("sha256", &e.sha256), prop("size", &e.size.to_string())],
                })
            })
            .collect();
        let mut description = format!("Design: {design}. Operating: {operating}.");
        for t in [design_text, operating_text] {
            if !t.is_empty() {
                description.push(' ');
                description.push_str(t);
            }
        }
        let mut obs = json!({
            "uuid": obs_uuid,
            "title": format!("{control}"),
            "description": description,
            "props": props,
            "methods": methods,
            "types": ["control-objective"],
            "collected": day_start(report.issued_on),
        });
        if !evidence.is_empty() {
            obs["relevant-evidence"] = Value::Array(evidence);
        }
        observations.push(obs);
        let satisfied = !r.input.design.is_exception() && !r.input.operating.is_exception();
        findings.push(json!({
            "uuid": stable_uuid(&format!("{base}:finding:{control}")),
            "title": format!("{control}"),
            "description": description,
            "target": {
                "type": "objective-id",
                "target-id": control,
                "status": { "state": if satisfied { "satisfied" } else { "not-satisfied" } },
            },
            "related-observations": [{ "observation-uuid": obs_uuid }],
        }));
    }
    let include: Vec<Value> = eng
        .controls
        .iter()
        .map(|c| json!({ "control-id": c }))
        .collect();
    Ok(json!({
        "assessment-results": {
            "uuid": stable_uuid(&base),
            "metadata": {
                "title": format!("ISMAP 実施結果報告書 / Report on the audit: {}", names.service_name),
                "last-modified": format!("{}T00:00:00+09:00", report.issued_on),
                "version": format!("engagement-{}", eng.id),
                "oscal-version": "1.1.2",
                "props": [
                    prop("catalog-version", &eng.catalog_version),
                    prop("audit-scope", eng.scope.code()),
                ],
                "roles": [{ "id": "assessor", "title": "監査機関 / Audit organisation" }],
                "parties": [{ "uuid": firm_uuid, "type": "organization", "name": names.firm_name }],
                "responsible-parties": [{ "role-id": "assessor", "party-uuids": [firm_uuid] }],
            },
            "import-ap": { "href": format!("#engagement-{}", eng.id) },
            "results": [{
                "uuid": stable_uuid(&format!("{base}:result")),
                "title": format!("{} 〜 {}", eng.period.start, eng.period.end),
                "description": report.summary,
                "start": day_start(eng.period.start),
                "end": day_end(eng.period.end),
                "reviewed-controls": {
                    "control-selections": [{ "include-controls": include }],
                },
                "observations": observations,
                "findings": findings,
            }],
        }
    }))
}
