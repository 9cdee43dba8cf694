package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.AnswerProxy;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever Salesforce (or a proxy before it) answers to one query page, the checkpoint never moves past a
 * record that was not read: an answer without the documented shape ({@code totalSize}, {@code done},
 * {@code records}, {@code nextRecordsUrl} while not done) is a failed read, never an empty last page. A
 * sync whose n-th query answer is replaced, then a later incremental run against a healthy org, together
 * deliver every record, although they were modified long before the later run's window.
 */
class MalformedPageProperties {

  @Property(tries = 25)
  void theCheckpointNeverPassesARecordThatWasNotRead(
      @ForAll("bodies") String body, @ForAll @IntRange(min = 1, max = 3) int page) {
    FakeTimeSource clock = new FakeTimeSource();
    try (SalesforceEmulator sf = Emulators.emulator(clock).clientCredentials("cc-client", "cc-secret").build().start()) {
      for (int i = 0; i < 450; i++) {
        sf.insert("Contact", Map.of("Email", "m" + i + "@example.com", "LastName", "M" + i));
      }
      clock.advance(Duration.ofHours(2)); // so that no incremental window reaches back to them
      FakeCrm app = FakeCrm.builder().id("app").timeSource(clock).build();
      try (AnswerProxy proxy = AnswerProxy.to(URI.create(sf.url()))
          .replace(r -> r.getMethod().equals("GET") && r.getUrl().encodedPath().contains("/query"), page, body)
          .start()) {
        // client credentials: a JWT's audience would name the emulator, not the proxy
        AdapterConfig config = AdapterConfig.builder("salesforce").timeSource(clock)
            .settings(Map.of("loginUrl", proxy.url().toString(), "clientId", "cc-client", "clientSecret", "cc-secret"))
            .build();
        SalesforceAdapter source = SalesforceAdapter.create(config);
        CRMSync sync = CRMSync.builder().source(source).target(app).timeSource(clock).jobId("job")
            .readPageSize(200).build();

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
        Arbitraries.of("", "{}", "[1,2,3]", "[]", "null", "42", "true", "{\"totalSize\":0}",
            "{\"done\":true}", "{\"done\":true,\"records\":{}}", "{\"done\":true,\"records\":[1,2,3]}",
            "{\"done\":true,\"records\":[{}]}", "{\"done\":\"yes\",\"records\":[]}",
            "{\"done\":false,\"records\":[]}", "{\"done\":false,\"records\":[],\"nextRecordsUrl\":7}",
            "{\"totalSize\":450,\"done\":true,\"records\":[{\"Id\":5}]}", "{\"records\":[",
            "<html><body>maintenance</body></html>"),
        Arbitraries.strings().ofMaxLength(64),
        Arbitraries.strings().withChars("{}[]\":,0123456789abcfalse ").ofMinLength(1).ofMaxLength(40));
  }
}
