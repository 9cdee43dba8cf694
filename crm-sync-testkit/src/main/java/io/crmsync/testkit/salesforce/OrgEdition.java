package io.crmsync.testkit.salesforce;

/**
 * Salesforce editions and the API requests each may make in a rolling 24 hours, per "API Request Limits and
 * Allocations" (https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html):
 * Developer Edition 15,000; Professional (with API access) and Enterprise 100,000 plus 1,000 per Salesforce
 * license; Unlimited and Performance 100,000 plus 5,000 per license; a full sandbox 5,000,000.
 */
public enum OrgEdition {
  DEVELOPER(15_000, 0),
  PROFESSIONAL(100_000, 1_000),
  ENTERPRISE(100_000, 1_000),
  UNLIMITED(100_000, 5_000),
  PERFORMANCE(100_000, 5_000),
  FULL_SANDBOX(5_000_000, 0);

  private final long base;
  private final long perLicense;

  OrgEdition(long base, long perLicense) {
    this.base = base;
    this.perLicense = perLicense;
  }

  /**
   * The requests allowed in 24 hours with {@code licenses} Salesforce licenses.
   *
   * @throws IllegalArgumentException if {@code licenses} is negative
   */
  public long dailyApiRequests(int licenses) {
    if (licenses < 0) {
      throw new IllegalArgumentException("licenses must not be negative: " + licenses);
    }
    return base + perLicense * licenses;
  }
}
