//! The control criteria (管理基準) in the browser: versions, the tree by part
//! and chapter, search, item pages, diff, import and edits. Reading is public;
//! importing and editing are for `admin` and `secretariat`, audit-trailed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kasumi_core::{Lang, Role};
use kasumi_ismap::{Catalog, CatalogVersion, Field, Highlight, Item, Kind, Part};
use kasumi_store::{Actor, CatalogSummary, StoreError};
use serde::Deserialize;

use crate::AppState;
use crate::catalogs::{self, Format, Loaded};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::form::Form;
use crate::pages::{Layout, Notice, page};

/// Largest catalog file accepted for upload (the NIST rev4 catalog is 2.7 MB).
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

const EDITORS: &[Role] = &[Role::Admin, Role::Secretariat];

fn can_edit(ctx: &Ctx) -> bool {
    ctx.user.as_ref().is_some_and(|u| EDITORS.contains(&u.role))
}

async fn loaded(state: &AppState, ver: &str) -> AppResult<Arc<Loaded>> {
    state
        .catalogs
        .get(&state.store, ver)
        .await?
        .ok_or_else(|| AppError::Missing {
            key: "catalog-not-found",
            args: vec![("id", ver.to_string())],
        })
}

fn title(ctx: &Ctx, v: &CatalogVersion) -> String {
    if ctx.tr.lang == Lang::En && !v.title_en.is_empty() {
        v.title_en.clone()
    } else {
        v.title_ja.clone()
    }
}

/// Text in the reader's language, falling back to Japanese when there is no English.
fn pick<'a>(lang: Lang, ja: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        ja
    }
}

// ---- the list of versions ----

#[derive(Template)]
#[template(path = "catalog_index.html")]
pub struct IndexPage {
    l: Layout,
    notice: Option<Notice>,
    problems: Vec<String>,
    versions: Vec<CatalogSummary>,
    can_edit: bool,
    upload_csrf: String,
}

impl IndexPage {
    fn version_title(&self, v: &CatalogSummary) -> String {
        pick(self.l.tr.lang, &v.title_ja, &v.title_en).to_string()
    }
}

#[derive(Deserialize)]
pub struct IndexQuery {
    imported: Option<String>,
}

async fn index_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    notice: Option<Notice>,
    problems: Vec<String>,
) -> AppResult<Response> {
    let t = IndexPage {
        l: Layout::new(ctx, "catalog-title"),
        notice,
        problems,
        versions: state.store.list_catalogs().await?,
        can_edit: can_edit(ctx),
        upload_csrf: ctx.csrf.clone(),
    };
    page(status, &t)
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<IndexQuery>,
) -> AppResult<Response> {
    let notice = match q.imported {
        Some(id) => match state
            .store
            .list_catalogs()
            .await?
            .into_iter()
            .find(|c| c.id == id)
        {
            Some(c) => Some(Notice::info(ctx.tr.ta(
                "catalog-import-done",
                &[("id", c.id.clone()), ("items", c.item_count.to_string())],
            ))),
            None => None,
        },
        None => None,
    };
    index_page(&state, &ctx, StatusCode::OK, notice, Vec::new()).await
}

pub async fn template() -> AppResult<Response> {
    let bytes = kasumi_ismap::xlsx_template().map_err(|e| AppError::Internal(e.into()))?;
    Ok(download(
        "kasumi-catalog-template.xlsx",
        Format::Xlsx,
        bytes,
    ))
}

fn download(name: &str, format: Format, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// One uploaded form: the file and the optional version fields.
#[derive(Default)]
struct Upload {
    file_name: String,
    bytes: Vec<u8>,
    fields: HashMap<String, String>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, AppError> {
    let mut up = Upload::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::Invalid {
                    key: "catalog-import-too-large",
                    args: vec![("limit", MAX_UPLOAD_BYTES.to_string())],
                });
            }
            Err(e) => {
                return Err(AppError::Invalid {
                    key: "error-422-form",
                    args: vec![("detail", e.body_text())],
                });
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            up.file_name = field.file_name().unwrap_or_default().to_string();
            up.bytes = field
                .bytes()
                .await
                .map_err(|e| AppError::Invalid {
                    key: "error-422-form",
                    args: vec![("detail", e.body_text())],
                })?
                .to_vec();
        } else {
            let value = field.text().await.map_err(|e| AppError::Invalid {
                key: "error-422-form",
                args: vec![("detail", e.body_text())],
            })?;
            up.fields.insert(name, value);
        }
    }
    Ok(up)
}

pub async fn import(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    let user = ctx.require_role(EDITORS)?.clone();
    let up = match read_upload(mp).await {
        Ok(up) => up,
        Err(e) if !e.status().is_server_error() => {
            let msg = e.message(&ctx.tr);
            return index_page(
                &state,
                &ctx,
                e.status(),
                Some(Notice::error(msg)),
                Vec::new(),
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    if up.file_name.is_empty() || up.bytes.is_empty() {
        let msg = ctx.tr.t("catalog-import-no-file");
        return index_page(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Notice::error(msg)),
            Vec::new(),
        )
        .await;
    }
    let field = |k: &str| {
        up.fields
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let sample = up.fields.contains_key("sample");
    let csv_version = field("id").map(|id| CatalogVersion {
        title_ja: field("title_ja").unwrap_or_else(|| id.clone()),
        title_en: field("title_en").unwrap_or_default(),
        issued: field("issued").unwrap_or_default(),
        sample,
        id,
    });
    let (name, bytes, version) = (up.file_name.clone(), up.bytes, csv_version.clone());
    let parsed = tokio::task::spawn_blocking(move || catalogs::parse_file(&name, &bytes, version))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut catalog = match parsed {
        Ok(c) => c,
        Err(e) => {
            let lines = e.lines(ctx.tr.lang);
            let msg = ctx.tr.ta(
                "catalog-import-rejected",
                &[
                    ("file", up.file_name.clone()),
                    ("count", lines.len().to_string()),
                ],
            );
            return index_page(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Notice::error(msg)),
                lines,
            )
            .await;
        }
    };
    if let Some(v) = csv_version {
        catalog.version = v;
    }
    let actor = Actor::user(user.id, &user.login);
    match catalogs::save_new(
        &state.store,
        &actor,
        state.clock.now(),
        &catalog,
        &up.file_name,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/catalog?imported={}",
            urlencode(&catalog.version.id)
        ))
        .into_response()),
        Err(StoreError::Conflict { value, .. }) => {
            let msg = ctx.tr.ta(
                "catalog-import-rejected",
                &[("file", up.file_name.clone()), ("count", "1".into())],
            );
            let line = match ctx.tr.lang {
                Lang::Ja => {
                    format!("版 ID「{value}」は既にあります。別の版 ID を指定してください。")
                }
                Lang::En => {
                    format!("The version id \"{value}\" already exists: give another version id.")
                }
            };
            index_page(
                &state,
                &ctx,
                StatusCode::CONFLICT,
                Some(Notice::error(msg)),
                vec![line],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|q| q[1..].to_string())
        .unwrap_or_default()
}

// ---- one version: tree, filters, search ----

#[derive(Deserialize, Default)]
pub struct VersionQuery {
    #[serde(default)]
    q: String,
    mandatory: Option<String>,
    cloud: Option<String>,
    liu: Option<String>,
}

impl VersionQuery {
    fn filtering(&self) -> bool {
        self.mandatory.is_some() || self.cloud.is_some() || self.liu.is_some()
    }

    /// A criterion passes when it has every flag asked for; headings never do on their own.
    fn keeps(&self, item: &Item) -> bool {
        is_criterion(item)
            && (self.mandatory.is_none() || item.mandatory)
            && (self.cloud.is_none() || item.cloud_specific)
            && (self.liu.is_none() || item.liu_critical)
    }
}

fn is_criterion(item: &Item) -> bool {
    !matches!(item.kind, Some(Kind::Chapter | Kind::Section))
}

pub struct Row {
    pub id: String,
    pub depth: usize,
    pub heading: bool,
    pub title: String,
    pub text: String,
    pub mandatory: bool,
    pub cloud: bool,
    pub liu: bool,
    /// Criteria beneath a heading that pass the filters.
    pub count: usize,
}

pub struct PartBlock {
    pub name: String,
    pub count: usize,
    pub rows: Vec<Row>,
}

/// A piece of highlighted text.
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

pub struct Hit {
    pub id: String,
    pub title: Vec<Segment>,
    pub text: Vec<Segment>,
    pub mandatory: bool,
    pub cloud: bool,
    pub liu: bool,
}

#[derive(Template)]
#[template(path = "catalog_version.html")]
pub struct VersionPage {
    l: Layout,
    ver: String,
    version_title: String,
    sample: bool,
    counts: String,
    q: VersionQuery,
    parts: Vec<PartBlock>,
    hits: Option<Vec<Hit>>,
    hits_heading: String,
}

fn segments(text: &str, spans: &[Highlight], field: Field) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut pos = 0;
    for h in spans.iter().filter(|h| h.field == field) {
        if h.start < pos
            || h.end > text.len()
            || !text.is_char_boundary(h.start)
            || !text.is_char_boundary(h.end)
        {
            continue;
        }
        if h.start > pos {
            out.push(Segment {
                text: text[pos..h.start].to_string(),
                mark: false,
            });
        }
        out.push(Segment {
            text: text[h.start..h.end].to_string(),
            mark: true,
        });
        pos = h.end;
    }
    if pos < text.len() {
        out.push(Segment {
            text: text[pos..].to_string(),
            mark: false,
        });
    }
    out
}

fn part_key(part: Option<Part>) -> &'static str {
    match part {
        Some(Part::Governance) => "catalog-part-governance",
        Some(Part::Management) => "catalog-part-management",
        Some(Part::Controls) => "catalog-part-controls",
        None => "catalog-part-other",
    }
}

/// The tree as rows grouped by part, keeping only what passes the filters
/// (and the headings above it).
fn tree(catalog: &Catalog, q: &VersionQuery, lang: Lang) -> Vec<PartBlock> {
    let by_id: HashMap<&str, &Item> = catalog.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let kept: Vec<&Item> = catalog.items.iter().filter(|i| q.keeps(i)).collect();
    // Every ancestor of a kept item stays, with a count of kept criteria beneath it.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut visible: HashSet<&str> = HashSet::new();
    for item in &kept {
        visible.insert(item.id.as_str());
        let mut parent = item.parent.as_deref();
        while let Some(p) = parent {
            *counts.entry(p).or_default() += 1;
            visible.insert(p);
            parent = by_id.get(p).and_then(|i| i.parent.as_deref());
        }
    }
    let depth = |item: &Item| {
        let mut d = 0;
        let mut parent = item.parent.as_deref();
        while let Some(p) = parent {
            d += 1;
            parent = by_id.get(p).and_then(|i| i.parent.as_deref());
        }
        d
    };
    let mut parts: Vec<PartBlock> = Vec::new();
    let mut part_of: Vec<Option<Part>> = Vec::new();
    for item in catalog
        .items
        .iter()
        .filter(|i| visible.contains(i.id.as_str()))
    {
        let part = item.part();
        let row = Row {
            id: item.id.clone(),
            depth: depth(item),
            heading: !is_criterion(item),
            title: pick(lang, &item.title_ja, &item.title_en).to_string(),
            text: pick(lang, &item.text_ja, &item.text_en).to_string(),
            mandatory: item.mandatory,
            cloud: item.cloud_specific,
            liu: item.liu_critical,
            count: counts.get(item.id.as_str()).copied().unwrap_or(0),
        };
        match part_of.iter().position(|p| *p == part) {
            Some(i) => parts[i].rows.push(row),
            None => {
                part_of.push(part);
                parts.push(PartBlock {
                    name: part_key(part).to_string(),
                    count: 0,
                    rows: vec![row],
                });
            }
        }
    }
    for block in &mut parts {
        block.count = block.rows.iter().filter(|r| !r.heading).count();
    }
    parts
}

pub async fn version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ver): Path<String>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Response> {
    let l = loaded(&state, &ver).await?;
    let c = &l.catalog;
    let lang = ctx.tr.lang;
    let objectives = c.count(Kind::Objective);
    let controls = c.count(Kind::Control);
    let mandatory = c
        .items
        .iter()
        .filter(|i| is_criterion(i) && i.mandatory)
        .count();
    let counts = ctx.tr.ta(
        "catalog-counts",
        &[
            ("objectives", objectives.to_string()),
            ("controls", controls.to_string()),
            ("mandatory", mandatory.to_string()),
        ],
    );
    let query = q.q.trim().to_string();
    let (hits, hits_heading, parts) = if query.is_empty() {
        (None, String::new(), tree(c, &q, lang))
    } else {
        let hits: Vec<Hit> = l
            .index
            .search(&query, 200)
            .into_iter()
            .filter_map(|h| {
                let item = c.get(&h.id)?;
                if q.filtering() && !q.keeps(item) {
                    return None;
                }
                // English readers see English when the item has it and the match is not only in Japanese.
                let marked =
                    |fields: [Field; 2]| h.highlights.iter().any(|s| fields.contains(&s.field));
                let english = lang == Lang::En
                    && !item.text_en.is_empty()
                    && (marked([Field::TitleEn, Field::TextEn])
                        || !marked([Field::TitleJa, Field::TextJa]));
                let (tf, xf) = if english {
                    (Field::TitleEn, Field::TextEn)
                } else {
                    (Field::TitleJa, Field::TextJa)
                };
                let title_text = if tf == Field::TitleEn {
                    &item.title_en
                } else {
                    &item.title_ja
                };
                let body_text = if xf == Field::TextEn {
                    &item.text_en
                } else {
                    &item.text_ja
                };
                Some(Hit {
                    id: item.id.clone(),
                    title: segments(title_text, &h.highlights, tf),
                    text: segments(body_text, &h.highlights, xf),
                    mandatory: item.mandatory,
                    cloud: item.cloud_specific,
                    liu: item.liu_critical,
                })
            })
            .collect();
        let key = if hits.is_empty() {
            "catalog-search-none"
        } else {
            "catalog-search-results"
        };
        let heading = ctx.tr.ta(
            key,
            &[("q", query.clone()), ("count", hits.len().to_string())],
        );
        (Some(hits), heading, Vec::new())
    };
    let t = VersionPage {
        l: Layout::new(&ctx, "catalog-title"),
        ver: ver.clone(),
        version_title: title(&ctx, &c.version),
        sample: c.version.sample,
        counts,
        q,
        parts,
        hits,
        hits_heading,
    };
    page(StatusCode::OK, &t)
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((ver, format)): Path<(String, String)>,
) -> AppResult<Response> {
    let _ = &ctx;
    let format = Format::from_code(&format).ok_or_else(|| AppError::Missing {
        key: "catalog-unknown-format",
        args: vec![("format", format.clone())],
    })?;
    let l = loaded(&state, &ver).await?;
    let bytes = catalogs::export(&l.catalog, format)?;
    let name = format!(
        "kasumi-catalog-{}.{}",
        ver.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        format.extension()
    );
    Ok(download(&name, format, bytes))
}

// ---- one item ----

pub struct Crumb {
    pub id: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "catalog_item.html")]
pub struct ItemPage {
    l: Layout,
    notice: Option<Notice>,
    ver: String,
    version_title: String,
    sample: bool,
    item: Item,
    kind_key: &'static str,
    crumbs: Vec<Crumb>,
    children: Vec<Crumb>,
    can_edit: bool,
}

fn kind_key(kind: Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::Chapter) => "catalog-kind-chapter",
        Some(Kind::Section) => "catalog-kind-section",
        Some(Kind::Objective) => "catalog-kind-objective",
        Some(Kind::Control) => "catalog-kind-control",
        None => "catalog-kind-other",
    }
}

fn find_item<'a>(l: &'a Loaded, id: &str) -> AppResult<&'a Item> {
    l.catalog.get(id).ok_or_else(|| AppError::Missing {
        key: "catalog-item-not-found",
        args: vec![("id", id.to_string())],
    })
}

fn item_page(ctx: &Ctx, l: &Loaded, ver: &str, item: &Item, notice: Option<Notice>) -> ItemPage {
    let lang = ctx.tr.lang;
    let crumb = |i: &Item| Crumb {
        id: i.id.clone(),
        title: pick(lang, &i.title_ja, &i.title_en).to_string(),
    };
    let mut crumbs = Vec::new();
    let mut parent = item.parent.as_deref();
    while let Some(p) = parent.and_then(|p| l.catalog.get(p)) {
        crumbs.push(crumb(p));
        parent = p.parent.as_deref();
    }
    crumbs.reverse();
    ItemPage {
        l: Layout::new(ctx, "catalog-title"),
        notice,
        ver: ver.to_string(),
        version_title: title(ctx, &l.catalog.version),
        sample: l.catalog.version.sample,
        kind_key: kind_key(item.kind),
        children: l.catalog.children(&item.id).map(crumb).collect(),
        crumbs,
        item: item.clone(),
        can_edit: can_edit(ctx),
    }
}

#[derive(Deserialize)]
pub struct ItemQuery {
    saved: Option<String>,
}

pub async fn item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((ver, id)): Path<(String, String)>,
    Query(q): Query<ItemQuery>,
) -> AppResult<Response> {
    let l = loaded(&state, &ver).await?;
    let item = find_item(&l, &id)?;
    let notice = match q.saved.as_deref() {
        Some("1") => Some(Notice::info(
            ctx.tr.ta("catalog-edit-saved", &[("id", id.clone())]),
        )),
        Some("0") => Some(Notice::info(ctx.tr.t("catalog-edit-unchanged"))),
        _ => None,
    };
    let mut t = item_page(&ctx, &l, &ver, item, notice);
    t.l.title = format!(
        "{} — {}",
        item.id,
        pick(ctx.tr.lang, &item.title_ja, &item.title_en)
    );
    page(StatusCode::OK, &t)
}

// ---- edits ----

#[derive(Template)]
#[template(path = "catalog_edit.html")]
pub struct EditPage {
    l: Layout,
    ver: String,
    item: Item,
    revision: i64,
    problems: Vec<String>,
    notice: Option<Notice>,
}

#[derive(Deserialize)]
pub struct EditForm {
    revision: i64,
    #[serde(default)]
    title_ja: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    text_ja: String,
    #[serde(default)]
    text_en: String,
    #[serde(default)]
    guidance_ja: String,
    #[serde(default)]
    guidance_en: String,
    mandatory: Option<String>,
    cloud_specific: Option<String>,
    liu_critical: Option<String>,
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((ver, id)): Path<(String, String)>,
) -> AppResult<Response> {
    ctx.require_role(EDITORS)?;
    let l = loaded(&state, &ver).await?;
    let item = find_item(&l, &id)?.clone();
    let mut layout = Layout::new(&ctx, "catalog-title");
    layout.title = ctx.tr.ta("catalog-edit-title", &[("id", id.clone())]);
    let t = EditPage {
        l: layout,
        ver,
        item,
        revision: l.summary.revision,
        problems: Vec::new(),
        notice: None,
    };
    page(StatusCode::OK, &t)
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((ver, id)): Path<(String, String)>,
    Form(f): Form<EditForm>,
) -> AppResult<Response> {
    let user = ctx.require_role(EDITORS)?.clone();
    let l = loaded(&state, &ver).await?;
    let old = find_item(&l, &id)?.clone();
    let mut new = old.clone();
    new.title_ja = f.title_ja.trim().to_string();
    new.title_en = f.title_en.trim().to_string();
    new.text_ja = f.text_ja.trim().to_string();
    new.text_en = f.text_en.trim().to_string();
    new.guidance_ja = f.guidance_ja.trim().to_string();
    new.guidance_en = f.guidance_en.trim().to_string();
    new.mandatory = f.mandatory.is_some();
    new.cloud_specific = f.cloud_specific.is_some();
    new.liu_critical = f.liu_critical.is_some();

    let mut layout = Layout::new(&ctx, "catalog-title");
    layout.title = ctx.tr.ta("catalog-edit-title", &[("id", id.clone())]);
    let changed: Vec<serde_json::Value> = field_changes(&old, &new);
    if changed.is_empty() {
        return Ok(Redirect::to(&format!(
            "/catalog/{}/items/{}?saved=0",
            urlencode(&ver),
            urlencode(&id)
        ))
        .into_response());
    }
    let mut catalog = l.catalog.clone();
    if let Some(slot) = catalog.items.iter_mut().find(|i| i.id == id) {
        *slot = new.clone();
    }
    if let Err(e) = catalog.validate() {
        let problems = e
            .issues
            .iter()
            .map(|i| i.message(catalogs::ismap_lang(ctx.tr.lang)))
            .collect();
        let t = EditPage {
            l: layout,
            ver,
            item: new,
            revision: f.revision,
            problems,
            notice: Some(Notice::error(ctx.tr.t("catalog-edit-invalid"))),
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, &t);
    }
    let record = catalogs::record(&catalog).map_err(|e| AppError::Internal(e.into()))?;
    let payload = serde_json::json!({ "item": id, "changes": changed });
    let actor = Actor::user(user.id, &user.login);
    match state
        .store
        .update_catalog(
            &actor,
            state.clock.now(),
            &record,
            f.revision,
            "catalog.edit",
            payload,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/catalog/{}/items/{}?saved=1",
            urlencode(&ver),
            urlencode(&id)
        ))
        .into_response()),
        Err(StoreError::Conflict { .. }) => {
            let t = EditPage {
                l: layout,
                ver,
                item: new,
                revision: f.revision,
                problems: Vec::new(),
                notice: Some(Notice::error(ctx.tr.t("catalog-edit-stale"))),
            };
            page(StatusCode::CONFLICT, &t)
        }
        Err(e) => Err(e.into()),
    }
}

/// The fields an edit changes, with old and new values, for the audit trail.
fn field_changes(old: &Item, new: &Item) -> Vec<serde_json::Value> {
    let texts = [
        ("title_ja", &old.title_ja, &new.title_ja),
        ("title_en", &old.title_en, &new.title_en),
        ("text_ja", &old.text_ja, &new.text_ja),
        ("text_en", &old.text_en, &new.text_en),
        ("guidance_ja", &old.guidance_ja, &new.guidance_ja),
        ("guidance_en", &old.guidance_en, &new.guidance_en),
    ];
    let flags = [
        ("mandatory", old.mandatory, new.mandatory),
        ("cloud_specific", old.cloud_specific, new.cloud_specific),
        ("liu_critical", old.liu_critical, new.liu_critical),
    ];
    let mut out: Vec<serde_json::Value> = texts
        .iter()
        .filter(|(_, a, b)| a != b)
        .map(|(f, a, b)| serde_json::json!({"field": f, "old": a, "new": b}))
        .collect();
    out.extend(
        flags
            .iter()
            .filter(|(_, a, b)| a != b)
            .map(|(f, a, b)| serde_json::json!({"field": f, "old": a, "new": b})),
    );
    out
}

// ---- diff ----

#[derive(Deserialize)]
pub struct DiffQuery {
    a: String,
    b: String,
}

pub struct ChangeRow {
    pub id: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Template)]
#[template(path = "catalog_diff.html")]
pub struct DiffPage {
    l: Layout,
    a: String,
    b: String,
    summary: String,
    added: Vec<Crumb>,
    removed: Vec<Crumb>,
    changed: Vec<ChangeRow>,
}

pub async fn diff(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DiffQuery>,
) -> AppResult<Response> {
    let (old, new) = (loaded(&state, &q.a).await?, loaded(&state, &q.b).await?);
    let d = kasumi_ismap::diff(&old.catalog, &new.catalog);
    let lang = ctx.tr.lang;
    let crumb = |c: &Catalog, id: &String| Crumb {
        id: id.clone(),
        title: c
            .get(id)
            .map(|i| pick(lang, &i.title_ja, &i.title_en).to_string())
            .unwrap_or_default(),
    };
    let summary = ctx.tr.ta(
        "catalog-diff-summary",
        &[
            ("added", d.added.len().to_string()),
            ("removed", d.removed.len().to_string()),
            ("changed", d.changed.len().to_string()),
        ],
    );
    let changed = d
        .changed
        .iter()
        .flat_map(|c| {
            c.changes.iter().map(|f| ChangeRow {
                id: c.id.clone(),
                field: f.field.to_string(),
                old: f.old.clone(),
                new: f.new.clone(),
            })
        })
        .collect();
    let mut l = Layout::new(&ctx, "catalog-diff-title");
    l.title = format!("{} — {} → {}", l.title, q.a, q.b);
    let t = DiffPage {
        l,
        added: d.added.iter().map(|id| crumb(&new.catalog, id)).collect(),
        removed: d.removed.iter().map(|id| crumb(&old.catalog, id)).collect(),
        changed,
        summary,
        a: q.a,
        b: q.b,
    };
    page(StatusCode::OK, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_segments_cover_the_text_exactly_once() {
        let text = "資産の管理責任者は、資産を";
        let spans = [
            Highlight {
                field: Field::TextJa,
                start: 0,
                end: 6,
            },
            Highlight {
                field: Field::TextJa,
                start: 30,
                end: 36,
            },
        ];
        let segs = segments(text, &spans, Field::TextJa);
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        let marked: Vec<&str> = segs
            .iter()
            .filter(|s| s.mark)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, ["資産", "資産"]);
    }

    #[test]
    fn filters_keep_matching_criteria_and_their_headings() {
        let c = kasumi_ismap::sample_catalog();
        let q = VersionQuery {
            liu: Some("1".into()),
            ..Default::default()
        };
        let parts = tree(&c, &q, Lang::Ja);
        let rows: Vec<&Row> = parts.iter().flat_map(|p| &p.rows).collect();
        // Every detailed control shown has the flag; objectives above them stay as context.
        let controls: Vec<&&Row> = rows
            .iter()
            .filter(|r| r.id.split('.').count() == 4)
            .collect();
        assert!(!controls.is_empty() && controls.iter().all(|r| r.liu));
        let liu_items = c.items.iter().filter(|i| i.liu_critical).count();
        assert_eq!(rows.iter().filter(|r| r.liu).count(), liu_items);
        assert!(
            rows.iter().any(|r| r.heading),
            "headings above the kept criteria stay"
        );
        let all = tree(&c, &VersionQuery::default(), Lang::Ja);
        assert_eq!(
            all.iter().map(|p| p.rows.len()).sum::<usize>(),
            c.items.len()
        );
        assert_eq!(all.len(), 3, "three parts");
    }
}
