//! The catalog model: a version and an ordered list of items (chapters,
//! sections, 3-digit objectives, 4-digit detailed controls).

use serde::{Deserialize, Serialize};

/// Language of user-facing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    Ja,
    En,
}

/// Which version of the criteria this is. Every statement and audit names one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CatalogVersion {
    /// Short identifier, e.g. `2023-ver1` or `SAMPLE-1`.
    pub id: String,
    pub title_ja: String,
    pub title_en: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issued: String,
    /// True for the SAMPLE catalog and anything else that is not the official text.
    pub sample: bool,
}

/// How item ids are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Scheme {
    /// ISMAP numbering (`8`, `8.1`, `8.1.2`, `8.1.2.1`), checked strictly.
    #[default]
    Ismap,
    /// Ids of a foreign OSCAL catalog (e.g. NIST `ac-2.1`): kept as they are,
    /// only uniqueness and parent links are checked.
    Foreign,
}

/// The three parts of the ISMAP criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Part {
    /// ガバナンス基準, chapter 3.
    Governance,
    /// マネジメント基準, chapter 4.
    Management,
    /// 管理策基準, chapters 5–18.
    Controls,
}

impl Part {
    /// The part a chapter belongs to (`None` outside 3–18).
    pub fn of_chapter(chapter: u16) -> Option<Part> {
        match chapter {
            3 => Some(Part::Governance),
            4 => Some(Part::Management),
            5..=18 => Some(Part::Controls),
            _ => None,
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Part::Governance, Lang::Ja) => "ガバナンス基準",
            (Part::Governance, Lang::En) => "Governance criteria",
            (Part::Management, Lang::Ja) => "マネジメント基準",
            (Part::Management, Lang::En) => "Management criteria",
            (Part::Controls, Lang::Ja) => "管理策基準",
            (Part::Controls, Lang::En) => "Control criteria",
        }
    }
}

/// The level of an item, from the number of components of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// `8` — a chapter heading.
    Chapter,
    /// `8.1` — a section heading (JIS Q 27002 clause).
    Section,
    /// `8.1.2` — 統制目標 (control objective); always mandatory.
    Objective,
    /// `8.1.2.1` — 詳細管理策 (detailed control); mandatory only where flagged.
    Control,
}

impl Kind {
    pub fn from_depth(depth: usize) -> Option<Kind> {
        match depth {
            1 => Some(Kind::Chapter),
            2 => Some(Kind::Section),
            3 => Some(Kind::Objective),
            4 => Some(Kind::Control),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Kind::Chapter => "chapter",
            Kind::Section => "section",
            Kind::Objective => "objective",
            Kind::Control => "control",
        }
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        [Kind::Chapter, Kind::Section, Kind::Objective, Kind::Control]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// Why a string is not an ISMAP id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Not 1–4 dot-separated numbers of 1–3 digits without leading zeros.
    Format,
    /// The chapter is outside 3–18.
    ChapterOutOfRange(u16),
}

/// Parses an ISMAP id into its numbers: `8.1.2.1` → `[8, 1, 2, 1]`.
///
/// Rules: 1 to 4 components separated by `.`; each component is 1–3 ASCII
/// digits, no leading zero, not zero; the first (the chapter) is 3–18.
/// The same shape is used in all three parts (governance 3.x.y[.z],
/// management 4.x.y[.z], controls 5–18).
pub fn parse_id(id: &str) -> Result<Vec<u16>, IdError> {
    let mut out = Vec::with_capacity(4);
    for comp in id.split('.') {
        if comp.is_empty()
            || comp.len() > 3
            || !comp.bytes().all(|b| b.is_ascii_digit())
            || comp.starts_with('0')
        {
            return Err(IdError::Format);
        }
        out.push(comp.parse::<u16>().map_err(|_| IdError::Format)?);
    }
    if out.is_empty() || out.len() > 4 {
        return Err(IdError::Format);
    }
    if Part::of_chapter(out[0]).is_none() {
        return Err(IdError::ChapterOutOfRange(out[0]));
    }
    Ok(out)
}

/// The parent id of an ISMAP id (`8.1.2.1` → `8.1.2`; a chapter has none).
pub fn parent_id(id: &str) -> Option<&str> {
    id.rsplit_once('.').map(|(p, _)| p)
}

/// One row of the criteria.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub kind: Option<Kind>,
    /// Parent item id (`None` for chapters and top-level foreign items).
    pub parent: Option<String>,
    pub title_ja: String,
    pub title_en: String,
    pub text_ja: String,
    pub text_en: String,
    pub guidance_ja: String,
    pub guidance_en: String,
    /// Free-text references, e.g. `JIS Q 27002:2014 8.1.2`.
    pub references: Vec<String>,
    /// 必須: must be adopted.
    pub mandatory: bool,
    /// クラウド固有 (JIS Q 27017 addition).
    pub cloud_specific: bool,
    /// In the critical set audited for ISMAP-LIU.
    pub liu_critical: bool,
    /// The raw OSCAL control or group this item came from (without its
    /// child controls/groups), exported verbatim so OSCAL round trips are
    /// lossless. `None` for items authored in Kasumi's own layout.
    pub oscal: Option<serde_json::Value>,
}

impl Item {
    /// An item with ISMAP numbering: kind and parent follow from the id
    /// (left `None` if the id is invalid; validation reports it).
    /// Objectives are mandatory by default, and so is everything in
    /// governance and management.
    pub fn ismap(id: &str) -> Item {
        let comps = parse_id(id).ok();
        let kind = comps.as_ref().and_then(|c| Kind::from_depth(c.len()));
        let part = comps.as_ref().and_then(|c| Part::of_chapter(c[0]));
        let mandatory = matches!(kind, Some(Kind::Objective))
            || (matches!(kind, Some(Kind::Control))
                && matches!(part, Some(Part::Governance | Part::Management)));
        Item {
            id: id.to_string(),
            kind,
            parent: parent_id(id).map(str::to_string),
            mandatory,
            ..Default::default()
        }
    }

    /// The ISMAP part, from the chapter number (`None` for foreign ids).
    pub fn part(&self) -> Option<Part> {
        let chapter = self.id.split('.').next()?.parse().ok()?;
        Part::of_chapter(chapter)
    }

    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.title_ja,
            Lang::En => &self.title_en,
        }
    }

    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.text_ja,
            Lang::En => &self.text_en,
        }
    }
}

/// A version of the criteria with its items in document order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub version: CatalogVersion,
    pub scheme: Scheme,
    pub items: Vec<Item>,
    /// For catalogs imported from foreign OSCAL: the raw catalog object
    /// without `groups` and `controls` (uuid, metadata, back-matter, …).
    pub oscal: Option<serde_json::Value>,
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Direct children of `id`, in order.
    pub fn children<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items
            .iter()
            .filter(move |i| i.parent.as_deref() == Some(id))
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.items.iter().filter(|i| i.kind == Some(kind)).count()
    }

    /// Sorts ISMAP items by their numbers (8.1.2 < 8.1.2.1 < 8.1.10).
    pub fn sort_ismap(&mut self) {
        self.items
            .sort_by_key(|i| parse_id(&i.id).unwrap_or_default());
    }
}
