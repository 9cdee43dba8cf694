-- A record's latest dead letter replaces its earlier ones in the same job and operation, so that a record
-- that stays invalid is not dead-lettered again on every run. Rows written before keep their order; of
-- several for one record, only the latest stays.

ALTER TABLE ${t:dead_letters} ADD COLUMN IF NOT EXISTS record_id text;

UPDATE ${t:dead_letters} SET record_id = record->>'id' WHERE record_id IS NULL;

DELETE FROM ${t:dead_letters} a USING ${t:dead_letters} b
 WHERE a.job_id = b.job_id AND a.operation = b.operation AND a.record_id = b.record_id AND a.id < b.id;

CREATE UNIQUE INDEX IF NOT EXISTS ${i:dead_letters_record}
  ON ${t:dead_letters} (job_id, operation, record_id) WHERE record_id IS NOT NULL;
