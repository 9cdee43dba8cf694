package io.crmsync.dynamics.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Objects;

/**
 * Where a read stands, handed to the caller as an opaque cursor ({@code dv1.} + base64url JSON): the link of the next
 * page exactly as Dataverse gave it ({@code @odata.nextLink}), and which kind of read it continues. The engine saves
 * the cursor of a pass in progress, so a restarted process goes on from the same link.
 *
 * @param objectType the object type the read is for
 * @param mode how the read began
 * @param link the absolute URL of the next page
 */
public record Cursor(String objectType, Mode mode, String link) {
  private static final String PREFIX = "dv1.";

  /** How a read began, which decides the headers of its next pages. */
  public enum Mode {
    /** A plain query. */
    PLAIN,
    /** A full read with change tracking ({@code Prefer: odata.track-changes}), ending with a delta link. */
    TRACKED,
    /** A read of the changes since a delta link, ending with the next delta link. */
    DELTA,
    /** A query of rows modified since a time, for tables without change tracking. */
    MODIFIED,
    /** A FetchXml query of the table's recycle bin ({@code datasource='bin'}), after the live rows of a full read. */
    BIN
  }

  public Cursor {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(link, "link");
  }

  public String encode(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode().put("o", objectType).put("m", mode.name()).put("l", link);
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
      throw new IllegalArgumentException("not a cursor of the Dynamics adapter: " + abbreviate(cursor));
    }
    JsonNode n;
    try {
      n = mapper.readTree(Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length())));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed Dynamics cursor: " + abbreviate(cursor));
    }
    if (n == null || !n.path("o").isTextual() || !n.path("m").isTextual() || !n.path("l").isTextual()) {
      throw new IllegalArgumentException("malformed Dynamics cursor: " + abbreviate(cursor));
    }
    if (!n.get("o").asText().equals(objectType)) {
      throw new IllegalArgumentException("cursor was issued for object type '" + n.get("o").asText() + "', not '" + objectType + "'");
    }
    Mode mode;
    try {
      mode = Mode.valueOf(n.get("m").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed Dynamics cursor: " + abbreviate(cursor));
    }
    return new Cursor(objectType, mode, n.get("l").asText());
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  @Override
  public String toString() {
    return "Cursor[" + objectType + " " + mode + "]";
  }
}
