//! Who is acting: role, organisation and user, and the checks every transition makes.

use kasumi_core::Role;
use serde::{Deserialize, Serialize};

use crate::error::Refusal;

/// Organisation id (the store's `organisations.id`).
pub type OrgId = i64;
/// User id (the store's `users.id`).
pub type UserId = i64;

/// The person asking for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: Role,
    pub org: OrgId,
    pub user: UserId,
}

impl Actor {
    pub fn new(role: Role, org: OrgId, user: UserId) -> Actor {
        Actor { role, org, user }
    }

    /// Refuses (403) unless the actor holds one of `roles`. `Admin` is not a
    /// super-user here: administrators manage accounts, not the scheme.
    pub fn require(&self, roles: &[Role], doing_ja: &str, doing_en: &str) -> Result<(), Refusal> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.code()).collect();
            Err(Refusal::forbidden(
                "auth.role",
                format!(
                    "{doing_ja}は {} の役割だけが行えます（あなたは {}）。",
                    names.join("・"),
                    self.role.code()
                ),
                format!(
                    "Only {} may {doing_en} (you are {}).",
                    names.join(", "),
                    self.role.code()
                ),
            ))
        }
    }

    /// Refuses (403) unless the actor belongs to organisation `org`.
    pub fn require_org(&self, org: OrgId, whose_ja: &str, whose_en: &str) -> Result<(), Refusal> {
        if self.org == org {
            Ok(())
        } else {
            Err(Refusal::forbidden(
                "auth.organisation",
                format!("他の組織の{whose_ja}は操作できません。"),
                format!("You may not act on another organisation's {whose_en}."),
            ))
        }
    }

    /// A CSP acting on something its own organisation owns.
    pub fn require_owner(&self, owner: OrgId, what_ja: &str, what_en: &str) -> Result<(), Refusal> {
        self.require(&[Role::Csp], what_ja, what_en)?;
        self.require_org(owner, what_ja, what_en)
    }

    /// IPA, the committee or its secretariat: the bodies that see every application.
    pub fn is_scheme_staff(&self) -> bool {
        matches!(
            self.role,
            Role::IpaReviewer | Role::Committee | Role::Secretariat
        )
    }
}
