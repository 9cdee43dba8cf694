package io.crmsync.adapter;

import io.crmsync.spi.Checks;
import java.util.Objects;

/**
 * What an adapter can do and within which limits, so that the engine can size batches and pages and
 * throttle without knowing the platform. Built with {@link #builder()}, so that capabilities added later
 * do not break adapters written before them. Immutable and thread-safe.
 *
 * <pre>{@code
 * AdapterCapabilities.builder()
 *     .maxBatchSize(200)                                   // records per upsert or delete call
 *     .budget(RequestBudget.of(100, Duration.ofSeconds(10)))
 *     .maxPageSize(2_000)                                  // records per read call
 *     .incrementalReads(true)
 *     .build();
 * }</pre>
 */
public final class AdapterCapabilities {
  private final int maxBatchSize;
  private final int preferredBatchSize;
  private final int bulkThreshold;
  private final int maxPageSize;
  private final RequestBudget budget;
  private final boolean incrementalReads;
  private final boolean deletes;
  private final boolean readsDeleted;
  private final boolean openSchema;

  private AdapterCapabilities(Builder b) {
    this.maxBatchSize = b.maxBatchSize;
    this.preferredBatchSize = b.preferredBatchSize > 0 ? b.preferredBatchSize : b.maxBatchSize;
    this.bulkThreshold = b.bulkThreshold;
    this.maxPageSize = b.maxPageSize;
    this.budget = b.budget;
    this.incrementalReads = b.incrementalReads;
    this.deletes = b.deletes;
    this.readsDeleted = b.readsDeleted;
    this.openSchema = b.openSchema;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these capabilities, to derive others from. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxBatchSize = maxBatchSize;
    b.preferredBatchSize = preferredBatchSize;
    b.bulkThreshold = bulkThreshold;
    b.maxPageSize = maxPageSize;
    b.budget = budget;
    b.incrementalReads = incrementalReads;
    b.deletes = deletes;
    b.readsDeleted = readsDeleted;
    b.openSchema = openSchema;
    return b;
  }

  /**
   * The most records one {@link CRMAdapter#upsert} or {@link CRMAdapter#delete} call takes, bulk path
   * included (HubSpot 100; Salesforce 200 through sObject Collections, 10,000 with Bulk API 2.0).
   */
  public int maxBatchSize() {
    return maxBatchSize;
  }

  /**
   * The batch size that costs least per record on the adapter's regular path (Salesforce Collections
   * 200); the engine writes batches of this size unless told otherwise or handing over a bulk group.
   * At most {@link #maxBatchSize()}.
   */
  public int preferredBatchSize() {
    return preferredBatchSize;
  }

  /**
   * From how many records one call is cheaper on the adapter's bulk path (Salesforce Bulk API 2.0:
   * 2,000 by default), or 0 when it has none. When at least this many records wait for the target, the
   * engine hands them over in one call of up to {@link #maxBatchSize()}.
   */
  public int bulkThreshold() {
    return bulkThreshold;
  }

  /** Whether the adapter has a bulk path ({@link #bulkThreshold()} above zero). */
  public boolean hasBulkPath() {
    return bulkThreshold > 0;
  }

  /**
   * The most records one {@link CRMAdapter#read} returns, the page size that costs fewest requests
   * (Salesforce 2,000, HubSpot 100). The engine reads pages of this size unless told otherwise.
   */
  public int maxPageSize() {
    return maxPageSize;
  }

  /** The request budget the engine keeps to. */
  public RequestBudget budget() {
    return budget;
  }

  /** Whether {@link ReadRequest#since()} is supported. */
  public boolean incrementalReads() {
    return incrementalReads;
  }

  /** Whether {@link CRMAdapter#delete} is supported. */
  public boolean deletes() {
    return deletes;
  }

  /** Whether reads can include deleted records ({@link ReadRequest#includeDeleted()}). */
  public boolean readsDeleted() {
    return readsDeleted;
  }

  /**
   * Whether the adapter takes fields its {@link CRMAdapter#describe} does not list (an application's
   * own store, a document database). The engine writes to a target only the fields its describe()
   * lists as writable, unless the target has an open schema or describes no field at all.
   */
  public boolean openSchema() {
    return openSchema;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AdapterCapabilities c
        && maxBatchSize == c.maxBatchSize
        && preferredBatchSize == c.preferredBatchSize
        && bulkThreshold == c.bulkThreshold
        && maxPageSize == c.maxPageSize
        && budget.equals(c.budget)
        && incrementalReads == c.incrementalReads
        && deletes == c.deletes
        && readsDeleted == c.readsDeleted
        && openSchema == c.openSchema;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxBatchSize, preferredBatchSize, bulkThreshold, maxPageSize, budget, incrementalReads,
        deletes, readsDeleted, openSchema);
  }

  @Override
  public String toString() {
    return "AdapterCapabilities{maxBatchSize=" + maxBatchSize + ", preferredBatchSize=" + preferredBatchSize
        + (bulkThreshold > 0 ? ", bulkThreshold=" + bulkThreshold : "") + ", maxPageSize=" + maxPageSize
        + ", budget=" + budget + ", incrementalReads=" + incrementalReads + ", deletes=" + deletes
        + ", readsDeleted=" + readsDeleted + (openSchema ? ", openSchema" : "") + "}";
  }

  /** Builds {@link AdapterCapabilities}. Not thread-safe. */
  public static final class Builder {
    private int maxBatchSize = 100;
    private int preferredBatchSize;
    private int bulkThreshold;
    private int maxPageSize = ReadRequest.DEFAULT_PAGE_SIZE;
    private RequestBudget budget = RequestBudget.unlimited();
    private boolean incrementalReads;
    private boolean deletes;
    private boolean readsDeleted;
    private boolean openSchema;

    Builder() {}

    /** Records per upsert or delete call, at most; 100 by default. */
    public Builder maxBatchSize(int maxBatchSize) {
      this.maxBatchSize = Checks.positive(maxBatchSize, "maxBatchSize");
      return this;
    }

    /** The cheapest batch size on the regular path; {@link #maxBatchSize} by default. */
    public Builder preferredBatchSize(int preferredBatchSize) {
      this.preferredBatchSize = Checks.positive(preferredBatchSize, "preferredBatchSize");
      return this;
    }

    /** From how many records the bulk path is used; 0 (the default) for none. */
    public Builder bulkThreshold(int bulkThreshold) {
      this.bulkThreshold = Checks.notNegative(bulkThreshold, "bulkThreshold");
      return this;
    }

    /** Records per read call, at most; 100 by default. */
    public Builder maxPageSize(int maxPageSize) {
      this.maxPageSize = Checks.positive(maxPageSize, "maxPageSize");
      return this;
    }

    /** The request budget; unlimited by default. */
    public Builder budget(RequestBudget budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /** Whether incremental reads are supported; false by default. */
    public Builder incrementalReads(boolean incrementalReads) {
      this.incrementalReads = incrementalReads;
      return this;
    }

    /** Whether deletes are supported; false by default. */
    public Builder deletes(boolean deletes) {
      this.deletes = deletes;
      return this;
    }

    /** Whether reads can include deleted records; false by default. */
    public Builder readsDeleted(boolean readsDeleted) {
      this.readsDeleted = readsDeleted;
      return this;
    }

    /** Whether fields the adapter does not describe are taken too; false by default. */
    public Builder openSchema(boolean openSchema) {
      this.openSchema = openSchema;
      return this;
    }

    /**
     * @throws IllegalStateException if the preferred batch size or the bulk threshold exceeds the maximum
     *     batch size
     */
    public AdapterCapabilities build() {
      if (preferredBatchSize > maxBatchSize) {
        throw new IllegalStateException("preferredBatchSize " + preferredBatchSize + " exceeds maxBatchSize "
            + maxBatchSize);
      }
      if (bulkThreshold > maxBatchSize) {
        throw new IllegalStateException("bulkThreshold " + bulkThreshold + " exceeds maxBatchSize " + maxBatchSize);
      }
      return new AdapterCapabilities(this);
    }
  }
}
