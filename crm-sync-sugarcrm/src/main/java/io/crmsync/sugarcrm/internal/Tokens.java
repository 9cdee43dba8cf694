package io.crmsync.sugarcrm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.CrmRequestException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.Secret;
import io.crmsync.http.CrmHttp;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter's session with SugarCRM: an access token from {@code POST /oauth2/token}, renewed with the
 * refresh token before it expires, and from the password again when the refresh token is refused.
 *
 * <p>Sugar keeps one session per user and platform: logging the same user in on the same platform elsewhere
 * ends this one (its access and refresh tokens answer {@code invalid_grant}), and each refresh replaces the
 * refresh token. So renewals are serialised (two threads refreshing with the same refresh token would make
 * the second fail and log in again), and a token refused by the API is replaced only if it is still the
 * current one. Thread-safe; token responses are never quoted ({@link CrmHttp#executeCredentials}).
 */
public final class Tokens {
  private static final Logger log = LoggerFactory.getLogger(Tokens.class);

  private record Session(Secret access, Instant renewAt, @Nullable Secret refresh, Instant refreshExpiresAt) {}

  private final CrmHttp http;
  private final HttpUrl tokenUrl;
  private final String username;
  private final Secret password;
  private final String clientId;
  private final @Nullable Secret clientSecret;
  private final String platform;
  private final TimeSource time;
  private final Duration refreshAhead;
  private final AtomicLong passwordGrants = new AtomicLong();
  private final AtomicLong refreshGrants = new AtomicLong();
  private @Nullable Session session; // guarded by this

  private final Runnable onRenewed;

  /** @param onRenewed told of every session renewed (a refresh, or a login after the first) */
  public Tokens(CrmHttp http, HttpUrl tokenUrl, String username, Secret password, String clientId,
      @Nullable Secret clientSecret, String platform, TimeSource time, Duration refreshAhead, Runnable onRenewed) {
    this.onRenewed = Objects.requireNonNull(onRenewed, "onRenewed");
    this.http = Objects.requireNonNull(http, "http");
    this.tokenUrl = Objects.requireNonNull(tokenUrl, "tokenUrl");
    this.username = Objects.requireNonNull(username, "username");
    this.password = Objects.requireNonNull(password, "password");
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.clientSecret = clientSecret;
    this.platform = Objects.requireNonNull(platform, "platform");
    this.time = Objects.requireNonNull(time, "time");
    this.refreshAhead = Objects.requireNonNull(refreshAhead, "refreshAhead");
  }

  /** The access token to send now; logs in or refreshes first when there is none or it is about to expire. */
  public synchronized String accessToken() {
    Session s = session;
    if (s == null || !time.now().isBefore(s.renewAt())) {
      s = renew(s);
      session = s;
    }
    return s.access().reveal();
  }

  /**
   * The API refused {@code token} (401): forgets it, so the next {@link #accessToken()} renews the session,
   * unless another thread already did.
   */
  public synchronized void refused(String token) {
    Session s = session;
    if (s != null && s.access().reveal().equals(token)) {
      session = new Session(s.access(), Instant.MIN, s.refresh(), s.refreshExpiresAt());
    }
  }

  /** How many password grants and refresh grants succeeded, for tests and diagnostics. */
  public long passwordGrants() {
    return passwordGrants.get();
  }

  public long refreshGrants() {
    return refreshGrants.get();
  }

  private Session renew(@Nullable Session old) {
    if (old != null && old.refresh() != null && time.now().isBefore(old.refreshExpiresAt())) {
      try {
        Session s = grant("refresh_token", old.refresh());
        refreshGrants.incrementAndGet();
        onRenewed.run();
        return s;
      } catch (CrmAuthenticationException e) {
        // the refresh token was rotated away or its session displaced: log in again
        log.debug("SugarCRM refused the refresh token ({}); logging in again", e.getMessage());
      }
    }
    Session s = grant("password", null);
    if (passwordGrants.incrementAndGet() > 1 || refreshGrants.get() > 0) {
      onRenewed.run(); // the first login is no renewal
    }
    return s;
  }

  private Session grant(String grantType, @Nullable Secret refreshToken) {
    ObjectNode body = http.mapper().createObjectNode();
    body.put("grant_type", grantType);
    body.put("client_id", clientId);
    body.put("client_secret", clientSecret == null ? "" : clientSecret.reveal());
    body.put("platform", platform);
    if (refreshToken != null) {
      body.put("refresh_token", refreshToken.reveal());
    } else {
      body.put("username", username);
      body.put("password", password.reveal());
    }
    Request request = new Request.Builder().url(tokenUrl).post(http.jsonBody(body))
        .tag(CrmHttp.Operation.class, new CrmHttp.Operation("token")).build();
    JsonNode answer;
    try {
      answer = http.executeCredentials(request);
    } catch (CrmRequestException e) {
      String m = e.getMessage();
      if (m.contains("invalid_client")) {
        throw new CrmConfigurationException(SugarErrors.CRM, "SugarCRM refused the OAuth client: check the 'clientId' and "
            + "'clientSecret' settings (" + m + ")");
      }
      if (e.statusCode() == 422 && m.contains("invalid_parameter")) {
        throw new CrmConfigurationException(SugarErrors.CRM, "SugarCRM refused the platform '" + platform
            + "': register it on the instance (Platforms extension) or set 'platform' to a registered one (" + m + ")");
      }
      // 400 invalid_grant: the refresh token is unknown, rotated or expired
      throw new CrmAuthenticationException(e.crm(), e.statusCode(), e.requestId(),
          "SugarCRM refused the " + grantType + " grant: " + m, e);
    } catch (CrmAuthenticationException e) {
      throw new CrmAuthenticationException(e.crm(), e.statusCode(), e.requestId(),
          "SugarCRM refused the " + grantType + " grant (check 'username' and 'password'): " + e.getMessage(), e);
    }
    JsonNode access = answer.path("access_token");
    if (!access.isTextual() || access.asText().isBlank()) {
      throw new CrmAuthenticationException(SugarErrors.CRM, 200, null,
          "the SugarCRM token endpoint answered without an access_token", null);
    }
    Instant now = time.now();
    Duration lifetime = Duration.ofSeconds(Math.max(1, answer.path("expires_in").asLong(3600)));
    Duration ahead = refreshAhead.compareTo(lifetime.dividedBy(2)) > 0 ? lifetime.dividedBy(2) : refreshAhead;
    JsonNode refresh = answer.path("refresh_token");
    Secret refreshSecret = refresh.isTextual() && !refresh.asText().isBlank() ? Secret.of(refresh.asText()) : null;
    long refreshSeconds = answer.path("refresh_expires_in").asLong(0);
    Instant refreshExpires = refreshSecret == null ? Instant.MIN
        : refreshSeconds > 0 ? now.plusSeconds(refreshSeconds) : Instant.MAX;
    log.debug("Got a SugarCRM access token ({} grant) valid for {}", grantType, lifetime);
    return new Session(Secret.of(access.asText()), now.plus(lifetime).minus(ahead), refreshSecret, refreshExpires);
  }

  @Override
  public String toString() {
    return "Tokens[" + username + "@" + platform + ", ****]";
  }
}
