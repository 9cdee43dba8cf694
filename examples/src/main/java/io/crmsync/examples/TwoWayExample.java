package io.crmsync.examples;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.backend.SyncBackend;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.twoway.ConflictPolicy;
import io.crmsync.twoway.DeletePolicy;
import io.crmsync.twoway.TwoWaySync;
import java.util.Map;

/** The README's two-way sync: HubSpot and Salesforce kept in agreement, field by field, both ways. */
public final class TwoWayExample {
  private TwoWayExample() {}

  public static TwoWaySync build(CRMAdapter hubspot, CRMAdapter salesforce, FieldMapping mapping, SyncBackend backend) {
    // README:two-way:start
    TwoWaySync sync = TwoWaySync.builder()
        .first(hubspot).second(salesforce)
        .mapping(mapping)                          // first to second; inverted for the way back
        .conflicts(ConflictPolicy.ownedBy(         // phone belongs to Salesforce; other fields: latest wins
            Map.of("phone", ConflictPolicy.Side.SECOND), ConflictPolicy.latestWins()))
        .whenFirstDeletes(DeletePolicy.DELETE)     // a deletion in HubSpot reaches Salesforce; not the other way
        .backend(backend)                          // baselines, links and reviews; PostgreSQL to outlive the process
        .build();
    // README:two-way:end
    return sync;
  }
}
