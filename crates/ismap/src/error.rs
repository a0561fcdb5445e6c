//! Problems found when importing or validating a catalog, with messages in
//! Japanese and English.

use std::fmt;

use crate::model::Lang;

/// A flag column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Mandatory,
    CloudSpecific,
    LiuCritical,
}

impl Flag {
    pub fn column(self) -> &'static str {
        match self {
            Flag::Mandatory => "mandatory",
            Flag::CloudSpecific => "cloud_specific",
            Flag::LiuCritical => "liu_critical",
        }
    }
    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Flag::Mandatory, Lang::Ja) => "必須",
            (Flag::CloudSpecific, Lang::Ja) => "クラウド固有",
            (Flag::LiuCritical, Lang::Ja) => "LIU重要",
            (Flag::Mandatory, Lang::En) => "mandatory",
            (Flag::CloudSpecific, Lang::En) => "cloud-specific",
            (Flag::LiuCritical, Lang::En) => "LIU-critical",
        }
    }
}

/// One thing wrong with a catalog or an import file.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The file could not be read at all (not CSV, not xlsx, …).
    Unreadable {
        message: String,
    },
    MissingSheet {
        sheet: String,
    },
    MissingColumn {
        column: String,
    },
    DuplicateColumn {
        column: String,
    },
    MissingValue {
        column: String,
    },
    /// Not an ISMAP id (see `parse_id`).
    InvalidId {
        value: String,
    },
    ChapterOutOfRange {
        value: String,
        chapter: u16,
    },
    DuplicateId {
        id: String,
        first_row: usize,
    },
    MissingParent {
        id: String,
        parent: String,
    },
    /// A parent of the wrong level (foreign catalogs: e.g. a chapter under a control).
    BadParent {
        id: String,
        parent: String,
    },
    UnknownFlagValue {
        column: String,
        value: String,
    },
    /// A flag set where the rules do not allow it.
    FlagNotAllowed {
        id: String,
        flag: Flag,
    },
    /// Objectives, and all governance and management criteria, are mandatory.
    MustBeMandatory {
        id: String,
    },
    WrongType {
        column: String,
        expected: &'static str,
        found: String,
    },
    InvalidJson {
        column: String,
        message: String,
    },
    InvalidDate {
        value: String,
    },
}

impl Problem {
    /// A stable key for this kind of problem (for translation tables and tests).
    pub fn key(&self) -> &'static str {
        match self {
            Problem::Unreadable { .. } => "unreadable",
            Problem::MissingSheet { .. } => "missing-sheet",
            Problem::MissingColumn { .. } => "missing-column",
            Problem::DuplicateColumn { .. } => "duplicate-column",
            Problem::MissingValue { .. } => "missing-value",
            Problem::InvalidId { .. } => "invalid-id",
            Problem::ChapterOutOfRange { .. } => "chapter-out-of-range",
            Problem::DuplicateId { .. } => "duplicate-id",
            Problem::MissingParent { .. } => "missing-parent",
            Problem::BadParent { .. } => "bad-parent",
            Problem::UnknownFlagValue { .. } => "unknown-flag-value",
            Problem::FlagNotAllowed { .. } => "flag-not-allowed",
            Problem::MustBeMandatory { .. } => "must-be-mandatory",
            Problem::WrongType { .. } => "wrong-type",
            Problem::InvalidJson { .. } => "invalid-json",
            Problem::InvalidDate { .. } => "invalid-date",
        }
    }

    /// The message in `lang`, saying what is wrong and how to fix it.
    pub fn message(&self, lang: Lang) -> String {
        use Problem::*;
        match (self, lang) {
            (Unreadable { message }, Lang::Ja) => format!("ファイルを読み込めません: {message}"),
            (Unreadable { message }, Lang::En) => format!("cannot read the file: {message}"),
            (MissingSheet { sheet }, Lang::Ja) => {
                format!("シート「{sheet}」がありません（テンプレートを使ってください）")
            }
            (MissingSheet { sheet }, Lang::En) => {
                format!("sheet \"{sheet}\" is missing (start from the template)")
            }
            (MissingColumn { column }, Lang::Ja) => {
                format!("必要な列「{column}」が見出し行にありません")
            }
            (MissingColumn { column }, Lang::En) => {
                format!("required column \"{column}\" is not in the header row")
            }
            (DuplicateColumn { column }, Lang::Ja) => {
                format!("列「{column}」が見出し行に2回以上あります")
            }
            (DuplicateColumn { column }, Lang::En) => {
                format!("column \"{column}\" appears more than once in the header row")
            }
            (MissingValue { column }, Lang::Ja) => {
                format!("「{column}」が空です。値を入力してください")
            }
            (MissingValue { column }, Lang::En) => format!("\"{column}\" is empty; enter a value"),
            (InvalidId { value }, Lang::Ja) => format!(
                "番号「{value}」は不正です（例: 8、8.1、8.1.2、8.1.2.1。各部は先頭が0でない1〜3桁の数字）"
            ),
            (InvalidId { value }, Lang::En) => format!(
                "id \"{value}\" is invalid (e.g. 8, 8.1, 8.1.2, 8.1.2.1; each part 1-3 digits without a leading zero)"
            ),
            (ChapterOutOfRange { value, chapter }, Lang::Ja) => {
                format!("番号「{value}」の章 {chapter} は範囲外です（3〜18）")
            }
            (ChapterOutOfRange { value, chapter }, Lang::En) => {
                format!("id \"{value}\": chapter {chapter} is out of range (3-18)")
            }
            (DuplicateId { id, first_row }, Lang::Ja) => {
                format!("番号「{id}」が重複しています（最初は {first_row} 行目）")
            }
            (DuplicateId { id, first_row }, Lang::En) => {
                format!("duplicate id \"{id}\" (first seen on row {first_row})")
            }
            (MissingParent { id, parent }, Lang::Ja) => {
                format!("「{id}」の親「{parent}」がありません。親の行を追加してください")
            }
            (MissingParent { id, parent }, Lang::En) => {
                format!("\"{id}\" has no parent \"{parent}\"; add the parent row")
            }
            (BadParent { id, parent }, Lang::Ja) => {
                format!("「{id}」の親「{parent}」の階層が不正です")
            }
            (BadParent { id, parent }, Lang::En) => {
                format!("\"{id}\" cannot sit under \"{parent}\" (wrong level)")
            }
            (UnknownFlagValue { column, value }, Lang::Ja) => format!(
                "「{column}」の値「{value}」は不明です（○、×、yes、no、true、false、1、0 または空欄）"
            ),
            (UnknownFlagValue { column, value }, Lang::En) => format!(
                "unknown value \"{value}\" in \"{column}\" (use yes/no, true/false, 1/0, ○/× or leave empty)"
            ),
            (FlagNotAllowed { id, flag }, Lang::Ja) => format!(
                "「{id}」には{}の印を付けられません（{}）",
                flag.name(Lang::Ja),
                flag_rule(*flag, Lang::Ja)
            ),
            (FlagNotAllowed { id, flag }, Lang::En) => format!(
                "\"{id}\" cannot be marked {} ({})",
                flag.name(Lang::En),
                flag_rule(*flag, Lang::En)
            ),
            (MustBeMandatory { id }, Lang::Ja) => format!(
                "「{id}」は必須です（3桁の統制目標と、ガバナンス基準・マネジメント基準はすべて必須）"
            ),
            (MustBeMandatory { id }, Lang::En) => format!(
                "\"{id}\" must be mandatory (3-digit objectives and all governance and management criteria are)"
            ),
            (
                WrongType {
                    column,
                    expected,
                    found,
                },
                Lang::Ja,
            ) => format!(
                "「{column}」の型が不正です: {expected} が必要ですが {found} です（セルの書式を文字列にしてください）"
            ),
            (
                WrongType {
                    column,
                    expected,
                    found,
                },
                Lang::En,
            ) => format!(
                "wrong type in \"{column}\": expected {expected}, found {found} (format the cell as text)"
            ),
            (InvalidJson { column, message }, Lang::Ja) => {
                format!("「{column}」のJSONが不正です: {message}")
            }
            (InvalidJson { column, message }, Lang::En) => {
                format!("invalid JSON in \"{column}\": {message}")
            }
            (InvalidDate { value }, Lang::Ja) => {
                format!("日付「{value}」は不正です（YYYY-MM-DD 形式）")
            }
            (InvalidDate { value }, Lang::En) => {
                format!("invalid date \"{value}\" (use YYYY-MM-DD)")
            }
        }
    }
}

fn flag_rule(flag: Flag, lang: Lang) -> &'static str {
    match (flag, lang) {
        (Flag::Mandatory, Lang::Ja) => "章・節の見出しには付けません",
        (Flag::Mandatory, Lang::En) => "chapter and section headings carry no flags",
        (Flag::CloudSpecific, Lang::Ja) => "管理策基準（5〜18章）の統制目標・詳細管理策のみ",
        (Flag::CloudSpecific, Lang::En) => "only objectives and detailed controls of chapters 5-18",
        (Flag::LiuCritical, Lang::Ja) => "管理策基準（5〜18章）の4桁の詳細管理策のみ",
        (Flag::LiuCritical, Lang::En) => "only 4-digit detailed controls of chapters 5-18",
    }
}

/// Where a problem is: sheet (or CSV file / `catalog`), 1-based row, column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub sheet: String,
    /// 1-based row as a spreadsheet shows it (the header is row 1); 0 = the whole sheet.
    pub row: usize,
    /// Column header name, if the problem is in one cell.
    pub column: Option<String>,
    /// Spreadsheet column letter (A, B, …), if known.
    pub letter: Option<String>,
}

/// A problem and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub location: Location,
    pub problem: Problem,
}

impl Issue {
    pub fn message(&self, lang: Lang) -> String {
        let l = &self.location;
        let mut at = l.sheet.clone();
        if l.row > 0 {
            at.push_str(&match lang {
                Lang::Ja => format!(" {}行目", l.row),
                Lang::En => format!(" row {}", l.row),
            });
        }
        if let Some(c) = &l.column {
            let letter = l
                .letter
                .as_deref()
                .map(|x| format!("{x}:"))
                .unwrap_or_default();
            at.push_str(&match lang {
                Lang::Ja => format!(" {letter}{c}列"),
                Lang::En => format!(" column {letter}{c}"),
            });
        }
        format!("{at}: {}", self.problem.message(lang))
    }
}

/// A rejected import or an invalid catalog: every problem found, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    pub issues: Vec<Issue>,
}

impl ImportError {
    /// All messages, one per line, in `lang`.
    pub fn report(&self, lang: Lang) -> String {
        self.issues
            .iter()
            .map(|i| i.message(lang))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} problem(s):", self.issues.len())?;
        f.write_str(&self.report(Lang::En))
    }
}

impl std::error::Error for ImportError {}
