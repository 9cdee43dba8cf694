package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmSyncException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.Secret;
import io.crmsync.http.CrmHttp;
import io.crmsync.salesforce.SessionStats;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Obtains access tokens by the configured OAuth flow and keeps the current one. Salesforce's token answer has no
 * {@code expires_in}: a session lasts the org's session timeout. Where the connected app's client secret is known,
 * the token is introspected once ({@code /services/oauth2/introspect}, which reports {@code exp} and {@code iat})
 * and renewed shortly before it expires; else after {@code tokenTtl} if set; else when Salesforce rejects it with
 * {@code INVALID_SESSION_ID}, once per rejected token however many concurrent requests saw the rejection.
 *
 * <p>Every call to a token endpoint goes through {@link CrmHttp#executeCredentials}: its answer is never quoted in a
 * message. Thread-safe.
 */
public final class TokenSource {
  private static final Logger log = LoggerFactory.getLogger(TokenSource.class);
  /** Renew this long before expiry at most; less for short sessions (a fifth of their lifetime). */
  private static final Duration MAX_MARGIN = Duration.ofMinutes(1);

  private enum Why { FIRST, AHEAD, REJECTED }

  private final AdapterConfig config;
  private final Settings settings;
  private final CrmHttp http;
  private final TimeSource time;
  private final Object lock = new Object();
  private volatile @Nullable AccessToken current;
  private Why nextWhy = Why.FIRST;
  private long obtained;
  private long renewedAhead;
  private long renewedAfterRejection;

  private final Runnable onRenewed;

  /** @param onRenewed told of every token obtained after the first (renewed ahead of expiry, or after a rejection) */
  public TokenSource(AdapterConfig config, Settings settings, CrmHttp oauthHttp, Runnable onRenewed) {
    this.onRenewed = onRenewed;
    this.config = config;
    this.settings = settings;
    this.http = oauthHttp;
    this.time = config.timeSource();
  }

  /**
   * The current token, or a new one if there is none or it is due for renewal. Concurrent callers share one login.
   * A renewal ahead of expiry that fails leaves the current token in use: it has not expired yet.
   */
  public AccessToken current() {
    AccessToken t = current;
    if (t != null && !due(t)) {
      return t;
    }
    synchronized (lock) {
      t = current;
      if (t != null && !due(t)) {
        return t;
      }
      Why why = t != null ? Why.AHEAD : nextWhy;
      AccessToken fresh;
      try {
        fresh = fetch();
      } catch (CrmSyncException e) {
        if (t != null && e.isRetryable()) {
          log.debug("Renewing the Salesforce session ahead of expiry failed; using the current one until then: {}",
              e.getMessage());
          return t;
        }
        throw e;
      }
      obtained++;
      if (why != Why.FIRST) {
        onRenewed.run();
      }
      if (why == Why.AHEAD) {
        renewedAhead++;
      } else if (why == Why.REJECTED) {
        renewedAfterRejection++;
      }
      nextWhy = Why.FIRST;
      current = fresh;
      return fresh;
    }
  }

  private boolean due(AccessToken t) {
    return t.renewAt() != null && !time.now().isBefore(t.renewAt());
  }

  /** Drops {@code rejected} if it is still the current token; the next {@link #current()} renews it. */
  public void invalidate(AccessToken rejected) {
    synchronized (lock) {
      if (current == rejected) {
        current = null;
        nextWhy = Why.REJECTED;
      }
    }
  }

  public void invalidateAll() {
    synchronized (lock) {
      current = null;
      nextWhy = Why.FIRST;
    }
  }

  public SessionStats stats() {
    synchronized (lock) {
      return new SessionStats(obtained, renewedAhead, renewedAfterRejection);
    }
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
    HttpUrl url = oauthUrl("/services/oauth2/token");
    JsonNode json = http.executeCredentials(new Request.Builder().url(url).post(form.build()).header("Accept", "application/json")
        .tag(CrmHttp.Operation.class, SalesforceClient.TOKEN).build());
    String token = json.path("access_token").asText("");
    HttpUrl instance = HttpUrl.parse(json.path("instance_url").asText(""));
    if (token.isBlank() || instance == null) {
      throw new CrmAuthenticationException(config.adapterId(), 200, null,
          "token response from " + url.host() + " lacks access_token or a valid instance_url", null);
    }
    Settings.checkTransport(config.adapterId(), "the token answer's instance_url", URI.create(instance.toString()));
    Instant now = time.now();
    AccessToken fresh = new AccessToken(Secret.of(token), instance, userId(json.path("id").asText("")), now, null);
    Instant renewAt = introspectedRenewal(fresh).orElse(null);
    if (renewAt == null && settings.tokenTtl() != null) {
      renewAt = now.plus(settings.tokenTtl()).minus(margin(settings.tokenTtl()));
    }
    log.debug("Authenticated to Salesforce by {} flow; instance {}; renewal {}", settings.authFlow().setting(),
        instance.host(), renewAt == null ? "when rejected" : "at " + renewAt);
    return fresh.renewingAt(renewAt);
  }

  private HttpUrl oauthUrl(String path) {
    return HttpUrl.get(settings.loginUrl().toString()).newBuilder().encodedPath(path).build();
  }

  /**
   * Asks the token introspection endpoint when the session ends, where the connected app's client secret is known
   * (it authenticates the request). Empty if it cannot be asked or does not say.
   */
  private Optional<Instant> introspectedRenewal(AccessToken token) {
    Optional<Secret> secret = config.optionalSecret("clientSecret");
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    try {
      FormBody form = new FormBody.Builder()
          .add("token", token.token().reveal())
          .add("token_type_hint", "access_token")
          .add("client_id", settings.clientId())
          .add("client_secret", secret.get().reveal())
          .build();
      JsonNode json = http.executeCredentials(new Request.Builder().url(oauthUrl("/services/oauth2/introspect"))
          .post(form).header("Accept", "application/json").tag(CrmHttp.Operation.class, SalesforceClient.TOKEN).build());
      long exp = json.path("exp").asLong(0);
      long iat = json.path("iat").asLong(0);
      if (!json.path("active").asBoolean(false) || exp <= 0 || iat <= 0 || exp <= iat) {
        log.debug("Token introspection did not report an expiry; renewing the session when it is rejected");
        return Optional.empty();
      }
      Duration lifetime = Duration.ofSeconds(exp - iat);
      return Optional.of(token.obtainedAt().plus(lifetime).minus(margin(lifetime)));
    } catch (CrmSyncException e) {
      log.debug("Token introspection failed; renewing the session when it is rejected: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private static Duration margin(Duration lifetime) {
    Duration fifth = lifetime.dividedBy(5);
    return fifth.compareTo(MAX_MARGIN) < 0 ? fifth : MAX_MARGIN;
  }

  /** The user id, last segment of the identity URL {@code https://login.salesforce.com/id/00D.../005...}. */
  private static @Nullable String userId(String identityUrl) {
    int slash = identityUrl.lastIndexOf('/');
    String last = slash < 0 ? "" : identityUrl.substring(slash + 1);
    return last.matches("005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?") ? last : null;
  }
}
