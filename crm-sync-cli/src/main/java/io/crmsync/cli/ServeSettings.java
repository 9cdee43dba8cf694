package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.GeneralSecurityException;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The settings of {@code crm-sync serve}: {@code crmsync.serve.<name>} in the properties file, overridden by {@code
 * CRMSYNC_SERVE_<NAME>} environment variables. Secrets (API keys, the HMAC secret) are never shown by a message or
 * {@link #toString()}.
 *
 * @param host the address to listen on
 * @param port the port (0: any free one)
 * @param targets the adapter ids to deliver to, in order
 * @param mappings mapping files per target
 * @param apiKeys the API keys by their names (a name, never a key, is what logs and quotas show)
 * @param jwt JWT settings, or null if JWTs are not accepted
 * @param quotaRequests requests each key may make per {@code quotaWindow}
 * @param quotaWindow the quota's window
 * @param maxBodyBytes the largest request body accepted
 * @param maxBatch the most changes one request may hold
 */
record ServeSettings(String host, int port, List<String> targets, Map<String, List<Path>> mappings,
    Map<String, byte[]> apiKeys, @Nullable Jwt jwt, int quotaRequests, Duration quotaWindow, int maxBodyBytes,
    int maxBatch) {

  /** The most clock skew that may be allowed for {@code exp} and {@code nbf}. */
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  /**
   * What a JWT must be: signed with HS256 by {@code hmacSecret} or with RS256 by the key of {@code rsaPublicKey}
   * (at least one), issued by {@code issuer} for {@code audience}, and within its {@code nbf}/{@code exp} give or
   * take {@code clockSkew}.
   */
  record Jwt(String issuer, String audience, byte @Nullable [] hmacSecret, @Nullable RSAPublicKey rsaPublicKey,
      Duration clockSkew) {
    @Override
    public String toString() {
      return "Jwt{issuer=" + issuer + ", audience=" + audience + ", hs256=" + (hmacSecret != null) + ", rs256="
          + (rsaPublicKey != null) + ", clockSkew=" + clockSkew + "}";
    }
  }

  ServeSettings {
    targets = List.copyOf(targets);
    mappings = Map.copyOf(mappings);
    apiKeys = Map.copyOf(apiKeys);
  }

  /**
   * Reads and checks the settings.
   *
   * @throws CrmConfigurationException naming the setting at fault, never quoting a secret
   */
  static ServeSettings from(Properties properties, Map<String, String> env) {
    AdapterConfig c = AdapterConfig.builder("serve").properties(properties, "properties").environment(env).build();
    String host = c.string("host", "127.0.0.1").strip();
    int port = c.integer("port", 8080);
    if (port < 0 || port > 65_535) {
      throw bad("port", "must be from 0 to 65535: " + port);
    }
    List<String> targets = list(c.string("targets", ""));
    if (targets.isEmpty()) {
      throw bad("targets", "is missing: the adapters to deliver to, such as hubspot,salesforce,dynamics");
    }
    if (targets.stream().distinct().count() != targets.size()) {
      throw bad("targets", "names a target twice: " + targets);
    }
    Map<String, List<Path>> mappings = new LinkedHashMap<>();
    for (String entry : list(c.string("mappings", ""))) {
      int colon = entry.indexOf(':');
      String target = colon < 0 ? "" : entry.substring(0, colon).strip();
      if (colon <= 0 || colon == entry.length() - 1 || !targets.contains(target)) {
        throw bad("mappings", "entries must be <target>:<file> with a target of 'targets' " + targets + ": " + entry);
      }
      mappings.computeIfAbsent(target, t -> new ArrayList<>()).add(Path.of(entry.substring(colon + 1).strip()));
    }
    Map<String, byte[]> apiKeys = apiKeys(c);
    Jwt jwt = jwt(c);
    if (apiKeys.isEmpty() && jwt == null) {
      throw new CrmConfigurationException("serve", "no credentials are accepted: set apiKeys (crmsync.serve.apiKeys"
          + " or CRMSYNC_SERVE_API_KEYS, as name:key,name:key) or jwtIssuer, jwtAudience and jwtHmacSecret or"
          + " jwtPublicKey; the server never runs open");
    }
    int quota = c.integer("quotaRequests", 600);
    Duration window = c.duration("quotaWindow", Duration.ofMinutes(1));
    if (quota < 1 || window.isNegative() || window.isZero()) {
      throw bad("quotaRequests/quotaWindow", "must be positive: " + quota + " per " + window);
    }
    int maxBody = c.integer("maxBodyBytes", 1 << 20);
    int maxBatch = c.integer("maxBatch", 500);
    if (maxBody < 1_024 || maxBatch < 1) {
      throw bad("maxBodyBytes/maxBatch", "must be at least 1024 bytes and 1 change: " + maxBody + ", " + maxBatch);
    }
    return new ServeSettings(host, port, targets, mappings, apiKeys, jwt, quota, window, maxBody, maxBatch);
  }

  private static Map<String, byte[]> apiKeys(AdapterConfig c) {
    Map<String, byte[]> keys = new LinkedHashMap<>();
    String raw = c.optionalSecret("apiKeys").map(s -> s.reveal()).orElse("");
    for (String entry : list(raw)) {
      int colon = entry.indexOf(':');
      String name = colon < 0 ? "" : entry.substring(0, colon).strip();
      String key = colon < 0 ? "" : entry.substring(colon + 1).strip();
      if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
        throw bad("apiKeys", "entries must be name:key with a name of letters, digits, '.', '-' or '_'"
            + " (the keys are not shown)");
      }
      if (key.length() < 16) {
        throw bad("apiKeys", "the key named '" + name + "' is shorter than 16 characters; use a long random key,"
            + " such as the output of 'openssl rand -hex 32'");
      }
      if (keys.put(name, key.getBytes(StandardCharsets.UTF_8)) != null) {
        throw bad("apiKeys", "names '" + name + "' twice");
      }
    }
    return keys;
  }

  private static @Nullable Jwt jwt(AdapterConfig c) {
    String issuer = c.string("jwtIssuer", "").strip();
    String audience = c.string("jwtAudience", "").strip();
    byte[] hmac = c.optionalSecret("jwtHmacSecret").map(s -> s.reveal().getBytes(StandardCharsets.UTF_8)).orElse(null);
    String publicKey = c.string("jwtPublicKey", "").strip();
    if (issuer.isEmpty() && audience.isEmpty() && hmac == null && publicKey.isEmpty()) {
      return null;
    }
    if (issuer.isEmpty() || audience.isEmpty()) {
      throw bad("jwtIssuer/jwtAudience", "both must be set to accept JWTs: tokens are checked against them");
    }
    if (hmac == null && publicKey.isEmpty()) {
      throw bad("jwtHmacSecret/jwtPublicKey", "one must be set to accept JWTs (HS256 or RS256)");
    }
    if (hmac != null && hmac.length < 32) {
      throw bad("jwtHmacSecret", "must be at least 32 bytes (256 bits) for HS256 (the secret is not shown)");
    }
    Duration skew = c.duration("jwtClockSkew", Duration.ofSeconds(60));
    if (skew.isNegative() || skew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw bad("jwtClockSkew", "must be from 0 to " + MAX_CLOCK_SKEW + ": " + skew);
    }
    return new Jwt(issuer, audience, hmac, publicKey.isEmpty() ? null : rsaPublicKey(publicKey), skew);
  }

  /** An RSA public key from PEM text ({@code -----BEGIN PUBLIC KEY-----}) or the path of a PEM file. */
  static RSAPublicKey rsaPublicKey(String pemOrPath) {
    String pem = pemOrPath;
    if (!pem.startsWith("-----BEGIN")) {
      try {
        pem = Files.readString(Path.of(pemOrPath), StandardCharsets.US_ASCII);
      } catch (IOException | RuntimeException e) {
        throw bad("jwtPublicKey", "is neither PEM text nor a readable PEM file: " + pemOrPath);
      }
    }
    String body = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
    try {
      RSAPublicKey key = (RSAPublicKey) KeyFactory.getInstance("RSA")
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
      if (key.getModulus().bitLength() < 2048) {
        throw bad("jwtPublicKey", "is an RSA key of " + key.getModulus().bitLength() + " bits; RS256 needs 2048 or more");
      }
      return key;
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw bad("jwtPublicKey", "is not an RSA public key in PEM (-----BEGIN PUBLIC KEY-----, X.509 SubjectPublicKeyInfo)");
    }
  }

  private static List<String> list(String value) {
    List<String> out = new ArrayList<>();
    for (String s : value.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  private static CrmConfigurationException bad(String name, String what) {
    return new CrmConfigurationException("serve", "setting " + name + " (crmsync.serve.* or CRMSYNC_SERVE_*) " + what);
  }

  @Override
  public String toString() {
    return "ServeSettings{" + host + ":" + port + ", targets=" + targets + ", mappings=" + mappings.keySet()
        + ", apiKeys=" + apiKeys.keySet() + ", jwt=" + jwt + ", quota=" + quotaRequests + "/" + quotaWindow
        + ", maxBodyBytes=" + maxBodyBytes + ", maxBatch=" + maxBatch + "}";
  }
}
