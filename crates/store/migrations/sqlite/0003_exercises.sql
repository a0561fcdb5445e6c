-- CYDER exercises: teams of trainees, each with its own simulated environment.
-- The environment itself is rebuilt from the scenario, seed and team number;
-- what must survive a restart is the clock and every action a team took.
CREATE TABLE exercises (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT NOT NULL,
    course        TEXT NOT NULL,
    scenario      TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    sim_start     INTEGER NOT NULL,
    history_days  INTEGER NOT NULL,
    speed         INTEGER NOT NULL,
    state         TEXT NOT NULL,
    sim_elapsed   INTEGER NOT NULL,
    last_change   INTEGER NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL
);

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    exercise_id  INTEGER NOT NULL REFERENCES exercises(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    name         TEXT NOT NULL,
    UNIQUE (exercise_id, number)
);

CREATE TABLE team_members (
    team_id      INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    exercise_id  INTEGER NOT NULL REFERENCES exercises(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id),
    -- A trainee belongs to one team of an exercise.
    UNIQUE (exercise_id, user_id)
);

CREATE TABLE team_actions (
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    sim_at      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    action      TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (team_id, seq)
);
