package io.crmsync.http;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.CrmUnavailableException;
import java.util.List;

final class HttpErrors {
  private HttpErrors() {}

  static CrmSyncException byStatus(HttpFailure f) {
    int s = f.status();
    String msg = f.operation() + " failed: " + (f.excerpt().isEmpty() ? "(empty body)" : f.excerpt());
    if (s == 401 || s == 403) {
      return new CrmAuthenticationException(f.crm(), s, f.requestId(), msg, null);
    }
    if (s == 429) {
      return new CrmRateLimitException(
          f.crm(), s, f.requestId(), msg,
          RetryAfter.parse(f.headers().get("Retry-After"), f.receivedAt()).orElse(null), null);
    }
    if (s == 408 || s == 425 || s >= 500) {
      return new CrmUnavailableException(f.crm(), s, f.requestId(), msg, null);
    }
    return new CrmRequestException(f.crm(), s, f.requestId(), msg, List.of(), null);
  }
}
