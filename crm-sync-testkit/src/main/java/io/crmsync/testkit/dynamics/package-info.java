/**
 * An emulator of the Microsoft Dataverse Web API (Dynamics 365) over HTTP on loopback: {@link
 * io.crmsync.testkit.dynamics.DataverseEmulator}, with the OData query subset integrations use, server-driven
 * paging, alternate-key upserts, {@code $batch} with change sets, change tracking with delta links, the
 * Microsoft Entra ID token endpoint, service-protection limits and seeded faults. Custom tables and columns
 * are declared with {@link io.crmsync.testkit.dynamics.TableSpec} and {@link
 * io.crmsync.testkit.dynamics.ColumnSpec}.
 */
@NullMarked
package io.crmsync.testkit.dynamics;

import org.jspecify.annotations.NullMarked;
