/**
 * A complete adapter for Acme CRM, a made-up CRM with a small REST API, written the way an adapter for a
 * real CRM should be: the template to copy when plugging in a CRM crm-sync does not ship.
 *
 * <ul>
 *   <li>{@link io.crmsync.examples.acme.AcmeCrmProvider}: the settings, checked, and the adapter they make;
 *       listed in {@code META-INF/services/io.crmsync.adapter.spi.CRMAdapterProvider}.
 *   <li>{@link io.crmsync.examples.acme.AcmeCrmAdapter}: reads, upserts, deletes, look-ups and {@code
 *       describe()} over HTTP, a session token, and the events listeners hear.
 *   <li>{@code AcmeJson}: Acme's contact JSON to and from records, and the shape checks of every answer.
 *   <li>{@code AcmeErrors}: Acme's error bodies to the exception that says what the caller can do.
 * </ul>
 *
 * <p>It passes {@code io.crmsync.tck.CRMAdapterContract} against an emulator of Acme's API built from
 * Acme's reference ({@code AcmeCrmServer} in this module's tests), which is how an adapter is known to be
 * done.
 */
@NullMarked
package io.crmsync.examples.acme;

import org.jspecify.annotations.NullMarked;
