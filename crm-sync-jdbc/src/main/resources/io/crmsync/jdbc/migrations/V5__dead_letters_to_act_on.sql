-- Dead letters carry what it takes to act on them: whether the failure was transient (the job's next run
-- tries such a record again), the CRM's request id, the fields it refused, and when the record first
-- failed. Letters written before this version recorded a transient failure under the exception's type.
ALTER TABLE ${t:dead_letters} ADD COLUMN IF NOT EXISTS retryable boolean NOT NULL DEFAULT false;
ALTER TABLE ${t:dead_letters} ADD COLUMN IF NOT EXISTS request_id text;
ALTER TABLE ${t:dead_letters} ADD COLUMN IF NOT EXISTS field_errors json;
ALTER TABLE ${t:dead_letters} ADD COLUMN IF NOT EXISTS first_failed_at timestamptz;
UPDATE ${t:dead_letters} SET retryable = true
  WHERE error_code IN ('CrmUnavailableException', 'CrmRateLimitException');
UPDATE ${t:dead_letters} SET first_failed_at = dead_at WHERE first_failed_at IS NULL;
CREATE INDEX IF NOT EXISTS ${i:dead_letters_retryable} ON ${t:dead_letters} (job_id, id) WHERE retryable;
