package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.AnswerProxy;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever HubSpot (or a proxy before it) answers to one page of a read, the checkpoint never moves past a
 * record that was not read: a body without the documented shape is a failed read, never an empty last page.
 * The property: a sync whose n-th list page is replaced by an arbitrary body, then a later incremental run
 * against a healthy HubSpot, together deliver every record, although the records were modified long before
 * the later run's window. Were the odd body taken for the end of the pass, the checkpoint would have moved
 * on and the later run would miss every record after that page.
 */
class MalformedPageProperties {

  @Property(tries = 25)
  void theCheckpointNeverPassesARecordThatWasNotRead(
      @ForAll("bodies") String body, @ForAll @IntRange(min = 1, max = 4) int page) {
    FakeTimeSource clock = new FakeTimeSource();
    try (HubSpotEmulator hubspot = HubSpotEmulator.builder().timeSource(clock).build().start()) {
      for (int i = 0; i < 450; i++) {
        hubspot.insert("contacts", Map.of("email", "m" + i + "@example.com", "firstname", "M" + i));
      }
      clock.advance(Duration.ofHours(2)); // so that no incremental window reaches back to them
      FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();
      try (AnswerProxy proxy = AnswerProxy.to(hubspot.url())
          .replace(r -> r.getMethod().equals("GET") && r.getUrl().encodedPath().equals("/crm/v3/objects/contacts"),
              page, body)
          .start()) {
        Map<String, String> settings = new LinkedHashMap<>(hubspot.adapterSettings());
        settings.put("baseUrl", proxy.url().toString());
        settings.put("readRetries", "0");
        HubSpotAdapter source = HubSpotAdapter.create(
            io.crmsync.adapter.AdapterConfig.builder("hubspot").settings(settings).timeSource(clock).build());
        CRMSync sync = CRMSync.builder().source(source).target(app).timeSource(clock).jobId("job").build();

        SyncReport first = sync.run();
        assertThat(first.balanced()).isTrue();
        clock.advance(Duration.ofHours(1));
        SyncReport second = sync.run();
        assertThat(second.balanced()).isTrue();

        assertThat(app.size(ObjectTypes.CONTACT)).as("every record, after a " + first.status() + " run")
            .isEqualTo(450);
      }
    }
  }

  @Provide
  Arbitrary<String> bodies() {
    return Arbitraries.oneOf(
        Arbitraries.of("", "{}", "[1,2,3]", "[]", "null", "\"results\"", "42", "true",
            "{\"results\":{}}", "{\"results\":null}", "{\"results\":[1,2,3]}", "{\"results\":[{}]}",
            "{\"results\":[{\"id\":7}]}", "{\"results\":[{\"id\":\"7\",\"properties\":[]}]}",
            "{\"paging\":{\"next\":{\"after\":\"100\"}}}", "{\"results\":[],\"paging\":\"next\"}",
            "{\"results\":[],\"paging\":{\"next\":{\"after\":5}}}", "{\"results\":[", "<html>gateway</html>"),
        Arbitraries.strings().ofMaxLength(64),
        Arbitraries.strings().withChars("{}[]\":,0123456789abcnulltrue ").ofMinLength(1).ofMaxLength(40));
  }
}
