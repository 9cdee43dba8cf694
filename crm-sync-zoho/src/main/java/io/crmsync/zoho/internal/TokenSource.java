package io.crmsync.zoho.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.Secret;
import io.crmsync.http.CrmHttp;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access tokens from the refresh token, at the data centre's accounts server ({@code POST /oauth/v2/token},
 * parameters in the form body so that they stay out of URLs and logs), cached until {@code refreshAhead} before
 * they expire, on the adapter's clock. Concurrent callers share one refresh; a token the API refused is dropped
 * only if it is still the cached one, so a burst of 401s costs one refresh (the accounts server allows ten access
 * tokens per refresh token in ten minutes). Thread-safe.
 *
 * <p>The answer names the API domain ({@code api_domain}) the org's data is in; the adapter sends the token
 * there only: https over a Zoho API host ({@code *.zohoapis.<tld>}), or loopback. Zoho answers a refused refresh
 * token with HTTP 200 and {@code {"error": "invalid_code"}}: https://github.com/zoho/zcrm-csharp-sdk/issues/7.
 * Response: https://zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html.
 */
public final class TokenSource {
  private static final Logger log = LoggerFactory.getLogger(TokenSource.class);
  private static final String KEY = "token";
  private static final Pattern ZOHO_API_HOST =
      Pattern.compile("([a-z0-9-]+\\.)*zohoapis\\.(com|eu|in|com\\.au|jp|ca|com\\.cn|sa|ae|uk)");

  /** An access token and where to send it; {@code toString()} shows neither token. */
  public record AccessToken(Secret value, HttpUrl apiDomain, Instant expiresAt, Duration lifetime) {
    public AccessToken {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(apiDomain, "apiDomain");
    }
  }

  private final AdapterConfig config;
  private final Settings settings;
  private final CrmHttp http;
  private final TimeSource time;
  private final Cache<String, AccessToken> cache;
  private final AtomicLong refreshes = new AtomicLong();

  private final Runnable onRenewed;

  /** @param onRenewed told of every token fetched after the first */
  public TokenSource(AdapterConfig config, Settings settings, CrmHttp http, Runnable onRenewed) {
    this.onRenewed = onRenewed;
    this.config = config;
    this.settings = settings;
    this.http = http;
    this.time = config.timeSource();
    this.cache = Caffeine.newBuilder()
        .maximumSize(1)
        .ticker(() -> nanos(time.now()))
        .expireAfter(new Expiry<String, AccessToken>() {
          @Override
          public long expireAfterCreate(String key, AccessToken token, long currentTime) {
            return usableFor(token).toNanos();
          }

          @Override
          public long expireAfterUpdate(String key, AccessToken token, long currentTime, long currentDuration) {
            return usableFor(token).toNanos();
          }

          @Override
          public long expireAfterRead(String key, AccessToken token, long currentTime, long currentDuration) {
            return currentDuration;
          }
        })
        .build();
  }

  private static long nanos(Instant t) {
    return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
  }

  /** Used until {@code refreshAhead} before it expires, or until half its life if that is shorter. */
  private Duration usableFor(AccessToken token) {
    Duration ahead = settings.tokenRefreshAhead().compareTo(token.lifetime().dividedBy(2)) > 0
        ? token.lifetime().dividedBy(2) : settings.tokenRefreshAhead();
    Duration usable = Duration.between(time.now(), token.expiresAt()).minus(ahead);
    return usable.isNegative() ? Duration.ZERO : usable;
  }

  /** The cached token, or a new one. */
  public AccessToken current() {
    return cache.get(KEY, k -> fetch());
  }

  /** Drops {@code refused} if it is still the cached token, so the next {@link #current()} refreshes. */
  public void refused(AccessToken refused) {
    cache.asMap().remove(KEY, refused);
  }

  /** How many tokens were fetched. */
  public long refreshCount() {
    return refreshes.get();
  }

  private AccessToken fetch() {
    FormBody form = new FormBody.Builder()
        .add("grant_type", "refresh_token")
        .add("client_id", settings.clientId())
        .add("client_secret", config.secret("clientSecret").reveal())
        .add("refresh_token", config.secret("refreshToken").reveal())
        .build();
    HttpUrl url = settings.accountsUrl().newBuilder().addPathSegments("oauth/v2/token").build();
    JsonNode body = http.executeCredentials(new Request.Builder().url(url).post(form)
        .tag(CrmHttp.Operation.class, ZohoClient.TOKEN).build());
    if (!body.isObject()) {
      throw new CrmAuthenticationException(Settings.ID, 200, null,
          "the accounts server at " + url.host() + " answered the token request without a JSON object", null);
    }
    JsonNode error = body.get("error");
    if (error != null && !error.isNull()) {
      String code = ZohoErrors.excerpt(error.asText(""));
      throw new CrmAuthenticationException(Settings.ID, 200, null, "the accounts server at " + url.host()
          + " refused the refresh token: " + code + hint(code), null);
    }
    JsonNode access = body.get("access_token");
    if (access == null || !access.isTextual() || access.asText().isBlank()) {
      throw new CrmAuthenticationException(Settings.ID, 200, null,
          "the accounts server at " + url.host() + " answered without an access_token", null);
    }
    HttpUrl apiDomain = settings.apiDomain() != null ? settings.apiDomain() : apiDomain(body.get("api_domain"), url);
    long seconds = body.path("expires_in").canConvertToLong() ? body.path("expires_in").asLong() : 3600;
    Duration lifetime = Duration.ofSeconds(Math.max(1, seconds));
    if (refreshes.incrementAndGet() > 1) {
      onRenewed.run(); // the first token is no renewal
    }
    log.debug("Fetched a Zoho CRM access token valid for {}, API domain {}", lifetime, apiDomain.host());
    return new AccessToken(Secret.of(access.asText()), apiDomain, time.now().plus(lifetime), lifetime);
  }

  private static String hint(String code) {
    return switch (code) {
      case "invalid_code" -> " (the refresh token is unknown, revoked, or of another data centre: check 'dataCenter')";
      case "invalid_client" -> " (check 'clientId' and 'clientSecret', and that the client belongs to this data centre)";
      default -> "";
    };
  }

  /** The token answer's {@code api_domain}, accepted only where a token may go. */
  private static HttpUrl apiDomain(@Nullable JsonNode value, HttpUrl accounts) {
    String text = value == null || !value.isTextual() ? "" : value.asText().strip();
    HttpUrl url = HttpUrl.parse(text);
    if (url == null) {
      throw new CrmAuthenticationException(Settings.ID, 200, null,
          "the accounts server at " + accounts.host() + " answered without a valid api_domain", null);
    }
    String host = url.host().toLowerCase(Locale.ROOT);
    boolean zoho = url.isHttps() && ZOHO_API_HOST.matcher(host).matches();
    if (!zoho && !Settings.isLoopback(host)) {
      throw new CrmConfigurationException(Settings.ID, "refusing to send the access token to api_domain " + url.scheme()
          + "://" + host + ", which is not a Zoho API domain; set 'apiDomain' explicitly if it is right");
    }
    return url.newBuilder().encodedPath("/").build();
  }

  @Override
  public String toString() {
    return "TokenSource[" + settings.accountsUrl().host() + ", clientId=" + settings.clientId() + ", ****]";
  }
}
