package io.crmsync.hubspot.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a read stands, handed to the caller as an opaque cursor ({@code hs1.} + base64url JSON).
 *
 * <p>Phases: {@link Phase#LIST} pages live records with HubSpot's {@code after}; {@link Phase#SEARCH}
 * pages records modified since a time by keyset (see {@code HubSpotAdapter}); {@link Phase#ARCHIVED}
 * pages archived records. A read that includes deleted records continues with {@code ARCHIVED} after
 * the live phase.
 *
 * @param objectType the canonical object type the read is for
 * @param phase the phase
 * @param after HubSpot's paging cursor (list and archived phases), or null for the first page
 * @param lowerMillis search: records modified at or after this instant (epoch milliseconds)
 * @param seen search: ids already returned whose modification time is exactly {@code lowerMillis}
 * @param byId search: whether paging within the single millisecond {@code lowerMillis} by id
 * @param idAfter search by id: the last id returned
 * @param sinceMillis archived phase of an incremental read: only records archived at or after this, or null
 */
public record Cursor(
    String objectType,
    Phase phase,
    @Nullable String after,
    long lowerMillis,
    List<String> seen,
    boolean byId,
    long idAfter,
    @Nullable Long sinceMillis) {

  private static final String PREFIX = "hs1.";

  /** A read's phase. */
  public enum Phase {
    LIST,
    SEARCH,
    ARCHIVED
  }

  public Cursor {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(phase, "phase");
    seen = List.copyOf(seen);
  }

  public static Cursor list(String objectType, @Nullable String after) {
    return new Cursor(objectType, Phase.LIST, after, 0, List.of(), false, 0, null);
  }

  public static Cursor archived(String objectType, @Nullable String after, @Nullable Long sinceMillis) {
    return new Cursor(objectType, Phase.ARCHIVED, after, 0, List.of(), false, 0, sinceMillis);
  }

  public static Cursor search(String objectType, long lowerMillis, List<String> seen, boolean byId, long idAfter) {
    return new Cursor(objectType, Phase.SEARCH, null, lowerMillis, seen, byId, idAfter, null);
  }

  public String encode(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.put("o", objectType);
    n.put("p", phase.name());
    if (after != null) {
      n.put("a", after);
    }
    if (phase == Phase.SEARCH) {
      n.put("t", lowerMillis);
      ArrayNode s = n.putArray("s");
      seen.forEach(s::add);
      if (byId) {
        n.put("i", idAfter);
      }
    }
    if (sinceMillis != null) {
      n.put("f", sinceMillis);
    }
    try {
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(mapper.writeValueAsBytes(n));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode cursor", e);
    }
  }

  /**
   * @throws IllegalArgumentException if {@code cursor} was not issued by this adapter for {@code objectType}
   */
  public static Cursor decode(ObjectMapper mapper, String cursor, String objectType) {
    if (!cursor.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a cursor of the HubSpot adapter: " + abbreviate(cursor));
    }
    try {
      JsonNode n = mapper.readTree(Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length())));
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("malformed HubSpot cursor: " + abbreviate(cursor));
      }
      String type = n.path("o").asText();
      if (!type.equals(objectType)) {
        throw new IllegalArgumentException(
            "cursor was issued for object type '" + type + "', not '" + objectType + "'");
      }
      Phase phase = Phase.valueOf(n.path("p").asText());
      List<String> seen = new ArrayList<>();
      n.path("s").forEach(s -> seen.add(s.asText()));
      return new Cursor(
          type,
          phase,
          n.hasNonNull("a") ? n.get("a").asText() : null,
          n.path("t").asLong(),
          seen,
          n.has("i"),
          n.path("i").asLong(),
          n.hasNonNull("f") ? n.get("f").asLong() : null);
    } catch (IOException | IllegalArgumentException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
          && iae.getMessage().startsWith("cursor was issued")) {
        throw iae;
      }
      throw new IllegalArgumentException("malformed HubSpot cursor: " + abbreviate(cursor), e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  @Override
  public String toString() {
    return "Cursor[" + objectType + " " + phase + "]";
  }

}
