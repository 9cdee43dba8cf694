/**
 * What a sync remembers: checkpoints, id links, fingerprints and {@link io.crmsync.state.DeadLetter}s, which
 * users list and replay. Backend authors implement {@link io.crmsync.state.SyncStateStore} and check it
 * with the testkit's {@code SyncStateStoreContract}.
 */
@NullMarked
package io.crmsync.state;

import org.jspecify.annotations.NullMarked;
