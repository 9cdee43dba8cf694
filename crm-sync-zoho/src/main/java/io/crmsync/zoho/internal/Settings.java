package io.crmsync.zoho.internal;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.RequestBudget;
import io.crmsync.zoho.DataCenter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * The Zoho adapter's settings, read and checked once. Each problem is a {@link CrmConfigurationException} naming
 * the setting. Immutable.
 */
public final class Settings {
  public static final String ID = "zoho";
  /** Zoho's limit of records per upsert or delete call. */
  public static final int MAX_BATCH = 100;

  private final String clientId;
  private final HttpUrl accountsUrl;
  private final @Nullable HttpUrl apiDomain;
  private final String apiVersion;
  private final Duration tokenRefreshAhead;
  private final int concurrency;
  private final @Nullable RequestBudget creditBudget;
  private final RequestBudget budget;
  private final int batchSize;
  private final Map<String, Set<String>> extraFields;
  private final boolean readCustomFields;
  private final Duration incrementalOverlap;
  private final int readRetries;
  private final Duration maxReadWait;
  private final @Nullable String contactCompanyField;

  private Settings(AdapterConfig c) {
    this.clientId = c.string("clientId");
    if (c.optionalSecret("clientSecret").isEmpty() || c.optionalSecret("refreshToken").isEmpty()) {
      throw new CrmConfigurationException(ID, "settings 'clientSecret' and 'refreshToken' are required (properties "
          + AdapterConfig.propertyKey(ID, "clientSecret") + " and " + AdapterConfig.propertyKey(ID, "refreshToken")
          + ", or environment variables " + AdapterConfig.environmentVariable(ID, "clientSecret") + " and "
          + AdapterConfig.environmentVariable(ID, "refreshToken") + ")");
    }
    DataCenter dc = DataCenter.named(c.string("dataCenter", "us")).orElseThrow(() -> new CrmConfigurationException(ID,
        "setting 'dataCenter' must be one of us, eu, in, au, jp, ca, cn, sa but was '" + c.string("dataCenter", "") + "'"));
    this.accountsUrl = checkedUrl("accountsUrl", c.uri("accountsUrl", dc.accountsUrl()));
    this.apiDomain = c.has("apiDomain") ? checkedUrl("apiDomain", c.uri("apiDomain", dc.accountsUrl())) : null;
    String version = c.string("apiVersion", "v8").strip().toLowerCase(Locale.ROOT);
    if (!version.startsWith("v")) {
      version = "v" + version;
    }
    if (!version.matches("v[2-9]")) {
      throw new CrmConfigurationException(ID, "setting 'apiVersion' must be a Zoho CRM API version such as v8 but was '"
          + c.string("apiVersion", "") + "'");
    }
    this.apiVersion = version;
    this.tokenRefreshAhead = nonNegative(c, "tokenRefreshAhead", Duration.ofMinutes(5));
    int editionConcurrency = switch (c.string("edition", "standard").strip().toLowerCase(Locale.ROOT)) {
      case "free" -> 5;
      case "standard", "starter" -> 10;
      case "professional" -> 15;
      case "enterprise", "zohoone", "zoho one" -> 20;
      case "ultimate", "crmplus", "crm plus" -> 25;
      default -> throw new CrmConfigurationException(ID, "setting 'edition' must be free, standard, professional, "
          + "enterprise or ultimate but was '" + c.string("edition", "") + "'");
    };
    this.concurrency = c.integer("concurrency", editionConcurrency);
    if (concurrency < 1) {
      throw new CrmConfigurationException(ID, "setting 'concurrency' must be positive but was " + concurrency);
    }
    if (c.has("creditBudget")) {
      int credits = c.integer("creditBudget", 0);
      Duration window = c.duration("creditWindow", Duration.ofHours(24));
      if (credits <= 0 || window.isNegative() || window.isZero()) {
        throw new CrmConfigurationException(ID, "settings 'creditBudget' and 'creditWindow' must be positive but were "
            + credits + " per " + window);
      }
      this.creditBudget = RequestBudget.of(credits, window);
    } else {
      this.creditBudget = null;
    }
    if (c.has("budgetRequests")) {
      int requests = c.integer("budgetRequests", 0);
      Duration window = c.duration("budgetWindow", Duration.ofSeconds(1));
      if (requests <= 0 || window.isNegative() || window.isZero()) {
        throw new CrmConfigurationException(ID, "settings 'budgetRequests' and 'budgetWindow' must be positive but were "
            + requests + " per " + window);
      }
      this.budget = RequestBudget.of(requests, window);
    } else {
      this.budget = RequestBudget.unlimited();
    }
    this.batchSize = c.integer("batchSize", MAX_BATCH);
    if (batchSize < 1 || batchSize > MAX_BATCH) {
      throw new CrmConfigurationException(ID, "setting 'batchSize' must be between 1 and " + MAX_BATCH + " but was " + batchSize);
    }
    this.extraFields = parseFields(c.string("fields", ""));
    this.readCustomFields = c.bool("readCustomFields", true);
    this.incrementalOverlap = nonNegative(c, "incrementalOverlap", Duration.ofMinutes(1));
    this.readRetries = c.integer("readRetries", 2);
    if (readRetries < 0) {
      throw new CrmConfigurationException(ID, "setting 'readRetries' must not be negative but was " + readRetries);
    }
    this.maxReadWait = nonNegative(c, "maxReadWait", Duration.ofSeconds(15));
    String company = c.optionalString("contactCompanyField").map(String::strip).orElse(null);
    if (company != null && !Names.isApiName(company)) {
      throw new CrmConfigurationException(ID, "setting 'contactCompanyField' must be a field API name but was '" + company + "'");
    }
    this.contactCompanyField = company == null || company.isEmpty() ? null : company;
  }

  /**
   * @throws CrmConfigurationException if a setting is missing or malformed
   */
  public static Settings of(AdapterConfig config) {
    return new Settings(config);
  }

  private static Duration nonNegative(AdapterConfig c, String name, Duration def) {
    Duration d = c.duration(name, def);
    if (d.isNegative()) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not be negative but was " + d);
    }
    return d;
  }

  /** An https URL, or http on a loopback address (an emulator); never one carrying credentials. */
  static HttpUrl checkedUrl(String name, URI uri) {
    HttpUrl url = HttpUrl.get(uri.toString());
    if (!url.isHttps() && !isLoopback(url.host())) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must be an https URL (http is allowed only for "
          + "loopback hosts, such as an emulator) but was http://" + url.host() + ":" + url.port());
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      throw new CrmConfigurationException(ID, "setting '" + name + "' must not carry credentials");
    }
    return url;
  }

  /** Whether {@code host} is {@code localhost} or a loopback IP literal; names are never resolved. */
  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+") && !host.contains(":")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Map<String, Set<String>> parseFields(String value) {
    Map<String, Set<String>> out = new HashMap<>();
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.indexOf(':');
      String type = colon < 0 ? "*" : p.substring(0, colon).strip();
      String name = colon < 0 ? p : p.substring(colon + 1).strip();
      if (!Names.isApiName(name) || type.isEmpty()) {
        throw new CrmConfigurationException(ID, "setting 'fields' must list field API names or objectType:name pairs but had '"
            + p + "'");
      }
      out.computeIfAbsent(type, t -> new LinkedHashSet<>()).add(name);
    }
    Map<String, Set<String>> frozen = new HashMap<>();
    out.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
    return Map.copyOf(frozen);
  }

  public String clientId() {
    return clientId;
  }

  public HttpUrl accountsUrl() {
    return accountsUrl;
  }

  /** The API domain set explicitly, or null to take the token response's {@code api_domain}. */
  public @Nullable HttpUrl apiDomain() {
    return apiDomain;
  }

  public String apiVersion() {
    return apiVersion;
  }

  public Duration tokenRefreshAhead() {
    return tokenRefreshAhead;
  }

  public int concurrency() {
    return concurrency;
  }

  public @Nullable RequestBudget creditBudget() {
    return creditBudget;
  }

  public RequestBudget budget() {
    return budget;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Extra fields reads return for {@code objectType} (as given, canonical or API names). */
  public Set<String> extraFields(String objectType) {
    Set<String> out = new LinkedHashSet<>(extraFields.getOrDefault("*", Set.of()));
    out.addAll(extraFields.getOrDefault(objectType, Set.of()));
    return out;
  }

  public boolean readCustomFields() {
    return readCustomFields;
  }

  public Duration incrementalOverlap() {
    return incrementalOverlap;
  }

  public int readRetries() {
    return readRetries;
  }

  public Duration maxReadWait() {
    return maxReadWait;
  }

  public @Nullable String contactCompanyField() {
    return contactCompanyField;
  }
}
