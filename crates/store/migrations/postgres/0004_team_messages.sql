-- Messages and hints an instructor or operator sends to one team during an exercise.
CREATE TABLE team_messages (
    id          BIGSERIAL PRIMARY KEY,
    team_id     BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    sim_at      BIGINT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL CHECK (kind IN ('message', 'hint')),
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX team_messages_by_team ON team_messages (team_id, id);
