-- Ren schema version 17: the AI journal (app.engine.ai_journal).
-- Every model reply and tool result of an AI step, recorded before the next call, so a step
-- run again after a crash or a wait replays them instead of asking the model again. `seq`
-- counts within the step key across attempts; `request_hash` checks that a replay answers the
-- same request.
CREATE TABLE ai_journal (
    run_id VARCHAR NOT NULL,
    node_key VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    request_hash VARCHAR NOT NULL,
    response JSON,
    created_at FLOAT NOT NULL,
    PRIMARY KEY (run_id, node_key, seq)
);
