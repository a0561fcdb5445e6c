-- Messages and hints an instructor or operator sends to one team during an exercise.
CREATE TABLE team_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    sim_at      INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL CHECK (kind IN ('message', 'hint')),
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX team_messages_by_team ON team_messages (team_id, id);
