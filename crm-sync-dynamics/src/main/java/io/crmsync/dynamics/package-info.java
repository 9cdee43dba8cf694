/**
 * The Microsoft Dynamics 365 (Dataverse) adapter: {@link io.crmsync.dynamics.DynamicsAdapter} speaks the Dataverse
 * Web API (OData 4.0) with Microsoft Entra ID client credentials, and is found by {@link java.util.ServiceLoader}
 * under the id {@code dynamics} through {@link io.crmsync.dynamics.DynamicsAdapterProvider}. {@link
 * io.crmsync.dynamics.OData} escapes values for {@code $filter} and key segments; {@link
 * io.crmsync.dynamics.DeltaLinkStore} keeps change-tracking delta links between runs; {@link
 * io.crmsync.dynamics.DataverseWebhooks} receives the change notifications Dataverse posts to a webhook.
 */
@NullMarked
package io.crmsync.dynamics;

import org.jspecify.annotations.NullMarked;
