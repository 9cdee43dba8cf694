/**
 * An emulator of HubSpot's CRM v3 API over HTTP on loopback: {@link
 * io.crmsync.testkit.hubspot.HubSpotEmulator}, with paging, search and its 10,000-result cap, batch upsert
 * and archive with 207 partial failures, OAuth tokens that expire, rate limits answered like HubSpot's,
 * and seeded faults.
 */
@NullMarked
package io.crmsync.testkit.hubspot;

import org.jspecify.annotations.NullMarked;
