package io.crmsync.hubspot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRequestException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.Secret;
import io.crmsync.spi.Checks;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.model.ObjectTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Receives HubSpot webhooks: verifies {@code X-HubSpot-Signature-v3} and turns the events into {@link
 * ChangeNotification}s. Thread-safe; keep one per app, since it remembers the signatures it accepted.
 *
 * <pre>{@code
 * HubSpotWebhooks webhooks = HubSpotWebhooks.builder().clientSecret(Secret.of(appSecret)).build();
 * // in the HTTP handler, with the body as received and the URI HubSpot called:
 * List<ChangeNotification> changes = webhooks.receive("POST", "https://example.com/hooks/hubspot", body, headers);
 * }</pre>
 *
 * <p>Verification follows HubSpot's v3 scheme: the signature is the Base64 HMAC-SHA256, keyed with the
 * app's client secret, of the method, the URI, the body and the {@code X-HubSpot-Request-Timestamp}
 * header, concatenated as UTF-8. Requests whose timestamp is more than {@code maxAge} (5 minutes) old are
 * refused, signatures are compared in constant time, and a signature accepted once is refused when it
 * comes again within {@code maxAge} (after which the timestamp check refuses it). The URI must be the one
 * HubSpot called, scheme and query included; the percent-encodings HubSpot decodes before signing
 * ({@code %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B}) are decoded here too.
 */
public final class HubSpotWebhooks {
  /** HubSpot's signature header. */
  public static final String SIGNATURE_HEADER = "X-HubSpot-Signature-v3";
  /** HubSpot's timestamp header, epoch milliseconds. */
  public static final String TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp";

  private static final String[][] DECODED = {
    {"%3A", ":"}, {"%2F", "/"}, {"%3F", "?"}, {"%40", "@"}, {"%21", "!"}, {"%24", "$"},
    {"%27", "'"}, {"%28", "("}, {"%29", ")"}, {"%2A", "*"}, {"%2C", ","}, {"%3B", ";"}
  };

  private final Secret clientSecret;
  private final TimeSource time;
  private final Duration maxAge;
  private final ObjectMapper mapper;
  private final Cache<String, Boolean> accepted;

  private HubSpotWebhooks(Builder b) {
    this.clientSecret = Objects.requireNonNull(b.clientSecret, "clientSecret");
    this.time = b.time;
    this.maxAge = b.maxAge;
    this.mapper = b.mapper != null ? b.mapper : AdapterConfig.defaultObjectMapper();
    this.accepted = Caffeine.newBuilder()
        .ticker(() -> {
          Instant now = time.now();
          return TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
        })
        .expireAfterWrite(maxAge.multipliedBy(2))
        .maximumSize(b.replayMemory)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks a request's signature.
   *
   * @param method the HTTP method, such as {@code POST}
   * @param uri the full URI HubSpot called, such as {@code https://example.com/hooks?x=1}
   * @param body the body exactly as received ({@code ""} for none)
   * @param signature the {@value #SIGNATURE_HEADER} header, or null
   * @param timestamp the {@value #TIMESTAMP_HEADER} header, or null
   */
  public WebhookVerification verify(
      String method, String uri, String body, @Nullable String signature, @Nullable String timestamp) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(body, "body");
    if (signature == null || signature.isBlank() || timestamp == null || timestamp.isBlank()) {
      return WebhookVerification.MISSING_SIGNATURE;
    }
    long millis;
    try {
      millis = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      return WebhookVerification.MALFORMED_TIMESTAMP;
    }
    Duration age = Duration.between(Instant.ofEpochMilli(millis), time.now()).abs();
    if (age.compareTo(maxAge) > 0) {
      return WebhookVerification.STALE_TIMESTAMP;
    }
    byte[] expected = sign(method.toUpperCase(Locale.ROOT), decodeUri(uri), body, timestamp.strip());
    byte[] given;
    try {
      given = Base64.getDecoder().decode(signature.strip());
    } catch (IllegalArgumentException e) {
      return WebhookVerification.INVALID_SIGNATURE;
    }
    if (!MessageDigest.isEqual(expected, given)) {
      return WebhookVerification.INVALID_SIGNATURE;
    }
    if (accepted.asMap().putIfAbsent(signature.strip(), Boolean.TRUE) != null) {
      return WebhookVerification.REPLAYED;
    }
    return WebhookVerification.VALID;
  }

  /**
   * Verifies a request and returns its changes.
   *
   * @param headers the request's headers; names are matched ignoring case
   * @throws CrmAuthenticationException (status 401) if the request is not verified, saying why; answer
   *     HubSpot with 401
   * @throws CrmRequestException if the verified body is not HubSpot's JSON list of events
   */
  public List<ChangeNotification> receive(String method, String uri, String body, Map<String, String> headers) {
    Objects.requireNonNull(headers, "headers");
    WebhookVerification v = verify(method, uri, body, header(headers, SIGNATURE_HEADER), header(headers, TIMESTAMP_HEADER));
    if (!v.isValid()) {
      throw new CrmAuthenticationException(HubSpotAdapter.ID, 401, null,
          "webhook request to " + stripQuery(uri) + " refused: " + v, null);
    }
    return parse(body);
  }

  /**
   * The changes in a webhook body, without verifying it (for bodies verified elsewhere).
   *
   * @throws CrmRequestException if {@code body} is not HubSpot's JSON list of events
   */
  public List<ChangeNotification> parse(String body) {
    JsonNode events;
    try {
      events = mapper.readTree(body);
    } catch (IOException e) {
      throw new CrmRequestException(HubSpotAdapter.ID, "webhook body is not JSON: " + e.getMessage());
    }
    if (events == null || !events.isArray()) {
      throw new CrmRequestException(HubSpotAdapter.ID, "webhook body is not a JSON list of events");
    }
    List<ChangeNotification> out = new ArrayList<>();
    for (JsonNode e : events) {
      String subscription = e.path("subscriptionType").asText("");
      int dot = subscription.indexOf('.');
      if (dot < 0) {
        continue;
      }
      String prefix = subscription.substring(0, dot);
      String action = subscription.substring(dot + 1);
      String type = prefix.equals("object") ? typeFromId(e.path("objectTypeId").asText("")) : typeFromPrefix(prefix);
      Instant at = Instant.ofEpochMilli(e.path("occurredAt").asLong(0));
      long eventId = e.path("eventId").asLong(0);
      String id = e.path("objectId").asText("");
      String property = e.hasNonNull("propertyName") ? e.get("propertyName").asText() : null;
      String value = e.hasNonNull("propertyValue") ? e.get("propertyValue").asText() : null;
      ChangeNotification.Kind kind = switch (action) {
        case "creation" -> ChangeNotification.Kind.CREATED;
        case "propertyChange" -> ChangeNotification.Kind.UPDATED;
        case "deletion", "privacyDeletion" -> ChangeNotification.Kind.DELETED;
        case "restore" -> ChangeNotification.Kind.RESTORED;
        case "merge" -> ChangeNotification.Kind.MERGED;
        default -> null; // association changes and others do not change the record's fields
      };
      if (kind == null || type.isEmpty()) {
        continue;
      }
      if (kind == ChangeNotification.Kind.MERGED) {
        String primary = e.path("primaryObjectId").asText(id);
        out.add(new ChangeNotification(type, primary, kind, at, eventId, null, null, subscription));
        for (JsonNode merged : e.path("mergedObjectIds")) {
          if (!merged.asText().equals(primary)) {
            out.add(new ChangeNotification(type, merged.asText(), ChangeNotification.Kind.DELETED, at, eventId,
                null, null, subscription));
          }
        }
      } else if (!id.isEmpty()) {
        out.add(new ChangeNotification(type, id, kind, at, eventId, property, value, subscription));
      }
    }
    return out;
  }

  private static String typeFromPrefix(String prefix) {
    return switch (prefix) {
      case "contact" -> ObjectTypes.CONTACT;
      case "company" -> ObjectTypes.COMPANY;
      case "deal" -> ObjectTypes.DEAL;
      case "ticket" -> "tickets";
      case "product" -> "products";
      case "line_item" -> "line_items";
      default -> prefix;
    };
  }

  private static String typeFromId(String typeId) {
    return switch (typeId) {
      case "0-1" -> ObjectTypes.CONTACT;
      case "0-2" -> ObjectTypes.COMPANY;
      case "0-3" -> ObjectTypes.DEAL;
      default -> typeId;
    };
  }

  private byte[] sign(String method, String uri, String body, String timestamp) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(clientSecret.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal((method + uri + body + timestamp).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  /** Decodes the percent-encodings HubSpot decodes before signing. */
  static String decodeUri(String uri) {
    String out = uri;
    for (String[] d : DECODED) {
      out = out.replace(d[0], d[1]).replace(d[0].toLowerCase(Locale.ROOT), d[1]);
    }
    return out;
  }

  private static @Nullable String header(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String stripQuery(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  @Override
  public String toString() {
    return "HubSpotWebhooks[clientSecret=****, maxAge=" + maxAge + "]";
  }

  /** Configures {@link HubSpotWebhooks}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Secret clientSecret;
    private TimeSource time = TimeSource.system();
    private Duration maxAge = Duration.ofMinutes(5);
    private long replayMemory = 100_000;
    private @Nullable ObjectMapper mapper;

    Builder() {}

    /** The app's client secret, which HubSpot signs with. Required. */
    public Builder clientSecret(Secret clientSecret) {
      if (this.clientSecret != null) {
        throw new IllegalStateException("clientSecret was already set");
      }
      this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
      return this;
    }

    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /** How old a request's timestamp may be (HubSpot: 5 minutes). */
    public Builder maxAge(Duration maxAge) {
      Objects.requireNonNull(maxAge, "maxAge");
      this.maxAge = Checks.positive(maxAge, "maxAge");
      return this;
    }

    /** How many accepted signatures are remembered to refuse replays (100,000 by default). */
    public Builder replayMemory(long signatures) {
      this.replayMemory = Checks.positive(signatures, "signatures");
      return this;
    }

    public Builder objectMapper(ObjectMapper mapper) {
      this.mapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * @throws IllegalStateException if no client secret was set
     */
    public HubSpotWebhooks build() {
      if (clientSecret == null) {
        throw new IllegalStateException("clientSecret must be set");
      }
      return new HubSpotWebhooks(this);
    }
  }
}
