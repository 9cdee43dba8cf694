/**
 * The Zoho CRM adapter: {@link io.crmsync.zoho.ZohoAdapter} (API v8: COQL reads by keyset, upserts by
 * duplicate check field, deletes into the recycle bin, the deleted records API, the Fields Metadata API; OAuth
 * refresh tokens per {@link io.crmsync.zoho.DataCenter}, API credits and the concurrency limit), registered for
 * {@link java.util.ServiceLoader} as {@code zoho} by {@link io.crmsync.zoho.ZohoAdapterProvider}.
 */
@NullMarked
package io.crmsync.zoho;

import org.jspecify.annotations.NullMarked;
