package io.crmsync.pipedrive.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.Secret;
import io.crmsync.http.CrmHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth 2.0 access tokens from a refresh token: {@code POST https://oauth.pipedrive.com/oauth/token} with
 * {@code grant_type=refresh_token} and the app's client id and secret as HTTP Basic credentials; access
 * tokens live an hour ({@code expires_in} 3599)
 * (https://pipedrive.readme.io/docs/marketplace-oauth-authorization). Cached in Caffeine until {@code
 * refreshAhead} before they expire, with the cache's clock driven by the adapter's {@link TimeSource};
 * concurrent callers share one refresh; a refused token is dropped so that the next call refreshes; a
 * refresh token Pipedrive returns in place of the old one is kept.
 */
public final class OAuthAuth implements Auth {
  private static final Logger log = LoggerFactory.getLogger(OAuthAuth.class);
  private static final String KEY = "access-token";

  /** An access token; its {@code toString()} shows no token. */
  record AccessToken(Secret value, Instant expiresAt, Duration lifetime) {}

  private final CrmHttp http;
  private final HttpUrl tokenUrl;
  private final String clientId;
  private final Secret clientSecret;
  private final AtomicReference<Secret> refreshToken;
  private final TimeSource time;
  private final Duration refreshAhead;
  private final Cache<String, AccessToken> cache;
  private final AtomicLong refreshes = new AtomicLong();
  private final Runnable onRenewed;

  public OAuthAuth(CrmHttp http, HttpUrl tokenUrl, String clientId, Secret clientSecret, Secret refreshToken,
      TimeSource time, Duration refreshAhead, Runnable onRenewed) {
    this.onRenewed = Objects.requireNonNull(onRenewed, "onRenewed");
    this.http = Objects.requireNonNull(http, "http");
    this.tokenUrl = Objects.requireNonNull(tokenUrl, "tokenUrl");
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
    this.refreshToken = new AtomicReference<>(Objects.requireNonNull(refreshToken, "refreshToken"));
    this.time = Objects.requireNonNull(time, "time");
    this.refreshAhead = Objects.requireNonNull(refreshAhead, "refreshAhead");
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

  /** How long a token is used: until {@code refreshAhead} before it expires, or half its life if shorter. */
  private Duration usableFor(AccessToken token) {
    Duration remaining = Duration.between(time.now(), token.expiresAt());
    Duration half = token.lifetime().dividedBy(2);
    Duration ahead = refreshAhead.compareTo(half) > 0 ? half : refreshAhead;
    Duration usable = remaining.minus(ahead);
    return usable.isNegative() ? Duration.ZERO : usable;
  }

  @Override
  public String authenticate(Request.Builder request) {
    String token = cache.get(KEY, k -> refresh()).value().reveal();
    request.header("Authorization", "Bearer " + token);
    return token;
  }

  @Override
  public boolean refused(String credential) {
    cache.asMap().computeIfPresent(KEY, (k, v) -> v.value().reveal().equals(credential) ? null : v);
    return true;
  }

  @Override
  public boolean isOAuth() {
    return true;
  }

  /** How many times an access token was fetched. */
  public long refreshCount() {
    return refreshes.get();
  }

  private AccessToken refresh() {
    FormBody form = new FormBody.Builder()
        .add("grant_type", "refresh_token")
        .add("refresh_token", refreshToken.get().reveal())
        .build();
    String basic = Base64.getEncoder().encodeToString(
        (clientId + ":" + clientSecret.reveal()).getBytes(StandardCharsets.UTF_8));
    Request request = new Request.Builder().url(tokenUrl).header("Authorization", "Basic " + basic).post(form)
        .tag(CrmHttp.Operation.class, new CrmHttp.Operation("token")).build();
    JsonNode body;
    try {
      body = http.executeCredentials(request);
    } catch (CrmRequestException e) {
      // 400 invalid_grant (a refresh token revoked or unused for 60 days): the credentials themselves were refused
      throw new CrmAuthenticationException(e.crm(), e.statusCode(), e.requestId(),
          "refreshing the OAuth access token was refused: " + e.getMessage(), e);
    }
    JsonNode access = body.path("access_token");
    if (!access.isTextual() || access.asText().isBlank()) {
      throw new CrmAuthenticationException(PipedriveErrors.CRM, 200, null,
          "the OAuth token endpoint answered without an access_token", null);
    }
    long expiresIn = body.path("expires_in").asLong(3599);
    JsonNode rotated = body.path("refresh_token");
    if (rotated.isTextual() && !rotated.asText().isBlank()) {
      refreshToken.set(Secret.of(rotated.asText()));
    }
    if (refreshes.incrementAndGet() > 1) {
      onRenewed.run(); // the first token is no renewal
    }
    Duration lifetime = Duration.ofSeconds(Math.max(1, expiresIn));
    log.debug("Fetched a Pipedrive OAuth access token valid for {}", lifetime);
    return new AccessToken(Secret.of(access.asText()), time.now().plus(lifetime), lifetime);
  }

  @Override
  public String toString() {
    return "OAuthAuth[clientId=" + clientId + ", ****]";
  }
}
