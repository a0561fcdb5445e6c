//! # kasumi-lifecycle
//!
//! The ISMAP registration lifecycle as pure rules: no I/O, no async, no SQL,
//! and no clock — `now` ([`kasumi_core::Micros`]) or a civil date is always
//! passed in.
//!
//! Start reading at [`actor`] (who acts), [`error`] (how a refusal looks)
//! and [`event`] (what a transition records), then follow a service's life:
//! [`service`] → [`statement`] and its [`lint`](mod@lint) → [`firm`] and
//! [`engagement`] (the audit, exported by [`oscal`]) → [`application`]
//! (acceptance, review, decision) → [`registration`] (number, validity,
//! status, renewal) → [`changes`] (change notices, incidents, committee
//! actions). [`liu`] adds the ISMAP-LIU track; [`inbox`] and [`visibility`]
//! answer "what waits for me" and "may I see this". [`dates`] holds every
//! civil-date rule (validity, audit period, report due date, fiscal year).
//!
//! Every transition is one function `f(actor, current state…, input, now)
//! -> Result<Outcome<NewState>, Refusal>`: it checks the actor's role and
//! organisation (→ [`RefusalKind::Forbidden`], HTTP 403), the current state
//! (→ [`RefusalKind::Conflict`], 409) and the input (→
//! [`RefusalKind::Invalid`], 422), and returns the new state with the
//! [`Event`]s to append to the audit trail; events that belong in a
//! service's public remarks (備考) carry a [`Remark`].

pub mod actor;
pub mod application;
pub mod changes;
pub mod dates;
pub mod engagement;
pub mod error;
pub mod event;
pub mod firm;
pub mod inbox;
pub mod lint;
pub mod liu;
pub mod oscal;
pub mod registration;
pub mod service;
pub mod statement;
pub mod visibility;

pub use actor::{Actor, OrgId, UserId};
pub use error::{Message, Refusal, RefusalKind};
pub use event::{Event, Outcome, Remark, RemarkKind, Subject, remarks_of};
pub use lint::lint;
