/**
 * The HubSpot adapter: {@link io.crmsync.hubspot.HubSpotAdapter} (CRM v3 objects, search, batch upsert
 * and archive, properties; private-app or OAuth authentication), registered for {@link
 * java.util.ServiceLoader} as {@code hubspot} by {@link io.crmsync.hubspot.HubSpotAdapterProvider}, and
 * {@link io.crmsync.hubspot.HubSpotWebhooks}, which verifies {@code X-HubSpot-Signature-v3} webhook
 * requests and turns their events into {@link io.crmsync.hubspot.ChangeNotification}s.
 */
@NullMarked
package io.crmsync.hubspot;

import org.jspecify.annotations.NullMarked;
