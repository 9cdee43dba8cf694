package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The RS256-signed JWT the OAuth 2.0 JWT bearer flow sends: header {@code {"alg":"RS256"}}, claims {@code iss}
 * (the connected app's client id), {@code sub} (the username), {@code aud} (the authorization server) and
 * {@code exp} (seconds since the epoch, at most three minutes ahead as Salesforce requires).
 */
public final class JwtAssertion {
  /** How far ahead {@code exp} is set. */
  public static final Duration LIFETIME = Duration.ofMinutes(3);

  private JwtAssertion() {}

  public static String sign(ObjectMapper mapper, PrivateKey key, String clientId, String username, String audience,
      Instant now) {
    ObjectNode header = mapper.createObjectNode().put("alg", "RS256");
    ObjectNode claims = mapper.createObjectNode()
        .put("iss", clientId)
        .put("sub", username)
        .put("aud", audience)
        .put("exp", now.plus(LIFETIME).getEpochSecond());
    Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
    try {
      String signingInput = enc.encodeToString(mapper.writeValueAsBytes(header)) + "."
          + enc.encodeToString(mapper.writeValueAsBytes(claims));
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key);
      rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + enc.encodeToString(rsa.sign());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the JWT", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the JWT with the configured key: " + e.getClass().getSimpleName(), e);
    }
  }
}
