/**
 * Durability for the sync engine. Users pick a {@link io.crmsync.backend.SyncBackend} (in memory by
 * default, PostgreSQL with {@code crm-sync-jdbc}); backend authors implement it together with a {@link
 * io.crmsync.queue.TaskQueue} and a {@link io.crmsync.state.SyncStateStore}, and check them with the
 * testkit's contract suites. Changes are announced under "SPI Changes" in the changelog.
 */
@NullMarked
package io.crmsync.backend;

import org.jspecify.annotations.NullMarked;
