-- CYDER exercises: teams of trainees, each with its own simulated environment.
-- The environment itself is rebuilt from the scenario, seed and team number;
-- what must survive a restart is the clock and every action a team took.
CREATE TABLE exercises (
    id            BIGSERIAL PRIMARY KEY,
    title         TEXT NOT NULL,
    course        TEXT NOT NULL,
    scenario      TEXT NOT NULL,
    seed          BIGINT NOT NULL,
    sim_start     BIGINT NOT NULL,
    history_days  BIGINT NOT NULL,
    speed         BIGINT NOT NULL,
    state         TEXT NOT NULL,
    sim_elapsed   BIGINT NOT NULL,
    last_change   BIGINT NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL
);

CREATE TABLE teams (
    id           BIGSERIAL PRIMARY KEY,
    exercise_id  BIGINT NOT NULL REFERENCES exercises(id) ON DELETE CASCADE,
    number       BIGINT NOT NULL,
    name         TEXT NOT NULL,
    UNIQUE (exercise_id, number)
);

CREATE TABLE team_members (
    team_id      BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    exercise_id  BIGINT NOT NULL REFERENCES exercises(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id),
    -- A trainee belongs to one team of an exercise.
    UNIQUE (exercise_id, user_id)
);

CREATE TABLE team_actions (
    team_id     BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    sim_at      BIGINT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    action      TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (team_id, seq)
);
