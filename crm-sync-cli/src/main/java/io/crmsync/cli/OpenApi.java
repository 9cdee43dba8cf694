package io.crmsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The OpenAPI 3 description {@code crm-sync serve} answers at {@code /openapi.json}, with its limits filled in. */
final class OpenApi {
  private OpenApi() {}

  static byte[] document(ServeSettings settings) {
    String text;
    try (InputStream in = OpenApi.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the class path");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.replace("${quotaRequests}", Integer.toString(settings.quotaRequests()))
        .replace("${quotaWindow}", window(settings.quotaWindow()))
        .replace("${maxBodyBytes}", Integer.toString(settings.maxBodyBytes()))
        .replace("${maxBatch}", Integer.toString(settings.maxBatch()))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String window(Duration d) {
    return d.toMillis() % 60_000 == 0 ? (d.toMinutes() == 1 ? "minute" : d.toMinutes() + " minutes")
        : d.toMillis() % 1_000 == 0 ? d.toSeconds() + " seconds" : d.toMillis() + " ms";
  }
}
