package io.crmsync.interop;

import io.crmsync.adapter.AdapterConfig;
import java.math.BigDecimal;
import java.time.Duration;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/** What the sides share. */
final class Emulated {
  private Emulated() {}

  /** The shared client's settings (TCP_NODELAY among them), with timeouts short enough for a test. */
  static final OkHttpClient CLIENT = AdapterConfig.defaultHttpClient().newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .readTimeout(Duration.ofSeconds(5))
      .build();

  /** A number as the comparisons take it: without trailing zeros, so that 12.50 and 12.5 are one value. */
  static @Nullable BigDecimal number(@Nullable Object v) {
    if (v == null || (v instanceof String s && s.isBlank())) {
      return null;
    }
    BigDecimal d = v instanceof BigDecimal b ? b : new BigDecimal(v.toString().strip());
    return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
  }

  /** A text value, or null when absent or blank (CRMs store an empty text as no value). */
  static @Nullable String text(@Nullable Object v) {
    if (v == null) {
      return null;
    }
    String s = v.toString();
    return s.isBlank() ? null : s;
  }
}
