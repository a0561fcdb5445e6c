//! Translations. Every string a person reads comes from `locales/{ja,en}/main.ftl`;
//! Japanese is the default and the fallback.

use std::borrow::{Borrow, Cow};
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use kasumi_core::Lang;
use unic_langid::LanguageIdentifier;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "ja",
        // Bidi isolation marks would show up as stray characters in Japanese text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn langid(lang: Lang) -> LanguageIdentifier {
    lang.code()
        .parse()
        .expect("language codes are valid identifiers")
}

/// The translator a page is rendered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The text for `key`; a missing key shows itself so it is noticed, never a blank.
    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(&langid(self.lang), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The text for `key` with named arguments.
    pub fn ta(&self, key: &str, args: &[(&str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(&langid(self.lang), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    // Templates hand over references, Rust code values: `Borrow` takes both.
    pub fn role(&self, role: impl Borrow<kasumi_core::Role>) -> String {
        self.t(&format!("role-{}", role.borrow().code()))
    }

    pub fn org_kind(&self, kind: impl Borrow<kasumi_core::OrgKind>) -> String {
        self.t(&format!("orgkind-{}", kind.borrow().code()))
    }

    pub fn datetime(&self, at: impl Borrow<i64>) -> String {
        kasumi_core::format_tokyo(*at.borrow())
    }
}

/// The message ids defined in one locale's `.ftl` files (every file of
/// `locales/<lang>/`, as the loader reads them), for the completeness test.
pub fn message_ids(lang: Lang) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang.code());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.to_string()))
                .filter(|id| !id.starts_with([' ', '#', '.']))
                .collect::<Vec<_>>()
        })
        .collect()
}
