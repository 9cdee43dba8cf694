/**
 * Micrometer metrics of crm-sync: {@link io.crmsync.micrometer.CrmSyncMetrics} listens to syncs, adapters and
 * deduplications and publishes what they do to a {@code MeterRegistry}.
 */
@NullMarked
package io.crmsync.micrometer;

import org.jspecify.annotations.NullMarked;
