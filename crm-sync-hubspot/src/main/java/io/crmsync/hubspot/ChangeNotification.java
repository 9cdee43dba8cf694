package io.crmsync.hubspot;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change HubSpot announced in a webhook: which record, and what happened to it. The engine acts on
 * it by reading the record again ({@link Kind#CREATED}, {@link Kind#UPDATED}, {@link Kind#RESTORED},
 * {@link Kind#MERGED}) or deleting it downstream ({@link Kind#DELETED}).
 *
 * @param objectType the object type, canonical where there is one ({@code contact}, {@code company},
 *     {@code deal}), else HubSpot's name or type id ({@code tickets}, {@code 2-123456})
 * @param id the record's HubSpot id
 * @param kind what happened
 * @param occurredAt when it happened in HubSpot
 * @param eventId HubSpot's id of the event (unique per subscription), for de-duplication
 * @param propertyName the property that changed, for property changes
 * @param propertyValue its new value, for property changes
 * @param subscriptionType HubSpot's subscription type, such as {@code contact.propertyChange}
 */
public record ChangeNotification(
    String objectType,
    String id,
    Kind kind,
    Instant occurredAt,
    long eventId,
    @Nullable String propertyName,
    @Nullable String propertyValue,
    String subscriptionType) {

  /** What happened to a record. */
  public enum Kind {
    CREATED,
    UPDATED,
    DELETED,
    RESTORED,
    /** Other records were merged into this one, which changed. */
    MERGED
  }

  public ChangeNotification {
    Objects.requireNonNull(objectType, "objectType");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(subscriptionType, "subscriptionType");
  }

  /**
   * The latest notification per record, in order of occurrence: HubSpot sends one event per changed
   * property, and the engine needs to read each record once.
   */
  public static List<ChangeNotification> latestPerRecord(List<ChangeNotification> notifications) {
    Map<String, ChangeNotification> latest = new LinkedHashMap<>();
    for (ChangeNotification n : notifications) {
      latest.merge(n.objectType() + "/" + n.id(), n,
          (a, b) -> b.occurredAt().isBefore(a.occurredAt()) ? a : b);
    }
    List<ChangeNotification> out = new ArrayList<>(latest.values());
    out.sort(Comparator.comparing(ChangeNotification::occurredAt));
    return out;
  }
}
