package io.crmsync.adapter;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a CRM last said of a long-period quota: HubSpot's daily limit, Salesforce's {@code
 * DailyApiRequests}, Zoho's API credits.
 *
 * @param name the quota's name, as the CRM calls it
 * @param remaining requests left
 * @param limit requests allowed in the period, or 0 if the CRM did not say
 * @param resetsAt when it resets, or {@code null} if the CRM did not say (a rolling window)
 * @param observedAt when the CRM said it
 */
public record QuotaStatus(String name, long remaining, long limit, @Nullable Instant resetsAt, Instant observedAt) {
  public QuotaStatus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(observedAt, "observedAt");
  }
}
