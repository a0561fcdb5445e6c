//! What changed between two versions of the criteria.

use serde::Serialize;

use crate::model::{Catalog, Item};

/// One changed field of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field name as in the spreadsheet layout (`text_ja`, `mandatory`, …).
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

/// An item present in both versions whose content differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    pub id: String,
    pub changes: Vec<FieldChange>,
}

impl ItemChange {
    /// True if any text (titles, texts, guidance, references) changed.
    pub fn text_changed(&self) -> bool {
        self.changes.iter().any(|c| !is_flag(c.field))
    }

    /// True if a flag (mandatory, cloud-specific, LIU-critical) changed.
    pub fn flags_changed(&self) -> bool {
        self.changes.iter().any(|c| is_flag(c.field))
    }
}

fn is_flag(field: &str) -> bool {
    matches!(field, "mandatory" | "cloud_specific" | "liu_critical")
}

/// Differences from `old` to `new`, by item id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CatalogDiff {
    /// Ids only in the new version, in its order.
    pub added: Vec<String>,
    /// Ids only in the old version, in its order.
    pub removed: Vec<String>,
    /// Items in both whose fields differ, in the new version's order.
    pub changed: Vec<ItemChange>,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    pub fn change(&self, id: &str) -> Option<&ItemChange> {
        self.changed.iter().find(|c| c.id == id)
    }
}

fn fields(i: &Item) -> Vec<(&'static str, String)> {
    let b = |x: bool| x.to_string();
    vec![
        ("kind", i.kind.map(|k| k.key()).unwrap_or("").to_string()),
        ("parent", i.parent.clone().unwrap_or_default()),
        ("title_ja", i.title_ja.clone()),
        ("title_en", i.title_en.clone()),
        ("text_ja", i.text_ja.clone()),
        ("text_en", i.text_en.clone()),
        ("guidance_ja", i.guidance_ja.clone()),
        ("guidance_en", i.guidance_en.clone()),
        ("references", i.references.join("\n")),
        ("mandatory", b(i.mandatory)),
        ("cloud_specific", b(i.cloud_specific)),
        ("liu_critical", b(i.liu_critical)),
        (
            "oscal",
            i.oscal.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        ),
    ]
}

/// Compares two catalog versions item by item.
pub fn diff(old: &Catalog, new: &Catalog) -> CatalogDiff {
    let old_index: std::collections::HashMap<&str, &Item> =
        old.items.iter().map(|i| (i.id.as_str(), i)).collect();
    let new_ids: std::collections::HashSet<&str> =
        new.items.iter().map(|i| i.id.as_str()).collect();
    let mut d = CatalogDiff::default();
    for item in &new.items {
        match old_index.get(item.id.as_str()) {
            None => d.added.push(item.id.clone()),
            Some(before) => {
                let changes: Vec<FieldChange> = fields(before)
                    .into_iter()
                    .zip(fields(item))
                    .filter(|((_, a), (_, b))| a != b)
                    .map(|((field, old), (_, new))| FieldChange { field, old, new })
                    .collect();
                if !changes.is_empty() {
                    d.changed.push(ItemChange {
                        id: item.id.clone(),
                        changes,
                    });
                }
            }
        }
    }
    d.removed = old
        .items
        .iter()
        .filter(|i| !new_ids.contains(i.id.as_str()))
        .map(|i| i.id.clone())
        .collect();
    d
}
