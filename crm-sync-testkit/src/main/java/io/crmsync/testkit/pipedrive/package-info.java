/**
 * An emulator of Pipedrive's API v2 ({@link io.crmsync.testkit.pipedrive.PipedriveEmulator}): persons,
 * organizations, deals, products and activities with custom fields under 40-character keys, cursor
 * pagination, search, the fields endpoints, API-token and OAuth authentication, token-based rate limits
 * and seeded faults, on loopback.
 */
@NullMarked
package io.crmsync.testkit.pipedrive;

import org.jspecify.annotations.NullMarked;
