package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.Secret;
import io.crmsync.http.CrmHttp;
import java.time.Instant;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Obtains access tokens by the configured OAuth flow and caches one (Caffeine, expiring after {@code tokenTtl} on
 * the adapter's clock). Concurrent callers share one login; a token the server rejected is dropped only if it is
 * still the cached one, so a burst of 401s causes one re-authentication. Thread-safe.
 */
public final class TokenSource {
  private static final Logger log = LoggerFactory.getLogger(TokenSource.class);
  private static final String KEY = "token";

  private final AdapterConfig config;
  private final Settings settings;
  private final CrmHttp http;
  private final TimeSource time;
  private final Cache<String, AccessToken> cache;

  public TokenSource(AdapterConfig config, Settings settings, CrmHttp oauthHttp) {
    this.config = config;
    this.settings = settings;
    this.http = oauthHttp;
    this.time = config.timeSource();
    this.cache = Caffeine.newBuilder()
        .maximumSize(1)
        .expireAfterWrite(settings.tokenTtl())
        .ticker(() -> {
          Instant now = time.now();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .build();
  }

  /** The cached token, or a new one. */
  public AccessToken current() {
    return cache.get(KEY, k -> fetch());
  }

  /** Drops {@code rejected} if it is still the cached token. */
  public void invalidate(AccessToken rejected) {
    cache.asMap().remove(KEY, rejected);
  }

  public void invalidateAll() {
    cache.invalidateAll();
  }

  private AccessToken fetch() {
    FormBody.Builder form = new FormBody.Builder();
    switch (settings.authFlow()) {
      case JWT -> form.add("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
          .add("assertion", JwtAssertion.sign(http.mapper(), settings.privateKey(), settings.clientId(),
              settings.username(), settings.audience(), time.now()));
      case REFRESH_TOKEN -> {
        form.add("grant_type", "refresh_token")
            .add("client_id", settings.clientId())
            .add("refresh_token", config.secret("refreshToken").reveal());
        config.optionalSecret("clientSecret").ifPresent(s -> form.add("client_secret", s.reveal()));
      }
      case CLIENT_CREDENTIALS -> form.add("grant_type", "client_credentials")
          .add("client_id", settings.clientId())
          .add("client_secret", config.secret("clientSecret").reveal());
    }
    HttpUrl url = HttpUrl.get(settings.loginUrl().toString()).newBuilder().encodedPath("/services/oauth2/token").build();
    JsonNode json = http.executeCredentials(new Request.Builder().url(url).post(form.build()).header("Accept", "application/json").build());
    String token = json.path("access_token").asText("");
    HttpUrl instance = HttpUrl.parse(json.path("instance_url").asText(""));
    if (token.isBlank() || instance == null) {
      throw new CrmAuthenticationException(config.adapterId(), 200, null,
          "token response from " + url.host() + " lacks access_token or a valid instance_url", null);
    }
    log.debug("Authenticated to Salesforce by {} flow; instance {}", settings.authFlow().setting(), instance.host());
    return new AccessToken(Secret.of(token), instance);
  }
}
