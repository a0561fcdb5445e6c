//! The public cloud service list (ISMAPクラウドサービスリスト): the list with
//! filters and sorting, each entry's page with its remarks history (備考),
//! CSV and xlsx downloads, a JSON API and an Atom feed of the latest remarks.
//! Public, no sign-in. Only registrations listed on today's date (Asia/Tokyo,
//! from the injected clock) are shown; see [`crate::registry`] for how the
//! entries are built from the lifecycle records.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use kasumi_core::{Lang, Micros};
use kasumi_lifecycle::dates::tokyo_date;
use kasumi_lifecycle::registration::{Registration, RegistrationStatus};
use kasumi_lifecycle::service::{Service, ServiceModel};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::pages::{Layout, page};
use crate::registry::{self, ListEntry, RegistryError, StoredRemark};

impl From<RegistryError> for AppError {
    fn from(e: RegistryError) -> AppError {
        match e {
            RegistryError::Store(s) => s.into(),
            other => AppError::Internal(other.into()),
        }
    }
}

const STATUSES: &[RegistrationStatus] = &[
    RegistrationStatus::Registered,
    RegistrationStatus::RenewalPending,
    RegistrationStatus::Suspended,
];
const MODELS: &[(ServiceModel, &str)] = &[
    (ServiceModel::Iaas, "iaas"),
    (ServiceModel::Paas, "paas"),
    (ServiceModel::Saas, "saas"),
];

fn model_code(m: ServiceModel) -> &'static str {
    MODELS
        .iter()
        .find(|(x, _)| *x == m)
        .map_or("saas", |(_, c)| c)
}

/// Filters and sort order of the list (the same for the page, the downloads and the API).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    sort: String,
}

impl ListQuery {
    /// No filter and the default order: the whole list as cached.
    fn is_everything(&self) -> bool {
        self.q.trim().is_empty()
            && self.status.is_empty()
            && self.model.is_empty()
            && self.sort_key() == "number"
    }

    fn sort_key(&self) -> &'static str {
        match self.sort.as_str() {
            "registered" => "registered",
            "valid" => "valid",
            _ => "number",
        }
    }

    fn keeps(&self, e: &ListEntry) -> bool {
        let q = self.q.trim().to_lowercase();
        let text_ok = q.is_empty()
            || [
                e.number.as_str(),
                e.provider.as_str(),
                e.service.as_str(),
                e.scope.as_str(),
                e.audit_firm.as_str(),
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(&q))
            || e.regions.iter().any(|r| r.to_lowercase().contains(&q));
        let status_ok = self.status.is_empty() || e.status.code() == self.status;
        let model_ok = self.model.is_empty() || model_code(e.service_model) == self.model;
        text_ok && status_ok && model_ok
    }

    fn apply(&self, mut entries: Vec<ListEntry>) -> Vec<ListEntry> {
        entries.retain(|e| self.keeps(e));
        match self.sort_key() {
            "registered" => entries.sort_by_key(|e| (e.registered_on, e.number_parts)),
            "valid" => entries.sort_by_key(|e| (e.valid_through, e.number_parts)),
            _ => entries.sort_by_key(|e| e.number_parts),
        }
        entries
    }

    /// The query string of these filters (for the download links).
    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("status", self.status.as_str()),
            ("model", self.model.as_str()),
            ("sort", self.sort_key()),
        ])
        .unwrap_or_default()
    }
}

fn today(state: &AppState) -> Date {
    tokyo_date(state.clock.now())
}

fn pick(lang: Lang, ja: &str, en: &str) -> String {
    if lang == Lang::En && !en.is_empty() {
        en.to_string()
    } else {
        ja.to_string()
    }
}

/// RFC 3339 in UTC.
fn rfc3339(at: Micros) -> String {
    jiff::Timestamp::from_microsecond(at)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn status_label(tr: &Tr, s: RegistrationStatus) -> String {
    tr.t(&format!("registry-status-{}", s.code()))
}

fn model_label(tr: &Tr, m: ServiceModel) -> String {
    tr.t(&format!("registry-model-{}", model_code(m)))
}

// ---- the list page ----

pub struct Row {
    pub number: String,
    pub provider: String,
    pub service: String,
    pub model: String,
    pub registered_on: String,
    pub renewed_on: String,
    pub valid_through: String,
    pub status_code: &'static str,
    pub status: String,
    pub scope: String,
    pub regions: String,
    pub audit_firm: String,
    pub liu: bool,
    pub remark: String,
    pub remark_date: String,
}

fn row(tr: &Tr, e: &ListEntry) -> Row {
    Row {
        number: e.number.clone(),
        provider: e.provider.clone(),
        service: e.service.clone(),
        model: model_label(tr, e.service_model),
        registered_on: e.registered_on.to_string(),
        renewed_on: e.renewed_on.map(|d| d.to_string()).unwrap_or_default(),
        valid_through: e.valid_through.to_string(),
        status_code: e.status.code(),
        status: status_label(tr, e.status),
        scope: e.scope.clone(),
        regions: [e.data_centres.join("・"), e.regions.join(", ")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" / "),
        audit_firm: e.audit_firm.clone(),
        liu: e.liu,
        remark: e
            .latest_remark
            .as_ref()
            .map(|r| pick(tr.lang, &r.ja, &r.en))
            .unwrap_or_default(),
        remark_date: e
            .latest_remark
            .as_ref()
            .map(|r| tokyo_date(r.at).to_string())
            .unwrap_or_default(),
    }
}

pub struct Choice {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "registry.html")]
pub struct ListPage {
    l: Layout,
    today: String,
    q: String,
    statuses: Vec<Choice>,
    models: Vec<Choice>,
    sorts: Vec<Choice>,
    rows: Vec<Row>,
    total: usize,
    download_query: String,
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let today = today(&state);
    let all = cached_list(&state, today).await?;
    let total = all.len();
    let entries = q.apply(all);
    let tr = ctx.tr;
    let t = ListPage {
        l: Layout::new(&ctx, "registry-title"),
        today: today.to_string(),
        q: q.q.clone(),
        statuses: STATUSES
            .iter()
            .map(|s| Choice {
                code: s.code(),
                label: status_label(&tr, *s),
                selected: q.status == s.code(),
            })
            .collect(),
        models: MODELS
            .iter()
            .map(|(m, c)| Choice {
                code: c,
                label: model_label(&tr, *m),
                selected: q.model == *c,
            })
            .collect(),
        sorts: ["number", "registered", "valid"]
            .into_iter()
            .map(|c| Choice {
                code: c,
                label: tr.t(&format!("registry-sort-{c}")),
                selected: q.sort_key() == c,
            })
            .collect(),
        rows: entries.iter().map(|e| row(&tr, e)).collect(),
        total,
        download_query: q.query_string(),
    };
    page(StatusCode::OK, &t)
}

// ---- one entry ----

pub struct RemarkLine {
    pub date: String,
    pub kind: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "registry_detail.html")]
pub struct DetailPage {
    l: Layout,
    r: Row,
    data_centres: String,
    regions: String,
    remarks: Vec<RemarkLine>,
}

/// The public list on `today`, from the cache (a copy the caller may filter).
async fn cached_list(state: &AppState, today: Date) -> AppResult<Vec<ListEntry>> {
    Ok(state
        .registry_list
        .list(&state.store, today)
        .await?
        .entries
        .clone())
}

async fn find(state: &AppState, number: &str) -> AppResult<ListEntry> {
    cached_list(state, today(state))
        .await?
        .into_iter()
        .find(|e| e.number == number)
        .ok_or_else(|| AppError::Missing {
            key: "registry-not-found",
            args: vec![("number", number.to_string())],
        })
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let e = find(&state, &number).await?;
    let tr = ctx.tr;
    let mut remarks = registry::remarks(&state.store, e.service_id).await?;
    remarks.reverse();
    let mut l = Layout::new(&ctx, "registry-title");
    l.title = format!("{} {}", e.number, e.service);
    let t = DetailPage {
        l,
        r: row(&tr, &e),
        data_centres: e.data_centres.join("・"),
        regions: e.regions.join(", "),
        remarks: remarks
            .iter()
            .map(|r| RemarkLine {
                date: tokyo_date(r.at).to_string(),
                kind: tr.t(&format!("registry-remark-{}", r.kind.code())),
                text: pick(tr.lang, &r.ja, &r.en),
            })
            .collect(),
    };
    page(StatusCode::OK, &t)
}

// ---- downloads ----

const COLUMNS: &[&str] = &[
    "registry-col-number",
    "registry-col-provider",
    "registry-col-service",
    "registry-col-model",
    "registry-col-registered",
    "registry-col-renewed",
    "registry-col-valid",
    "registry-col-status",
    "registry-col-scope",
    "registry-col-data-centres",
    "registry-col-regions",
    "registry-col-firm",
    "registry-col-liu",
    "registry-col-remark",
];

fn table(tr: &Tr, entries: &[ListEntry]) -> Vec<Vec<String>> {
    let mut out = vec![COLUMNS.iter().map(|k| tr.t(k)).collect::<Vec<_>>()];
    for e in entries {
        let r = row(tr, e);
        out.push(vec![
            r.number,
            r.provider,
            r.service,
            r.model,
            r.registered_on,
            r.renewed_on,
            r.valid_through,
            r.status,
            r.scope,
            e.data_centres.join(" "),
            e.regions.join(" "),
            r.audit_firm,
            if e.liu { "LIU".into() } else { String::new() },
            r.remark,
        ]);
    }
    out
}

fn csv_field(s: &str) -> String {
    // A leading =, +, - or @ would be a formula to a spreadsheet.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn attachment(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn filtered(state: &AppState, q: &ListQuery) -> AppResult<(Date, Vec<ListEntry>)> {
    let today = today(state);
    let entries = cached_list(state, today).await?;
    Ok((today, q.apply(entries)))
}

pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (today, entries) = filtered(&state, &q).await?;
    // The byte-order mark lets spreadsheet programs read the Japanese text as UTF-8.
    let mut text = String::from("\u{feff}");
    for line in table(&ctx.tr, &entries) {
        let fields: Vec<String> = line.iter().map(|f| csv_field(f)).collect();
        text.push_str(&fields.join(","));
        text.push_str("\r\n");
    }
    Ok(attachment(
        &format!("ismap-cloud-service-list-{today}.csv"),
        "text/csv; charset=utf-8",
        text.into_bytes(),
    ))
}

pub async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (today, entries) = filtered(&state, &q).await?;
    let rows = table(&ctx.tr, &entries);
    let bytes = (|| -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("ISMAP")?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (r, line) in rows.iter().enumerate() {
            for (c, value) in line.iter().enumerate() {
                if r == 0 {
                    ws.write_string_with_format(0, c as u16, value, &bold)?;
                } else {
                    ws.write_string(r as u32, c as u16, value)?;
                }
            }
        }
        for (c, width) in [14, 28, 28, 8, 12, 12, 12, 12, 36, 16, 20, 24, 6, 60]
            .into_iter()
            .enumerate()
        {
            ws.set_column_width(c as u16, width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        wb.save_to_buffer()
    })()
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(attachment(
        &format!("ismap-cloud-service-list-{today}.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

// ---- JSON API ----

#[derive(Serialize)]
pub struct ApiRemark {
    at: String,
    kind: &'static str,
    ja: String,
    en: String,
}

fn api_remark(r: &StoredRemark) -> ApiRemark {
    ApiRemark {
        at: rfc3339(r.at),
        kind: r.kind.code(),
        ja: r.ja.clone(),
        en: r.en.clone(),
    }
}

#[derive(Serialize)]
pub struct ApiEntry {
    number: String,
    provider: String,
    service: String,
    service_model: &'static str,
    registered_on: String,
    renewed_on: Option<String>,
    valid_through: String,
    status: &'static str,
    scope: String,
    data_centres: Vec<String>,
    regions: Vec<String>,
    audit_firm: String,
    liu: bool,
    latest_remark: Option<ApiRemark>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<Vec<ApiRemark>>,
}

fn api_entry(e: &ListEntry) -> ApiEntry {
    ApiEntry {
        number: e.number.clone(),
        provider: e.provider.clone(),
        service: e.service.clone(),
        service_model: model_code(e.service_model),
        registered_on: e.registered_on.to_string(),
        renewed_on: e.renewed_on.map(|d| d.to_string()),
        valid_through: e.valid_through.to_string(),
        status: e.status.code(),
        scope: e.scope.clone(),
        data_centres: e.data_centres.clone(),
        regions: e.regions.clone(),
        audit_firm: e.audit_firm.clone(),
        liu: e.liu,
        latest_remark: e.latest_remark.as_ref().map(api_remark),
        remarks: None,
    }
}

pub async fn api_list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let cached = state
        .registry_list
        .list(&state.store, today(&state))
        .await?;
    let body = if q.is_everything() {
        cached
            .api_body
            .get_or_init(|| api_body(cached.today, &q.apply(cached.entries.clone())))
            .clone()
    } else {
        api_body(cached.today, &q.apply(cached.entries.clone()))
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn api_body(today: Date, entries: &[ListEntry]) -> axum::body::Bytes {
    let body = serde_json::json!({
        "date": today.to_string(),
        "count": entries.len(),
        "registrations": entries.iter().map(api_entry).collect::<Vec<_>>(),
    });
    serde_json::to_vec(&body).unwrap_or_default().into()
}

pub async fn api_detail(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let e = find(&state, &number).await?;
    let remarks = registry::remarks(&state.store, e.service_id).await?;
    let mut entry = api_entry(&e);
    entry.remarks = Some(remarks.iter().map(api_remark).collect());
    Ok(axum::Json(entry).into_response())
}

// ---- Atom feed ----

/// How many remarks the feed carries.
pub const FEED_LEN: i64 = 50;

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The latest public remarks of every registered service, newest first.
pub async fn feed(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> AppResult<Response> {
    let tr = ctx.tr;
    let today = today(&state);
    let events = state.store.registry_latest_remarks(FEED_LEN).await?;
    let regs: HashMap<i64, Registration> = registry::load_all::<Registration>(&state.store)
        .await?
        .into_iter()
        .map(|(r, _)| (r.service_id, r))
        .collect();
    let services: HashMap<i64, Service> = registry::load_all::<Service>(&state.store)
        .await?
        .into_iter()
        .map(|(s, _)| (s.id, s))
        .collect();
    // Absolute links from the Host the reader used (a feed reader needs them);
    // a Host with anything but name characters is ignored (relative links).
    let base = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .map(|h| {
            // Secure cookies mean Kasumi is served over HTTPS.
            let scheme = if state.config.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{h}")
        })
        .unwrap_or_default();
    let updated = events
        .first()
        .map(|e| e.at)
        .unwrap_or_else(|| state.clock.now());
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
        tr.code()
    ));
    out.push_str(&format!(
        "  <title>{}</title>\n",
        xml(&tr.t("registry-feed-title"))
    ));
    out.push_str("  <id>tag:kasumi.invalid,2025:registry</id>\n");
    out.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}/registry/feed.atom\"/>\n",
        xml(&base)
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}/registry\"/>\n",
        xml(&base)
    ));
    out.push_str("  <author><name>Kasumi</name></author>\n");
    for e in &events {
        let Some(r) = registry::remark_of(e) else {
            continue;
        };
        let reg = regs.get(&r.service_id);
        let number = reg.map(|g| g.number_text.clone()).unwrap_or_default();
        let name = services
            .get(&r.service_id)
            .map(|s| s.draft.name.clone())
            .unwrap_or_default();
        let listed = reg.is_some_and(|g| g.is_listed_on(today));
        let link = if listed {
            format!("{base}/registry/{number}")
        } else {
            format!("{base}/registry")
        };
        let title = format!(
            "{number} {name}: {}",
            tr.t(&format!("registry-remark-{}", r.kind.code()))
        );
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <id>tag:kasumi.invalid,2025:registry/event/{}</id>\n",
            e.seq
        ));
        out.push_str(&format!("    <title>{}</title>\n", xml(&title)));
        out.push_str(&format!("    <updated>{}</updated>\n", rfc3339(r.at)));
        out.push_str(&format!("    <link href=\"{}\"/>\n", xml(&link)));
        out.push_str(&format!(
            "    <summary>{}</summary>\n",
            xml(&pick(tr.lang, &r.ja, &r.en))
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        out,
    )
        .into_response())
}
