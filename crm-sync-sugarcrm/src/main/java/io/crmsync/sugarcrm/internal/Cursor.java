package io.crmsync.sugarcrm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a read stands, handed to the caller as an opaque cursor ({@code sg1.} + base64url JSON): the
 * object type, and the sort key of the last record returned, after which the next page starts. Full reads
 * sort by {@code id}; incremental reads by {@code date_modified}, then {@code id}.
 *
 * @param objectType the canonical object type the read is for
 * @param incremental whether the read filters by modification time
 * @param lastModified incremental reads: {@code date_modified} of the last record returned, as Sugar sent it
 * @param lastId the id of the last record returned
 */
public record Cursor(String objectType, boolean incremental, @Nullable String lastModified, String lastId) {
  private static final String PREFIX = "sg1.";

  public Cursor {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(lastId, "lastId");
  }

  public String encode(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.put("o", objectType);
    n.put("i", incremental);
    if (lastModified != null) {
      n.put("t", lastModified);
    }
    n.put("k", lastId);
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
      throw new IllegalArgumentException("not a cursor of the SugarCRM adapter: " + abbreviate(cursor));
    }
    JsonNode n;
    try {
      n = mapper.readTree(Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length())));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed SugarCRM cursor: " + abbreviate(cursor), e);
    }
    if (n == null || !n.isObject() || !n.path("k").isTextual() || !n.path("o").isTextual()) {
      throw new IllegalArgumentException("malformed SugarCRM cursor: " + abbreviate(cursor));
    }
    if (!n.path("o").asText().equals(objectType)) {
      throw new IllegalArgumentException("cursor was issued for object type '" + n.path("o").asText() + "', not '"
          + objectType + "'");
    }
    boolean incremental = n.path("i").asBoolean(false);
    String t = n.path("t").isTextual() ? n.path("t").asText() : null;
    if (incremental && t == null) {
      throw new IllegalArgumentException("malformed SugarCRM cursor: " + abbreviate(cursor));
    }
    return new Cursor(objectType, incremental, t, n.path("k").asText());
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  @Override
  public String toString() {
    return "Cursor[" + objectType + (incremental ? " since" : "") + "]";
  }
}
