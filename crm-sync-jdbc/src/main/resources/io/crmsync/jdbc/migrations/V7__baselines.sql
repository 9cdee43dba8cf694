-- What a two-way sync last agreed on for each linked pair of records, from which its next run tells which
-- side changed which field (json, not jsonb: kept exactly as written).
CREATE TABLE IF NOT EXISTS ${t:baselines} (
  scope      text NOT NULL,
  record_key text NOT NULL,
  fields     json NOT NULL,
  PRIMARY KEY (record_key, scope)
);
