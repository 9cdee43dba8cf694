package io.crmsync.dynamics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change Dataverse announced to a webhook: which row, what happened, and the columns the operation set. Act on
 * it by reading the row again ({@link DynamicsAdapter#fetch}) or, for {@link Kind#DELETED}, deleting it downstream.
 *
 * @param objectType the object type to read the row with: {@code contact}, {@code company} for accounts, else the
 *     table's logical name (give {@link DynamicsAdapter#objectTypeForTable} the logical name for its entity set)
 * @param table the table's logical name ({@code PrimaryEntityName})
 * @param id the row's GUID ({@code PrimaryEntityId})
 * @param kind what happened
 * @param messageName Dataverse's message, such as {@code Create}, {@code Update}, {@code Assign}, {@code Delete}
 * @param occurredAt when the operation was created ({@code OperationCreatedOn})
 * @param attributes the columns the operation's {@code Target} carried, in order; empty for deletes and for
 *     payloads Dataverse trimmed ({@link #truncated()})
 * @param values the simple values of those columns: text, numbers, booleans, GUIDs of referenced rows, dates as
 *     ISO-8601 text
 * @param operationId the operation's id, the same on every delivery of it (retries), or null
 * @param correlationId the correlation id of the request that caused it, or null
 * @param depth how deep in the pipeline the operation ran (1 for a request from outside)
 * @param truncated whether Dataverse left the operation's parameters out because the payload exceeded 256 KB
 */
public record ChangeNotification(
    String objectType,
    String table,
    String id,
    Kind kind,
    String messageName,
    Instant occurredAt,
    List<String> attributes,
    Map<String, Object> values,
    @Nullable String operationId,
    @Nullable String correlationId,
    int depth,
    boolean truncated) {

  /** What happened to a row. */
  public enum Kind {
    CREATED,
    /** Changed by an update or any other message that changes a row (Assign, SetState, Merge...). */
    UPDATED,
    DELETED
  }

  public ChangeNotification {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(messageName, "messageName");
    Objects.requireNonNull(occurredAt, "occurredAt");
    attributes = List.copyOf(attributes);
    values = Map.copyOf(values);
  }

  /**
   * The latest notification per row, in order of occurrence, a delivery repeated with the same {@link
   * #operationId()} counted once: Dataverse retries failed deliveries, and the engine needs to read each row once.
   */
  public static List<ChangeNotification> latestPerRecord(List<ChangeNotification> notifications) {
    Map<String, ChangeNotification> latest = new LinkedHashMap<>();
    for (ChangeNotification n : notifications) {
      latest.merge(n.table() + "/" + n.id(), n, (a, b) -> b.occurredAt().isBefore(a.occurredAt()) ? a : b);
    }
    List<ChangeNotification> out = new ArrayList<>(latest.values());
    out.sort(Comparator.comparing(ChangeNotification::occurredAt));
    return out;
  }
}
