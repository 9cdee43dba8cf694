/**
 * The task queue the engine runs on: {@link io.crmsync.queue.TaskQueue} (an SPI too: durable queues implement it) and its in-memory default.
 */
@NullMarked
package io.crmsync.queue;

import org.jspecify.annotations.NullMarked;
