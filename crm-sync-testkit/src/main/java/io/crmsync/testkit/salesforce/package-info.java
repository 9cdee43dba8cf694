/**
 * An in-memory Salesforce on loopback for tests and demos: {@link io.crmsync.testkit.salesforce.SalesforceEmulator}
 * serves the OAuth token endpoint, SOQL {@code query}/{@code queryAll} with paging, describe, limits, sObject
 * Collections upsert and delete, and the Bulk API 2.0 ingest job lifecycle, with seeded fault injection.
 */
@NullMarked
package io.crmsync.testkit.salesforce;

import org.jspecify.annotations.NullMarked;
