//! The control criteria (管理基準) as the application uses them: reading an
//! uploaded file in any supported format, storing a version, and a cache of
//! loaded versions with their search index. Shared by the web pages and the CLI.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kasumi_ismap::{Catalog, CatalogVersion, ImportError, OscalError, SearchIndex};
use kasumi_store::{Actor, CatalogRecord, CatalogSummary, DynStore, StoreError};

/// The file formats a catalog is read from and written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
    Oscal,
}

impl Format {
    /// By file name: `.xlsx`, `.csv`, `.json`.
    pub fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".xlsx") {
            Some(Format::Xlsx)
        } else if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".json") {
            Some(Format::Oscal)
        } else {
            None
        }
    }

    pub fn from_code(code: &str) -> Option<Format> {
        match code {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "json" | "oscal" => Some(Format::Oscal),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Oscal => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Oscal => "application/json",
        }
    }
}

/// Why a file is not a catalog. Every problem is kept so people can fix them all at once.
#[derive(Debug)]
pub enum LoadError {
    UnknownFormat(String),
    /// CSV carries no version: its id, titles and date must be given with it.
    CsvNeedsVersion,
    NotUtf8,
    Table(ImportError),
    Oscal(OscalError),
}

impl LoadError {
    /// One line per problem, in `lang`.
    pub fn lines(&self, lang: kasumi_core::Lang) -> Vec<String> {
        let ja = lang == kasumi_core::Lang::Ja;
        match self {
            LoadError::UnknownFormat(name) if ja => {
                vec![format!(
                    "ファイル「{name}」の形式が分かりません。.xlsx、.csv、.json（OSCAL）のいずれかにしてください。"
                )]
            }
            LoadError::UnknownFormat(name) => {
                vec![format!(
                    "The file \"{name}\" is not a known format: use .xlsx, .csv or .json (OSCAL)."
                )]
            }
            LoadError::CsvNeedsVersion if ja => {
                vec![
                    "CSV には版の情報がありません。版 ID、名称、発行日を指定してください。"
                        .to_string(),
                ]
            }
            LoadError::CsvNeedsVersion => {
                vec![
                    "A CSV file has no version: give the version id, title and issue date with it."
                        .to_string(),
                ]
            }
            LoadError::NotUtf8 if ja => {
                vec!["ファイルが UTF-8 ではありません。UTF-8 で保存し直してください。".to_string()]
            }
            LoadError::NotUtf8 => {
                vec!["The file is not UTF-8: save it as UTF-8 and try again.".to_string()]
            }
            LoadError::Table(e) => e
                .issues
                .iter()
                .map(|i| i.message(ismap_lang(lang)))
                .collect(),
            LoadError::Oscal(OscalError::Invalid(e)) => e
                .issues
                .iter()
                .map(|i| i.message(ismap_lang(lang)))
                .collect(),
            LoadError::Oscal(OscalError::Parse(p)) if ja => {
                vec![format!(
                    "OSCAL JSON の {} が正しくありません: {}",
                    p.path, p.message
                )]
            }
            LoadError::Oscal(OscalError::Parse(p)) => vec![format!(
                "OSCAL JSON is not valid at {}: {}",
                p.path, p.message
            )],
            LoadError::Oscal(OscalError::Shape(m)) if ja => {
                vec![format!("OSCAL カタログではありません: {m}")]
            }
            LoadError::Oscal(OscalError::Shape(m)) => vec![format!("Not an OSCAL catalog: {m}")],
        }
    }
}

pub fn ismap_lang(lang: kasumi_core::Lang) -> kasumi_ismap::Lang {
    match lang {
        kasumi_core::Lang::Ja => kasumi_ismap::Lang::Ja,
        kasumi_core::Lang::En => kasumi_ismap::Lang::En,
    }
}

/// Reads a catalog file; the whole file is rejected when anything in it is wrong.
pub fn parse_file(
    name: &str,
    bytes: &[u8],
    csv_version: Option<CatalogVersion>,
) -> Result<Catalog, LoadError> {
    match Format::from_name(name) {
        Some(Format::Xlsx) => kasumi_ismap::import_xlsx(bytes).map_err(LoadError::Table),
        Some(Format::Csv) => {
            let version = csv_version.ok_or(LoadError::CsvNeedsVersion)?;
            let text = std::str::from_utf8(bytes).map_err(|_| LoadError::NotUtf8)?;
            kasumi_ismap::import_csv(text, name, version).map_err(LoadError::Table)
        }
        Some(Format::Oscal) => {
            let text = std::str::from_utf8(bytes).map_err(|_| LoadError::NotUtf8)?;
            kasumi_ismap::oscal::from_oscal_json(text).map_err(LoadError::Oscal)
        }
        None => Err(LoadError::UnknownFormat(name.to_string())),
    }
}

/// Writes a catalog in `format`.
pub fn export(catalog: &Catalog, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Xlsx => kasumi_ismap::export_xlsx(catalog)?,
        Format::Csv => kasumi_ismap::export_csv(catalog)?.into_bytes(),
        Format::Oscal => {
            let mut v = serde_json::to_vec_pretty(&kasumi_ismap::oscal::to_oscal_value(catalog))?;
            v.push(b'\n');
            v
        }
    })
}

pub fn record(catalog: &Catalog) -> Result<CatalogRecord, serde_json::Error> {
    let v = &catalog.version;
    Ok(CatalogRecord {
        id: v.id.clone(),
        title_ja: v.title_ja.clone(),
        title_en: v.title_en.clone(),
        issued: v.issued.clone(),
        sample: v.sample,
        item_count: catalog.items.len() as i64,
        doc: serde_json::to_string(catalog)?,
    })
}

/// Stores a new version (one transaction, audited).
pub async fn save_new(
    store: &DynStore,
    actor: &Actor,
    at: i64,
    catalog: &Catalog,
    source: &str,
) -> Result<(), StoreError> {
    let record = record(catalog).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let payload = serde_json::json!({
        "source": source,
        "items": catalog.items.len(),
        "sample": catalog.version.sample,
        "digest": kasumi_store::audit::digest(&record.doc),
    });
    store.insert_catalog(actor, at, &record, payload).await
}

/// A loaded version: the catalog and its search index.
pub struct Loaded {
    pub summary: CatalogSummary,
    pub catalog: Catalog,
    pub index: SearchIndex,
}

/// Loaded versions by id, refreshed when the stored revision moves on
/// (an edit here, or an import from the console while the server runs).
#[derive(Default)]
pub struct CatalogCache {
    entries: Mutex<HashMap<String, Arc<Loaded>>>,
}

impl CatalogCache {
    pub async fn get(&self, store: &DynStore, id: &str) -> anyhow::Result<Option<Arc<Loaded>>> {
        let Some(revision) = store.catalog_revision(id).await? else {
            return Ok(None);
        };
        if let Some(hit) = self
            .lock()
            .get(id)
            .filter(|l| l.summary.revision == revision)
        {
            return Ok(Some(Arc::clone(hit)));
        }
        let Some((summary, doc)) = store.catalog(id).await? else {
            return Ok(None);
        };
        // Parsing and indexing a large catalog takes a while: keep it off the async workers.
        let loaded = tokio::task::spawn_blocking(move || -> anyhow::Result<Loaded> {
            let catalog: Catalog = serde_json::from_str(&doc)?;
            let index = SearchIndex::build(&catalog);
            Ok(Loaded {
                summary,
                catalog,
                index,
            })
        })
        .await??;
        let loaded = Arc::new(loaded);
        self.lock().insert(id.to_string(), Arc::clone(&loaded));
        Ok(Some(loaded))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Loaded>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_file_name() {
        assert_eq!(Format::from_name("管理基準.XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::from_name("c.csv"), Some(Format::Csv));
        assert_eq!(Format::from_name("nist.json"), Some(Format::Oscal));
        assert_eq!(Format::from_name("c.pdf"), None);
    }

    #[test]
    fn a_csv_without_a_version_is_refused_plainly() {
        let e = parse_file("c.csv", b"id\n", None).unwrap_err();
        assert!(e.lines(kasumi_core::Lang::Ja)[0].contains("版 ID"));
        let e = parse_file("c.pdf", b"", None).unwrap_err();
        assert!(e.lines(kasumi_core::Lang::En)[0].contains("not a known format"));
    }

    #[test]
    fn the_sample_round_trips_through_every_format() {
        let sample = kasumi_ismap::sample_catalog();
        for format in [Format::Xlsx, Format::Oscal] {
            let bytes = export(&sample, format).unwrap();
            let back = parse_file(&format!("x.{}", format.extension()), &bytes, None).unwrap();
            assert_eq!(back.items.len(), sample.items.len(), "{format:?}");
            assert_eq!(
                back.get("8.1.2").unwrap().text_ja,
                sample.get("8.1.2").unwrap().text_ja
            );
        }
        let csv = export(&sample, Format::Csv).unwrap();
        let back = parse_file("x.csv", &csv, Some(sample.version.clone())).unwrap();
        assert_eq!(back.items, sample.items);
    }
}
