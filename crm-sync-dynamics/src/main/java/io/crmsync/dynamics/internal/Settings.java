package io.crmsync.dynamics.internal;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.adapter.Secret;
import io.crmsync.dynamics.WriteMode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * The adapter's settings, read and checked once from an {@link AdapterConfig}. The client secret is read from the
 * config at each token request (a credentials provider may rotate it), so it is not held here; a certificate's
 * private key is. {@link #toString()} shows no secret.
 */
public record Settings(
    String id,
    HttpUrl orgUrl,
    String tenantId,
    String clientId,
    HttpUrl tokenUrl,
    String scope,
    @Nullable Certificate certificate,
    String apiVersion,
    boolean batch,
    int maxBatchSize,
    int batchSize,
    RequestBudget budget,
    int maxConcurrentRequests,
    Duration tokenRefreshAhead,
    Duration incrementalOverlap,
    Duration describeTtl,
    @Nullable String contactCompanyField,
    WriteMode writeMode,
    boolean formattedValues,
    String changeTrackingScope,
    @Nullable Path deltaLinkFile) {

  /** The most operations one {@code $batch} may hold (execute-batch-operations-using-web-api). */
  public static final int BATCH_LIMIT = 1_000;
  public static final String DEFAULT_API_VERSION = "9.2";

  /**
   * @throws CrmConfigurationException naming the setting that is missing or malformed
   */
  public static Settings from(AdapterConfig c) {
    String id = c.adapterId();
    HttpUrl org = url(c, "orgUrl", null);
    if (!org.encodedPath().equals("/")) {
      org = org.newBuilder().encodedPath("/").build();
    }
    String clientId = c.string("clientId").strip();
    Optional<String> tenant = c.optionalString("tenantId").map(String::strip).filter(s -> !s.isEmpty());
    HttpUrl tokenUrl;
    if (c.has("tokenUrl")) {
      tokenUrl = url(c, "tokenUrl", null);
    } else {
      String t = tenant.orElseThrow(() -> new CrmConfigurationException(id, "missing setting 'tenantId': set property "
          + AdapterConfig.propertyKey(id, "tenantId") + " or environment variable "
          + AdapterConfig.environmentVariable(id, "tenantId") + " (or give the token endpoint as tokenUrl)"));
      if (!t.matches("[A-Za-z0-9.-]+")) {
        throw new CrmConfigurationException(id, "setting 'tenantId' must be a tenant id or domain but was '" + t + "'");
      }
      tokenUrl = HttpUrl.get("https://login.microsoftonline.com/" + t + "/oauth2/v2.0/token");
    }
    String scope = c.string("scope", root(org) + "/.default");
    Certificate certificate = null;
    boolean hasSecret = c.optionalSecret("clientSecret").isPresent();
    boolean hasCertificate = c.has("certificateFile") || c.optionalSecret("certificate").isPresent();
    if (hasSecret && hasCertificate) {
      throw new CrmConfigurationException(id, "set either 'clientSecret' or a certificate ('certificateFile' or "
          + "'certificate'), not both");
    }
    if (hasCertificate) {
      certificate = certificate(c);
    } else if (!hasSecret) {
      throw new CrmConfigurationException(id, "no credentials: set 'clientSecret' (property "
          + AdapterConfig.propertyKey(id, "clientSecret") + " or environment variable "
          + AdapterConfig.environmentVariable(id, "clientSecret") + ") or a certificate ('certificateFile', a PEM file "
          + "with the private key and the certificate)");
    }
    String apiVersion = c.string("apiVersion", DEFAULT_API_VERSION).strip();
    if (apiVersion.startsWith("v")) {
      apiVersion = apiVersion.substring(1);
    }
    if (!apiVersion.matches("9\\.[0-9]")) {
      throw new CrmConfigurationException(id, "setting 'apiVersion' must look like " + DEFAULT_API_VERSION + " but was '"
          + apiVersion + "'");
    }
    boolean batch = c.bool("batch", true);
    int maxBatch = c.integer("maxBatchSize", batch ? BATCH_LIMIT : 100);
    if (maxBatch < 1 || (batch && maxBatch > BATCH_LIMIT)) {
      throw new CrmConfigurationException(id, "setting 'maxBatchSize' must be within 1 and " + BATCH_LIMIT
          + " (the most operations one $batch may hold) but was " + maxBatch);
    }
    int batchSize = c.integer("batchSize", Math.min(100, maxBatch));
    if (batchSize < 1 || batchSize > maxBatch) {
      throw new CrmConfigurationException(id, "setting 'batchSize' must be within 1 and maxBatchSize (" + maxBatch
          + ") but was " + batchSize);
    }
    int requests = c.integer("budgetRequests", 6_000);
    Duration window = c.duration("budgetWindow", Duration.ofMinutes(5));
    if (requests <= 0 || window.isNegative() || window.isZero()) {
      throw new CrmConfigurationException(id, "settings 'budgetRequests' and 'budgetWindow' must be positive but were "
          + requests + " per " + window);
    }
    int concurrent = c.integer("maxConcurrentRequests", 52);
    if (concurrent < 1) {
      throw new CrmConfigurationException(id, "setting 'maxConcurrentRequests' must be positive but was " + concurrent);
    }
    String company = c.optionalString("contactCompanyField").map(String::strip).filter(s -> !s.isEmpty()).orElse(null);
    if (company != null && !company.matches("[a-z][a-z0-9_]*")) {
      throw new CrmConfigurationException(id, "setting 'contactCompanyField' must be a column's logical name: '" + company + "'");
    }
    WriteMode mode;
    String modeText = c.string("writeMode", "upsert").strip();
    switch (modeText.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
      case "upsert" -> mode = WriteMode.UPSERT;
      case "createonly" -> mode = WriteMode.CREATE_ONLY;
      case "updateonly" -> mode = WriteMode.UPDATE_ONLY;
      default -> throw new CrmConfigurationException(id, "setting 'writeMode' must be upsert, createOnly or updateOnly but was '"
          + modeText + "'");
    }
    String scopeName = c.string("changeTrackingScope", id).strip();
    if (scopeName.isEmpty() || scopeName.contains("\n")) {
      throw new CrmConfigurationException(id, "setting 'changeTrackingScope' must be a name on one line");
    }
    Path deltaFile = c.optionalString("deltaLinkFile").map(String::strip).filter(s -> !s.isEmpty()).map(Path::of).orElse(null);
    return new Settings(id, org, tenant.orElse(""), clientId, tokenUrl, scope, certificate, apiVersion, batch, maxBatch,
        batchSize, RequestBudget.of(requests, window), concurrent, nonNegative(c, "tokenRefreshAhead", Duration.ofMinutes(5)),
        nonNegative(c, "incrementalOverlap", Duration.ofMinutes(1)), positive(c, "describeTtl", Duration.ofMinutes(15)),
        company, mode, c.bool("formattedValues", false), scopeName, deltaFile);
  }

  /** The org URL without a trailing slash, as scopes and delta links spell it. */
  public static String root(HttpUrl org) {
    String s = org.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** The Web API's root, {@code <org>/api/data/v9.2/}. */
  public HttpUrl apiRoot() {
    return orgUrl.newBuilder().addPathSegments("api/data/v" + apiVersion).addPathSegment("").build();
  }

  private static HttpUrl url(AdapterConfig c, String name, @Nullable URI dflt) {
    if (dflt == null && !c.has(name)) {
      c.string(name); // throws the error naming the missing setting
    }
    URI uri = c.uri(name, dflt != null ? dflt : URI.create("https://unset.invalid/"));
    HttpUrl url = HttpUrl.get(uri.toString());
    if (!url.isHttps() && !isLoopback(url.host())) {
      throw new CrmConfigurationException(c.adapterId(), "setting '" + name + "' must be an https URL (http is allowed only for "
          + "loopback hosts, such as an emulator) but was http://" + url.host() + ":" + url.port());
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      throw new CrmConfigurationException(c.adapterId(), "setting '" + name + "' must not carry credentials");
    }
    return url;
  }

  private static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+") && !host.contains(":")) {
      return false; // names are never resolved here
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Certificate certificate(AdapterConfig c) {
    String pem;
    String source;
    Optional<Secret> inline = c.optionalSecret("certificate");
    if (inline.isPresent()) {
      pem = inline.get().reveal();
      source = "setting 'certificate'";
    } else {
      Path file = Path.of(c.string("certificateFile"));
      source = "certificateFile " + file;
      try {
        pem = Files.readString(file, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new CrmConfigurationException(c.adapterId(), "cannot read " + source + ": " + e.getClass().getSimpleName());
      }
    }
    try {
      return Certificate.fromPem(pem);
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

  private static Duration nonNegative(AdapterConfig c, String name, Duration dflt) {
    Duration d = c.duration(name, dflt);
    if (d.isNegative()) {
      throw new CrmConfigurationException(c.adapterId(), "setting '" + name + "' must not be negative: " + d);
    }
    return d;
  }

  @Override
  public String toString() {
    return "Settings[orgUrl=" + orgUrl + ", tenantId=" + tenantId + ", clientId=" + clientId + ", tokenUrl=" + tokenUrl
        + ", credential=" + (certificate == null ? "client secret ****" : "certificate " + certificate.thumbprint())
        + ", apiVersion=" + apiVersion + ", batch=" + batch + ", maxBatchSize=" + maxBatchSize + ", batchSize=" + batchSize
        + ", budget=" + budget + ", maxConcurrentRequests=" + maxConcurrentRequests + ", writeMode=" + writeMode + "]";
  }
}
