package io.crmsync.dynamics.internal;

import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * Builds a Web API URL: path segments, then query options whose names keep their {@code $} ({@code ?$select=...}),
 * as every exchange Microsoft publishes writes them, and whose values are percent-encoded as {@code HttpUrl} encodes
 * query values. Not thread-safe.
 */
public final class ODataUrl {
  private final HttpUrl.Builder b;

  private ODataUrl(HttpUrl base) {
    this.b = base.newBuilder();
  }

  public static ODataUrl at(HttpUrl base) {
    return new ODataUrl(Objects.requireNonNull(base, "base"));
  }

  public ODataUrl path(String segment) {
    b.addPathSegment(segment);
    return this;
  }

  /** Adds query option {@code name} (such as {@code $filter}), replacing any it had. */
  public ODataUrl option(String name, String value) {
    b.removeAllEncodedQueryParameters(name);
    b.addEncodedQueryParameter(name, DataverseClient.encodeQueryValue(value));
    return this;
  }

  public HttpUrl build() {
    return b.build();
  }
}
