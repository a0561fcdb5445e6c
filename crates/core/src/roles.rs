use std::fmt;
use std::str::FromStr;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {what} '{value}' (expected one of: {expected})")]
pub struct ParseError {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in the database, the CLI and translation keys.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.code() == s).ok_or_else(|| ParseError {
                    what: $what,
                    value: s.to_string(),
                    expected: $name::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}

code_enum!(
    /// What an organisation is in the two programmes.
    OrgKind, "organisation kind", {
        Csp => "csp",
        AuditFirm => "audit_firm",
        AuditEvaluator => "audit_evaluator",
        Ipa => "ipa",
        Committee => "committee",
        Agency => "agency",
        LocalGovernment => "local_government",
        CriticalInfrastructure => "critical_infrastructure",
        Nict => "nict",
        Other => "other",
    }
);

code_enum!(
    /// What a person may do. One role per account; access checks name roles explicitly.
    Role, "role", {
        Csp => "csp",
        Auditor => "auditor",
        AuditEvaluator => "audit_evaluator",
        IpaReviewer => "ipa_reviewer",
        Committee => "committee",
        Secretariat => "secretariat",
        Agency => "agency",
        CyderOperator => "cyder_operator",
        Instructor => "instructor",
        Trainee => "trainee",
        Admin => "admin",
    }
);

impl Role {
    /// The organisation kinds a holder of this role may belong to. An account whose
    /// organisation does not fit its role is refused, so an auditor cannot sit in a CSP.
    pub fn allowed_org_kinds(self) -> &'static [OrgKind] {
        use OrgKind::*;
        match self {
            Role::Csp => &[Csp],
            Role::Auditor => &[AuditFirm],
            Role::AuditEvaluator => &[AuditEvaluator],
            Role::IpaReviewer => &[Ipa],
            Role::Committee | Role::Secretariat => &[Committee],
            Role::Agency => &[Agency, LocalGovernment, CriticalInfrastructure],
            Role::CyderOperator => &[Nict],
            Role::Instructor => &[Nict, Other],
            Role::Trainee => &[Agency, LocalGovernment, CriticalInfrastructure, Other],
            Role::Admin => OrgKind::ALL,
        }
    }
}

/// Login ids: 3–64 ASCII letters, digits, `.`, `_` or `-` (they appear in URLs and the audit trail).
pub fn valid_login(login: &str) -> bool {
    (3..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Organisation codes: 2–64 lower-case ASCII letters, digits or `-`.
pub fn valid_org_code(code: &str) -> bool {
    (2..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_and_code_formats() {
        assert!(valid_login("sato.taro"));
        assert!(!valid_login("ab"));
        assert!(!valid_login("佐藤"));
        assert!(!valid_login("a b c"));
        assert!(valid_org_code("saida-city"));
        assert!(!valid_org_code("Saida"));
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_explained() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>().unwrap(), *r);
        }
        for k in OrgKind::ALL {
            assert_eq!(k.code().parse::<OrgKind>().unwrap(), *k);
        }
        let err = "root".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("unknown role 'root'"));
        assert!(err.to_string().contains("ipa_reviewer"));
    }

    #[test]
    fn every_role_fits_some_organisation_kind() {
        for r in Role::ALL {
            assert!(!r.allowed_org_kinds().is_empty(), "{r}");
        }
        assert!(!Role::Auditor.allowed_org_kinds().contains(&OrgKind::Csp));
    }
}
