-- Which records of one system are linked to a record of the other: asked before a delete is propagated,
-- so that a record that several were written into is deleted only with the last of them, and when a link
-- is removed, to give its row another. The primary key leads with from_id; this leads with to_id, the id
-- those lookups pass in bulk (= ANY).
CREATE INDEX IF NOT EXISTS ${i:id_links_to} ON ${t:id_links} (to_id, from_system, to_system, object_type);
