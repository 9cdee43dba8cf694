package io.crmsync.dynamics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.adapter.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Receives the change notifications Dataverse posts to a webhook: a service endpoint registered for the Create,
 * Update and Delete messages of a table (https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks).
 * Checks the registration's authentication, then turns the serialised {@code RemoteExecutionContext} into {@link
 * ChangeNotification}s. Thread-safe.
 *
 * <pre>{@code
 * DataverseWebhooks webhooks = DataverseWebhooks.builder().webhookKey(Secret.of(key)).build();
 * // in the HTTP handler, with the URI Dataverse called (query string included), the body and the headers:
 * List<ChangeNotification> changes = webhooks.receive("POST", requestUri, body, headers); // 401 if refused
 * }</pre>
 *
 * <p>Dataverse authenticates a webhook in one of three ways, chosen at registration
 * (https://learn.microsoft.com/power-apps/developer/data-platform/register-web-hook): {@code WebhookKey}, a {@code
 * code} query parameter; {@code HttpHeader}, one or more headers; {@code HttpQueryString}, one or more query
 * parameters. Every value is compared in constant time. There is no signature or timestamp, so the endpoint must be
 * HTTPS and its values kept secret; repeated deliveries of one operation carry the same {@code OperationId}, which
 * {@link ChangeNotification#latestPerRecord} counts once.
 */
public final class DataverseWebhooks {
  /** Sent, without a value, when Dataverse trimmed the payload past 256 KB. */
  public static final String SIZE_EXCEEDED_HEADER = "x-ms-dynamics-msg-size-exceeded";

  private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  /** The data contract serialiser's dates: {@code /Date(1506409448000-0700)/}, milliseconds since the epoch, UTC. */
  private static final Pattern DATE = Pattern.compile("/Date\\((-?\\d+)([+-]\\d{4})?\\)/");

  /** How a registration authenticates. */
  private enum Kind { WEBHOOK_KEY, HTTP_HEADER, HTTP_QUERY_STRING }

  private final Kind kind;
  private final Map<String, Secret> values;
  private final long maxBodyBytes;
  private final ObjectMapper mapper;

  private DataverseWebhooks(Builder b) {
    this.kind = Objects.requireNonNull(b.kind);
    this.values = Map.copyOf(b.values);
    this.maxBodyBytes = b.maxBodyBytes;
    this.mapper = b.mapper != null ? b.mapper : JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks a request against the registration's authentication.
   *
   * @param uri the URI Dataverse called, with its query string
   * @param headers the request's headers; names are matched ignoring case
   */
  public WebhookVerification verify(String uri, Map<String, String> headers) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(headers, "headers");
    Map<String, List<String>> query = query(uri);
    for (Map.Entry<String, Secret> e : values.entrySet()) {
      List<String> given;
      if (kind == Kind.HTTP_HEADER) {
        given = new ArrayList<>();
        for (Map.Entry<String, String> h : headers.entrySet()) {
          if (h.getKey().equalsIgnoreCase(e.getKey())) {
            given.add(h.getValue());
          }
        }
      } else {
        given = query.getOrDefault(e.getKey(), List.of());
      }
      if (given.isEmpty()) {
        return WebhookVerification.MISSING_CREDENTIAL;
      }
      if (given.size() > 1 || !constantTimeEquals(given.get(0), e.getValue().reveal())) {
        return WebhookVerification.INVALID_CREDENTIAL;
      }
    }
    return WebhookVerification.VALID;
  }

  /**
   * Verifies a request and returns its changes.
   *
   * @throws CrmAuthenticationException (status 401) if the request is not authenticated, saying why but never which
   *     values were expected; answer Dataverse with 401
   * @throws CrmRequestException if the method is not POST, or the body is too large or not a {@code
   *     RemoteExecutionContext}; answer 400
   */
  public List<ChangeNotification> receive(String method, String uri, String body, Map<String, String> headers) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(body, "body");
    WebhookVerification v = verify(uri, headers);
    if (!v.isValid()) {
      throw new CrmAuthenticationException(DynamicsAdapter.ID, 401, null, "webhook request to " + withoutQuery(uri)
          + " refused: " + v, null);
    }
    if (!method.equalsIgnoreCase("POST")) {
      throw new CrmRequestException(DynamicsAdapter.ID, 405, null, "webhook requests are POSTs, not " + method, List.of(), null);
    }
    boolean trimmed = false;
    for (String h : headers.keySet()) {
      trimmed |= h.equalsIgnoreCase(SIZE_EXCEEDED_HEADER);
    }
    return parse(body, trimmed);
  }

  /**
   * The changes in a webhook body, without checking authentication (for bodies checked elsewhere).
   *
   * @throws CrmRequestException if {@code body} is too large or not a {@code RemoteExecutionContext}
   */
  public List<ChangeNotification> parse(String body) {
    return parse(body, false);
  }

  private List<ChangeNotification> parse(String body, boolean trimmed) {
    if (body.length() > maxBodyBytes || body.getBytes(StandardCharsets.UTF_8).length > maxBodyBytes) {
      throw malformed("the body is larger than " + maxBodyBytes + " bytes");
    }
    JsonNode ctx;
    try {
      ctx = mapper.readTree(body);
    } catch (IOException e) {
      throw malformed("the body is not JSON");
    }
    if (ctx == null || !ctx.isObject()) {
      throw malformed("the body is not a JSON object");
    }
    String message = text(ctx, "MessageName");
    String table = text(ctx, "PrimaryEntityName");
    if (!NAME.matcher(table).matches()) {
      throw malformed("PrimaryEntityName is not a table's logical name");
    }
    String id = text(ctx, "PrimaryEntityId");
    if (!GUID.matcher(id).matches()) {
      throw malformed("PrimaryEntityId is not a GUID");
    }
    Instant at = date(text(ctx, "OperationCreatedOn")).orElseThrow(() -> malformed("OperationCreatedOn is not a /Date(...)/ value"));
    JsonNode depth = ctx.path("Depth");
    if (!depth.isMissingNode() && !depth.canConvertToInt()) {
      throw malformed("Depth is not a number");
    }
    ChangeNotification.Kind kind = switch (message) {
      case "Create" -> ChangeNotification.Kind.CREATED;
      case "Delete" -> ChangeNotification.Kind.DELETED;
      default -> ChangeNotification.Kind.UPDATED;
    };
    List<String> attributes = new ArrayList<>();
    Map<String, Object> values = new LinkedHashMap<>();
    JsonNode input = ctx.get("InputParameters");
    boolean missing = input == null || input.isNull();
    if (!missing) {
      if (!input.isArray()) {
        throw malformed("InputParameters is not a list");
      }
      for (JsonNode p : input) {
        if (!p.isObject() || !p.path("key").isTextual()) {
          throw malformed("an InputParameters entry is not a key and value");
        }
        if (!p.get("key").asText().equals("Target") || kind == ChangeNotification.Kind.DELETED) {
          continue;
        }
        JsonNode target = p.path("value");
        JsonNode attrs = target.get("Attributes");
        if (attrs == null) {
          continue; // an EntityReference: no columns
        }
        if (!attrs.isArray()) {
          throw malformed("the Target's Attributes is not a list");
        }
        for (JsonNode a : attrs) {
          if (!a.isObject() || !a.path("key").isTextual()) {
            throw malformed("a Target attribute is not a key and value");
          }
          String name = a.get("key").asText();
          attributes.add(name);
          Object v = value(a.get("value"));
          if (v != null) {
            values.put(name, v);
          }
        }
      }
    }
    String objectType = switch (table) {
      case "contact" -> io.crmsync.model.ObjectTypes.CONTACT;
      case "account" -> io.crmsync.model.ObjectTypes.COMPANY;
      default -> table;
    };
    return List.of(new ChangeNotification(objectType, table, id.toLowerCase(java.util.Locale.ROOT), kind, message, at, attributes,
        values, optional(ctx, "OperationId"), optional(ctx, "CorrelationId"), depth.asInt(1),
        trimmed || (missing && kind != ChangeNotification.Kind.DELETED)));
  }

  /** A simple value from the data contract serialiser's JSON: references as their GUID, wrapped values unwrapped. */
  private static @Nullable Object value(@Nullable JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      Matcher m = DATE.matcher(v.asText());
      return m.matches() ? Instant.ofEpochMilli(Long.parseLong(m.group(1))).toString() : v.asText();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isObject()) {
      if (v.path("Id").isTextual() && v.has("LogicalName")) {
        return v.get("Id").asText(); // EntityReference
      }
      if (v.has("Value")) {
        return value(v.get("Value")); // OptionSetValue, Money
      }
    }
    return null;
  }

  private static java.util.Optional<Instant> date(String text) {
    Matcher m = DATE.matcher(text);
    if (!m.matches()) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(Instant.ofEpochMilli(Long.parseLong(m.group(1))));
    } catch (NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

  private static String text(JsonNode ctx, String field) {
    JsonNode v = ctx.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw malformed(field + " is missing or not text");
    }
    return v.asText();
  }

  private static @Nullable String optional(JsonNode ctx, String field) {
    JsonNode v = ctx.get(field);
    return v != null && v.isTextual() && GUID.matcher(v.asText()).matches() ? v.asText() : null;
  }

  private static CrmRequestException malformed(String why) {
    return new CrmRequestException(DynamicsAdapter.ID, 400, null, "webhook body is not a Dataverse RemoteExecutionContext: " + why,
        List.of(), null);
  }

  private static Map<String, List<String>> query(String uri) {
    String raw;
    try {
      raw = new URI(uri).getRawQuery();
    } catch (URISyntaxException e) {
      int q = uri.indexOf('?');
      raw = q < 0 ? null : uri.substring(q + 1);
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } catch (IllegalArgumentException e) {
        // a malformed escape: this pair cannot be a credential
      }
    }
    return out;
  }

  /** Compares the SHA-256 digests, so that neither the contents nor the length of the expected value leak. */
  private static boolean constantTimeEquals(String given, String expected) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] a = sha.digest(given.getBytes(StandardCharsets.UTF_8));
      byte[] b = sha.digest(expected.getBytes(StandardCharsets.UTF_8));
      return MessageDigest.isEqual(a, b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  private static String withoutQuery(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  @Override
  public String toString() {
    return "DataverseWebhooks[" + kind + " " + values.keySet() + " = ****]";
  }

  /** Configures {@link DataverseWebhooks}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Kind kind;
    private final Map<String, Secret> values = new LinkedHashMap<>();
    private long maxBodyBytes = 1024 * 1024;
    private @Nullable ObjectMapper mapper;

    Builder() {}

    private void kind(Kind k) {
      if (kind != null && kind != k) {
        throw new IllegalStateException("a webhook registration authenticates one way; " + kind + " was already set");
      }
      kind = k;
    }

    /** {@code WebhookKey}: the request carries {@code ?code=<key>}. */
    public Builder webhookKey(Secret key) {
      kind(Kind.WEBHOOK_KEY);
      if (values.putIfAbsent("code", Objects.requireNonNull(key, "key")) != null) {
        throw new IllegalStateException("the webhook key was already set");
      }
      return this;
    }

    /** {@code HttpHeader}: the request carries header {@code name} with {@code value}; repeat for several. */
    public Builder httpHeader(String name, Secret value) {
      kind(Kind.HTTP_HEADER);
      put(name, value);
      return this;
    }

    /** {@code HttpQueryString}: the request carries query parameter {@code name} with {@code value}; repeat for several. */
    public Builder httpQueryString(String name, Secret value) {
      kind(Kind.HTTP_QUERY_STRING);
      put(name, value);
      return this;
    }

    private void put(String name, Secret value) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      if (values.putIfAbsent(name, Objects.requireNonNull(value, "value")) != null) {
        throw new IllegalStateException("'" + name + "' was already set");
      }
    }

    /** The largest body accepted (1 MiB by default; Dataverse trims its payloads past 256 KB). */
    public Builder maxBodyBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("bytes must be positive: " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    public Builder objectMapper(ObjectMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * @throws IllegalStateException if no authentication was set
     */
    public DataverseWebhooks build() {
      if (kind == null) {
        throw new IllegalStateException("set the registration's authentication: webhookKey, httpHeader or httpQueryString");
      }
      return new DataverseWebhooks(this);
    }
  }
}
