package io.crmsync.sugarcrm;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.FieldType;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * 10,000 contacts from SugarCRM to another CRM's emulator and back into a second SugarCRM, the engine with its
 * defaults and no limits: afterwards the second Sugar equals the first, custom fields of the same name on both
 * sides included. (A Dynamics 365 module is not part of this build, so there is no Dynamics leg.)
 */
class CrossCrmSyncTest {
  static final int CONTACTS = 10_000;
  final FakeTimeSource clock = new FakeTimeSource();

  /** Seeds Sugar with contacts carrying every standard field both sides map, and the custom field. */
  private static void seed(SugarCrmEmulator sugar, String custom) {
    for (int i = 0; i < CONTACTS; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("email", "x" + i + "@example.com");
      f.put("first_name", "First" + i);
      f.put("last_name", "Last" + (i % 997));
      f.put("title", "Title " + (i % 13));
      f.put("phone_work", "+44 20 7946 " + String.format(Locale.ROOT, "%04d", i % 10_000));
      f.put("primary_address_city", "City " + (i % 31));
      f.put("primary_address_country", "United Kingdom");
      f.put(custom, "tier-" + (i % 4));
      sugar.insert("Contacts", f);
    }
  }

  private static final List<String> COMPARED = List.of(Contact.Fields.EMAIL, Contact.Fields.FIRST_NAME,
      Contact.Fields.LAST_NAME, Contact.Fields.TITLE, Contact.Fields.PHONE, Contact.Fields.CITY, Contact.Fields.COUNTRY);

  /** The records of {@code adapter} by email, with the compared fields only. */
  private static Map<String, Map<String, Object>> byEmail(CRMAdapter adapter, String custom) {
    Map<String, Map<String, Object>> out = new HashMap<>();
    try (var stream = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(adapter.capabilities().maxPageSize()))) {
      stream.forEach(r -> {
        Map<String, Object> kept = new HashMap<>();
        for (String f : COMPARED) {
          if (r.fields().containsKey(f)) {
            kept.put(f, r.fields().get(f));
          }
        }
        if (r.fields().containsKey(custom)) {
          kept.put(custom, r.fields().get(custom));
        }
        assertThat(out.put(r.string(Contact.Fields.EMAIL).toLowerCase(Locale.ROOT), kept)).as("once: " + r.id()).isNull();
      });
    }
    return out;
  }

  private SyncReport sync(CRMAdapter source, CRMAdapter target) {
    return CRMSync.builder().source(source).target(target).timeSource(clock).workers(4).incremental(false).build().run();
  }

  @Test
  void toHubSpotAndBack() {
    String custom = "loyalty_tier_c";
    try (SugarCrmEmulator first = SugarCrmEmulator.builder().timeSource(clock).customField("Contacts", custom).build().start();
        SugarCrmEmulator second = SugarCrmEmulator.builder().timeSource(clock).customField("Contacts", custom).build().start();
        HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).property("contacts", custom).build().start()) {
      seed(first, custom);
      SugarCrmAdapter from = Emulated.adapter(first, clock, "pageSize", "1000");
      SugarCrmAdapter back = Emulated.adapter(second, clock, "pageSize", "1000");
      Map<String, String> hs = new LinkedHashMap<>(hubspot.adapterSettings());
      hs.put("properties", custom);
      hs.put("budgetRequests", "1000000");
      hs.put("budgetWindow", "1s");
      HubSpotAdapter hub = HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(hs).timeSource(clock)
          .httpClient(Emulated.CLIENT).build());

      SyncReport out = sync(from, hub);
      assertThat(out.created()).as(out.toString()).isEqualTo(CONTACTS);
      SyncReport in = sync(hub, back);
      assertThat(in.created()).as(in.toString()).isEqualTo(CONTACTS);

      Map<String, Map<String, Object>> source = byEmail(from, custom);
      assertThat(source).hasSize(CONTACTS);
      assertThat(source.values()).allSatisfy(r -> assertThat(r).containsKey(custom).hasSize(COMPARED.size() + 1));
      assertThat(byEmail(back, custom)).isEqualTo(source);
      assertThat(first.refusedCount() + second.refusedCount()).isZero();
    }
  }

  @Test
  void toSalesforceAndBack() {
    String custom = "Loyalty_Tier__c"; // a name both sides allow: Salesforce's __c, Sugar's _c
    try (SugarCrmEmulator first = SugarCrmEmulator.builder().timeSource(clock).customField("Contacts", custom).build().start();
        SugarCrmEmulator second = SugarCrmEmulator.builder().timeSource(clock).customField("Contacts", custom).build().start();
        SalesforceEmulator salesforce = SalesforceEmulator.builder().timeSource(clock).clientCredentials("cid", "csecret")
            .customField("Contact", custom, FieldType.STRING).build().start()) {
      seed(first, custom);
      SugarCrmAdapter from = Emulated.adapter(first, clock, "pageSize", "1000");
      SugarCrmAdapter back = Emulated.adapter(second, clock, "pageSize", "1000");
      SalesforceAdapter sf = SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
          .httpClient(Emulated.CLIENT)
          .settings(Map.of("loginUrl", salesforce.url(), "clientId", "cid", "clientSecret", "csecret",
              "bulkPollInitial", "10ms", "bulkPollMax", "50ms"))
          .build());

      SyncReport out = sync(from, sf);
      assertThat(out.created()).as(out.toString()).isEqualTo(CONTACTS);
      SyncReport in = sync(sf, back);
      assertThat(in.created()).as(in.toString()).isEqualTo(CONTACTS);

      Map<String, Map<String, Object>> source = byEmail(from, custom);
      assertThat(source.values()).allSatisfy(r -> assertThat(r).containsKey(custom).hasSize(COMPARED.size() + 1));
      assertThat(byEmail(back, custom)).isEqualTo(source);
      assertThat(first.refusedCount() + second.refusedCount()).isZero();
      assertThat(Set.copyOf(salesforce.records("Contact").stream().map(r -> r.get("Email")).toList())).hasSize(CONTACTS);
    }
  }
}
