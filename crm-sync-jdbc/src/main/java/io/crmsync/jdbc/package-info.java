/**
 * Durable sync on PostgreSQL: {@link io.crmsync.jdbc.PostgresSync} builds a {@link
 * io.crmsync.queue.TaskQueue} and a {@link io.crmsync.state.SyncStateStore} that keep their data in
 * tables of one schema, so that a sync survives a crash of its process and can run on several worker
 * processes sharing one database.
 */
@NullMarked
package io.crmsync.jdbc;

import org.jspecify.annotations.NullMarked;
