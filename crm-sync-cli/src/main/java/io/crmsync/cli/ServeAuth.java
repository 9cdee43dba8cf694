package io.crmsync.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.crmsync.TimeSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Who a request comes from: an API key ({@code Authorization: Bearer <key>} or {@code X-Api-Key: <key>}) or a JWT
 * ({@code Authorization: Bearer <jwt>}, HS256 or RS256, issuer and audience checked, {@code exp} required, {@code
 * exp} and {@code nbf} with a bounded clock skew). Why a request was refused is never told to the caller, nor
 * logged with the credential: the answer is the same for every failure. Thread-safe.
 */
final class ServeAuth {
  /** Names of the API keys by the SHA-256 of the key: equal lengths, compared in constant time. */
  private final Map<String, byte[]> keyDigests = new LinkedHashMap<>();
  private final ServeSettings.@Nullable Jwt jwt;
  private final @Nullable JWSVerifier hs256;
  private final @Nullable JWSVerifier rs256;
  private final TimeSource time;

  ServeAuth(ServeSettings settings, TimeSource time) {
    settings.apiKeys().forEach((name, key) -> keyDigests.put(name, sha256(key)));
    this.jwt = settings.jwt();
    this.time = time;
    try {
      this.hs256 = jwt != null && jwt.hmacSecret() != null ? new MACVerifier(jwt.hmacSecret()) : null;
    } catch (JOSEException e) {
      throw new IllegalStateException("HS256 verifier: " + e.getMessage(), e);
    }
    this.rs256 = jwt != null && jwt.rsaPublicKey() != null ? new RSASSAVerifier(jwt.rsaPublicKey()) : null;
  }

  /**
   * The principal the request's credentials name ({@code key:<name>} or {@code jwt:<issuer>/<subject>}), or empty
   * if they are missing or not valid.
   */
  Optional<String> principal(@Nullable String authorization, @Nullable String apiKeyHeader) {
    String credential = null;
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return Optional.empty();
      }
      credential = authorization.substring(7).strip();
      if (apiKeyHeader != null) {
        return Optional.empty(); // two credentials: which one was meant is not guessed
      }
    } else if (apiKeyHeader != null) {
      credential = apiKeyHeader.strip();
    }
    if (credential == null || credential.isEmpty() || credential.length() > 8_192) {
      return Optional.empty();
    }
    if (authorization != null && jwt != null && credential.chars().filter(c -> c == '.').count() == 2) {
      String token = credential;
      return jwtPrincipal(token).or(() -> apiKeyPrincipal(token));
    }
    return apiKeyPrincipal(credential);
  }

  private Optional<String> apiKeyPrincipal(String key) {
    byte[] digest = sha256(key.getBytes(StandardCharsets.UTF_8));
    String found = null;
    for (Map.Entry<String, byte[]> e : keyDigests.entrySet()) {
      // every key is compared, whichever matches, so the time taken does not tell which or how much matched
      if (MessageDigest.isEqual(digest, e.getValue()) && found == null) {
        found = e.getKey();
      }
    }
    return Optional.ofNullable(found).map(name -> "key:" + name);
  }

  private Optional<String> jwtPrincipal(String token) {
    ServeSettings.Jwt settings = jwt;
    if (settings == null) {
      return Optional.empty();
    }
    try {
      SignedJWT signed = SignedJWT.parse(token); // refuses alg none: an unsigned token is not a JWS
      JWSAlgorithm alg = signed.getHeader().getAlgorithm();
      // the verifier follows the configured key, never the token's header: an HS256 token signed with the RSA
      // public key as its secret finds no HS256 verifier unless an HMAC secret is set, and then that one
      JWSVerifier verifier = JWSAlgorithm.HS256.equals(alg) ? hs256 : JWSAlgorithm.RS256.equals(alg) ? rs256 : null;
      if (verifier == null || signed.getHeader().getCriticalParams() != null || !signed.verify(verifier)) {
        return Optional.empty();
      }
      JWTClaimsSet claims = signed.getJWTClaimsSet();
      Instant now = time.now();
      Date exp = claims.getExpirationTime();
      Date nbf = claims.getNotBeforeTime();
      if (exp == null || !now.isBefore(exp.toInstant().plus(settings.clockSkew()))) {
        return Optional.empty();
      }
      if (nbf != null && now.isBefore(nbf.toInstant().minus(settings.clockSkew()))) {
        return Optional.empty();
      }
      if (!settings.issuer().equals(claims.getIssuer())
          || claims.getAudience() == null || !claims.getAudience().contains(settings.audience())) {
        return Optional.empty();
      }
      String subject = claims.getSubject();
      return Optional.of("jwt:" + settings.issuer() + "/" + (subject == null ? "" : subject));
    } catch (ParseException | JOSEException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static byte[] sha256(byte[] value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "ServeAuth{apiKeys=" + keyDigests.keySet() + ", jwt=" + jwt + "}";
  }
}
