//! Catalog rules: id format, parents, duplicates and flags.

use std::collections::HashMap;

use crate::error::{Flag, ImportError, Issue, Location, Problem};
use crate::model::{Catalog, IdError, Item, Kind, Part, Scheme, parent_id, parse_id};

/// A problem on item `index`, optionally in one column.
pub(crate) type RawIssue = (usize, Option<&'static str>, Problem);

/// Checks every rule; `rows[i]` is the row number reported for item `i`.
pub(crate) fn check_items(items: &[Item], scheme: Scheme, rows: &[usize]) -> Vec<RawIssue> {
    let mut out = Vec::new();
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(&j) = first.get(item.id.as_str()) {
            out.push((
                i,
                Some("id"),
                Problem::DuplicateId {
                    id: item.id.clone(),
                    first_row: rows[j],
                },
            ));
        } else {
            first.insert(&item.id, i);
        }
    }
    let kind_of: HashMap<&str, Option<Kind>> =
        items.iter().map(|i| (i.id.as_str(), i.kind)).collect();

    for (i, item) in items.iter().enumerate() {
        if scheme == Scheme::Ismap {
            match parse_id(&item.id) {
                Err(IdError::Format) => {
                    out.push((
                        i,
                        Some("id"),
                        Problem::InvalidId {
                            value: item.id.clone(),
                        },
                    ));
                    continue;
                }
                Err(IdError::ChapterOutOfRange(chapter)) => {
                    out.push((
                        i,
                        Some("id"),
                        Problem::ChapterOutOfRange {
                            value: item.id.clone(),
                            chapter,
                        },
                    ));
                    continue;
                }
                Ok(comps) => {
                    let expected_parent = parent_id(&item.id);
                    if item.kind != Kind::from_depth(comps.len())
                        || item.parent.as_deref() != expected_parent
                    {
                        out.push((
                            i,
                            Some("id"),
                            Problem::BadParent {
                                id: item.id.clone(),
                                parent: item.parent.clone().unwrap_or_default(),
                            },
                        ));
                    }
                }
            }
        }
        if let Some(parent) = &item.parent {
            match kind_of.get(parent.as_str()) {
                None => out.push((
                    i,
                    Some("id"),
                    Problem::MissingParent {
                        id: item.id.clone(),
                        parent: parent.clone(),
                    },
                )),
                Some(pk) => {
                    let heading =
                        |k: Option<Kind>| matches!(k, Some(Kind::Chapter | Kind::Section));
                    if heading(item.kind) && !heading(*pk) {
                        out.push((
                            i,
                            Some("id"),
                            Problem::BadParent {
                                id: item.id.clone(),
                                parent: parent.clone(),
                            },
                        ));
                    }
                }
            }
        }
        if scheme == Scheme::Ismap {
            check_flags_and_values(i, item, &mut out);
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    out
}

fn check_flags_and_values(i: usize, item: &Item, out: &mut Vec<RawIssue>) {
    let part = item.part();
    let not_allowed = |flag: Flag| {
        (
            i,
            Some(flag.column()),
            Problem::FlagNotAllowed {
                id: item.id.clone(),
                flag,
            },
        )
    };
    match item.kind {
        Some(Kind::Chapter | Kind::Section) => {
            if item.title_ja.trim().is_empty() {
                out.push((
                    i,
                    Some("title_ja"),
                    Problem::MissingValue {
                        column: "title_ja".into(),
                    },
                ));
            }
            for (set, flag) in [
                (item.mandatory, Flag::Mandatory),
                (item.cloud_specific, Flag::CloudSpecific),
                (item.liu_critical, Flag::LiuCritical),
            ] {
                if set {
                    out.push(not_allowed(flag));
                }
            }
        }
        Some(kind @ (Kind::Objective | Kind::Control)) => {
            if item.text_ja.trim().is_empty() {
                out.push((
                    i,
                    Some("text_ja"),
                    Problem::MissingValue {
                        column: "text_ja".into(),
                    },
                ));
            }
            let must = kind == Kind::Objective
                || matches!(part, Some(Part::Governance | Part::Management));
            if must && !item.mandatory {
                out.push((
                    i,
                    Some("mandatory"),
                    Problem::MustBeMandatory {
                        id: item.id.clone(),
                    },
                ));
            }
            if item.cloud_specific && part != Some(Part::Controls) {
                out.push(not_allowed(Flag::CloudSpecific));
            }
            if item.liu_critical && (part != Some(Part::Controls) || kind != Kind::Control) {
                out.push(not_allowed(Flag::LiuCritical));
            }
        }
        None => {}
    }
}

impl Catalog {
    /// Checks the whole catalog; every problem is listed (sheet `catalog`,
    /// row = item position + 1).
    pub fn validate(&self) -> Result<(), ImportError> {
        let rows: Vec<usize> = (1..=self.items.len()).collect();
        let issues: Vec<Issue> = check_items(&self.items, self.scheme, &rows)
            .into_iter()
            .map(|(i, column, problem)| Issue {
                location: Location {
                    sheet: "catalog".into(),
                    row: i + 1,
                    column: column.map(str::to_string),
                    letter: None,
                },
                problem,
            })
            .collect();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(ImportError { issues })
        }
    }
}
