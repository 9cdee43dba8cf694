-- Who holds a lease, as the database sees it: the key of the session-level advisory lock its process holds
-- while it runs. A lease whose key's lock is free belongs to a process that has ended, and is taken back at
-- once rather than on its visibility timeout. Null for leases taken without a session lock.
ALTER TABLE ${t:tasks} ADD COLUMN IF NOT EXISTS lease_session bigint;
