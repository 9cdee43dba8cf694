/**
 * An emulator of Zoho CRM's API (v8) and accounts server over HTTP on loopback: {@link
 * io.crmsync.testkit.zoho.ZohoEmulator}, with the Records API (upsert by duplicate check fields, delete, the
 * recycle bin, page and page-token paging), COQL, the Fields Metadata API, OAuth refresh tokens and expiring
 * access tokens with the data centre's {@code api_domain}, API credits and concurrency answered with Zoho's 429s,
 * and seeded faults.
 */
@NullMarked
package io.crmsync.testkit.zoho;

import org.jspecify.annotations.NullMarked;
