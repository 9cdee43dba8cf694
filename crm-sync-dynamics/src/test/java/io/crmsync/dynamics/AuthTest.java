package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Microsoft Entra ID client credentials: a secret or a certificate's signed assertion, tokens cached and renewed
 * ahead of expiry, one renewal on a 401 and then an authentication error, and secrets never in messages.
 */
class AuthTest {
  private static final String SECRET = "s3cr3t-Value~that-must-not-leak";
  final FakeTimeSource clock = new FakeTimeSource();

  private static DynamicsAdapter adapter(Map<String, String> settings, FakeTimeSource clock) {
    return DynamicsAdapter.create(AdapterConfig.builder(DynamicsAdapter.ID).settings(settings).timeSource(clock).build());
  }

  @Test
  void aTokenIsReusedThenRenewedAheadOfItsExpiry() {
    try (DataverseEmulator dv = Emulated.emulator(clock).clientSecret("app-id", SECRET).tokenLifetime(Duration.ofHours(1))
        .build().start()) {
      DynamicsAdapter a = Emulated.adapter(dv, clock);
      for (int i = 0; i < 5; i++) {
        a.read(ReadRequest.of(ObjectTypes.CONTACT));
      }
      assertThat(dv.tokensIssued()).as("one token for many requests").isEqualTo(1);
      clock.advance(Duration.ofMinutes(54));
      a.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(dv.tokensIssued()).as("still more than five minutes left").isEqualTo(1);
      clock.advance(Duration.ofMinutes(2));
      a.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(dv.tokensIssued()).as("renewed five minutes ahead of expiry, before any 401").isEqualTo(2);
      assertThat(dv.countByStatus(401)).isZero();
    }
  }

  @Test
  void a401RenewsTheTokenOnceThenIsAnAuthenticationError() {
    try (DataverseEmulator dv = Emulated.emulator(clock).clientSecret("app-id", SECRET).build().start()) {
      DynamicsAdapter a = Emulated.adapter(dv, clock);
      a.read(ReadRequest.of(ObjectTypes.CONTACT));
      dv.revokeTokens();
      a.read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(dv.tokensIssued()).as("a revoked token is renewed after its 401").isEqualTo(2);

      dv.failAuthentication(2);
      assertThatThrownBy(() -> a.read(ReadRequest.of(ObjectTypes.CONTACT)))
          .isInstanceOf(CrmAuthenticationException.class)
          .hasMessageNotContaining(SECRET);
      assertThat(dv.tokensIssued()).as("one renewal, not a loop").isEqualTo(3);
    }
  }

  @Test
  void aWrongSecretIsAnAuthenticationErrorThatDoesNotQuoteIt() {
    try (DataverseEmulator dv = Emulated.emulator(clock).clientSecret("app-id", SECRET).build().start()) {
      DynamicsAdapter a = Emulated.adapter(dv, clock, "clientSecret", "wrong-" + SECRET);
      assertThatThrownBy(() -> a.read(ReadRequest.of(ObjectTypes.CONTACT)))
          .isInstanceOf(CrmAuthenticationException.class)
          .hasMessageContaining("invalid_client")
          .hasMessageNotContaining(SECRET);
      assertThat(a.toString()).doesNotContain(SECRET);
    }
  }

  @Test
  void aCertificateSignsTheClientAssertion(@TempDir Path dir) throws Exception {
    String pem = DataverseEmulator.testClientCertificatePem();
    try (DataverseEmulator dv = Emulated.emulator(clock).clientCertificate("app-id", pem).build().start()) {
      Path file = dir.resolve("client.pem");
      Files.writeString(file, pem);
      Map<String, String> s = new LinkedHashMap<>(dv.adapterSettings());
      s.put("certificateFile", file.toString());
      DynamicsAdapter fromFile = adapter(s, clock);
      assertThat(fromFile.read(ReadRequest.of(ObjectTypes.CONTACT)).records()).isEmpty();
      assertThat(dv.tokensIssued()).isEqualTo(1);

      Map<String, String> inline = new LinkedHashMap<>(dv.adapterSettings());
      inline.put("certificate", pem);
      adapter(inline, clock).read(ReadRequest.of(ObjectTypes.CONTACT));
      assertThat(dv.tokensIssued()).isEqualTo(2);

      Map<String, String> withSecret = new LinkedHashMap<>(dv.adapterSettings());
      withSecret.put("clientSecret", SECRET);
      assertThatThrownBy(() -> adapter(withSecret, clock).read(ReadRequest.of(ObjectTypes.CONTACT)))
          .as("the app has a certificate, not a secret")
          .isInstanceOf(CrmAuthenticationException.class);
    }
  }

  @Test
  void urlsMustBeHttpsExceptOnLoopback() {
    Map<String, String> s = new LinkedHashMap<>(Map.of("orgUrl", "http://contoso.crm.dynamics.com", "tenantId", "contoso",
        "clientId", "app-id", "clientSecret", SECRET));
    assertThatThrownBy(() -> adapter(s, clock))
        .isInstanceOf(CrmConfigurationException.class).hasMessageContaining("orgUrl").hasMessageContaining("https")
        .hasMessageNotContaining(SECRET);

    s.put("orgUrl", "https://contoso.crm.dynamics.com");
    s.put("tokenUrl", "http://login.example.com/token");
    assertThatThrownBy(() -> adapter(s, clock)).isInstanceOf(CrmConfigurationException.class).hasMessageContaining("tokenUrl");

    s.put("tokenUrl", "https://login.microsoftonline.com/contoso/oauth2/v2.0/token");
    assertThat(adapter(s, clock).toString()).contains("contoso.crm.dynamics.com").doesNotContain(SECRET);
    s.remove("tokenUrl");
    s.put("orgUrl", "http://127.0.0.1:8080");
    assertThat(adapter(s, clock)).isNotNull();
  }

  @Test
  void secretAndCertificateAreExclusiveAndOneIsRequired() {
    Map<String, String> s = new LinkedHashMap<>(Map.of("orgUrl", "https://contoso.crm.dynamics.com", "tenantId", "contoso",
        "clientId", "app-id"));
    assertThatThrownBy(() -> adapter(s, clock)).isInstanceOf(CrmConfigurationException.class)
        .hasMessageContaining("clientSecret").hasMessageContaining("certificate");
    s.put("clientSecret", SECRET);
    s.put("certificate", "-----BEGIN CERTIFICATE-----");
    assertThatThrownBy(() -> adapter(s, clock)).isInstanceOf(CrmConfigurationException.class).hasMessageNotContaining(SECRET);
  }
}
