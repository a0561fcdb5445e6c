//! # kasumi-ismap
//!
//! The ISMAP control criteria (管理基準) as data. Start with [`model`]
//! ([`Catalog`], [`Item`], [`parse_id`]), then:
//! - [`validate`]: the rules (ids, parents, flags) — [`Catalog::validate`];
//! - [`table`]: CSV/xlsx import (all problems listed, in Japanese and English) and export;
//! - [`oscal`]: conversion to and from OSCAL catalogs (lossless for foreign catalogs);
//! - [`diff`](mod@diff): what changed between two versions;
//! - [`search`]: bigram/word full-text search with highlights;
//! - [`sample`]: the SAMPLE catalog (not the official criteria).
//!
//! Pure: no I/O besides bytes in and out, no async, no SQL.

pub mod diff;
pub mod error;
pub mod model;
pub mod oscal;
pub mod sample;
pub mod search;
pub mod table;
pub mod validate;

pub use diff::{CatalogDiff, FieldChange, ItemChange, diff};
pub use error::{Flag, ImportError, Issue, Location, Problem};
pub use model::*;
pub use oscal::{KASUMI_NS, OscalError, from_oscal, to_oscal};
pub use sample::sample_catalog;
pub use search::{Field, Highlight, SearchHit, SearchIndex, highlight};
pub use table::{
    COLUMNS, Column, ExportError, csv_template, export_csv, export_xlsx, import_csv, import_xlsx,
    xlsx_template,
};
