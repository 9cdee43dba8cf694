package io.crmsync.dynamics.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.Secret;
import io.crmsync.http.CrmHttp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.FormBody;
import okhttp3.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access tokens from Microsoft Entra ID by the client credentials grant, with a client secret or a certificate's
 * signed assertion (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow), scope
 * {@code <org>/.default}. A token is cached until {@code tokenRefreshAhead} before it expires (at most half its
 * lifetime ahead), on the adapter's clock; concurrent callers share one request; a token the org refused is dropped
 * only if it is still the cached one, so a burst of 401s causes one renewal. Thread-safe.
 */
public final class TokenSource {
  private static final Logger log = LoggerFactory.getLogger(TokenSource.class);
  private static final String KEY = "token";

  /** An access token; its {@code toString()} shows no token. */
  public record AccessToken(Secret value, Instant expiresAt, Duration lifetime) {}

  private final AdapterConfig config;
  private final Settings settings;
  private final CrmHttp http;
  private final TimeSource time;
  private final Cache<String, AccessToken> cache;
  private final AtomicLong fetched = new AtomicLong();

  public TokenSource(AdapterConfig config, Settings settings, CrmHttp tokenHttp) {
    this.config = config;
    this.settings = settings;
    this.http = tokenHttp;
    this.time = config.timeSource();
    this.cache = Caffeine.newBuilder()
        .maximumSize(1)
        .ticker(() -> {
          Instant now = time.now();
          return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
        })
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

  /** Drops {@code refused} if it is still the cached token. */
  public void invalidate(AccessToken refused) {
    cache.asMap().remove(KEY, refused);
  }

  public void invalidateAll() {
    cache.invalidateAll();
  }

  /** How many tokens were fetched. */
  public long fetchCount() {
    return fetched.get();
  }

  private AccessToken fetch() {
    FormBody.Builder form = new FormBody.Builder()
        .add("client_id", settings.clientId())
        .add("scope", settings.scope())
        .add("grant_type", "client_credentials");
    Certificate cert = settings.certificate();
    if (cert != null) {
      form.add("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
          .add("client_assertion", ClientAssertion.sign(http.mapper(), cert, settings.clientId(),
              settings.tokenUrl().toString(), time.now()));
    } else {
      form.add("client_secret", config.secret("clientSecret").reveal());
    }
    Request request = new Request.Builder().url(settings.tokenUrl()).post(form.build()).header("Accept", "application/json").build();
    JsonNode body;
    try {
      body = http.executeCredentials(request);
    } catch (CrmRequestException e) {
      // invalid_client, unauthorized_client, invalid_scope...: the credentials or the app registration were refused
      throw new CrmAuthenticationException(e.crm(), e.statusCode(), e.requestId(),
          "Microsoft Entra ID refused the client credentials: " + e.getMessage(), e);
    }
    JsonNode access = body.path("access_token");
    if (!access.isTextual() || access.asText().isBlank()) {
      throw new CrmAuthenticationException(settings.id(), 200, null,
          "the token endpoint " + settings.tokenUrl().host() + " answered without an access_token", null);
    }
    long expiresIn = body.path("expires_in").asLong(3599);
    Duration lifetime = Duration.ofSeconds(Math.max(1, expiresIn));
    fetched.incrementAndGet();
    log.debug("Fetched a Dataverse access token from {} valid for {}", settings.tokenUrl().host(), lifetime);
    return new AccessToken(Secret.of(access.asText()), time.now().plus(lifetime), lifetime);
  }
}
