-- crm-sync state: checkpoints, id links, fingerprints and dead letters.

CREATE TABLE IF NOT EXISTS ${t:checkpoints} (
  job_id      text        PRIMARY KEY,
  page_cursor text,
  pass_since  timestamptz,
  watermark   timestamptz,
  updated_at  timestamptz NOT NULL
);

-- one row per direction: a link from A to B is stored as A->B and B->A, so lookups either way use the key.
-- Keys lead with the id that lookups pass in bulk (= ANY), so the index finds each one directly even
-- before the table was first analysed, instead of filtering every row of the system pair.
CREATE TABLE IF NOT EXISTS ${t:id_links} (
  object_type text NOT NULL,
  from_system text NOT NULL,
  from_id     text NOT NULL,
  to_system   text NOT NULL,
  to_id       text NOT NULL,
  PRIMARY KEY (from_id, from_system, to_system, object_type)
);

CREATE TABLE IF NOT EXISTS ${t:fingerprints} (
  scope      text NOT NULL,
  record_key text NOT NULL,
  digest     text NOT NULL,
  PRIMARY KEY (record_key, scope)
);

-- record holds the CrmRecord as JSON (json, not jsonb: kept exactly as written)
CREATE TABLE IF NOT EXISTS ${t:dead_letters} (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id     text        NOT NULL,
  operation  text        NOT NULL,
  record     json        NOT NULL,
  error_code text        NOT NULL,
  message    text        NOT NULL,
  attempts   integer     NOT NULL,
  dead_at    timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS ${i:dead_letters_job} ON ${t:dead_letters} (job_id, id);
