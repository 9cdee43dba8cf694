package io.crmsync.zoho.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a read stands, handed to the caller as an opaque cursor ({@code zo1.} + base64url JSON).
 *
 * <p>{@link Phase#LIVE} pages live records by keyset over COQL: by {@code id} for a full read, by {@code
 * (Modified_Time, id)} for an incremental one, so that no offset ever grows (COQL's {@code limit} plus {@code
 * offset} stops at 100,000) and a record modified during the read moves ahead rather than shifting others out of
 * reach. {@link Phase#DELETED} pages the deleted records API by page number.
 *
 * @param objectType the canonical object type the read is for
 * @param phase the phase
 * @param incremental whether the read has {@code since}
 * @param lastId the last record id returned (live phase), or null before the first page
 * @param lastModified the last record's {@code Modified_Time}, epoch seconds (incremental live phase)
 * @param since where an incremental read starts, epoch seconds (overlap applied)
 * @param page the next page of deleted records (deleted phase)
 * @param perPage the deleted records' page size, constant across pages
 */
public record Cursor(
    String objectType,
    Phase phase,
    boolean incremental,
    @Nullable Long lastId,
    @Nullable Long lastModified,
    long since,
    int page,
    int perPage) {

  private static final String PREFIX = "zo1.";

  /** A read's phase. */
  public enum Phase {
    LIVE,
    DELETED
  }

  public Cursor {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(phase, "phase");
  }

  public static Cursor live(String objectType, boolean incremental, long since) {
    return new Cursor(objectType, Phase.LIVE, incremental, null, null, since, 0, 0);
  }

  public Cursor after(long id, @Nullable Long modified) {
    return new Cursor(objectType, Phase.LIVE, incremental, id, modified, since, 0, 0);
  }

  public Cursor deleted(int page, int perPage) {
    return new Cursor(objectType, Phase.DELETED, incremental, null, null, since, page, perPage);
  }

  public String encode(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.put("o", objectType);
    n.put("p", phase.name());
    n.put("n", incremental);
    if (lastId != null) {
      n.put("i", lastId);
    }
    if (lastModified != null) {
      n.put("t", lastModified);
    }
    n.put("s", since);
    if (phase == Phase.DELETED) {
      n.put("g", page);
      n.put("z", perPage);
    }
    try {
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(mapper.writeValueAsBytes(n));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a cursor", e);
    }
  }

  /**
   * @throws IllegalArgumentException if {@code cursor} was not issued by this adapter for {@code objectType}
   */
  public static Cursor decode(ObjectMapper mapper, String cursor, String objectType) {
    if (!cursor.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a cursor of the Zoho adapter: " + abbreviate(cursor));
    }
    JsonNode n;
    try {
      n = mapper.readTree(Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length())));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed Zoho cursor: " + abbreviate(cursor), e);
    }
    if (n == null || !n.isObject() || !n.path("o").isTextual() || !n.path("s").canConvertToLong()) {
      throw new IllegalArgumentException("malformed Zoho cursor: " + abbreviate(cursor));
    }
    String type = n.get("o").asText();
    if (!type.equals(objectType)) {
      throw new IllegalArgumentException("cursor was issued for object type '" + type + "', not '" + objectType + "'");
    }
    Phase phase;
    try {
      phase = Phase.valueOf(n.path("p").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed Zoho cursor: " + abbreviate(cursor), e);
    }
    int perPage = n.path("z").asInt(0);
    if (phase == Phase.DELETED && (perPage < 1 || perPage > 200 || n.path("g").asInt(0) < 1)) {
      throw new IllegalArgumentException("malformed Zoho cursor: " + abbreviate(cursor));
    }
    return new Cursor(type, phase, n.path("n").asBoolean(false),
        n.hasNonNull("i") ? n.get("i").asLong() : null,
        n.hasNonNull("t") ? n.get("t").asLong() : null,
        n.get("s").asLong(), n.path("g").asInt(0), perPage);
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  @Override
  public String toString() {
    return "Cursor[" + objectType + " " + phase + "]";
  }
}
