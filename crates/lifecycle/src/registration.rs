//! Registrations on the ISMAP cloud service list: number, validity, status,
//! and the committee's suspension, reinstatement, revocation and deletion.

use jiff::civil::Date;
use kasumi_core::{Micros, Role};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrgId};
use crate::dates::{fiscal_year, tokyo_date};
use crate::error::{Refusal, require_text, wrong_state};
use crate::event::{Event, Outcome, RemarkKind, Subject};

/// The parts of a registration number. Reading of `C21-0008-2` (unconfirmed,
/// hence [`NumberFormat`]): first registered in FY2021, sequence 8, second
/// registration (one renewal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegistrationNumber {
    /// Japanese fiscal year of the first registration (starts 1 April).
    pub fiscal_year: i16,
    pub seq: u32,
    /// The count at the end: [`NumberFormat::first_count`] at first
    /// registration, +1 at each renewal.
    pub count: u32,
}

/// How sequence numbers restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceScope {
    /// 0001 again every fiscal year.
    PerFiscalYear,
    /// One running sequence.
    Global,
}

/// The registration number format. Placeholders: `{YYYY}` / `{YY}` the
/// fiscal year (4 or 2 digits), `{N…}` the sequence zero-padded to as many
/// digits as `N`s, `{n}` the count. Anything else is copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberFormat {
    pub template: String,
    pub first_count: u32,
    pub sequence: SequenceScope,
}

impl Default for NumberFormat {
    /// `C{YY}-{NNNN}-{n}`, first count 1, sequence per fiscal year.
    fn default() -> Self {
        NumberFormat {
            template: "C{YY}-{NNNN}-{n}".to_string(),
            first_count: 1,
            sequence: SequenceScope::PerFiscalYear,
        }
    }
}

impl NumberFormat {
    /// A format from an operator's setting. It must hold the count `{n}` and
    /// a sequence `{N…}` (or two registrations could share a number), and no
    /// placeholder it does not know; the error says which rule is broken.
    pub fn parse(template: &str, sequence: SequenceScope) -> Result<NumberFormat, String> {
        let mut has_count = false;
        let mut has_seq = false;
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("'{{' without '}}' in \"{template}\""));
            };
            match &rest[open + 1..open + close] {
                "YYYY" | "YY" => {}
                "n" => has_count = true,
                t if !t.is_empty() && t.bytes().all(|b| b == b'N') => has_seq = true,
                t => {
                    return Err(format!(
                        "unknown placeholder {{{t}}} in \"{template}\" (known: {{YYYY}}, {{YY}}, {{NNNN}}, {{n}})"
                    ));
                }
            }
            rest = &rest[open + close + 1..];
        }
        if !has_seq || !has_count {
            return Err(format!(
                "\"{template}\" needs a sequence {{NNNN}} and the count {{n}} so that every registration gets its own number"
            ));
        }
        Ok(NumberFormat {
            template: template.to_string(),
            sequence,
            ..NumberFormat::default()
        })
    }

    pub fn render(&self, n: &RegistrationNumber) -> String {
        let mut out = String::new();
        let mut rest = self.template.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let token = &rest[open + 1..open + close];
            match token {
                "YYYY" => out.push_str(&format!("{:04}", n.fiscal_year)),
                "YY" => out.push_str(&format!("{:02}", n.fiscal_year.rem_euclid(100))),
                "n" => out.push_str(&n.count.to_string()),
                t if !t.is_empty() && t.bytes().all(|b| b == b'N') => {
                    out.push_str(&format!("{:0width$}", n.seq, width = t.len()))
                }
                _ => out.push_str(&rest[open..=open + close]),
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The number for a first registration decided on `day`, given the numbers in use.
    pub fn next_number(&self, existing: &[RegistrationNumber], day: Date) -> RegistrationNumber {
        let fy = fiscal_year(day);
        let seq = existing
            .iter()
            .filter(|n| self.sequence == SequenceScope::Global || n.fiscal_year == fy)
            .map(|n| n.seq)
            .max()
            .unwrap_or(0)
            + 1;
        RegistrationNumber {
            fiscal_year: fy,
            seq,
            count: self.first_count,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Registered,
    /// A renewal application is pending: valid past `valid_through` until the committee decides.
    RenewalPending,
    /// Past `valid_through` with no renewal pending.
    Expired,
    Suspended,
    /// 取消: registration withdrawn by the committee (e.g. false statement).
    Revoked,
    /// 抹消: removed from the list.
    Deleted,
}

impl RegistrationStatus {
    pub fn code(self) -> &'static str {
        match self {
            RegistrationStatus::Registered => "registered",
            RegistrationStatus::RenewalPending => "renewal_pending",
            RegistrationStatus::Expired => "expired",
            RegistrationStatus::Suspended => "suspended",
            RegistrationStatus::Revoked => "revoked",
            RegistrationStatus::Deleted => "deleted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub id: i64,
    pub service_id: i64,
    pub csp_org: OrgId,
    pub number: RegistrationNumber,
    /// The number as rendered by the format in force when it last changed.
    pub number_text: String,
    pub registered_on: Date,
    pub renewed_on: Option<Date>,
    /// End of the audit period the current validity rests on.
    pub audit_end: Date,
    /// Last valid day: [`crate::dates::valid_through`]`(audit_end)`.
    pub valid_through: Date,
    /// The stored status; ask [`Registration::status_on`] for the status on a day.
    pub status: RegistrationStatus,
    /// The status to return to when a suspension is lifted.
    pub suspended_from: Option<RegistrationStatus>,
    pub renewal_application: Option<i64>,
    pub application_id: i64,
    pub statement_id: i64,
    pub engagement_id: i64,
    pub firm_id: i64,
    pub liu: bool,
}

impl Registration {
    /// The status on `today`: a `registered` entry past its last valid day
    /// is `expired`; a pending renewal keeps it valid.
    pub fn status_on(&self, today: Date) -> RegistrationStatus {
        match self.status {
            RegistrationStatus::Registered if today > self.valid_through => {
                RegistrationStatus::Expired
            }
            s => s,
        }
    }

    /// Valid for procurement on `today`.
    pub fn is_valid_on(&self, today: Date) -> bool {
        matches!(
            self.status_on(today),
            RegistrationStatus::Registered | RegistrationStatus::RenewalPending
        )
    }

    /// Shown on the public list on `today`: valid entries, and suspended ones
    /// (still registered, marked by their remark). Expired, revoked and
    /// deleted entries are off the list.
    pub fn is_listed_on(&self, today: Date) -> bool {
        matches!(
            self.status_on(today),
            RegistrationStatus::Registered
                | RegistrationStatus::RenewalPending
                | RegistrationStatus::Suspended
        )
    }
}

/// The public list on `today`, in registration order (date, then number).
pub fn public_list(registrations: &[Registration], today: Date) -> Vec<&Registration> {
    let mut out: Vec<&Registration> = registrations
        .iter()
        .filter(|r| r.is_listed_on(today))
        .collect();
    out.sort_by_key(|r| (r.registered_on, r.number.fiscal_year, r.number.seq));
    out
}

/// Marks a registration expired once `today` is past its last valid day and
/// no renewal is pending. A consequence of time, so no actor; the store may
/// run it when it notices (the status is already right through [`Registration::status_on`]).
pub fn expire(reg: &Registration, now: Micros) -> Result<Outcome<Registration>, Refusal> {
    let today = tokyo_date(now);
    if reg.status != RegistrationStatus::Registered || today <= reg.valid_through {
        return Err(wrong_state(
            "registration.not_expirable",
            "期限切れに",
            "mark the registration expired",
            reg.status_on(today).code(),
        ));
    }
    let mut next = reg.clone();
    next.status = RegistrationStatus::Expired;
    let ev = Event::new(
        now,
        None,
        "registration.expired",
        Subject::Registration(reg.id),
        format!(
            "有効期限（{}）が経過し、登録の有効期間が満了しました。",
            reg.valid_through
        ),
        format!(
            "The registration expired after its last valid day ({}).",
            reg.valid_through
        ),
    )
    .public(reg.service_id, RemarkKind::Expired);
    Ok(Outcome::new(next, vec![ev]))
}

const COMMITTEE: &[Role] = &[Role::Committee];

#[allow(clippy::too_many_arguments)]
fn committee_change(
    actor: &Actor,
    reg: &Registration,
    now: Micros,
    allowed: &[RegistrationStatus],
    to: RegistrationStatus,
    doing: (&str, &str),
    key: &str,
    remark: RemarkKind,
    text: (String, String),
) -> Result<Outcome<Registration>, Refusal> {
    actor.require(COMMITTEE, doing.0, doing.1)?;
    let today = tokyo_date(now);
    let current = reg.status_on(today);
    if !allowed.contains(&current) {
        return Err(wrong_state(
            "registration.wrong_state",
            doing.0,
            doing.1,
            current.code(),
        ));
    }
    let mut next = reg.clone();
    if to == RegistrationStatus::Suspended {
        next.suspended_from = Some(reg.status);
    } else {
        next.suspended_from = None;
    }
    next.status = to;
    let ev = Event::new(
        now,
        Some(actor),
        key,
        Subject::Registration(reg.id),
        text.0,
        text.1,
    )
    .public(reg.service_id, remark);
    Ok(Outcome::new(next, vec![ev]))
}

use RegistrationStatus as S;

/// The committee suspends a valid registration.
pub fn suspend_registration(
    actor: &Actor,
    reg: &Registration,
    reason: &str,
    now: Micros,
) -> Result<Outcome<Registration>, Refusal> {
    require_text("reason", reason)?;
    committee_change(
        actor,
        reg,
        now,
        &[S::Registered, S::RenewalPending],
        S::Suspended,
        ("登録の一時停止", "suspend a registration"),
        "registration.suspended",
        RemarkKind::Suspended,
        (
            format!("運営委員会の決定により登録を一時停止しました。理由: {reason}"),
            format!("Registration suspended by the committee. Reason: {reason}"),
        ),
    )
}

/// The committee lifts a suspension; the entry returns to its earlier status.
pub fn reinstate_registration(
    actor: &Actor,
    reg: &Registration,
    now: Micros,
) -> Result<Outcome<Registration>, Refusal> {
    let mut out = committee_change(
        actor,
        reg,
        now,
        &[S::Suspended],
        S::Registered,
        ("一時停止の解除", "lift a suspension"),
        "registration.reinstated",
        RemarkKind::Reinstated,
        (
            "運営委員会の決定により一時停止を解除しました。".to_string(),
            "Suspension lifted by the committee.".to_string(),
        ),
    )?;
    out.state.status = reg.suspended_from.unwrap_or(S::Registered);
    Ok(out)
}

/// The committee revokes (取消) a registration.
pub fn revoke_registration(
    actor: &Actor,
    reg: &Registration,
    reason: &str,
    now: Micros,
) -> Result<Outcome<Registration>, Refusal> {
    require_text("reason", reason)?;
    committee_change(
        actor,
        reg,
        now,
        &[S::Registered, S::RenewalPending, S::Suspended, S::Expired],
        S::Revoked,
        ("登録の取消", "revoke a registration"),
        "registration.revoked",
        RemarkKind::Revoked,
        (
            format!("運営委員会の決定により登録を取り消しました。理由: {reason}"),
            format!("Registration revoked by the committee. Reason: {reason}"),
        ),
    )
}

/// The committee deletes (抹消) an entry from the list.
pub fn delete_registration(
    actor: &Actor,
    reg: &Registration,
    reason: &str,
    now: Micros,
) -> Result<Outcome<Registration>, Refusal> {
    require_text("reason", reason)?;
    committee_change(
        actor,
        reg,
        now,
        &[
            S::Registered,
            S::RenewalPending,
            S::Suspended,
            S::Expired,
            S::Revoked,
        ],
        S::Deleted,
        ("登録の抹消", "delete a registration"),
        "registration.deleted",
        RemarkKind::Deleted,
        (
            format!("運営委員会の決定により登録を抹消しました。理由: {reason}"),
            format!("Registration deleted from the list by the committee. Reason: {reason}"),
        ),
    )
}
