package io.crmsync.testkit.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.crmsync.TimeSource;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The org's OAuth endpoints and its sessions.
 *
 * <ul>
 *   <li>{@code POST /services/oauth2/token}: the JWT bearer grant ("OAuth 2.0 JWT Bearer Flow for Server-to-Server
 *       Integration", https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm: RS256, {@code
 *       iss} the consumer key, {@code sub} the username, {@code aud} the login URL, {@code exp} at most 3 minutes
 *       ahead), the refresh token grant and the client credentials grant. The answer carries no {@code expires_in}
 *       (restforce fixture auth_success_response.json): a session lasts the org's session timeout.
 *   <li>{@code POST /services/oauth2/introspect}: "OpenID Connect Token Introspection"
 *       (https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oidc_token_introspection_endpoint.htm):
 *       the connected app authenticates with its client id and secret; the answer is {@code active} and, for an
 *       active token, {@code exp}, {@code iat}, {@code nbf}, {@code client_id}, {@code username}, {@code sub},
 *       {@code scope}, {@code token_type} (fields as in the Postman collection's "OpenID Connect Token Introspection
 *       Endpoint" request, ../shared/specs/salesforce/postman).
 * </ul>
 *
 * Not thread-safe: the emulator calls it under its lock.
 */
final class OAuthServer {
  /** An access token and what the org knows of it. */
  record Session(String clientId, String username, Instant issuedAt, Instant expiresAt) {}

  /** A response to send: status and JSON body. */
  record Answer(int status, JsonNode body) {}

  private final ObjectMapper mapper;
  private final TimeSource time;
  private final @Nullable String clientId;
  private final @Nullable String clientSecret;
  private final @Nullable PublicKey jwtKey;
  private final Set<String> users;
  private final Set<String> refreshTokens;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new HashMap<>();
  private Duration sessionTimeout;
  private int issued;

  OAuthServer(ObjectMapper mapper, TimeSource time, @Nullable String clientId, @Nullable String clientSecret,
      @Nullable PublicKey jwtKey, Set<String> users, Set<String> refreshTokens, Duration sessionTimeout) {
    this.mapper = mapper;
    this.time = time;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.jwtKey = jwtKey;
    this.users = Set.copyOf(users);
    this.refreshTokens = Set.copyOf(refreshTokens);
    this.sessionTimeout = sessionTimeout;
  }

  int issued() {
    return issued;
  }

  Duration sessionTimeout() {
    return sessionTimeout;
  }

  /** Sessions issued from now on last {@code timeout}; those issued before keep their expiry. */
  void sessionTimeout(Duration timeout) {
    this.sessionTimeout = timeout;
  }

  void expireAll() {
    sessions.clear();
  }

  /** The live session of {@code token}, or null if it is unknown or expired (an expired one is forgotten). */
  @Nullable Session session(@Nullable String token) {
    if (token == null) {
      return null;
    }
    Session s = sessions.get(token);
    if (s != null && !time.now().isBefore(s.expiresAt())) {
      sessions.remove(token);
      return null;
    }
    return s;
  }

  void revoke(String token) {
    sessions.remove(token);
  }

  /** Answers a token request; {@code baseUrl} is the emulator, both login and instance URL. */
  Answer token(String body, String baseUrl, String expectedAudience) {
    Map<String, String> form = form(body);
    String grant = form.getOrDefault("grant_type", "");
    return switch (grant) {
      case "urn:ietf:params:oauth:grant-type:jwt-bearer" -> jwtGrant(form.get("assertion"), baseUrl, expectedAudience);
      case "refresh_token" -> {
        if (!clientOk(form.get("client_id"), form.get("client_secret"), false)) {
          yield error(400, "invalid_client_id", "client identifier invalid");
        }
        String rt = form.get("refresh_token");
        if (rt == null || rt.isBlank() || (!refreshTokens.isEmpty() && !refreshTokens.contains(rt))) {
          yield error(400, "invalid_grant", "expired access/refresh token");
        }
        yield issue(form.get("client_id"), "refresh-token-user", baseUrl);
      }
      case "client_credentials" -> {
        if (!clientOk(form.get("client_id"), form.get("client_secret"), true)) {
          yield error(400, "invalid_client", "invalid client credentials");
        }
        yield issue(form.get("client_id"), "integration-user", baseUrl);
      }
      default -> error(400, "unsupported_grant_type", "grant type not supported");
    };
  }

  /** Answers a token introspection request. */
  Answer introspect(String body, @Nullable String basicAuthorization, String baseUrl) {
    Map<String, String> form = form(body);
    String id = form.get("client_id");
    String secret = form.get("client_secret");
    if (basicAuthorization != null && basicAuthorization.startsWith("Basic ")) {
      try {
        String decoded = new String(Base64.getDecoder().decode(basicAuthorization.substring(6).strip()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
          secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
        }
      } catch (IllegalArgumentException e) {
        return error(401, "invalid_client", "invalid client credentials");
      }
    }
    // RFC 7662 section 2.1: the protected resource authenticates; the client secret is required
    if (!clientOk(id, secret, true)) {
      return error(401, "invalid_client", "invalid client credentials");
    }
    String token = form.get("token");
    Session s = session(token);
    ObjectNode n = mapper.createObjectNode();
    if (s == null) {
      n.put("active", false);
      return new Answer(200, n);
    }
    n.put("active", true);
    n.put("scope", "api");
    n.put("client_id", s.clientId());
    n.put("username", s.username());
    n.put("sub", baseUrl + "/id/00D000000000001AAA/" + Org.USER_ID);
    n.put("token_type", "access_token");
    n.put("exp", s.expiresAt().getEpochSecond());
    n.put("iat", s.issuedAt().getEpochSecond());
    n.put("nbf", s.issuedAt().getEpochSecond());
    return new Answer(200, n);
  }

  private boolean clientOk(@Nullable String id, @Nullable String secret, boolean secretRequired) {
    if (id == null || id.isBlank()) {
      return false;
    }
    if (clientId != null && !clientId.equals(id)) {
      return false;
    }
    if (clientSecret != null) {
      return secret != null ? clientSecret.equals(secret) : !secretRequired;
    }
    return !secretRequired || (secret != null && !secret.isBlank());
  }

  private Answer jwtGrant(@Nullable String assertion, String baseUrl, String expectedAudience) {
    if (assertion == null) {
      return error(400, "invalid_request", "assertion is required");
    }
    if (jwtKey == null) {
      return error(400, "invalid_grant", "no certificate is configured for this connected app");
    }
    String[] parts = assertion.split("\\.");
    if (parts.length != 3) {
      return error(400, "invalid_grant", "invalid assertion");
    }
    try {
      Base64.Decoder dec = Base64.getUrlDecoder();
      JsonNode header = mapper.readTree(dec.decode(parts[0]));
      if (!"RS256".equals(header.path("alg").asText())) {
        return error(400, "invalid_grant", "invalid assertion: alg must be RS256");
      }
      Signature sig = Signature.getInstance("SHA256withRSA");
      sig.initVerify(jwtKey);
      sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!sig.verify(dec.decode(parts[2]))) {
        return error(400, "invalid_grant", "invalid assertion: signature does not verify");
      }
      JsonNode claims = mapper.readTree(dec.decode(parts[1]));
      String iss = claims.path("iss").asText("");
      String sub = claims.path("sub").asText("");
      String aud = claims.path("aud").asText("");
      long exp = claims.path("exp").asLong(0);
      if (iss.isEmpty() || (clientId != null && !clientId.equals(iss))) {
        return error(400, "invalid_client_id", "client identifier invalid");
      }
      if (sub.isEmpty() || (!users.isEmpty() && !users.contains(sub))) {
        return error(400, "invalid_grant", "user hasn't approved this consumer");
      }
      if (!strip(aud).equals(strip(expectedAudience))) {
        return error(400, "invalid_grant", "audience is invalid");
      }
      long now = time.now().getEpochSecond();
      if (exp <= now) {
        return error(400, "invalid_grant", "expired authorization code");
      }
      if (exp > now + 300) {
        return error(400, "invalid_grant", "invalid assertion: exp is more than 3 minutes ahead");
      }
      return issue(iss, sub, baseUrl);
    } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
      return error(400, "invalid_grant", "invalid assertion");
    }
  }

  private static String strip(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private Answer issue(@Nullable String client, String username, String baseUrl) {
    byte[] raw = new byte[24];
    random.nextBytes(raw);
    String token = "00D000000000001!" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = time.now();
    sessions.put(token, new Session(client == null ? "" : client, username, now, now.plus(sessionTimeout)));
    issued++;
    ObjectNode n = mapper.createObjectNode();
    n.put("access_token", token);
    n.put("signature", Base64.getEncoder().encodeToString(raw));
    n.put("scope", "api");
    n.put("instance_url", baseUrl);
    n.put("id", baseUrl + "/id/00D000000000001AAA/" + Org.USER_ID);
    n.put("token_type", "Bearer");
    n.put("issued_at", String.valueOf(now.toEpochMilli()));
    return new Answer(200, n);
  }

  private Answer error(int status, String error, String description) {
    ObjectNode n = mapper.createObjectNode();
    n.put("error", error);
    n.put("error_description", description);
    return new Answer(status, n);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }
}
