//! Conversion between ISMAP catalogs and OSCAL catalogs.
//!
//! Kasumi's own layout (used when exporting an ISMAP-numbered catalog):
//! - chapters and sections are OSCAL `groups` (class `chapter` / `section`),
//!   objectives are `controls` (class `objective`) and detailed controls are
//!   nested `controls` (class `detailed-control`);
//! - OSCAL ids are `ismap-<id>` (OSCAL ids must start with a letter); the
//!   ISMAP number is the `label` prop;
//! - `title` is the Japanese title (the id when there is none); the English
//!   title, the flags (`mandatory`, `cloud-specific`, `liu-critical`:
//!   `true`/`false`) and each reference are props in [`KASUMI_NS`];
//! - texts are parts named `statement` (objectives, controls) or `overview`
//!   (chapters, sections) and `guidance`, with class `ja` or `en`;
//! - the version is in `metadata` (`title` = Japanese title, `version` = id,
//!   props `catalog-id`, `title-en`, `issued`, `sample` in [`KASUMI_NS`]).
//!
//! An item that carries its raw OSCAL (`Item::oscal`) is written verbatim;
//! on import, any control or group that does not rebuild exactly from
//! Kasumi's layout keeps its raw OSCAL. A catalog without the `catalog-id`
//! prop is foreign (e.g. NIST SP 800-53): its ids are kept, and the catalog
//! object itself (uuid, metadata, back-matter …) is kept raw too, so
//! import → export gives back the same JSON.

use std::collections::HashMap;

use kasumi_oscal::{CatalogDocument, ParseError, parse_catalog_value, to_json_value};
use serde_json::{Map, Value, json};

use crate::error::ImportError;
use crate::model::{Catalog, CatalogVersion, Item, Kind, Scheme};

/// Namespace of Kasumi's OSCAL props.
pub const KASUMI_NS: &str = "urn:kasumi:ismap";

/// Why an OSCAL catalog could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum OscalError {
    #[error("invalid OSCAL catalog: {0}")]
    Parse(#[from] ParseError),
    #[error("the catalog converted from OSCAL is invalid:\n{0}")]
    Invalid(ImportError),
    #[error("not an OSCAL catalog: {0}")]
    Shape(String),
}

fn is_group_kind(k: Option<Kind>) -> bool {
    matches!(k, Some(Kind::Chapter | Kind::Section))
}

fn class_of(k: Option<Kind>) -> &'static str {
    match k {
        Some(Kind::Chapter) => "chapter",
        Some(Kind::Section) => "section",
        Some(Kind::Objective) => "objective",
        _ => "detailed-control",
    }
}

fn kind_of_class(class: &str) -> Option<Kind> {
    match class {
        "chapter" => Some(Kind::Chapter),
        "section" => Some(Kind::Section),
        "objective" => Some(Kind::Objective),
        "detailed-control" => Some(Kind::Control),
        _ => None,
    }
}

fn ns_prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": KASUMI_NS, "value": value})
}

fn tf(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// Kasumi's own OSCAL form of one item (without children).
fn item_value(item: &Item) -> Value {
    let oid = format!("ismap-{}", item.id);
    let mut m = Map::new();
    m.insert("id".into(), json!(oid));
    m.insert("class".into(), json!(class_of(item.kind)));
    let title = one_line(&item.title_ja);
    let title = if title.is_empty() { &item.id } else { &title };
    m.insert("title".into(), json!(title));
    let mut props = vec![json!({"name": "label", "value": item.id})];
    push_line_prop(&mut props, "title-en", &item.title_en);
    if !is_group_kind(item.kind) {
        props.push(ns_prop("mandatory", tf(item.mandatory)));
        props.push(ns_prop("cloud-specific", tf(item.cloud_specific)));
        props.push(ns_prop("liu-critical", tf(item.liu_critical)));
    }
    for r in &item.references {
        props.push(ns_prop("reference", r));
    }
    m.insert("props".into(), Value::Array(props));
    let text_name = if is_group_kind(item.kind) {
        "overview"
    } else {
        "statement"
    };
    let mut parts = Vec::new();
    for (name, short, lang, prose) in [
        (text_name, "smt", "ja", &item.text_ja),
        (text_name, "smt", "en", &item.text_en),
        ("guidance", "gdn", "ja", &item.guidance_ja),
        ("guidance", "gdn", "en", &item.guidance_en),
    ] {
        if !prose.is_empty() {
            parts.push(json!({"id": format!("{oid}_{short}.{lang}"), "name": name, "class": lang, "prose": prose}));
        }
    }
    if !parts.is_empty() {
        m.insert("parts".into(), Value::Array(parts));
    }
    Value::Object(m)
}

/// OSCAL titles and prop values are one line, without blanks at either end
/// (prop values: `^\S(.*\S)?$`; titles: `^[^\n]+$`). Spreadsheet cells may
/// hold line breaks: they become single spaces.
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Kasumi prop holding free text; left out when blank, since OSCAL has no
/// empty prop values (reading it back gives the same empty string).
fn push_line_prop(props: &mut Vec<Value>, name: &str, value: &str) {
    let value = one_line(value);
    if !value.is_empty() {
        props.push(ns_prop(name, &value));
    }
}

/// True for a `YYYY-MM-DD` date with a plausible month and day.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
        return false;
    }
    if !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

fn version_metadata(v: &CatalogVersion) -> Value {
    let mut props = vec![ns_prop("catalog-id", &v.id)];
    push_line_prop(&mut props, "title-en", &v.title_en);
    push_line_prop(&mut props, "issued", &v.issued);
    props.push(ns_prop("sample", tf(v.sample)));
    // `last-modified` is required and must be a timestamp. A version without
    // a usable issue date (e.g. a CSV imported without --issued) gets the
    // epoch, a visibly unknown date, rather than the export time, so the
    // export stays deterministic; the `issued` prop keeps the real value.
    let last_modified = if is_date(v.issued.trim()) {
        format!("{}T00:00:00+09:00", v.issued.trim())
    } else {
        "1970-01-01T00:00:00Z".to_string()
    };
    let title = one_line(&v.title_ja);
    json!({
        "title": if title.is_empty() { one_line(&v.id) } else { title },
        "last-modified": last_modified,
        "version": v.id,
        "oscal-version": "1.1.2",
        "props": props,
    })
}

/// A deterministic UUID-shaped id from a string (FNV-1a based; not random).
pub fn stable_uuid(seed: &str) -> String {
    let mut h1: u64 = 0xcbf2_9ce4_8422_2325;
    let mut h2: u64 = 0x8422_2325_cbf2_9ce4;
    for b in seed.bytes() {
        h1 = (h1 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        h2 = (h2 ^ u64::from(b))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(7);
    }
    let hex = format!("{h1:016x}{h2:016x}");
    format!(
        "{}-{}-5{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The OSCAL catalog document as JSON.
pub fn to_oscal_value(catalog: &Catalog) -> Value {
    let mut children: HashMap<Option<&str>, Vec<usize>> = HashMap::new();
    for (i, item) in catalog.items.iter().enumerate() {
        children.entry(item.parent.as_deref()).or_default().push(i);
    }
    fn build(cat: &Catalog, i: usize, children: &HashMap<Option<&str>, Vec<usize>>) -> Value {
        let item = &cat.items[i];
        let mut v = item.oscal.clone().unwrap_or_else(|| item_value(item));
        let kids = children
            .get(&Some(item.id.as_str()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        attach(cat, &mut v, kids, children);
        v
    }
    fn attach(
        cat: &Catalog,
        v: &mut Value,
        kids: &[usize],
        children: &HashMap<Option<&str>, Vec<usize>>,
    ) {
        let (mut groups, mut controls) = (Vec::new(), Vec::new());
        for &k in kids {
            let built = build(cat, k, children);
            if is_group_kind(cat.items[k].kind) {
                groups.push(built);
            } else {
                controls.push(built);
            }
        }
        if let Value::Object(m) = v {
            if !controls.is_empty() {
                m.insert("controls".into(), Value::Array(controls));
            }
            if !groups.is_empty() {
                m.insert("groups".into(), Value::Array(groups));
            }
        }
    }
    let mut cat = match &catalog.oscal {
        Some(raw) => raw.clone(),
        None => json!({
            "uuid": stable_uuid(&format!("kasumi-ismap-catalog:{}", catalog.version.id)),
            "metadata": version_metadata(&catalog.version),
        }),
    };
    let top = children.get(&None).map(Vec::as_slice).unwrap_or(&[]);
    attach(catalog, &mut cat, top, &children);
    // OSCAL key order: back-matter last.
    if let Value::Object(m) = &mut cat
        && let Some(bm) = m.shift_remove("back-matter")
    {
        m.insert("back-matter".into(), bm);
    }
    json!({ "catalog": cat })
}

/// Converts to the OSCAL model.
pub fn to_oscal(catalog: &Catalog) -> Result<CatalogDocument, OscalError> {
    Ok(parse_catalog_value(to_oscal_value(catalog))?)
}

fn prop_values<'a>(v: &'a Value, name: &str, ns: Option<&str>) -> Vec<&'a str> {
    v.get("props")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter(|p| p["name"] == name && p.get("ns").and_then(Value::as_str) == ns)
                .filter_map(|p| p["value"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn first_prop(v: &Value, name: &str, ns: Option<&str>) -> Option<String> {
    prop_values(v, name, ns).first().map(|s| s.to_string())
}

fn prose_of(parts: &Value, name: &str, class: Option<&str>) -> String {
    let mut out = Vec::new();
    fn walk(parts: &Value, name: &str, class: Option<&str>, inside: bool, out: &mut Vec<String>) {
        for p in parts.as_array().into_iter().flatten() {
            let hit = inside
                || (p["name"] == name
                    && class.is_none_or(|c| p.get("class").and_then(Value::as_str) == Some(c)));
            if hit {
                let label = first_prop(p, "label", None);
                if let Some(prose) = p.get("prose").and_then(Value::as_str) {
                    out.push(match label {
                        Some(l) => format!("{l} {prose}"),
                        None => prose.to_string(),
                    });
                }
            }
            if let Some(sub) = p.get("parts") {
                walk(sub, name, class, hit, out);
            }
        }
    }
    walk(parts, name, class, false, &mut out);
    out.join("\n")
}

/// A copy of an OSCAL object without its `controls` and `groups` (which
/// are not cloned at all).
fn without_children(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "controls" && *k != "groups")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Reads one OSCAL group or control as an item.
fn read_item(v: &Value, kind: Kind, parent: Option<&str>, ismap: bool, seq: usize) -> Item {
    let raw = without_children(v);
    static NULL: Value = Value::Null;
    let parts = v.get("parts").unwrap_or(&NULL);
    if ismap {
        let class = v.get("class").and_then(Value::as_str).unwrap_or("");
        if let (Some(k), Some(label)) = (kind_of_class(class), first_prop(v, "label", None)) {
            let title = v["title"].as_str().unwrap_or("").to_string();
            let flag = |n: &str| first_prop(v, n, Some(KASUMI_NS)).as_deref() == Some("true");
            let text_name = if is_group_kind(Some(k)) {
                "overview"
            } else {
                "statement"
            };
            let item = Item {
                id: label.clone(),
                kind: Some(k),
                parent: parent.map(str::to_string),
                title_ja: if title == label { String::new() } else { title },
                title_en: first_prop(v, "title-en", Some(KASUMI_NS)).unwrap_or_default(),
                text_ja: prose_of(parts, text_name, Some("ja")),
                text_en: prose_of(parts, text_name, Some("en")),
                guidance_ja: prose_of(parts, "guidance", Some("ja")),
                guidance_en: prose_of(parts, "guidance", Some("en")),
                references: prop_values(v, "reference", Some(KASUMI_NS))
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                mandatory: flag("mandatory"),
                cloud_specific: flag("cloud-specific"),
                liu_critical: flag("liu-critical"),
                oscal: None,
            };
            // Only if nothing would be lost; otherwise keep the raw form below.
            if item_value(&item) == raw {
                return item;
            }
            return Item {
                oscal: Some(raw),
                ..item
            };
        }
    }
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("group-{seq}"));
    Item {
        id,
        kind: Some(kind),
        parent: parent.map(str::to_string),
        title_en: v["title"].as_str().unwrap_or("").to_string(),
        text_en: prose_of(parts, "statement", None),
        guidance_en: prose_of(parts, "guidance", None),
        oscal: Some(raw),
        ..Default::default()
    }
}

/// Converts an OSCAL catalog (JSON value of the whole document or of the
/// `catalog` object) and validates the result.
pub fn from_oscal_value(doc: &Value) -> Result<Catalog, OscalError> {
    let cat = doc.get("catalog").unwrap_or(doc);
    if !cat.is_object() || cat.get("metadata").is_none() {
        return Err(OscalError::Shape(
            "expected a \"catalog\" object with \"metadata\"".into(),
        ));
    }
    let meta = &cat["metadata"];
    let catalog_id = first_prop(meta, "catalog-id", Some(KASUMI_NS));
    let title = meta["title"].as_str().unwrap_or("").to_string();
    let date = |k: &str| {
        meta.get(k)
            .and_then(Value::as_str)
            .map(|s| s.chars().take(10).collect::<String>())
    };
    let version = match &catalog_id {
        Some(id) => CatalogVersion {
            id: id.clone(),
            title_ja: title,
            title_en: first_prop(meta, "title-en", Some(KASUMI_NS)).unwrap_or_default(),
            issued: first_prop(meta, "issued", Some(KASUMI_NS)).unwrap_or_default(),
            sample: first_prop(meta, "sample", Some(KASUMI_NS)).as_deref() == Some("true"),
        },
        None => CatalogVersion {
            id: meta
                .get("version")
                .and_then(Value::as_str)
                .or_else(|| cat.get("uuid").and_then(Value::as_str))
                .unwrap_or("")
                .to_string(),
            title_ja: title.clone(),
            title_en: title,
            issued: date("published")
                .or_else(|| date("last-modified"))
                .unwrap_or_default(),
            sample: false,
        },
    };

    let build = |ismap: bool| Catalog {
        version: version.clone(),
        scheme: if ismap {
            Scheme::Ismap
        } else {
            Scheme::Foreign
        },
        items: read_items(cat, ismap),
        // Kasumi's own export rebuilds the catalog object from the version;
        // anything else keeps it raw (metadata, back-matter, …).
        oscal: if catalog_id.is_some() {
            None
        } else {
            Some(without_children(cat))
        },
    };
    if catalog_id.is_some() {
        let catalog = build(true);
        catalog.validate().map_err(OscalError::Invalid)?;
        return Ok(catalog);
    }
    // No version prop: e.g. a catalog resolved from a profile over an ISMAP
    // catalog. Read it in Kasumi's layout if it is in it and valid as such,
    // otherwise as a foreign catalog.
    if in_kasumi_layout(cat) {
        let catalog = build(true);
        if catalog.validate().is_ok() {
            return Ok(catalog);
        }
    }
    let catalog = build(false);
    catalog.validate().map_err(OscalError::Invalid)?;
    Ok(catalog)
}

/// True if every group and control is in Kasumi's layout (`ismap-<label>` ids
/// and Kasumi classes), and there is at least one.
fn in_kasumi_layout(cat: &Value) -> bool {
    fn ok(v: &Value) -> bool {
        let class_ok = v
            .get("class")
            .and_then(Value::as_str)
            .and_then(kind_of_class)
            .is_some();
        let id_ok = match (
            v.get("id").and_then(Value::as_str),
            first_prop(v, "label", None),
        ) {
            (Some(id), Some(label)) => id.strip_prefix("ismap-") == Some(label.as_str()),
            _ => false,
        };
        class_ok
            && id_ok
            && ["controls", "groups"].iter().all(|k| {
                v.get(*k)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .all(ok)
            })
    }
    let children: Vec<&Value> = ["controls", "groups"]
        .iter()
        .filter_map(|k| cat.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    !children.is_empty() && children.into_iter().all(ok)
}

fn read_items(cat: &Value, ismap: bool) -> Vec<Item> {
    let mut items = Vec::new();
    fn controls(
        cs: &Value,
        parent: Option<&str>,
        under_control: bool,
        ismap: bool,
        items: &mut Vec<Item>,
    ) {
        for c in cs.as_array().into_iter().flatten() {
            let kind = if under_control {
                Kind::Control
            } else {
                Kind::Objective
            };
            let item = read_item(c, kind, parent, ismap, items.len());
            let id = item.id.clone();
            items.push(item);
            if let Some(sub) = c.get("controls") {
                controls(sub, Some(&id), true, ismap, items);
            }
        }
    }
    fn groups(gs: &Value, parent: Option<&str>, ismap: bool, items: &mut Vec<Item>) {
        for g in gs.as_array().into_iter().flatten() {
            let kind = if parent.is_none() {
                Kind::Chapter
            } else {
                Kind::Section
            };
            let item = read_item(g, kind, parent, ismap, items.len());
            let id = item.id.clone();
            items.push(item);
            if let Some(cs) = g.get("controls") {
                controls(cs, Some(&id), false, ismap, items);
            }
            if let Some(sub) = g.get("groups") {
                groups(sub, Some(&id), ismap, items);
            }
        }
    }
    if let Some(cs) = cat.get("controls") {
        controls(cs, None, false, ismap, &mut items);
    }
    if let Some(gs) = cat.get("groups") {
        groups(gs, None, ismap, &mut items);
    }
    items
}

/// Converts from the OSCAL model.
pub fn from_oscal(doc: &CatalogDocument) -> Result<Catalog, OscalError> {
    from_oscal_value(&to_json_value(doc))
}

/// Parses OSCAL catalog JSON text (errors carry the JSON path) and converts it.
pub fn from_oscal_json(text: &str) -> Result<Catalog, OscalError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError {
        path: ".".into(),
        message: e.to_string(),
    })?;
    // Check the shape against the OSCAL model (errors carry the JSON path)
    // without a second copy of the document.
    let _: CatalogDocument = serde_path_to_error::deserialize(&value).map_err(|e| ParseError {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    from_oscal_value(&value)
}
