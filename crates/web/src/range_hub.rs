//! Each team's simulated environment, kept in memory while the server runs and
//! rebuilt after a restart by replaying the team's recorded actions: the
//! database holds the truth (exercise clock and actions), the world is derived.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kasumi_logsearch::Index;
use kasumi_logsearch::world::{append_world, index_world};
use kasumi_range::{Recorded, Scenario, World};
use kasumi_store::{DynStore, Exercise, ExerciseState, Team};

/// A team's world and the index of its logs, kept in step.
pub struct TeamEnv {
    pub world: World,
    pub index: Index,
}

type Slot = Arc<tokio::sync::Mutex<Option<TeamEnv>>>;

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

    /// The team's world advanced to `sim_now` (or up to one real second of
    /// the exercise clock behind it while the exercise runs), provisioned and
    /// replayed first when needed. The returned guard holds the team's lock.
    pub async fn lock(
        &self,
        store: &DynStore,
        exercise: &Exercise,
        team: &Team,
        sim_now: i64,
    ) -> anyhow::Result<TeamWorld> {
        self.lock_at(store, exercise, team, sim_now, false).await
    }

    /// As [`RangeHub::lock`], but advanced exactly to `sim_now`: for actions,
    /// which happen at the world's time. An action applied and then recorded
    /// under one guard keeps the world and the record in step.
    pub async fn lock_fresh(
        &self,
        store: &DynStore,
        exercise: &Exercise,
        team: &Team,
        sim_now: i64,
    ) -> anyhow::Result<TeamWorld> {
        self.lock_at(store, exercise, team, sim_now, true).await
    }

    async fn lock_at(
        &self,
        store: &DynStore,
        exercise: &Exercise,
        team: &Team,
        sim_now: i64,
        fresh: bool,
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
            let env = tokio::task::spawn_blocking(move || -> anyhow::Result<TeamEnv> {
                let sc = Scenario::builtin(&scenario).map_err(|e| anyhow::anyhow!("scenario {scenario}: {e}"))?;
                // Only up to the exercise clock: the future stays unseen.
                let (world, results) =
                    World::replay_until(&sc, seed, number, start, days, &recorded, sim_now);
                for (i, r) in results.iter().enumerate() {
                    if let Err(e) = r {
                        tracing::warn!(action = i + 1, error = %e, "a recorded action no longer applies");
                    }
                }
                let index = index_world(&world);
                Ok(TeamEnv { world, index })
            })
            .await??;
            *guard = Some(env);
        }
        let env = guard.as_ref().expect("provisioned above");
        let end = env.world.env().end;
        let target = sim_now.min(end);
        // `append_world` walks the team's events from the first one, so each
        // advance costs time proportional to the whole history (a few ms for
        // 3 days). Reads tolerate a world up to one real second behind the
        // running clock; a paused, finished or ended exercise is caught up at once.
        let behind = target - env.world.now();
        let step = exercise.speed.max(1) * 1_000_000;
        if behind > 0
            && (fresh
                || behind >= step
                || target == end
                || exercise.state != ExerciseState::Running)
        {
            // Off the async workers: with two of them, a long advance on one
            // would stall every other team's requests too.
            let advanced = tokio::task::spawn_blocking(move || {
                let env = guard.as_mut().expect("provisioned above");
                env.world.advance_to(target);
                match append_world(&mut env.index, &env.world) {
                    Ok(_) => Ok(guard),
                    Err(e) => {
                        // The world moved on but its index did not: drop both
                        // so the next request rebuilds them from the record.
                        *guard = None;
                        Err(e)
                    }
                }
            })
            .await;
            guard = match advanced {
                Ok(Ok(guard)) => guard,
                Ok(Err(e)) => return Err(e.into()),
                Err(panicked) => {
                    // The guard went down with the task; its slot may hold a
                    // half-advanced world, so start the team afresh.
                    self.forget(team.id);
                    return Err(panicked.into());
                }
            };
        }
        Ok(TeamWorld(guard))
    }
}

/// A locked team world.
pub struct TeamWorld(tokio::sync::OwnedMutexGuard<Option<TeamEnv>>);

impl TeamWorld {
    /// Drops the world while still holding the team's lock, so the next
    /// request rebuilds it from the database (after an action the world took
    /// but the database did not).
    pub fn discard(mut self) {
        *self.0 = None;
    }

    /// The index of the team's logs up to the world's current time.
    pub fn index(&self) -> &Index {
        &self
            .0
            .as_ref()
            .expect("a TeamWorld always holds a world")
            .index
    }

    /// The SOC alerts at or after `from`, oldest first, as (time, line).
    /// Read from the index: scanning the world's events would cost time
    /// proportional to the whole history on every page and live update.
    /// Alerts are never hidden by the defenders, so both give the same list.
    pub fn alerts_since(&self, from: i64) -> Vec<(i64, &str)> {
        let index = self.index();
        let Some(q) = alert_query() else {
            return Vec::new();
        };
        index
            .matches(q, self.now())
            .iter()
            .map(|doc| (index.time(doc), doc))
            .filter(|(t, _)| *t >= from)
            .map(|(t, doc)| (t, index.line(doc)))
            .collect()
    }
}

impl std::ops::Deref for TeamWorld {
    type Target = World;
    fn deref(&self) -> &World {
        &self
            .0
            .as_ref()
            .expect("a TeamWorld always holds a world")
            .world
    }
}

impl std::ops::DerefMut for TeamWorld {
    fn deref_mut(&mut self) -> &mut World {
        &mut self
            .0
            .as_mut()
            .expect("a TeamWorld always holds a world")
            .world
    }
}

fn alert_query() -> Option<&'static kasumi_logsearch::Query> {
    static Q: std::sync::OnceLock<Option<kasumi_logsearch::Query>> = std::sync::OnceLock::new();
    Q.get_or_init(|| kasumi_logsearch::parse("source:alert").ok())
        .as_ref()
}
