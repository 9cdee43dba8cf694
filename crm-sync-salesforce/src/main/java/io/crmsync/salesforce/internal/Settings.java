package io.crmsync.salesforce.internal;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.Secret;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The adapter's settings, read and checked once from an {@link AdapterConfig}. Secrets that may be rotated
 * (client secret, refresh token) are read from the config again at each authentication, so they are not held
 * here. {@link #toString()} shows no secret.
 */
public record Settings(
    URI loginUrl,
    AuthFlow authFlow,
    String clientId,
    @Nullable String username,
    @Nullable PrivateKey privateKey,
    String audience,
    String apiVersion,
    boolean bulkEnabled,
    int bulkThreshold,
    int maxBatchSize,
    Duration bulkPollInitial,
    Duration bulkPollMax,
    Duration bulkTimeout,
    Duration incrementalOverlap,
    @Nullable Duration tokenTtl,
    Duration describeTtl,
    @Nullable String contactCompanyField,
    RequestBudget budget) {

  public static final String DEFAULT_LOGIN_URL = "https://login.salesforce.com";
  public static final String DEFAULT_API_VERSION = "66.0";
  public static final int COLLECTION_LIMIT = 200;

  /**
   * @throws CrmConfigurationException naming the setting that is missing or malformed
   */
  public static Settings from(AdapterConfig c) {
    String id = c.adapterId();
    URI loginUrl = c.uri("loginUrl", URI.create(DEFAULT_LOGIN_URL));
    checkTransport(id, "setting 'loginUrl'", loginUrl);
    String clientId = c.string("clientId");
    AuthFlow flow;
    Optional<String> flowSetting = c.optionalString("authFlow");
    if (flowSetting.isPresent()) {
      try {
        flow = AuthFlow.parse(flowSetting.get());
      } catch (IllegalArgumentException e) {
        throw new CrmConfigurationException(id, "setting 'authFlow' must be jwt, refreshToken or clientCredentials but was '"
            + flowSetting.get() + "'");
      }
    } else if (c.has("privateKeyFile") || c.optionalSecret("privateKey").isPresent()) {
      flow = AuthFlow.JWT;
    } else if (c.optionalSecret("refreshToken").isPresent()) {
      flow = AuthFlow.REFRESH_TOKEN;
    } else if (c.optionalSecret("clientSecret").isPresent()) {
      flow = AuthFlow.CLIENT_CREDENTIALS;
    } else {
      throw new CrmConfigurationException(id, "no credentials: set privateKeyFile and username (JWT bearer flow), "
          + "refreshToken (refresh token flow) or clientSecret (client credentials flow); see "
          + AdapterConfig.propertyKey(id, "privateKeyFile") + " or " + AdapterConfig.environmentVariable(id, "privateKeyFile"));
    }
    String username = null;
    PrivateKey key = null;
    switch (flow) {
      case JWT -> {
        username = c.string("username");
        key = privateKey(c);
      }
      case REFRESH_TOKEN -> c.secret("refreshToken");
      case CLIENT_CREDENTIALS -> c.secret("clientSecret");
    }
    String apiVersion = c.string("apiVersion", DEFAULT_API_VERSION).strip();
    if (apiVersion.startsWith("v")) {
      apiVersion = apiVersion.substring(1);
    }
    if (!apiVersion.matches("\\d{2,3}\\.\\d")) {
      throw new CrmConfigurationException(id, "setting 'apiVersion' must look like " + DEFAULT_API_VERSION + " but was '" + apiVersion + "'");
    }
    boolean bulk = c.bool("bulkEnabled", true);
    int threshold = c.integer("bulkThreshold", 2_000);
    int maxBatch = c.integer("maxBatchSize", bulk ? 10_000 : COLLECTION_LIMIT);
    if (threshold < 1) {
      throw new CrmConfigurationException(id, "setting 'bulkThreshold' must be at least 1 (batches of at least this "
          + "many records go through Bulk API 2.0; 1 sends every batch there): " + threshold);
    }
    if (maxBatch <= 0 || (!bulk && maxBatch > COLLECTION_LIMIT)) {
      throw new CrmConfigurationException(id, "setting 'maxBatchSize' must be within 1 and "
          + (bulk ? "any size" : COLLECTION_LIMIT + " when bulkEnabled is false") + ": " + maxBatch);
    }
    Duration pollInitial = positive(c, "bulkPollInitial", Duration.ofSeconds(1));
    Duration pollMax = positive(c, "bulkPollMax", Duration.ofSeconds(30));
    if (pollMax.compareTo(pollInitial) < 0) {
      throw new CrmConfigurationException(id, "setting 'bulkPollMax' (" + pollMax + ") must not be less than bulkPollInitial (" + pollInitial + ")");
    }
    Duration overlap = c.duration("incrementalOverlap", Duration.ofMinutes(5));
    if (overlap.isNegative()) {
      throw new CrmConfigurationException(id, "setting 'incrementalOverlap' must not be negative: " + overlap);
    }
    RequestBudget budget = RequestBudget.unlimited();
    if (c.has("budgetRequests")) {
      int requests = c.integer("budgetRequests", 0);
      Duration window = positive(c, "budgetWindow", Duration.ofSeconds(1));
      if (requests <= 0) {
        throw new CrmConfigurationException(id, "setting 'budgetRequests' must be positive: " + requests);
      }
      budget = RequestBudget.of(requests, window);
    }
    String companyField = c.optionalString("contactCompanyField").map(String::strip).filter(s -> !s.isEmpty()).orElse(null);
    if (companyField != null && !companyField.matches("[A-Za-z][A-Za-z0-9_]*")) {
      throw new CrmConfigurationException(id, "setting 'contactCompanyField' must be a field API name: '" + companyField + "'");
    }
    String audience = c.string("audience", defaultAudience(loginUrl));
    return new Settings(loginUrl, flow, clientId, username, key, audience, apiVersion, bulk, threshold, maxBatch,
        pollInitial, pollMax, positive(c, "bulkTimeout", Duration.ofMinutes(30)), overlap,
        c.has("tokenTtl") ? positive(c, "tokenTtl", Duration.ofHours(2)) : null,
        positive(c, "describeTtl", Duration.ofMinutes(15)),
        companyField, budget);
  }

  /**
   * Refuses plain {@code http} to any host but this machine: the token request carries the client secret, the
   * refresh token or a signed assertion, and every API request the access token, in clear. Loopback is allowed for
   * emulators and local proxies.
   *
   * @param what names the URL in the message, such as {@code setting 'loginUrl'}
   * @throws CrmConfigurationException if the URL is neither https nor http to loopback
   */
  public static void checkTransport(String adapterId, String what, URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https")) {
      return;
    }
    if (!scheme.equals("http")) {
      throw new CrmConfigurationException(adapterId, what + " must be an https URL: " + url);
    }
    if (!isLoopback(url.getHost())) {
      throw new CrmConfigurationException(adapterId, what + " must use https: " + url + " is plain http to "
          + url.getHost() + ", which would carry credentials and tokens in clear (http is allowed only to this machine,"
          + " localhost or a loopback address)");
    }
  }

  /** Whether {@code host} names this machine without a DNS lookup: {@code localhost} or a loopback IP literal. */
  static boolean isLoopback(@Nullable String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (h.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return h.startsWith("127.");
    }
    if (h.contains(":")) {
      try {
        return java.net.InetAddress.getByName(h).isLoopbackAddress(); // an IPv6 literal: parsed, never resolved
      } catch (java.net.UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  /**
   * The JWT {@code aud}: {@code https://test.salesforce.com} for sandboxes, {@code https://login.salesforce.com} for
   * other Salesforce hosts (My Domain included), the login URL itself elsewhere (Experience Cloud sites, emulators).
   */
  static String defaultAudience(URI loginUrl) {
    String host = loginUrl.getHost().toLowerCase(Locale.ROOT);
    if (host.equals("test.salesforce.com") || host.endsWith(".sandbox.my.salesforce.com")
        || (host.endsWith(".salesforce.com") && host.contains("--"))) {
      return "https://test.salesforce.com";
    }
    if (host.endsWith(".salesforce.com")) {
      return "https://login.salesforce.com";
    }
    String s = loginUrl.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static PrivateKey privateKey(AdapterConfig c) {
    String pem;
    String source;
    Optional<Secret> inline = c.optionalSecret("privateKey");
    if (inline.isPresent()) {
      pem = inline.get().reveal();
      source = "setting 'privateKey'";
    } else {
      Path file = Path.of(c.string("privateKeyFile"));
      source = "privateKeyFile " + file;
      try {
        pem = Files.readString(file, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new CrmConfigurationException(c.adapterId(), "cannot read " + source + ": " + e.getClass().getSimpleName());
      }
    }
    try {
      return PemKeys.readRsaPrivateKey(pem);
    } catch (IllegalArgumentException e) {
      throw new CrmConfigurationException(c.adapterId(), source + ": " + e.getMessage());
    }
  }

  private static Duration positive(AdapterConfig c, String name, Duration dflt) {
    Duration d = c.duration(name, dflt);
    if (d.isNegative() || d.isZero()) {
      throw new CrmConfigurationException(c.adapterId(), "setting '" + name + "' must be positive: " + d);
    }
    return d;
  }

  /** The settings without secrets: the private key shows only whether it is set. */
  @Override
  public String toString() {
    return "Settings[loginUrl=" + loginUrl + ", authFlow=" + authFlow + ", clientId=" + clientId + ", username=" + username
        + ", privateKey=" + (privateKey == null ? "none" : "****") + ", audience=" + audience + ", apiVersion=" + apiVersion
        + ", bulkEnabled=" + bulkEnabled + ", bulkThreshold=" + bulkThreshold + ", maxBatchSize=" + maxBatchSize
        + ", bulkPollInitial=" + bulkPollInitial + ", bulkPollMax=" + bulkPollMax + ", bulkTimeout=" + bulkTimeout
        + ", incrementalOverlap=" + incrementalOverlap + ", tokenTtl=" + tokenTtl + ", contactCompanyField="
        + contactCompanyField + ", budget=" + budget + "]";
  }
}
