//! Rejected files list every problem with sheet, row and column.

use kasumi_ismap::*;
use rust_xlsxwriter::Workbook;

fn version() -> CatalogVersion {
    CatalogVersion {
        id: "T-1".into(),
        title_ja: "テスト".into(),
        title_en: "Test".into(),
        issued: "2026-04-01".into(),
        sample: true,
    }
}

fn find<'a>(err: &'a ImportError, row: usize, key: &str) -> &'a Issue {
    err.issues
        .iter()
        .find(|i| i.location.row == row && i.problem.key() == key)
        .unwrap_or_else(|| panic!("no {key} on row {row} in:\n{}", err.report(Lang::En)))
}

const BAD_CSV: &str =
    "\u{feff}id,title_ja,title_en,text_ja,mandatory,cloud_specific,liu_critical,oscal
8,資産の管理,Asset management,,,,,
8.1,資産に対する責任,,,,,,
8.1.2,資産の管理責任,,目録の中で維持される資産は、管理する。,,,,
8.1.2.1,,,本文,maybe,,,
8.1.2,,,重複,,,,
9.9.9.1,,,親がない,,,,
8.1.3,,,必須でない統制目標,no,,,
08.1,,,,,,,
3,ガバナンス,,,,,,
3.1,評価,,,,,,
3.1.1,,,目的,,,,
3.1.1.1,,,クラウド印,,yes,yes,
8.1.2.2,,,,,,,
8.1.2.3,,,JSON,,,,{not json
20.1,,,,,,,
";

#[test]
fn csv_rejected_with_every_problem() {
    let err = import_csv(BAD_CSV, "bad.csv", version()).unwrap_err();
    let e = err.report(Lang::En);
    assert_eq!(
        find(&err, 5, "unknown-flag-value")
            .location
            .column
            .as_deref(),
        Some("mandatory")
    );
    assert_eq!(
        find(&err, 5, "unknown-flag-value")
            .location
            .letter
            .as_deref(),
        Some("E")
    );
    assert_eq!(
        find(&err, 6, "duplicate-id").problem,
        Problem::DuplicateId {
            id: "8.1.2".into(),
            first_row: 4
        }
    );
    assert_eq!(
        find(&err, 7, "missing-parent").problem,
        Problem::MissingParent {
            id: "9.9.9.1".into(),
            parent: "9.9.9".into()
        }
    );
    assert_eq!(
        find(&err, 8, "must-be-mandatory")
            .location
            .column
            .as_deref(),
        Some("mandatory")
    );
    assert_eq!(
        find(&err, 9, "invalid-id").location.column.as_deref(),
        Some("id")
    );
    let cloud = err
        .issues
        .iter()
        .filter(|i| i.location.row == 13 && i.problem.key() == "flag-not-allowed")
        .count();
    assert_eq!(
        cloud, 2,
        "cloud-specific and LIU flags not allowed in governance:\n{e}"
    );
    assert_eq!(
        find(&err, 14, "missing-value").location.column.as_deref(),
        Some("text_ja")
    );
    assert_eq!(
        find(&err, 15, "invalid-json").location.column.as_deref(),
        Some("oscal")
    );
    assert_eq!(
        find(&err, 16, "chapter-out-of-range").problem,
        Problem::ChapterOutOfRange {
            value: "20.1".into(),
            chapter: 20
        }
    );
    // Japanese messages too
    let ja = err.report(Lang::Ja);
    assert!(
        ja.contains("bad.csv 6行目 A:id列: 番号「8.1.2」が重複しています（最初は 4 行目）"),
        "{ja}"
    );
    assert!(
        e.contains("bad.csv row 6 column A:id: duplicate id \"8.1.2\" (first seen on row 4)"),
        "{e}"
    );
    assert!(ja.contains("「maybe」は不明です"));
    // rows 2-4 and 10-12 are fine
    for ok in [2, 3, 4, 10, 11, 12] {
        assert!(
            err.issues.iter().all(|i| i.location.row != ok),
            "row {ok}: {e}"
        );
    }
}

#[test]
fn csv_missing_columns_are_listed() {
    let err = import_csv("id,title_en\n8,Asset\n", "x.csv", version()).unwrap_err();
    let missing: Vec<_> = err
        .issues
        .iter()
        .filter_map(|i| match &i.problem {
            Problem::MissingColumn { column } => Some(column.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(missing, ["title_ja", "text_ja", "mandatory"]);
    // Japanese headers are accepted
    let ok = import_csv("番号,名称,本文,必須\n8,資産の管理,,\n", "x.csv", version()).unwrap();
    assert_eq!(ok.items[0].title_ja, "資産の管理");
}

fn bad_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("catalog").unwrap();
    ws.write_string(0, 0, "key").unwrap();
    ws.write_string(1, 0, "id").unwrap();
    ws.write_string(1, 1, "V-1").unwrap();
    ws.write_string(2, 0, "title_ja").unwrap();
    ws.write_string(2, 1, "版").unwrap();
    ws.write_string(3, 0, "issued").unwrap();
    ws.write_string(3, 1, "2026/13/01").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("controls").unwrap();
    for (c, h) in ["id", "title_ja", "text_ja", "mandatory", "liu_critical"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 8).unwrap(); // a whole number is fine: chapter 8
    ws.write_string(1, 1, "資産の管理").unwrap();
    ws.write_number(2, 0, 8.1).unwrap(); // 8.1 typed as a number: wrong type
    ws.write_string(2, 1, "責任").unwrap();
    ws.write_string(3, 0, "8.1.2").unwrap();
    ws.write_string(3, 2, "本文").unwrap();
    ws.write_string(3, 3, "たぶん").unwrap(); // unknown flag value
    ws.write_string(4, 0, "8.1.2").unwrap(); // duplicate
    ws.write_string(4, 2, "本文").unwrap();
    ws.write_string(5, 0, "8.1.9.1").unwrap(); // missing parent
    ws.write_string(5, 2, "本文").unwrap();
    ws.write_boolean(5, 4, true).unwrap(); // boolean flag is fine
    ws.write_string(6, 0, "8.1.2.1").unwrap();
    ws.write_boolean(6, 2, true).unwrap(); // boolean in a text column: wrong type
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_rejected_with_every_problem() {
    let err = import_xlsx(&bad_workbook()).unwrap_err();
    let e = err.report(Lang::En);
    let at = |sheet: &str, row: usize, key: &str| {
        err.issues
            .iter()
            .find(|i| i.location.sheet == sheet && i.location.row == row && i.problem.key() == key)
            .unwrap_or_else(|| panic!("no {key} at {sheet}:{row} in\n{e}"))
    };
    assert_eq!(
        at("catalog", 4, "invalid-date").location.letter.as_deref(),
        Some("B")
    );
    let wrong = at("controls", 3, "wrong-type");
    assert_eq!(wrong.location.letter.as_deref(), Some("A"));
    assert!(
        wrong.message(Lang::En).contains("number 8.1"),
        "{}",
        wrong.message(Lang::En)
    );
    assert_eq!(
        at("controls", 4, "unknown-flag-value")
            .location
            .column
            .as_deref(),
        Some("mandatory")
    );
    at("controls", 5, "duplicate-id");
    at("controls", 6, "missing-parent");
    assert_eq!(
        at("controls", 7, "wrong-type").location.column.as_deref(),
        Some("text_ja")
    );
    assert!(
        !err.issues
            .iter()
            .any(|i| i.location.row == 2 && i.location.sheet == "controls"),
        "{e}"
    );
    assert!(err.to_string().contains("problem(s)"));
}

#[test]
fn not_a_workbook_and_missing_sheets() {
    let err = import_xlsx(b"definitely not a zip").unwrap_err();
    assert_eq!(err.issues[0].problem.key(), "unreadable");
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("other").unwrap();
    let err = import_xlsx(&wb.save_to_buffer().unwrap()).unwrap_err();
    let keys: Vec<_> = err
        .issues
        .iter()
        .map(|i| (i.location.sheet.as_str(), i.problem.key()))
        .collect();
    assert_eq!(
        keys,
        [("catalog", "missing-sheet"), ("controls", "missing-sheet")]
    );
}

#[test]
fn empty_template_imports_to_an_error_naming_the_version_fields() {
    let bytes = xlsx_template().unwrap();
    let err = import_xlsx(&bytes).unwrap_err();
    let missing: Vec<_> = err
        .issues
        .iter()
        .filter_map(|i| match &i.problem {
            Problem::MissingValue { column } => Some(column.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        missing,
        ["id", "title_ja", "issued"],
        "{}",
        err.report(Lang::En)
    );
    assert!(csv_template().contains("id,title_ja,title_en,text_ja"));
}
