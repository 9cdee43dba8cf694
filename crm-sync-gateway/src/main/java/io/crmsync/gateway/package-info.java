/**
 * The integration layer between a host application and its CRMs: {@link io.crmsync.gateway.CrmGateway}
 * takes {@link io.crmsync.gateway.Change}s, validates them at once against each target's mapping and fields,
 * queues them durably on the engine's {@link io.crmsync.backend.SyncBackend}, and delivers them to every
 * target independently, coalescing what waits for the same record.
 */
@NullMarked
package io.crmsync.gateway;

import org.jspecify.annotations.NullMarked;
