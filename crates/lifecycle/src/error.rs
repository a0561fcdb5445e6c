//! Refusals: why a transition did not happen, in both languages.

use serde::Serialize;

/// How a refusal maps onto HTTP: the web layer needs nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// The actor may not do this at all (wrong role or organisation) → 403.
    Forbidden,
    /// The actor may, but not in the current state → 409.
    Conflict,
    /// The input itself is wrong (missing field, bad dates) → 422.
    Invalid,
}

impl RefusalKind {
    pub fn http_status(self) -> u16 {
        match self {
            RefusalKind::Forbidden => 403,
            RefusalKind::Conflict => 409,
            RefusalKind::Invalid => 422,
        }
    }
}

/// One message a person reads: a stable key (for translations and tests),
/// the Japanese and English text, and the control it is about, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub key: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The input field it is about (e.g. `disclosures.governing_law`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub ja: String,
    pub en: String,
}

impl Message {
    pub fn new(key: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Message {
        Message {
            key,
            control: None,
            field: None,
            ja: ja.into(),
            en: en.into(),
        }
    }

    pub fn about(mut self, control: impl Into<String>) -> Message {
        self.control = Some(control.into());
        self
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Message {
        self.field = Some(field.into());
        self
    }

    pub fn text(&self, lang: kasumi_core::Lang) -> &str {
        match lang {
            kasumi_core::Lang::Ja => &self.ja,
            kasumi_core::Lang::En => &self.en,
        }
    }
}

/// A transition that did not happen. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} ({}): {}", .message.key, .kind.http_status(), .message.en)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// Boxed to keep `Result<_, Refusal>` small.
    pub message: Box<Message>,
    /// Further detail, e.g. every linter violation of a statement that cannot be submitted.
    pub details: Vec<Message>,
}

impl Refusal {
    pub fn forbidden(key: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal::of(RefusalKind::Forbidden, key, ja, en)
    }

    pub fn conflict(key: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal::of(RefusalKind::Conflict, key, ja, en)
    }

    pub fn invalid(key: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Refusal {
        Refusal::of(RefusalKind::Invalid, key, ja, en)
    }

    fn of(
        kind: RefusalKind,
        key: &'static str,
        ja: impl Into<String>,
        en: impl Into<String>,
    ) -> Refusal {
        Refusal {
            kind,
            message: Box::new(Message::new(key, ja, en)),
            details: Vec::new(),
        }
    }

    pub fn with_details(mut self, details: Vec<Message>) -> Refusal {
        self.details = details;
        self
    }

    pub fn key(&self) -> &'static str {
        self.message.key
    }

    pub fn http_status(&self) -> u16 {
        self.kind.http_status()
    }

    pub fn is_forbidden(&self) -> bool {
        self.kind == RefusalKind::Forbidden
    }

    pub fn is_conflict(&self) -> bool {
        self.kind == RefusalKind::Conflict
    }
}

/// The usual "not in this state" refusal.
pub(crate) fn wrong_state(key: &'static str, what_ja: &str, what_en: &str, state: &str) -> Refusal {
    Refusal::conflict(
        key,
        format!("現在の状態（{state}）では{what_ja}できません。"),
        format!("Cannot {what_en} in the current state ({state})."),
    )
}

/// A required text field that is empty.
pub(crate) fn require_text(field: &'static str, value: &str) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        Err(Refusal::invalid(
            "input.required",
            format!("{field} を入力してください。"),
            format!("{field} is required."),
        ))
    } else {
        Ok(())
    }
}
