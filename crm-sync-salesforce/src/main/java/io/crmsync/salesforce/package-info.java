/**
 * The Salesforce adapter: {@link io.crmsync.salesforce.SalesforceAdapter} speaks Salesforce's REST, sObject
 * Collections and Bulk API 2.0, and is found by {@link java.util.ServiceLoader} under the id {@code salesforce}
 * through {@link io.crmsync.salesforce.SalesforceAdapterProvider}. {@link io.crmsync.salesforce.Soql} escapes
 * values for SOQL; {@link io.crmsync.salesforce.ApiUsage} is the org's daily API usage as the last response
 * reported it.
 */
@NullMarked
package io.crmsync.salesforce;

import org.jspecify.annotations.NullMarked;
