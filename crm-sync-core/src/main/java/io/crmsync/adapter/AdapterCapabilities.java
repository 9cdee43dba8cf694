package io.crmsync.adapter;

import io.crmsync.internal.Checks;
import java.util.Objects;

/**
 * What an adapter can do and within which limits, so that the engine can size batches and throttle
 * without knowing the platform.
 *
 * @param maxBatchSize the most records one upsert or delete call takes (HubSpot 100, Salesforce
 *     Collections 200)
 * @param budget the request budget the engine keeps to
 * @param incrementalReads whether {@link ReadRequest#since()} is supported
 * @param deletes whether {@link CRMAdapter#delete} is supported
 * @param readsDeleted whether reads can include deleted records ({@link ReadRequest#includeDeleted()})
 */
public record AdapterCapabilities(
    int maxBatchSize, RequestBudget budget, boolean incrementalReads, boolean deletes, boolean readsDeleted) {
  public AdapterCapabilities {
    Objects.requireNonNull(budget, "budget");
    Checks.positive(maxBatchSize, "maxBatchSize");
  }
}
