/**
 * An emulator of SugarCRM's REST API (v10 and v11) over HTTP on loopback: {@link
 * io.crmsync.testkit.sugarcrm.SugarCrmEmulator}, with the OAuth 2.0 password and refresh-token grants, one
 * session per user and platform, the filter API with {@code offset}/{@code next_offset} paging, records,
 * {@code sync_key} upserts, {@code /bulk}, module metadata, Sugar's error bodies and seeded faults.
 */
@NullMarked
package io.crmsync.testkit.sugarcrm;

import org.jspecify.annotations.NullMarked;
