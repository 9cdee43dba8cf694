package io.crmsync.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.adapter.FieldError;
import io.crmsync.adapter.RecordError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Turns Salesforce's per-record errors (Collections results, Bulk failed results) into {@link RecordError}s. */
public final class RecordErrors {
  /** One error as Salesforce reports it for a record. */
  public record SfError(String statusCode, String message, List<String> fields) {}

  private static final Set<String> TRANSIENT =
      Set.of("UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_RUNNING_TOO_LONG", "UNKNOWN_EXCEPTION",
          "QUERY_TIMEOUT", "BULK_UNPROCESSED", "BULK_NO_RESULT");

  private RecordErrors() {}

  /** The errors of a Collections result's {@code errors} array. */
  public static List<SfError> fromJson(JsonNode errors) {
    List<SfError> out = new ArrayList<>();
    for (JsonNode e : errors) {
      List<String> fields = new ArrayList<>();
      e.path("fields").forEach(f -> fields.add(f.asText()));
      out.add(new SfError(e.path("statusCode").asText("UNKNOWN"), e.path("message").asText(""), fields));
    }
    return out;
  }

  /**
   * The errors of a Bulk API {@code sf__Error} cell: one per line, each {@code CODE:message:Field1,Field2 --}
   * (the fields part is often empty).
   */
  public static List<SfError> fromBulk(String cell) {
    List<SfError> out = new ArrayList<>();
    for (String line : cell.split("\n")) {
      String l = line.strip();
      if (l.isEmpty()) {
        continue;
      }
      if (l.endsWith("--")) {
        l = l.substring(0, l.length() - 2).strip();
      }
      int colon = l.indexOf(':');
      String code = colon > 0 && l.substring(0, colon).matches("[A-Z_]+") ? l.substring(0, colon) : "UNKNOWN";
      String rest = code.equals("UNKNOWN") ? l : l.substring(colon + 1);
      List<String> fields = new ArrayList<>();
      int last = rest.lastIndexOf(':');
      if (last >= 0 && rest.substring(last + 1).matches("[A-Za-z0-9_,]*")) {
        for (String f : rest.substring(last + 1).split(",")) {
          if (!f.isBlank()) {
            fields.add(f);
          }
        }
        rest = rest.substring(0, last);
      }
      out.add(new SfError(code, rest.strip(), fields));
    }
    if (out.isEmpty()) {
      out.add(new SfError("UNKNOWN", "Bulk API reported a failure without a message", List.of()));
    }
    return out;
  }

  /** The record error for {@code errors} (at least one), naming fields by their canonical names. */
  public static RecordError toRecordError(FieldMap map, List<SfError> errors) {
    SfError first = errors.get(0);
    String code = switch (first.statusCode()) {
      case "DUPLICATE_EXTERNAL_ID" -> RecordError.AMBIGUOUS_MATCH;
      case "NOT_FOUND", "ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY" -> RecordError.NOT_FOUND;
      case "BULK_UNPROCESSED", "BULK_NO_RESULT" -> RecordError.TRANSIENT;
      default -> first.statusCode();
    };
    StringBuilder message = new StringBuilder();
    List<FieldError> fieldErrors = new ArrayList<>();
    for (SfError e : errors) {
      if (message.length() > 0) {
        message.append("; ");
      }
      message.append(e.statusCode()).append(": ").append(e.message());
      for (String f : e.fields()) {
        fieldErrors.add(new FieldError(map.canonicalName(f), e.statusCode(), e.message()));
      }
    }
    return new RecordError(code, message.toString(), fieldErrors, TRANSIENT.contains(first.statusCode()));
  }
}
