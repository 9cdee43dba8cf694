package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.FieldType;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import io.crmsync.testkit.zoho.ZohoEmulator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 10,000 contacts from Zoho CRM to HubSpot and to Salesforce and back into a fresh Zoho org, through the engine,
 * each emulator strict about its own API: afterwards each target holds what its source held, custom fields that
 * exist under the same name on both sides included. (Dynamics 365 has no adapter module yet.)
 */
class CrossCrmSyncTest {
  private static final int CONTACTS = 10_000;
  /** The standard fields all three CRMs write; company is the account's name in Zoho and Salesforce, not text. */
  private static final List<String> COMPARED = List.of(Contact.Fields.EMAIL, Contact.Fields.FIRST_NAME,
      Contact.Fields.LAST_NAME, Contact.Fields.PHONE, Contact.Fields.TITLE, Contact.Fields.CITY, Contact.Fields.STATE,
      Contact.Fields.POSTAL_CODE, Contact.Fields.COUNTRY);

  final FakeTimeSource clock = new FakeTimeSource();

  private ZohoEmulator seededZoho(String customField) {
    ZohoEmulator zoho = ZohoEmulator.builder().timeSource(clock).field("Contacts", customField, "text").build().start();
    for (int i = 0; i < CONTACTS; i++) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("Email", "x" + i + "@example.com");
      v.put("First_Name", "First" + i);
      v.put("Last_Name", "Last" + (i % 997));
      v.put("Phone", "+44 20 7946 " + String.format(Locale.ROOT, "%04d", i));
      v.put("Title", i % 3 == 0 ? "Engineer" : "Manager");
      v.put("Mailing_City", "City " + (i % 31));
      v.put("Mailing_State", "State " + (i % 7));
      v.put("Mailing_Zip", "Z" + (i % 1000));
      v.put("Mailing_Country", i % 2 == 0 ? "United Kingdom" : "France");
      if (i % 4 != 0) {
        v.put(customField, "tier-" + (i % 5));
      }
      zoho.insert("Contacts", v);
    }
    return zoho;
  }

  private static SyncReport sync(CRMAdapter source, CRMAdapter target) {
    // the engine writes only the fields the target describes as writable, never owner ids of the other side
    return CRMSync.builder().source(source).target(target).matchKey(MatchKey.email()).workers(2).build().run();
  }

  private static Map<String, Map<String, Object>> byEmail(CRMAdapter adapter, String customField) {
    Map<String, Map<String, Object>> out = new HashMap<>();
    try (var s = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(adapter.capabilities().maxPageSize()))) {
      s.forEach(r -> {
        Map<String, Object> f = new HashMap<>();
        for (String name : COMPARED) {
          if (r.fields().containsKey(name)) {
            f.put(name, r.string(name));
          }
        }
        if (r.fields().containsKey(customField)) {
          f.put("custom", r.string(customField));
        }
        out.put(r.string(Contact.Fields.EMAIL).toLowerCase(Locale.ROOT), f);
      });
    }
    return out;
  }

  private void roundTrip(CRMAdapter other, String customField, Runnable checkOther) {
    try (ZohoEmulator origin = seededZoho(customField);
        ZohoEmulator back = ZohoEmulator.builder().timeSource(clock).field("Contacts", customField, "text").build().start()) {
      ZohoAdapter source = Emulated.adapter(origin, clock);
      SyncReport out = sync(source, other);
      assertThat(out.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(out.created()).isEqualTo(CONTACTS);
      assertThat(out.deadLettered()).isZero();
      checkOther.run();

      ZohoAdapter returned = Emulated.adapter(back, clock);
      SyncReport in = sync(other, returned);
      assertThat(in.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(in.created()).isEqualTo(CONTACTS);
      assertThat(in.deadLettered()).isZero();

      Map<String, Map<String, Object>> expected = byEmail(source, customField);
      assertThat(expected).hasSize(CONTACTS);
      assertThat(byEmail(other, customField)).as("the other CRM holds what Zoho held").isEqualTo(expected);
      assertThat(byEmail(returned, customField)).as("and Zoho gets it back").isEqualTo(expected);
      assertThat(origin.refusedCount() + back.refusedCount()).isZero();
      assertThat(origin.rateLimitedCount() + back.rateLimitedCount()).isZero();
    }
  }

  @Test
  void toHubSpotAndBack() {
    try (HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).property("contacts", "loyalty_tier")
        .build().start()) {
      Map<String, String> settings = new LinkedHashMap<>(hubspot.adapterSettings());
      settings.put("properties", "loyalty_tier");
      settings.put("budgetRequests", "1000000");
      HubSpotAdapter adapter = HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(settings).timeSource(clock)
          .httpClient(Emulated.CLIENT).build());
      roundTrip(adapter, "loyalty_tier", () -> assertThat(hubspot.records("contacts")).hasSize(CONTACTS));
    }
  }

  @Test
  void toSalesforceAndBack() {
    try (SalesforceEmulator salesforce = SalesforceEmulator.builder().timeSource(clock)
        .customField("Contact", "Loyalty_Tier__c", FieldType.STRING).build().start()) {
      SalesforceAdapter adapter = SalesforceAdapter.create(AdapterConfig.builder("salesforce").timeSource(clock)
          .httpClient(Emulated.CLIENT)
          .settings(Map.of("loginUrl", salesforce.url(), "clientId", "crm-sync", "clientSecret", "emulator",
              "bulkPollInitial", "10ms", "bulkPollMax", "50ms"))
          .build());
      roundTrip(adapter, "Loyalty_Tier__c", () -> assertThat(salesforce.records("Contact")).hasSize(CONTACTS));
    }
  }
}
