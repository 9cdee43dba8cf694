package io.crmsync.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CrmConfigurationException;
import io.crmsync.TimeSource;
import io.crmsync.internal.SharedResources;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * The settings of one adapter and the shared resources it should use. Immutable and thread-safe.
 *
 * <p>Settings are text keyed by camelCase names ({@code baseUrl}, {@code token}) and can come from a map,
 * a properties file ({@code crmsync.<adapterId>.<name>}) or environment variables ({@code
 * CRMSYNC_<ADAPTERID>_<NAME>} in upper snake case, so {@code baseUrl} of {@code hubspot} is {@code
 * CRMSYNC_HUBSPOT_BASE_URL}). Typed getters throw a {@link CrmConfigurationException} that names the
 * setting, where it came from and where it could be given.
 *
 * <p>Secrets come from the {@link CredentialsProvider} (by default: the settings themselves), are
 * returned as {@link Secret}, and are never shown by {@link #toString()}.
 *
 * <p>The {@link OkHttpClient}, {@link ObjectMapper} and {@link TimeSource} are shared: adapters derive
 * from them ({@code httpClient().newBuilder()}) rather than building their own, and never close them.
 */
public final class AdapterConfig {
  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*(token|secret|password|privatekey|apikey|credential).*");
  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final String adapterId;
  private final Map<String, Setting> settings;
  private final @Nullable CredentialsProvider credentials;
  private final @Nullable OkHttpClient httpClient;
  private final @Nullable ObjectMapper objectMapper;
  private final TimeSource timeSource;

  private record Setting(String value, String source) {}

  private AdapterConfig(Builder b) {
    this.adapterId = b.adapterId;
    this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(b.settings));
    this.credentials = b.credentials;
    this.httpClient = b.httpClient;
    this.objectMapper = b.objectMapper;
    this.timeSource = b.timeSource;
  }

  /**
   * A builder for the settings of adapter {@code adapterId}.
   *
   * @throws IllegalArgumentException if {@code adapterId} is not lower-case letters, digits and dashes
   */
  public static Builder builder(String adapterId) {
    return new Builder(adapterId);
  }

  /** Settings from a map of names to values. */
  public static AdapterConfig fromMap(String adapterId, Map<String, String> settings) {
    return builder(adapterId).settings(settings).build();
  }

  /** Settings from the properties {@code crmsync.<adapterId>.*} of a file. */
  public static AdapterConfig fromProperties(String adapterId, Path file) {
    return builder(adapterId).propertiesFile(file).build();
  }

  /** Settings from the environment variables {@code CRMSYNC_<ADAPTERID>_*} of this process. */
  public static AdapterConfig fromEnvironment(String adapterId) {
    return builder(adapterId).environment(System.getenv()).build();
  }

  /** A builder that starts from this config. */
  public Builder newBuilder() {
    Builder b = new Builder(adapterId);
    b.settings.putAll(settings);
    b.credentials = credentials;
    b.httpClient = httpClient;
    b.objectMapper = objectMapper;
    b.timeSource = timeSource;
    return b;
  }

  public String adapterId() {
    return adapterId;
  }

  /** The names of the settings given, from every source, in the order they were first given. */
  public Set<String> names() {
    return settings.keySet();
  }

  /** Whether the setting is given. */
  public boolean has(String name) {
    return settings.containsKey(name);
  }

  /** The setting's value, or empty. */
  public Optional<String> optionalString(String name) {
    Setting s = settings.get(name);
    return s == null ? Optional.empty() : Optional.of(s.value);
  }

  /**
   * The setting's value.
   *
   * @throws CrmConfigurationException if it is missing
   */
  public String string(String name) {
    return optionalString(name).orElseThrow(() -> missing(name));
  }

  public String string(String name, String defaultValue) {
    return optionalString(name).orElse(defaultValue);
  }

  /**
   * @throws CrmConfigurationException if the setting is not a whole number
   */
  public int integer(String name, int defaultValue) {
    Setting s = settings.get(name);
    if (s == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(s.value.strip());
    } catch (NumberFormatException e) {
      throw malformed(name, s, "a whole number");
    }
  }

  /**
   * @throws CrmConfigurationException if the setting is not {@code true} or {@code false}
   */
  public boolean bool(String name, boolean defaultValue) {
    Setting s = settings.get(name);
    if (s == null) {
      return defaultValue;
    }
    String v = s.value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    throw malformed(name, s, "true or false");
  }

  /**
   * A duration, written {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d} or ISO-8601 ({@code PT10S}).
   *
   * @throws CrmConfigurationException if the setting is not a duration
   */
  public Duration duration(String name, Duration defaultValue) {
    Setting s = settings.get(name);
    if (s == null) {
      return defaultValue;
    }
    String v = s.value.strip();
    Matcher m = SIMPLE_DURATION.matcher(v.toLowerCase(Locale.ROOT));
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      return Duration.parse(v);
    } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
      throw malformed(name, s, "a duration such as 500ms, 10s, 5m or PT10S");
    }
  }

  /**
   * An absolute http(s) URI.
   *
   * @throws CrmConfigurationException if the setting is not one
   */
  public URI uri(String name, URI defaultValue) {
    Setting s = settings.get(name);
    if (s == null) {
      return defaultValue;
    }
    try {
      URI uri = new URI(s.value.strip());
      String scheme = uri.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || uri.getHost() == null) {
        throw malformed(name, s, "an absolute http or https URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw malformed(name, s, "an absolute http or https URL");
    }
  }

  /**
   * The secret {@code name}: from the credentials provider if one was set and it has it, else from the
   * settings.
   *
   * @throws CrmConfigurationException if neither has it
   */
  public Secret secret(String name) {
    return optionalSecret(name).orElseThrow(() -> missing(name));
  }

  /** The secret {@code name}, or empty. */
  public Optional<Secret> optionalSecret(String name) {
    if (credentials != null) {
      Optional<Secret> s = credentials.secret(adapterId, name);
      if (s.isPresent()) {
        return s;
      }
    }
    Setting s = settings.get(name);
    if (s == null || s.value.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(Secret.of(s.value));
  }

  /**
   * The process-wide default HTTP client adapters derive theirs from unless given one: timeouts of 10 s
   * to connect, 60 s to read or write, 2 min per call; TCP_NODELAY; and no silent resend of a request
   * whose connection failed (it may have been applied: adapters and the engine retry what is safe).
   */
  public static OkHttpClient defaultHttpClient() {
    return SharedResources.httpClient();
  }

  /** The process-wide default JSON mapper: unknown properties ignored, floats read as {@code BigDecimal}. */
  public static ObjectMapper defaultObjectMapper() {
    return SharedResources.objectMapper();
  }

  /** The HTTP client to derive from; the process-wide default unless one was set. */
  public OkHttpClient httpClient() {
    return httpClient != null ? httpClient : SharedResources.httpClient();
  }

  /** The JSON mapper to use; the process-wide default unless one was set. */
  public ObjectMapper objectMapper() {
    return objectMapper != null ? objectMapper : SharedResources.objectMapper();
  }

  /** Where the adapter reads the time and waits. */
  public TimeSource timeSource() {
    return timeSource;
  }

  /** The property key of setting {@code name} in a properties file. */
  public static String propertyKey(String adapterId, String name) {
    return "crmsync." + adapterId + "." + name;
  }

  /** The environment variable of setting {@code name}. */
  public static String environmentVariable(String adapterId, String name) {
    String snake = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').replace('.', '_');
    return ("CRMSYNC_" + adapterId.replace('-', '_') + "_" + snake).toUpperCase(Locale.ROOT);
  }

  private CrmConfigurationException missing(String name) {
    return new CrmConfigurationException(
        adapterId,
        "missing setting '" + name + "': set property " + propertyKey(adapterId, name)
            + " or environment variable " + environmentVariable(adapterId, name));
  }

  private CrmConfigurationException malformed(String name, Setting s, String expected) {
    String shown = isSecretName(name) ? "****" : "'" + s.value + "'";
    return new CrmConfigurationException(
        adapterId, "setting '" + name + "' (from " + s.source + ") must be " + expected + " but was " + shown);
  }

  private static boolean isSecretName(String name) {
    return SECRET_NAME.matcher(name).matches();
  }

  /** The settings with secret-looking values replaced by {@code ****}. */
  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    settings.forEach((k, v) -> shown.put(k, isSecretName(k) ? "****" : v.value));
    return "AdapterConfig{" + adapterId + " " + shown + "}";
  }

  /** Builds an {@link AdapterConfig}. Not thread-safe. */
  public static final class Builder {
    private final String adapterId;
    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private @Nullable CredentialsProvider credentials;
    private @Nullable OkHttpClient httpClient;
    private @Nullable ObjectMapper objectMapper;
    private TimeSource timeSource = TimeSource.system();

    Builder(String adapterId) {
      Objects.requireNonNull(adapterId, "adapterId");
      if (!adapterId.matches("[a-z][a-z0-9-]*")) {
        throw new IllegalArgumentException(
            "adapterId must be lower-case letters, digits and dashes: '" + adapterId + "'");
      }
      this.adapterId = adapterId;
    }

    /** Sets one setting; a later value for the same name replaces an earlier one. */
    public Builder setting(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      settings.put(name, new Setting(value, "setting " + name));
      return this;
    }

    /** Sets every entry of {@code settings}. */
    public Builder settings(Map<String, String> settings) {
      settings.forEach(this::setting);
      return this;
    }

    /** Sets the properties {@code crmsync.<adapterId>.<name>} of {@code properties}. */
    public Builder properties(Properties properties, String sourceName) {
      String prefix = "crmsync." + adapterId + ".";
      for (String key : properties.stringPropertyNames()) {
        if (key.startsWith(prefix) && key.length() > prefix.length()) {
          settings.put(key.substring(prefix.length()), new Setting(properties.getProperty(key), key + " in " + sourceName));
        }
      }
      return this;
    }

    /**
     * Sets the properties {@code crmsync.<adapterId>.<name>} of a properties file (UTF-8).
     *
     * @throws CrmConfigurationException if the file cannot be read
     */
    public Builder propertiesFile(Path file) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new CrmConfigurationException(adapterId, "cannot read properties file " + file + ": " + e.getMessage());
      }
      return properties(p, file.toString());
    }

    /**
     * Sets the variables {@code CRMSYNC_<ADAPTERID>_<NAME>} of {@code environment}; a variable's name maps
     * back to camelCase ({@code BASE_URL} becomes {@code baseUrl}).
     */
    public Builder environment(Map<String, String> environment) {
      String prefix = ("CRMSYNC_" + adapterId.replace('-', '_') + "_").toUpperCase(Locale.ROOT);
      environment.forEach(
          (k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
              settings.put(camel(k.substring(prefix.length())), new Setting(v, "environment variable " + k));
            }
          });
      return this;
    }

    private static String camel(String snake) {
      StringBuilder sb = new StringBuilder();
      boolean upper = false;
      for (char c : snake.toLowerCase(Locale.ROOT).toCharArray()) {
        if (c == '_') {
          upper = true;
        } else {
          sb.append(upper ? Character.toUpperCase(c) : c);
          upper = false;
        }
      }
      return sb.toString();
    }

    public Builder credentials(CredentialsProvider credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    public Builder httpClient(OkHttpClient httpClient) {
      this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
      return this;
    }

    public Builder objectMapper(ObjectMapper objectMapper) {
      this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
      return this;
    }

    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    public AdapterConfig build() {
      return new AdapterConfig(this);
    }
  }
}
