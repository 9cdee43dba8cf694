package io.crmsync.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Duration;
import okhttp3.OkHttpClient;

/** Process-wide defaults, created on first use, for callers that do not supply their own. */
public final class SharedResources {
  private SharedResources() {}

  private static final class Http {
    static final OkHttpClient CLIENT =
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(60))
            .writeTimeout(Duration.ofSeconds(60))
            .callTimeout(Duration.ofMinutes(2))
            // A request whose connection failed may have been applied: resending it silently (OkHttp's
            // default) repeats a create or a bulk job, and spends budget the engine's limiter cannot see.
            // The failure reaches the adapter and the engine instead, which retry what is safe to retry.
            .retryOnConnectionFailure(false)
            .socketFactory(new NoDelaySocketFactory())
            .build();
  }

  private static final class Json {
    static final ObjectMapper MAPPER =
        JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
  }

  public static OkHttpClient httpClient() {
    return Http.CLIENT;
  }

  public static ObjectMapper objectMapper() {
    return Json.MAPPER;
  }
}
