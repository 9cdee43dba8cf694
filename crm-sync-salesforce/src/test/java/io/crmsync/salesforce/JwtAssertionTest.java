package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.salesforce.internal.JwtAssertion;
import io.crmsync.salesforce.internal.PemKeys;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JwtAssertionTest {
  private final ObjectMapper mapper = AdapterConfig.defaultObjectMapper();
  private final Instant now = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void assertionVerifiesWithThePublicKeyAndCarriesTheClaims() throws Exception {
    String jwt = JwtAssertion.sign(mapper, Emulators.KEYS.getPrivate(), "client-1", "user@example.com",
        "https://login.salesforce.com", now);

    String[] parts = jwt.split("\\.");
    assertThat(parts).hasSize(3);
    assertThat(jwt).doesNotContain("=").doesNotContain("+").doesNotContain("/");
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(Emulators.KEYS.getPublic());
    rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(rsa.verify(Base64.getUrlDecoder().decode(parts[2]))).as("RS256 signature verifies").isTrue();

    JsonNode header = mapper.readTree(Base64.getUrlDecoder().decode(parts[0]));
    JsonNode claims = mapper.readTree(Base64.getUrlDecoder().decode(parts[1]));
    assertThat(header.get("alg").asText()).isEqualTo("RS256");
    assertThat(claims.get("iss").asText()).isEqualTo("client-1");
    assertThat(claims.get("sub").asText()).isEqualTo("user@example.com");
    assertThat(claims.get("aud").asText()).isEqualTo("https://login.salesforce.com");
    assertThat(claims.get("exp").asLong()).isEqualTo(now.getEpochSecond() + 180);
  }

  @Test
  void aSignatureByAnotherKeyDoesNotVerify() throws Exception {
    String jwt = JwtAssertion.sign(mapper, SalesforceEmulator.newKeyPair().getPrivate(), "c", "u", "a", now);
    String[] parts = jwt.split("\\.");
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initVerify(Emulators.KEYS.getPublic());
    rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(rsa.verify(Base64.getUrlDecoder().decode(parts[2]))).isFalse();
  }

  @Test
  void pkcs8AndPkcs1PemKeysAreRead() throws Exception {
    String pkcs8 = SalesforceEmulator.toPem(Emulators.KEYS.getPrivate());
    assertThat(PemKeys.readRsaPrivateKey(pkcs8)).isEqualTo(Emulators.KEYS.getPrivate());

    // PKCS#1 is the PKCS#8 body's inner OCTET STRING; strip the 26-byte PKCS#8 prefix of a 2048-bit key
    byte[] der = Emulators.KEYS.getPrivate().getEncoded();
    byte[] inner = java.util.Arrays.copyOfRange(der, 26, der.length);
    String pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(inner)
        + "\n-----END RSA PRIVATE KEY-----\n";
    assertThat(PemKeys.readRsaPrivateKey(pkcs1)).isEqualTo(Emulators.KEYS.getPrivate());
  }
}
