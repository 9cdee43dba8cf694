package io.crmsync.pipedrive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.CRMSync;
import io.crmsync.backend.SyncBackend;
import io.crmsync.mapping.RecordMapper;
import io.crmsync.queue.TaskQueue;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.state.SyncStateStore;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
import io.crmsync.testkit.salesforce.FieldType;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * 10,000 contacts from Pipedrive to HubSpot and to Salesforce, and changes made there back to Pipedrive: each
 * side equals the other afterwards, a custom field of the same name on both sides included. Limits are off
 * (the dedicated limits test is in {@link PipedriveSyncTest}); Dynamics 365 is not on main yet, so it is
 * not among the targets.
 *
 * <p>The syncs carry the fields both CRMs have (email, names, the custom field), which a mapping picks;
 * owner ids and computed fields the engine leaves out by itself. Both directions share one state store
 * with {@code twoWay}, so the way back writes only what changed on the other side.
 */
class CrossCrmSyncTest {
  static final int CONTACTS = 10_000;
  static final int CHANGED = 300;
  static final String[] COLOURS = {"red", "green", "blue", "amber", "violet"};
  final FakeTimeSource clock = new FakeTimeSource();

  /** The shared fields of a contact, under their canonical names; the custom field under {@code custom}. */
  private static UnaryOperator<CrmRecord> shared(String custom) {
    Set<String> keep = Set.of(Contact.Fields.EMAIL, Contact.Fields.FIRST_NAME, Contact.Fields.LAST_NAME, custom);
    return r -> {
      Map<String, Object> f = new LinkedHashMap<>();
      r.fields().forEach((k, v) -> {
        if (keep.contains(k)) {
          f.put(k, k.equals(Contact.Fields.EMAIL) ? v.toString().toLowerCase(Locale.ROOT) : v);
        }
      });
      return r.withFields(f);
    };
  }

  private static void seed(PipedriveEmulator pipedrive, String custom) {
    String key = pipedrive.customFieldKey("persons", custom);
    for (int i = 0; i < CONTACTS; i++) {
      pipedrive.insert("persons", Map.of("name", "First" + i + " Last" + (i % 997),
          "emails", List.of(Map.of("value", "c" + i + "@example.com")),
          "custom_fields", Map.of(key, COLOURS[i % COLOURS.length])));
    }
  }

  /** Pipedrive's persons by email: first name, last name, the custom field. */
  private static Map<String, List<String>> pipedriveView(PipedriveEmulator pipedrive, String custom) {
    String key = pipedrive.customFieldKey("persons", custom);
    Map<String, List<String>> out = new HashMap<>();
    for (JsonNode p : pipedrive.records("persons")) {
      String email = p.path("emails").get(0).path("value").asText().toLowerCase(Locale.ROOT);
      List<String> values = List.of(p.path("first_name").asText(), p.path("last_name").asText(),
          p.path("custom_fields").path(key).asText());
      assertThat(out.put(email, values)).as("one person per email: " + email).isNull();
    }
    return out;
  }

  private SyncReport sync(CRMAdapter source, CRMAdapter target, SyncStateStore state, String custom) {
    return CRMSync.builder().source(source).target(target).backend(SyncBackend.of(TaskQueue.inMemory(clock), state))
        .twoWay(true).mapping(RecordMapper.of(shared(custom))).timeSource(clock).workers(4).batchSize(100).build().run();
  }

  @Test
  void pipedriveToHubSpotAndBack() {
    String custom = "favourite_colour";
    try (PipedriveEmulator pd = PipedriveEmulator.builder().timeSource(clock).customField("persons", custom, "varchar")
            .build().start();
        HubSpotEmulator hs = HubSpotEmulator.builder().timeSource(clock).property("contacts", custom).build().start()) {
      seed(pd, custom);
      clock.advance(Duration.ofMinutes(1));
      PipedriveAdapter pipedrive = Emulated.adapter(pd, clock);
      Map<String, String> hsSettings = new HashMap<>(hs.adapterSettings());
      hsSettings.put("properties", custom);
      HubSpotAdapter hubspot = HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(hsSettings)
          .timeSource(clock).httpClient(Emulated.CLIENT).build());
      SyncStateStore state = SyncStateStore.inMemory();

      SyncReport out = sync(pipedrive, hubspot, state, custom);
      assertThat(out.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(out.created()).isEqualTo(CONTACTS);
      assertThat(hubspotView(hs, custom)).isEqualTo(pipedriveView(pd, custom));

      // change some contacts in HubSpot, and sync back
      clock.advance(Duration.ofMinutes(1));
      List<Map<String, String>> contacts = hs.records("contacts");
      for (int i = 0; i < CHANGED; i++) {
        Map<String, String> c = contacts.get(i * (CONTACTS / CHANGED));
        hs.update("contacts", c.get("hs_object_id"), Map.of("lastname", "Moved" + i, custom, "teal"));
      }
      clock.advance(Duration.ofMinutes(1));
      SyncReport back = sync(hubspot, pipedrive, state, custom);
      assertThat(back.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(back.updated()).as("only what changed in HubSpot").isEqualTo(CHANGED);
      assertThat(back.created()).isZero();
      assertThat(back.unchanged()).isEqualTo(CONTACTS - CHANGED);
      Map<String, List<String>> pipedriveAfter = pipedriveView(pd, custom);
      assertThat(pipedriveAfter).isEqualTo(hubspotView(hs, custom)).hasSize(CONTACTS);
      assertThat(pipedriveAfter.values()).filteredOn(v -> v.get(2).equals("teal")).hasSize(CHANGED);
      assertThat(pd.refusedCount()).isZero();
    }
  }

  private static Map<String, List<String>> hubspotView(HubSpotEmulator hs, String custom) {
    Map<String, List<String>> out = new HashMap<>();
    for (Map<String, String> c : hs.records("contacts")) {
      out.put(c.get("email").toLowerCase(Locale.ROOT),
          List.of(c.getOrDefault("firstname", ""), c.getOrDefault("lastname", ""), c.getOrDefault(custom, "")));
    }
    return out;
  }

  @Test
  void pipedriveToSalesforceAndBack() {
    String custom = "Favourite_Colour__c";
    try (PipedriveEmulator pd = PipedriveEmulator.builder().timeSource(clock).customField("persons", custom, "varchar")
            .build().start();
        SalesforceEmulator sf = SalesforceEmulator.builder().timeSource(clock)
            .customField("Contact", custom, FieldType.STRING).build().start()) {
      seed(pd, custom);
      clock.advance(Duration.ofMinutes(1));
      PipedriveAdapter pipedrive = Emulated.adapter(pd, clock);
      SalesforceAdapter salesforce = SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
          .httpClient(Emulated.CLIENT)
          .settings(Map.of("loginUrl", sf.url(), "clientId", "emulator", "clientSecret", "emulator",
              "bulkPollInitial", "10ms", "bulkPollMax", "50ms"))
          .build());
      SyncStateStore state = SyncStateStore.inMemory();

      SyncReport out = sync(pipedrive, salesforce, state, custom);
      assertThat(out.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(out.created()).isEqualTo(CONTACTS);
      assertThat(salesforceView(sf, custom)).isEqualTo(pipedriveView(pd, custom));

      // change some contacts in Salesforce (through its adapter), and sync back
      clock.advance(Duration.ofMinutes(1));
      List<CrmRecord> changes = new ArrayList<>();
      for (int i = 0; i < CHANGED; i++) {
        int n = i * (CONTACTS / CHANGED);
        changes.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, "c" + n + "@example.com",
            Contact.Fields.LAST_NAME, "Moved" + i, custom, "teal")));
      }
      for (int from = 0; from < changes.size(); from += 100) {
        assertThat(salesforce.upsert(ObjectTypes.CONTACT, changes.subList(from, from + 100), MatchKey.email()))
            .allMatch(RecordResult::succeeded);
      }
      clock.advance(Duration.ofMinutes(1));
      SyncReport back = sync(salesforce, pipedrive, state, custom);
      assertThat(back.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(back.updated()).as("only what changed in Salesforce").isEqualTo(CHANGED);
      assertThat(back.unchanged()).isEqualTo(CONTACTS - CHANGED);
      Map<String, List<String>> pipedriveAfter = pipedriveView(pd, custom);
      assertThat(pipedriveAfter).isEqualTo(salesforceView(sf, custom)).hasSize(CONTACTS);
      assertThat(pipedriveAfter.values()).filteredOn(v -> v.get(2).equals("teal")).hasSize(CHANGED);
      assertThat(pd.refusedCount()).isZero();
    }
  }

  private static Map<String, List<String>> salesforceView(SalesforceEmulator sf, String custom) {
    Map<String, List<String>> out = new HashMap<>();
    for (Map<String, Object> c : sf.records("Contact")) {
      out.put(String.valueOf(c.get("Email")).toLowerCase(Locale.ROOT), List.of(String.valueOf(c.get("FirstName")),
          String.valueOf(c.get("LastName")), String.valueOf(c.get(custom))));
    }
    return out;
  }
}
