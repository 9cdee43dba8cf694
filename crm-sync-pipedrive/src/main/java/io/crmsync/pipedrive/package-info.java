/**
 * The Pipedrive adapter: {@link io.crmsync.pipedrive.PipedriveAdapter} (API v2 persons, organizations,
 * deals, products and activities; cursor pagination, incremental reads by {@code updated_since}, upserts by
 * an exact-match search, custom fields by name; API-token or OAuth authentication; token-based rate
 * limits), registered for {@link java.util.ServiceLoader} as {@code pipedrive} by {@link
 * io.crmsync.pipedrive.PipedriveAdapterProvider}.
 */
@NullMarked
package io.crmsync.pipedrive;

import org.jspecify.annotations.NullMarked;
