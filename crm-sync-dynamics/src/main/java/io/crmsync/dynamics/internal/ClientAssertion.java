package io.crmsync.dynamics.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The signed JWT a confidential client sends instead of a secret
 * (https://learn.microsoft.com/entra/identity-platform/certificate-credentials): header {@code alg} PS256, {@code typ}
 * JWT, {@code x5t#S256} the certificate's SHA-256 thumbprint; claims {@code aud} the token endpoint, {@code iss} and
 * {@code sub} the client id, {@code jti} a new GUID, {@code nbf}/{@code iat} now and {@code exp} a few minutes on;
 * signed RSASSA-PSS with SHA-256.
 */
public final class ClientAssertion {
  /** How long an assertion is valid ("short - 5-10 minutes after nbf at most"). */
  public static final Duration LIFETIME = Duration.ofMinutes(5);

  private ClientAssertion() {}

  public static String sign(ObjectMapper mapper, Certificate certificate, String clientId, String audience, Instant now) {
    ObjectNode header = mapper.createObjectNode().put("alg", "PS256").put("typ", "JWT").put("x5t#S256", certificate.thumbprint());
    ObjectNode claims = mapper.createObjectNode()
        .put("aud", audience)
        .put("iss", clientId)
        .put("sub", clientId)
        .put("jti", UUID.randomUUID().toString())
        .put("nbf", now.getEpochSecond())
        .put("iat", now.getEpochSecond())
        .put("exp", now.plus(LIFETIME).getEpochSecond());
    Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
    try {
      String input = enc.encodeToString(mapper.writeValueAsBytes(header)) + "." + enc.encodeToString(mapper.writeValueAsBytes(claims));
      Signature pss = Signature.getInstance("RSASSA-PSS");
      pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
      pss.initSign(certificate.privateKey());
      pss.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + enc.encodeToString(pss.sign());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the client assertion", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the client assertion with the configured key: " + e.getClass().getSimpleName(), e);
    }
  }
}
