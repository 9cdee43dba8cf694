-- crm-sync task queue. Placeholders (t: a table or sequence, i: an index) get the configured schema and prefix.
-- A task is ready when due_at has come: due_at is its run time while it waits, and its lease expiry
-- while a worker holds it, so an expired lease makes the task ready again without a sweeper.

CREATE SEQUENCE IF NOT EXISTS ${t:task_ids};

CREATE TABLE IF NOT EXISTS ${t:tasks} (
  id               bigint      PRIMARY KEY DEFAULT nextval('${t:task_ids}'),
  topic            text        NOT NULL,
  payload          text        NOT NULL,
  run_at           timestamptz NOT NULL,
  attempts         integer     NOT NULL DEFAULT 0,
  deliveries       integer     NOT NULL DEFAULT 0,
  lease_owner      text,
  lease_token      uuid,
  lease_expires_at timestamptz,
  due_at           timestamptz GENERATED ALWAYS AS (coalesce(lease_expires_at, run_at)) STORED,
  enqueued_at      timestamptz NOT NULL,
  last_error       text,
  CONSTRAINT ${i:tasks_lease_complete} CHECK ((lease_token IS NULL) = (lease_expires_at IS NULL))
);

ALTER SEQUENCE ${t:task_ids} OWNED BY ${t:tasks}.id;

CREATE INDEX IF NOT EXISTS ${i:tasks_due} ON ${t:tasks} (topic, due_at, id);

CREATE TABLE IF NOT EXISTS ${t:dead_tasks} (
  id          bigint      PRIMARY KEY,
  topic       text        NOT NULL,
  payload     text        NOT NULL,
  attempts    integer     NOT NULL,
  deliveries  integer     NOT NULL,
  cause       text        NOT NULL,
  enqueued_at timestamptz NOT NULL,
  dead_at     timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS ${i:dead_tasks_topic} ON ${t:dead_tasks} (topic, dead_at, id);
