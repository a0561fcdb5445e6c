//! Shared vocabulary of Kasumi.
//!
//! Start here: [`Clock`] is how every other crate learns the time (never read
//! ad hoc, so lifecycle rules and the range stay testable), [`Micros`] is how
//! time is stored, and [`Role`] / [`OrgKind`] name who may do what.

mod clock;
mod roles;

pub use clock::{
    Clock, FixedClock, Micros, SystemClock, format_tokyo, format_tokyo_date, tokyo_local_to_micros,
};
pub use roles::{OrgKind, ParseError, Role, valid_login, valid_org_code};

/// The two languages Kasumi speaks. Japanese is the default everywhere.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Parses a language code; anything unknown is `None` so callers fall back to the default.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ja" | "ja-jp" => Some(Lang::Ja),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
}
