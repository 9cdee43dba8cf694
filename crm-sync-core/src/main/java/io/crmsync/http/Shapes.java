package io.crmsync.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CrmUnavailableException;
import java.util.Objects;

/**
 * Checks that a CRM's answer has the shape its API documents before an adapter reads it. An answer of
 * another shape (an empty body, {@code {}}, {@code [1,2,3]}, a field of the wrong type, a body a proxy
 * cut short) is a transient failure of the call, never an empty page: read as one, it would end a pass
 * early and move the checkpoint past records that were never read. Messages describe the shape that
 * arrived, never its content.
 */
public final class Shapes {
  private Shapes() {}

  /**
   * {@code node}, if it is a JSON object.
   *
   * @param what what the node is, for the message ({@code "GET /crm/v3/objects/contacts"})
   * @throws CrmUnavailableException naming what arrived instead
   */
  public static JsonNode object(String crm, JsonNode node, String what) {
    if (!node.isObject()) {
      throw unexpected(crm, what, "an object", node);
    }
    return node;
  }

  /**
   * The array {@code field} of the object {@code node}.
   *
   * @throws CrmUnavailableException if {@code node} is not an object or {@code field} is absent or not an
   *     array
   */
  public static JsonNode array(String crm, JsonNode node, String field, String what) {
    JsonNode value = object(crm, node, what).get(field);
    if (value == null || !value.isArray()) {
      throw unexpected(crm, what, "an array '" + field + "'", value);
    }
    return value;
  }

  /**
   * The text {@code field} of the object {@code node}, if present and text; {@code null} if absent or null.
   *
   * @throws CrmUnavailableException if present but not text
   */
  public static String optionalText(String crm, JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw unexpected(crm, what, "text '" + field + "'", value);
    }
    return value.asText();
  }

  /**
   * The boolean {@code field} of the object {@code node}.
   *
   * @throws CrmUnavailableException if absent or not a boolean
   */
  public static boolean bool(String crm, JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value == null || !value.isBoolean()) {
      throw unexpected(crm, what, "a boolean '" + field + "'", value);
    }
    return value.asBoolean();
  }

  private static CrmUnavailableException unexpected(String crm, String what, String expected, JsonNode found) {
    Objects.requireNonNull(crm, "crm");
    return new CrmUnavailableException(crm, 0, null, what + " answered without the documented shape: expected "
        + expected + ", found " + describe(found), null);
  }

  /** What kind of JSON {@code node} is, without its content. */
  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    return switch (node.getNodeType()) {
      case OBJECT -> "an object with " + node.size() + " field(s)";
      case ARRAY -> "an array of " + node.size();
      case STRING -> "text";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
