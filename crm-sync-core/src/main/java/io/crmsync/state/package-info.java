/**
 * Sync state: checkpoints, id links, fingerprints and dead letters ({@link io.crmsync.state.SyncStateStore}, an SPI too) and its in-memory default.
 */
@NullMarked
package io.crmsync.state;

import org.jspecify.annotations.NullMarked;
