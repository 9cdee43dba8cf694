/**
 * The SugarCRM adapter: {@link io.crmsync.sugarcrm.SugarCrmAdapter} (REST v10/v11: the filter API, records,
 * {@code sync_key} upserts and {@code /bulk}; OAuth 2.0 password and refresh-token grants on a platform of its
 * own), registered for {@link java.util.ServiceLoader} as {@code sugarcrm} by {@link
 * io.crmsync.sugarcrm.SugarCrmAdapterProvider}.
 */
@NullMarked
package io.crmsync.sugarcrm;

import org.jspecify.annotations.NullMarked;
