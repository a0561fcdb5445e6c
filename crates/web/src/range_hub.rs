//! Each team's simulated environment, kept in memory while the server runs and
//! rebuilt after a restart by replaying the team's recorded actions: the
//! database holds the truth (exercise clock and actions), the world is derived.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kasumi_range::{Recorded, Scenario, World};
use kasumi_store::{DynStore, Exercise, Team};

type Slot = Arc<tokio::sync::Mutex<Option<World>>>;

#[derive(Default)]
pub struct RangeHub {
    slots: Mutex<HashMap<i64, Slot>>,
}

impl RangeHub {
    fn slot(&self, team_id: i64) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(slots.entry(team_id).or_default())
    }

    /// Forgets a team's world, so the next access rebuilds it from the database.
    pub fn forget(&self, team_id: i64) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&team_id);
    }

    /// The team's world advanced to `sim_now`, provisioned and replayed first
    /// when needed. The returned guard holds the team's lock: an action applied
    /// and then recorded under one guard keeps the world and the record in step.
    pub async fn lock(
        &self,
        store: &DynStore,
        exercise: &Exercise,
        team: &Team,
        sim_now: i64,
    ) -> anyhow::Result<TeamWorld> {
        let mut guard = self.slot(team.id).lock_owned().await;
        if guard.is_none() {
            let recorded: Vec<Recorded> = store
                .team_actions(team.id)
                .await?
                .into_iter()
                .map(|a| {
                    Ok(Recorded {
                        at: a.sim_at,
                        action: serde_json::from_str(&a.action)?,
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            let (scenario, seed, number) = (
                exercise.scenario.clone(),
                exercise.seed as u64,
                team.number as u32,
            );
            let (start, days) = (exercise.sim_start, exercise.history_days as u32);
            let world = tokio::task::spawn_blocking(move || -> anyhow::Result<World> {
                let sc = Scenario::builtin(&scenario).map_err(|e| anyhow::anyhow!("scenario {scenario}: {e}"))?;
                let (world, results) = World::replay(&sc, seed, number, start, days, &recorded);
                for (i, r) in results.iter().enumerate() {
                    if let Err(e) = r {
                        tracing::warn!(action = i + 1, error = %e, "a recorded action no longer applies");
                    }
                }
                Ok(world)
            })
            .await??;
            *guard = Some(world);
        }
        let world = guard.as_mut().expect("provisioned above");
        let target = sim_now.min(world.env().end);
        if target > world.now() {
            world.advance_to(target);
        }
        Ok(TeamWorld(guard))
    }
}

/// A locked team world.
pub struct TeamWorld(tokio::sync::OwnedMutexGuard<Option<World>>);

impl std::ops::Deref for TeamWorld {
    type Target = World;
    fn deref(&self) -> &World {
        self.0.as_ref().expect("a TeamWorld always holds a world")
    }
}

impl std::ops::DerefMut for TeamWorld {
    fn deref_mut(&mut self) -> &mut World {
        self.0.as_mut().expect("a TeamWorld always holds a world")
    }
}
