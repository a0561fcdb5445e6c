//! Spreadsheet layout (CSV and xlsx): import with every problem listed,
//! export, and an empty template. The layout is documented in
//! `docs/catalog-format.md`.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::error::{ImportError, Issue, Location, Problem};
use crate::model::{Catalog, CatalogVersion, Item, Lang, Scheme};
use crate::validate::check_items;

/// One column of the `controls` sheet (and of the CSV file).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header name written by export (also accepted on import).
    pub key: &'static str,
    /// Japanese header, also accepted on import.
    pub ja: &'static str,
    /// Must be present in the header row.
    pub required: bool,
    pub description_ja: &'static str,
    pub description_en: &'static str,
}

/// The columns, in the order export writes them.
pub const COLUMNS: &[Column] = &[
    Column {
        key: "id",
        ja: "番号",
        required: true,
        description_ja: "章 8、節 8.1、統制目標 8.1.2、詳細管理策 8.1.2.1（文字列）",
        description_en: "chapter 8, section 8.1, objective 8.1.2, detailed control 8.1.2.1 (text)",
    },
    Column {
        key: "title_ja",
        ja: "名称",
        required: true,
        description_ja: "名称（章・節は必須）",
        description_en: "title in Japanese (required for chapters and sections)",
    },
    Column {
        key: "title_en",
        ja: "名称（英語）",
        required: false,
        description_ja: "英語の名称",
        description_en: "title in English",
    },
    Column {
        key: "text_ja",
        ja: "本文",
        required: true,
        description_ja: "統制目標・詳細管理策の本文（必須）",
        description_en: "criterion text in Japanese (required for objectives and controls)",
    },
    Column {
        key: "text_en",
        ja: "本文（英語）",
        required: false,
        description_ja: "英語の本文",
        description_en: "criterion text in English",
    },
    Column {
        key: "guidance_ja",
        ja: "ガイダンス",
        required: false,
        description_ja: "補足・ガイダンス",
        description_en: "guidance in Japanese",
    },
    Column {
        key: "guidance_en",
        ja: "ガイダンス（英語）",
        required: false,
        description_ja: "英語のガイダンス",
        description_en: "guidance in English",
    },
    Column {
        key: "mandatory",
        ja: "必須",
        required: true,
        description_ja: "必須: ○/×、yes/no、true/false、1/0。空欄は既定値（統制目標・ガバナンス・マネジメントは必須、その他は任意）",
        description_en: "mandatory: yes/no, true/false, 1/0, ○/×; empty = default (objectives, governance, management: yes; others: no)",
    },
    Column {
        key: "cloud_specific",
        ja: "クラウド固有",
        required: false,
        description_ja: "JIS Q 27017 によるクラウド固有の追加（5〜18章のみ）",
        description_en: "cloud-specific addition from JIS Q 27017 (chapters 5-18 only)",
    },
    Column {
        key: "liu_critical",
        ja: "LIU重要",
        required: false,
        description_ja: "ISMAP-LIU の監査対象となる重要な詳細管理策（5〜18章の4桁のみ）",
        description_en: "critical control audited for ISMAP-LIU (4-digit controls of chapters 5-18 only)",
    },
    Column {
        key: "references",
        ja: "参照",
        required: false,
        description_ja: "参照規格など。改行または ; で区切る",
        description_en: "references, separated by newlines or ;",
    },
    Column {
        key: "oscal",
        ja: "OSCAL",
        required: false,
        description_ja: "元の OSCAL control の JSON（通常は空欄）",
        description_en: "raw OSCAL control JSON, for lossless round trips (normally empty)",
    },
];

/// Keys of the `catalog` sheet (key in column A, value in column B).
pub const CATALOG_KEYS: &[(&str, &str)] = &[
    ("id", "版の識別子 / version id"),
    ("title_ja", "名称 / title (Japanese)"),
    ("title_en", "名称（英語） / title (English)"),
    ("issued", "発行日 YYYY-MM-DD / issue date"),
    (
        "sample",
        "サンプルか（yes/no） / SAMPLE, not the official text",
    ),
];

pub const CONTROLS_SHEET: &str = "controls";
pub const CATALOG_SHEET: &str = "catalog";

/// Errors writing a spreadsheet.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("xlsx: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("csv: {0}")]
    Csv(String),
}

/// A cell as read from CSV or xlsx.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(f64),
    Error(String),
}

impl Cell {
    fn from_data(d: &Data) -> Cell {
        match d {
            Data::Empty => Cell::Empty,
            Data::String(s) if s.is_empty() => Cell::Empty,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
            Data::Int(i) => Cell::Int(*i),
            Data::Float(f) => Cell::Float(*f),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(dt) => Cell::Date(dt.as_f64()),
            Data::Error(e) => Cell::Error(format!("{e:?}")),
        }
    }

    fn describe(&self) -> String {
        match self {
            Cell::Empty => "empty".into(),
            Cell::Text(s) => format!("text \"{s}\""),
            Cell::Int(i) => format!("number {i}"),
            Cell::Float(f) => format!("number {f}"),
            Cell::Bool(b) => format!("boolean {}", if *b { "TRUE" } else { "FALSE" }),
            Cell::Date(_) => "a date".into(),
            Cell::Error(e) => format!("error {e}"),
        }
    }
}

fn column_letter(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

struct Sheet {
    name: String,
    /// (1-based row number, cells by 0-based column)
    rows: Vec<(usize, Vec<Cell>)>,
}

struct Collector {
    issues: Vec<Issue>,
}

impl Collector {
    fn push(&mut self, sheet: &str, row: usize, col: Option<(usize, &str)>, problem: Problem) {
        self.issues.push(Issue {
            location: Location {
                sheet: sheet.to_string(),
                row,
                column: col.map(|(_, n)| n.to_string()),
                letter: col.map(|(i, _)| column_letter(i)),
            },
            problem,
        });
    }
}

fn parse_flag(cell: &Cell) -> Result<Option<bool>, ()> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Bool(b) => Ok(Some(*b)),
        Cell::Int(0) => Ok(Some(false)),
        Cell::Int(1) => Ok(Some(true)),
        Cell::Float(f) if *f == 0.0 => Ok(Some(false)),
        Cell::Float(f) if *f == 1.0 => Ok(Some(true)),
        Cell::Text(s) => {
            let t = s.trim().to_lowercase();
            match t.as_str() {
                "" => Ok(None),
                "yes" | "y" | "true" | "1" | "○" | "〇" | "◯" | "●" | "✓" | "✔" | "必須"
                | "はい" => Ok(Some(true)),
                "no" | "n" | "false" | "0" | "×" | "✕" | "いいえ" | "-" | "－" => {
                    Ok(Some(false))
                }
                _ => Err(()),
            }
        }
        _ => Err(()),
    }
}

fn days_to_date(serial: f64) -> String {
    // Excel serial day (1900 system, epoch 1899-12-30) to a civil date.
    let days = serial.floor() as i64 - 25569; // days since 1970-01-01
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// True for `YYYY-MM-DD` with a plausible month and day.
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let digits = s
        .bytes()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    matches!(
        (digits, num(5..7), num(8..10)),
        (true, Some(1..=12), Some(1..=31))
    )
}

/// Text of a cell in a text column.
fn text_cell(cell: &Cell) -> Result<String, ()> {
    match cell {
        Cell::Empty => Ok(String::new()),
        Cell::Text(s) => Ok(s.clone()),
        Cell::Int(i) => Ok(i.to_string()),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Ok(format!("{}", *f as i64)),
        Cell::Float(f) => Ok(f.to_string()),
        _ => Err(()),
    }
}

fn parse_controls(sheet: &Sheet, c: &mut Collector) -> (Vec<Item>, Vec<usize>) {
    let mut items = Vec::new();
    let mut rows = Vec::new();
    let Some((header_row, header)) = sheet.rows.first() else {
        c.push(
            &sheet.name,
            0,
            None,
            Problem::MissingColumn {
                column: "id".into(),
            },
        );
        return (items, rows);
    };
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for (ci, cell) in header.iter().enumerate() {
        let Cell::Text(name) = cell else { continue };
        let name = name.trim().trim_start_matches('\u{feff}');
        if let Some(col) = COLUMNS
            .iter()
            .find(|col| col.key.eq_ignore_ascii_case(name) || col.ja == name)
            && index.insert(col.key, ci).is_some()
        {
            c.push(
                &sheet.name,
                *header_row,
                Some((ci, col.key)),
                Problem::DuplicateColumn {
                    column: col.key.into(),
                },
            );
        }
    }
    let mut missing = false;
    for col in COLUMNS.iter().filter(|c| c.required) {
        if !index.contains_key(col.key) {
            c.push(
                &sheet.name,
                *header_row,
                None,
                Problem::MissingColumn {
                    column: col.key.into(),
                },
            );
            missing = true;
        }
    }
    if missing {
        return (items, rows);
    }
    let empty = Cell::Empty;
    for (row_no, cells) in sheet.rows.iter().skip(1) {
        if cells.iter().all(|x| *x == Cell::Empty) {
            continue;
        }
        let get = |key: &str| -> (usize, &Cell) {
            match index.get(key) {
                Some(&ci) => (ci, cells.get(ci).unwrap_or(&empty)),
                None => (usize::MAX, &empty),
            }
        };
        let text = |key: &'static str, c: &mut Collector| -> String {
            let (ci, cell) = get(key);
            text_cell(cell).unwrap_or_else(|_| {
                c.push(
                    &sheet.name,
                    *row_no,
                    Some((ci, key)),
                    Problem::WrongType {
                        column: key.into(),
                        expected: "text",
                        found: cell.describe(),
                    },
                );
                String::new()
            })
        };
        let (id_ci, id_cell) = get("id");
        let id = match id_cell {
            Cell::Float(f) if f.fract() != 0.0 => {
                c.push(
                    &sheet.name,
                    *row_no,
                    Some((id_ci, "id")),
                    Problem::WrongType {
                        column: "id".into(),
                        expected: "text (e.g. 8.1)",
                        found: id_cell.describe(),
                    },
                );
                f.to_string()
            }
            Cell::Empty => {
                c.push(
                    &sheet.name,
                    *row_no,
                    Some((id_ci, "id")),
                    Problem::MissingValue {
                        column: "id".into(),
                    },
                );
                String::new()
            }
            _ => text("id", c).trim().to_string(),
        };
        let mut item = Item::ismap(&id);
        item.title_ja = text("title_ja", c);
        item.title_en = text("title_en", c);
        item.text_ja = text("text_ja", c);
        item.text_en = text("text_en", c);
        item.guidance_ja = text("guidance_ja", c);
        item.guidance_en = text("guidance_en", c);
        item.references = text("references", c)
            .split(['\n', ';'])
            .map(|s| s.trim().trim_end_matches('\r').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        for key in ["mandatory", "cloud_specific", "liu_critical"] {
            let (ci, cell) = get(key);
            match parse_flag(cell) {
                Ok(None) => {}
                Ok(Some(v)) => match key {
                    "mandatory" => item.mandatory = v,
                    "cloud_specific" => item.cloud_specific = v,
                    _ => item.liu_critical = v,
                },
                Err(()) => c.push(
                    &sheet.name,
                    *row_no,
                    Some((ci, key)),
                    Problem::UnknownFlagValue {
                        column: key.into(),
                        value: match cell {
                            Cell::Text(s) => s.clone(),
                            other => other.describe(),
                        },
                    },
                ),
            }
        }
        let raw = text("oscal", c);
        if !raw.trim().is_empty() {
            let (ci, _) = get("oscal");
            match serde_json::from_str::<serde_json::Value>(&raw) {
                Ok(v @ serde_json::Value::Object(_)) => item.oscal = Some(v),
                Ok(_) => c.push(
                    &sheet.name,
                    *row_no,
                    Some((ci, "oscal")),
                    Problem::WrongType {
                        column: "oscal".into(),
                        expected: "a JSON object",
                        found: "other JSON".into(),
                    },
                ),
                Err(e) => c.push(
                    &sheet.name,
                    *row_no,
                    Some((ci, "oscal")),
                    Problem::InvalidJson {
                        column: "oscal".into(),
                        message: e.to_string(),
                    },
                ),
            }
        }
        items.push(item);
        rows.push(*row_no);
    }
    // Rule checks, mapped back to sheet rows and columns.
    for (i, key, problem) in check_items(&items, Scheme::Ismap, &rows) {
        if id_is_empty(&items[i]) && !matches!(problem, Problem::DuplicateId { .. }) {
            continue; // already reported as a missing value
        }
        let col = key.map(|k| (index.get(k).copied().unwrap_or(usize::MAX), k));
        c.push(
            &sheet.name,
            rows[i],
            col.filter(|(ci, _)| *ci != usize::MAX),
            problem,
        );
    }
    (items, rows)
}

fn id_is_empty(item: &Item) -> bool {
    item.id.is_empty()
}

fn parse_version(sheet: &Sheet, c: &mut Collector) -> CatalogVersion {
    let mut v = CatalogVersion::default();
    let mut seen = HashMap::new();
    for (row_no, cells) in &sheet.rows {
        let Some(Cell::Text(key)) = cells.first() else {
            continue;
        };
        let key = key.trim();
        let value = cells.get(1).unwrap_or(&Cell::Empty);
        if !CATALOG_KEYS.iter().any(|(k, _)| *k == key) {
            continue; // header row or notes
        }
        seen.insert(key.to_string(), *row_no);
        let text = match (key, value) {
            ("issued", Cell::Date(serial)) => days_to_date(*serial),
            _ => match text_cell(value) {
                Ok(t) => t.trim().to_string(),
                Err(()) => {
                    c.push(
                        &sheet.name,
                        *row_no,
                        Some((1, "value")),
                        Problem::WrongType {
                            column: key.into(),
                            expected: "text",
                            found: value.describe(),
                        },
                    );
                    continue;
                }
            },
        };
        match key {
            "id" => v.id = text,
            "title_ja" => v.title_ja = text,
            "title_en" => v.title_en = text,
            "issued" => {
                if !valid_date(&text) {
                    c.push(
                        &sheet.name,
                        *row_no,
                        Some((1, "value")),
                        Problem::InvalidDate {
                            value: text.clone(),
                        },
                    );
                }
                v.issued = text;
            }
            _ => match parse_flag(value) {
                Ok(b) => v.sample = b.unwrap_or(false),
                Err(()) => c.push(
                    &sheet.name,
                    *row_no,
                    Some((1, "value")),
                    Problem::UnknownFlagValue {
                        column: "sample".into(),
                        value: text,
                    },
                ),
            },
        }
    }
    for key in ["id", "title_ja", "issued"] {
        let empty = match key {
            "id" => v.id.is_empty(),
            "title_ja" => v.title_ja.is_empty(),
            _ => v.issued.is_empty(),
        };
        if empty {
            let row = seen.get(key).copied().unwrap_or(0);
            c.push(
                &sheet.name,
                row,
                Some((1, key)),
                Problem::MissingValue { column: key.into() },
            );
        }
    }
    v
}

fn finish(version: CatalogVersion, items: Vec<Item>, c: Collector) -> Result<Catalog, ImportError> {
    if !c.issues.is_empty() {
        return Err(ImportError { issues: c.issues });
    }
    Ok(Catalog {
        version,
        scheme: Scheme::Ismap,
        items,
        oscal: None,
    })
}

/// Imports the `controls` layout from CSV text (UTF-8, BOM allowed). The
/// version is given separately, as CSV has no second sheet. Problems are
/// reported against sheet name `sheet_name` (e.g. the file name), with row 1
/// the header. The whole file is rejected if anything is wrong.
pub fn import_csv(
    text: &str,
    sheet_name: &str,
    version: CatalogVersion,
) -> Result<Catalog, ImportError> {
    let mut c = Collector { issues: Vec::new() };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        match rec {
            Ok(rec) => rows.push((
                i + 1,
                rec.iter()
                    .map(|s| {
                        if s.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(s.to_string())
                        }
                    })
                    .collect(),
            )),
            Err(e) => c.push(
                sheet_name,
                i + 1,
                None,
                Problem::Unreadable {
                    message: e.to_string(),
                },
            ),
        }
    }
    let sheet = Sheet {
        name: sheet_name.to_string(),
        rows,
    };
    let (items, _) = parse_controls(&sheet, &mut c);
    finish(version, items, c)
}

fn read_sheet(wb: &mut Xlsx<Cursor<&[u8]>>, name: &str, c: &mut Collector) -> Option<Sheet> {
    if !wb.sheet_names().iter().any(|n| n == name) {
        c.push(name, 0, None, Problem::MissingSheet { sheet: name.into() });
        return None;
    }
    let range = match wb.worksheet_range(name) {
        Ok(r) => r,
        Err(e) => {
            c.push(
                name,
                0,
                None,
                Problem::Unreadable {
                    message: e.to_string(),
                },
            );
            return None;
        }
    };
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut v: Vec<Cell> = vec![Cell::Empty; c0 as usize];
            v.extend(cells.iter().map(Cell::from_data));
            (r0 as usize + i + 1, v)
        })
        .collect();
    Some(Sheet {
        name: name.to_string(),
        rows,
    })
}

/// Imports an xlsx workbook with sheets `catalog` (version) and `controls`.
/// The whole workbook is rejected if anything is wrong, with every problem
/// listed by sheet, row and column.
pub fn import_xlsx(bytes: &[u8]) -> Result<Catalog, ImportError> {
    let mut c = Collector { issues: Vec::new() };
    let mut wb: Xlsx<Cursor<&[u8]>> = match open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            c.push(
                "(workbook)",
                0,
                None,
                Problem::Unreadable {
                    message: e.to_string(),
                },
            );
            return Err(ImportError { issues: c.issues });
        }
    };
    let version = match read_sheet(&mut wb, CATALOG_SHEET, &mut c) {
        Some(s) => parse_version(&s, &mut c),
        None => CatalogVersion::default(),
    };
    let items = match read_sheet(&mut wb, CONTROLS_SHEET, &mut c) {
        Some(s) => parse_controls(&s, &mut c).0,
        None => Vec::new(),
    };
    finish(version, items, c)
}

fn flag(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn row_values(item: &Item) -> Vec<String> {
    let headings = matches!(
        item.kind,
        Some(crate::model::Kind::Chapter | crate::model::Kind::Section)
    );
    let f = |b: bool| {
        if headings && !b {
            String::new()
        } else {
            flag(b).to_string()
        }
    };
    vec![
        item.id.clone(),
        item.title_ja.clone(),
        item.title_en.clone(),
        item.text_ja.clone(),
        item.text_en.clone(),
        item.guidance_ja.clone(),
        item.guidance_en.clone(),
        f(item.mandatory),
        f(item.cloud_specific),
        f(item.liu_critical),
        item.references.join("\n"),
        item.oscal
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default(),
    ]
}

/// Exports the items as CSV (UTF-8 with BOM so Excel reads Japanese).
pub fn export_csv(catalog: &Catalog) -> Result<String, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| ExportError::Csv(e.to_string());
    w.write_record(COLUMNS.iter().map(|c| c.key)).map_err(err)?;
    for item in &catalog.items {
        w.write_record(row_values(item)).map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ExportError::Csv(e.to_string()))?;
    let body = String::from_utf8(bytes).map_err(|e| ExportError::Csv(e.to_string()))?;
    Ok(format!("\u{feff}{body}"))
}

fn write_catalog_sheet(
    ws: &mut Worksheet,
    v: Option<&CatalogVersion>,
    bold: &Format,
) -> Result<(), XlsxError> {
    ws.set_name(CATALOG_SHEET)?;
    ws.write_string_with_format(0, 0, "key", bold)?;
    ws.write_string_with_format(0, 1, "value", bold)?;
    ws.write_string_with_format(0, 2, "説明 / description", bold)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 50)?;
    ws.set_column_width(2, 50)?;
    ws.set_column_format(1, &Format::new().set_num_format("@"))?;
    for (r, (key, desc)) in CATALOG_KEYS.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *key)?;
        ws.write_string(r, 2, *desc)?;
        if let Some(v) = v {
            let value = match *key {
                "id" => v.id.clone(),
                "title_ja" => v.title_ja.clone(),
                "title_en" => v.title_en.clone(),
                "issued" => v.issued.clone(),
                _ => flag(v.sample).to_string(),
            };
            ws.write_string(r, 1, value)?;
        }
    }
    Ok(())
}

fn write_controls_sheet(
    ws: &mut Worksheet,
    items: &[Item],
    bold: &Format,
) -> Result<(), XlsxError> {
    ws.set_name(CONTROLS_SHEET)?;
    let text = Format::new().set_num_format("@").set_text_wrap();
    for (ci, col) in COLUMNS.iter().enumerate() {
        let ci = ci as u16;
        ws.write_string_with_format(0, ci, col.key, bold)?;
        ws.set_column_format(ci, &text)?;
        let width = match col.key {
            "id" => 10.0,
            "mandatory" | "cloud_specific" | "liu_critical" => 9.0,
            _ => 40.0,
        };
        ws.set_column_width(ci, width)?;
    }
    ws.set_freeze_panes(1, 1)?;
    for (r, item) in items.iter().enumerate() {
        for (ci, value) in row_values(item).into_iter().enumerate() {
            if !value.is_empty() {
                ws.write_string(r as u32 + 1, ci as u16, value)?;
            }
        }
    }
    Ok(())
}

fn write_readme_sheet(ws: &mut Worksheet, bold: &Format) -> Result<(), XlsxError> {
    ws.set_name("readme")?;
    for (ci, h) in ["column", "見出し", "説明", "description"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, ci as u16, *h, bold)?;
    }
    for (r, col) in COLUMNS.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, col.key)?;
        ws.write_string(r, 1, col.ja)?;
        ws.write_string(r, 2, col.description_ja)?;
        ws.write_string(r, 3, col.description_en)?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 18)?;
    ws.set_column_width(2, 70)?;
    ws.set_column_width(3, 70)?;
    Ok(())
}

fn workbook(catalog: Option<&Catalog>) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    write_catalog_sheet(wb.add_worksheet(), catalog.map(|c| &c.version), &bold)?;
    write_controls_sheet(
        wb.add_worksheet(),
        catalog.map(|c| c.items.as_slice()).unwrap_or(&[]),
        &bold,
    )?;
    write_readme_sheet(wb.add_worksheet(), &bold)?;
    Ok(wb.save_to_buffer()?)
}

/// Exports the catalog as an xlsx workbook (`catalog`, `controls`, `readme`).
pub fn export_xlsx(catalog: &Catalog) -> Result<Vec<u8>, ExportError> {
    workbook(Some(catalog))
}

/// An empty workbook in the import layout, with a `readme` sheet describing
/// every column (in Japanese and English).
pub fn xlsx_template() -> Result<Vec<u8>, ExportError> {
    workbook(None)
}

/// Header names as a CSV line (an empty CSV template).
pub fn csv_template() -> String {
    let keys: Vec<&str> = COLUMNS.iter().map(|c| c.key).collect();
    format!("\u{feff}{}\n", keys.join(","))
}

/// Describes a column for help screens.
pub fn column_help(lang: Lang) -> Vec<(&'static str, &'static str)> {
    COLUMNS
        .iter()
        .map(|c| {
            (
                c.key,
                if lang == Lang::Ja {
                    c.description_ja
                } else {
                    c.description_en
                },
            )
        })
        .collect()
}
