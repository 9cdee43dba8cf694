package io.crmsync.cli;

import io.crmsync.gateway.CrmGateway;
import io.crmsync.gateway.Target;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A {@link GatewayServer} on a free loopback port in front of a gateway to a {@link FakeCrm}, on a fake clock; its
 * gateway is driven by the test ({@link CrmGateway#deliverDue()}), not by worker threads.
 */
final class ServeFixture implements AutoCloseable {
  static final String WEBSITE_KEY = "k-website-0123456789abcdef0123456789abcdef";
  static final String SUPPORT_KEY = "k-support-fedcba9876543210fedcba9876543210";
  static final String HMAC_SECRET = "hs256-secret-of-at-least-32-bytes-0123456789";
  static final String ISSUER = "https://auth.example.com/";
  static final String AUDIENCE = "crm-sync";

  final FakeTimeSource clock = new FakeTimeSource();
  final FakeCrm crm = FakeCrm.builder().id("fake").build();
  final CrmGateway gateway;
  final GatewayServer server;
  final ServeClient client;

  /** With two API keys and HS256 JWTs, and {@code settings} over the defaults ({@code crmsync.serve.} left out). */
  ServeFixture(String... settings) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("host", "127.0.0.1");
    s.put("port", "0");
    s.put("targets", "fake");
    s.put("apiKeys", "website:" + WEBSITE_KEY + ",support:" + SUPPORT_KEY);
    s.put("jwtIssuer", ISSUER);
    s.put("jwtAudience", AUDIENCE);
    s.put("jwtHmacSecret", HMAC_SECRET);
    for (int i = 0; i + 1 < settings.length; i += 2) {
      if (settings[i + 1] == null) {
        s.remove(settings[i]);
      } else {
        s.put(settings[i], settings[i + 1]);
      }
    }
    Properties p = new Properties();
    s.forEach((k, v) -> p.setProperty("crmsync.serve." + k, v));
    ServeSettings parsed = ServeSettings.from(p, Map.of());
    gateway = CrmGateway.builder().target(Target.builder(crm).build()).timeSource(clock).build();
    server = new GatewayServer(gateway, parsed, clock).start();
    client = new ServeClient(server.url());
  }

  static String contact(String email) {
    return "{\"objectType\":\"contact\",\"op\":\"upsert\",\"record\":{\"email\":\"" + email
        + "\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}}";
  }

  @Override
  public void close() {
    server.close();
    gateway.close();
  }
}
