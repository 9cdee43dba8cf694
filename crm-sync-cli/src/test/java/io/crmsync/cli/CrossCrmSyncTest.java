package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.dynamics.DynamicsAdapter;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Whole syncs between emulators through {@link CRMSync}: 10,000 HubSpot contacts into Dynamics 365, and 10,000
 * Dynamics 365 contacts into Salesforce; afterwards the target holds exactly the source's contacts. Time is a
 * {@link FakeTimeSource}, so rate limits are kept without waiting.
 */
class CrossCrmSyncTest {
  private static final int N = 10_000;
  final FakeTimeSource clock = new FakeTimeSource();

  /** A contact as (lower-cased email, first name, last name), for comparing systems whatever their field names. */
  private record Person(String email, String first, String last) {
    static Person of(Object email, Object first, Object last) {
      return new Person(String.valueOf(email).toLowerCase(Locale.ROOT), String.valueOf(first), String.valueOf(last));
    }
  }

  private static DynamicsAdapter dynamics(DataverseEmulator dv, FakeTimeSource clock) {
    return DynamicsAdapter.create(AdapterConfig.builder("dynamics").settings(dv.adapterSettings()).timeSource(clock).build());
  }

  @Test
  void tenThousandHubSpotContactsIntoDynamics() {
    try (HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).privateAppToken("emulator").build().start();
        DataverseEmulator dv = DataverseEmulator.builder().timeSource(clock).alternateKey("contact", "emailaddress1").build().start()) {
      Set<Person> source = new HashSet<>();
      for (int i = 0; i < N; i++) {
        String email = "h" + i + "@example.com";
        hubspot.insert("contacts", Map.of("email", email, "firstname", "H" + i, "lastname", "Hub" + (i % 97)));
        source.add(Person.of(email, "H" + i, "Hub" + (i % 97)));
      }
      HubSpotAdapter from = HubSpotAdapter.create(AdapterConfig.builder("hubspot").settings(hubspot.adapterSettings())
          .timeSource(clock).build());
      SyncReport report = CRMSync.builder().source(from).target(dynamics(dv, clock)).timeSource(clock).build().run();

      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.created()).isEqualTo(N);
      assertThat(report.deadLettered()).isZero();
      Set<Person> target = new HashSet<>();
      dv.records("contact").forEach(r -> target.add(Person.of(r.get("emailaddress1"), r.get("firstname"), r.get("lastname"))));
      assertThat(target).isEqualTo(source);
      assertThat(dv.refusals()).isEmpty();
      assertThat(dv.rateLimitedCount()).isZero();
    }
  }

  @Test
  void tenThousandDynamicsContactsIntoSalesforce() {
    try (DataverseEmulator dv = DataverseEmulator.builder().timeSource(clock).build().start();
        SalesforceEmulator sf = SalesforceEmulator.builder().timeSource(clock).clientCredentials("emulator", "emulator").build().start()) {
      Set<Person> source = new HashSet<>();
      for (int i = 0; i < N; i++) {
        String email = "d" + i + "@example.com";
        dv.insert("contact", Map.of("emailaddress1", email, "firstname", "D" + i, "lastname", "Dyn" + (i % 89)));
        source.add(Person.of(email, "D" + i, "Dyn" + (i % 89)));
      }
      Map<String, String> sfSettings = new LinkedHashMap<>();
      sfSettings.put("loginUrl", sf.url());
      sfSettings.put("clientId", "emulator");
      sfSettings.put("clientSecret", "emulator");
      sfSettings.put("bulkPollInitial", "10ms");
      sfSettings.put("bulkPollMax", "50ms");
      SalesforceAdapter to = SalesforceAdapter.create(AdapterConfig.builder("salesforce").settings(sfSettings).timeSource(clock).build());
      SyncReport report = CRMSync.builder().source(dynamics(dv, clock)).target(to).timeSource(clock).build().run();

      assertThat(report.status()).isEqualTo(SyncReport.Status.COMPLETED);
      assertThat(report.read()).isEqualTo(N);
      assertThat(report.deadLettered()).isZero();
      Set<Person> target = new HashSet<>();
      List<Map<String, Object>> contacts = sf.records("Contact");
      contacts.forEach(r -> target.add(Person.of(r.get("Email"), r.get("FirstName"), r.get("LastName"))));
      assertThat(contacts).hasSize(N);
      assertThat(target).isEqualTo(source);
      assertThat(dv.refusals()).isEmpty();
    }
  }
}
