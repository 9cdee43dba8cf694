/**
 * For adapter authors. To plug a CRM in, implement:
 *
 * <ul>
 *   <li>{@link io.crmsync.adapter.CRMAdapter} (in the API package, since users call it too): read pages,
 *       upsert and delete batches with one {@link io.crmsync.adapter.RecordResult} per record, look up,
 *       {@code describe()} the fields accurately, declare {@link io.crmsync.adapter.AdapterCapabilities},
 *       and report what happens on the wire through {@link io.crmsync.adapter.spi.AdapterEvents};
 *   <li>{@link io.crmsync.adapter.spi.CRMAdapterProvider}, listed in {@code
 *       META-INF/services/io.crmsync.adapter.spi.CRMAdapterProvider}.
 * </ul>
 *
 * <p>Use {@link io.crmsync.adapter.spi.RequestLimiter} for a budget the CRM enforces apart from the one the
 * engine keeps, {@link io.crmsync.http} to send requests and map failures, and {@link io.crmsync.spi.Checks}
 * for settings. An adapter is done when it passes the testkit's {@code CRMAdapterContract} against an
 * emulator of its CRM. Everything here may be implemented outside this project; changes are announced under
 * "SPI Changes" in the changelog.
 */
@NullMarked
package io.crmsync.adapter.spi;

import org.jspecify.annotations.NullMarked;
