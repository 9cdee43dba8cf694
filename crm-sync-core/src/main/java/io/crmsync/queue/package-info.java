/**
 * The task queue the engine runs on. Users pick one through a {@link io.crmsync.backend.SyncBackend};
 * backend authors implement {@link io.crmsync.queue.TaskQueue} (at least once, leases with a visibility
 * timeout, follow-ups enqueued with a completion in one step) and check it with the testkit's {@code
 * TaskQueueContract}. A queue in the caller's process may hand back the value a task was enqueued with
 * ({@link io.crmsync.queue.NewTask#carrying}) instead of writing its JSON.
 */
@NullMarked
package io.crmsync.queue;

import org.jspecify.annotations.NullMarked;
