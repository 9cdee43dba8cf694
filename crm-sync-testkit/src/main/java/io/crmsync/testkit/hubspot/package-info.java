/**
 * An emulator of HubSpot's CRM v3 API over HTTP on loopback: {@link
 * io.crmsync.testkit.hubspot.HubSpotEmulator}, as strict as HubSpot's documentation says the real API is
 * (unknown, read-only and calculated properties, enumeration options and owners, batch, page, search and URL
 * limits), with rate limits per plan and kind of app answered with HubSpot's headers and 429s, OAuth tokens
 * that expire, seeded faults, and counts of everything it refused.
 */
@NullMarked
package io.crmsync.testkit.hubspot;

import org.jspecify.annotations.NullMarked;
