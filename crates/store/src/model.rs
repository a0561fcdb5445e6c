use kasumi_core::{Lang, Micros, OrgKind, Role};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrg {
    /// Short unique code used on the command line (`ipa`, `saida-city`).
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: Micros,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub org_id: i64,
    pub role: Role,
    pub password_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_code: String,
    pub org_name: String,
    pub role: Role,
    pub password_hash: String,
    pub locale: Option<Lang>,
    pub disabled: bool,
    pub created_at: Micros,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the cookie token: a stolen database does not hand out live sessions.
    pub token_hash: String,
    pub expires_at: Micros,
    pub remote: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: Micros,
    pub last_seen: Micros,
    pub expires_at: Micros,
}

/// A catalog version to store: summary columns plus the whole document as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogRecord {
    pub id: String,
    pub title_ja: String,
    pub title_en: String,
    pub issued: String,
    pub sample: bool,
    pub item_count: i64,
    pub doc: String,
}

/// A stored catalog version without its document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogSummary {
    pub id: String,
    pub title_ja: String,
    pub title_en: String,
    pub issued: String,
    pub sample: bool,
    pub item_count: i64,
    pub revision: i64,
    pub created_at: Micros,
    pub updated_at: Micros,
}

/// A CYDER exercise as planned by an operator or instructor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewExercise {
    pub title: String,
    /// `A`, `B-1`, `B-2`.
    pub course: String,
    /// A built-in scenario name.
    pub scenario: String,
    pub seed: i64,
    /// Simulated time at which the exercise day starts (µs).
    pub sim_start: Micros,
    pub history_days: i64,
    /// Simulated seconds per real second.
    pub speed: i64,
}

/// The exercise clock's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExerciseState {
    Planned,
    Running,
    Paused,
    Finished,
}

impl ExerciseState {
    pub fn code(self) -> &'static str {
        match self {
            ExerciseState::Planned => "planned",
            ExerciseState::Running => "running",
            ExerciseState::Paused => "paused",
            ExerciseState::Finished => "finished",
        }
    }

    pub fn from_code(code: &str) -> Option<ExerciseState> {
        [Self::Planned, Self::Running, Self::Paused, Self::Finished]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exercise {
    pub id: i64,
    pub title: String,
    pub course: String,
    pub scenario: String,
    pub seed: i64,
    pub sim_start: Micros,
    pub history_days: i64,
    pub speed: i64,
    pub state: ExerciseState,
    /// Simulated µs elapsed since `sim_start`, as of `last_change`.
    pub sim_elapsed: Micros,
    /// Wall-clock µs of the last start, pause or resume.
    pub last_change: Micros,
    pub created_by: i64,
    pub created_at: Micros,
}

impl Exercise {
    /// The simulated time at wall-clock `now`: it runs `speed` times real time
    /// while the exercise runs and stands still otherwise.
    pub fn sim_now(&self, now: Micros) -> Micros {
        let running = if self.state == ExerciseState::Running {
            (now - self.last_change).max(0).saturating_mul(self.speed)
        } else {
            0
        };
        self.sim_start + self.sim_elapsed + running
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMember {
    pub user_id: i64,
    pub login: String,
    pub display_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Team {
    pub id: i64,
    pub exercise_id: i64,
    pub number: i64,
    pub name: String,
    pub members: Vec<TeamMember>,
}

/// One action a team took, as recorded for replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamAction {
    pub team_id: i64,
    pub seq: i64,
    pub sim_at: Micros,
    pub user_id: i64,
    pub login: String,
    /// The action as JSON (the range engine's `Action`).
    pub action: String,
    /// What it did, as JSON.
    pub result: String,
    pub created_at: Micros,
}

/// What an instructor's note to a team is: a plain message or a hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamMessageKind {
    Message,
    Hint,
}

impl TeamMessageKind {
    pub fn code(self) -> &'static str {
        match self {
            TeamMessageKind::Message => "message",
            TeamMessageKind::Hint => "hint",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "message" => Some(TeamMessageKind::Message),
            "hint" => Some(TeamMessageKind::Hint),
            _ => None,
        }
    }
}

/// A message or hint an instructor or operator sent to one team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMessage {
    pub id: i64,
    pub team_id: i64,
    /// Exercise time at which it was sent.
    pub sim_at: Micros,
    pub user_id: i64,
    pub login: String,
    pub kind: TeamMessageKind,
    pub body: String,
    pub created_at: Micros,
}

/// Failed sign-ins counted for one login name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub window_start: Micros,
    pub locked_until: Micros,
}

impl Throttle {
    pub fn is_locked(&self, at: Micros) -> bool {
        self.locked_until > at
    }
}

/// How many failures within which window lock a login, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: i64,
    pub window: Micros,
    pub lockout: Micros,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 5,
            window: 15 * 60 * 1_000_000,
            lockout: 15 * 60 * 1_000_000,
        }
    }
}

impl ThrottlePolicy {
    /// The counter after one more failure at `at`. Pure, so the rule is tested apart from SQL.
    pub fn after_failure(&self, previous: Option<Throttle>, at: Micros) -> Throttle {
        let mut t = match previous {
            Some(t) if at - t.window_start < self.window => t,
            _ => Throttle {
                failures: 0,
                window_start: at,
                locked_until: 0,
            },
        };
        t.failures += 1;
        if t.failures >= self.max_failures {
            t.locked_until = at + self.lockout;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_the_window_lock_the_login() {
        let p = ThrottlePolicy::default();
        let mut t = None;
        for i in 0..4 {
            let next = p.after_failure(t, i * 1_000_000);
            assert!(!next.is_locked(i * 1_000_000));
            t = Some(next);
        }
        let fifth = p.after_failure(t, 5_000_000);
        assert!(fifth.is_locked(5_000_000));
        assert!(!fifth.is_locked(5_000_000 + p.lockout));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let p = ThrottlePolicy::default();
        let old = Throttle {
            failures: 4,
            window_start: 0,
            locked_until: 0,
        };
        let t = p.after_failure(Some(old), p.window + 1);
        assert_eq!(t.failures, 1);
        assert!(!t.is_locked(p.window + 1));
    }
}
