package io.crmsync.zoho;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.MatchKey;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.zoho.ZohoEmulator;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever a value holds (quotes, backslashes, COQL keywords, parentheses), a lookup by it finds exactly the
 * record that has it: values reach COQL only through {@code Coql.quote}.
 */
class CoqlQuotingPropertyTest {
  private static ZohoEmulator zoho;
  private static ZohoAdapter adapter;

  @BeforeContainer
  static void start() {
    FakeTimeSource clock = new FakeTimeSource();
    zoho = ZohoEmulator.builder().timeSource(clock).tokenRequestLimit(10, Duration.ofMinutes(10)).build().start();
    zoho.insert("Contacts", Map.of("Last_Name", "Decoy", "Title", "decoy"));
    adapter = Emulated.adapter(zoho, clock);
  }

  @AfterContainer
  static void stop() {
    zoho.close();
  }

  @Provide
  Arbitrary<String> awkward() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("'\\\"()%_, =<>orandisnulllike").ofMinLength(1).ofMaxLength(30),
        Arbitraries.of("x' or Title is not null or Title = '", "\\", "\\'", "'", "decoy' or '1' = '1", "a\\\\'b",
            "%", "Title = 'decoy'"),
        Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(40));
  }

  @Property(tries = 150)
  void aLookupFindsExactlyTheRecordWithTheValue(@ForAll("awkward") String value) {
    String title = value.strip();
    if (title.isEmpty() || title.equalsIgnoreCase("decoy") || title.length() > 100) {
      return;
    }
    Optional<CrmRecord> found = adapter.lookup(ObjectTypes.CONTACT, MatchKey.field("title"), title);
    boolean stored = zoho.record("Contacts", "Title", title).isPresent();
    if (stored) {
      assertThat(found).hasValueSatisfying(r -> assertThat(r.string("title")).isEqualToIgnoringCase(title));
    } else {
      assertThat(found).as("a value no record has finds nothing, not the decoy: %s", title).isEmpty();
      zoho.insert("Contacts", Map.of("Last_Name", "P", "Title", title));
      assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.field("title"), title))
          .hasValueSatisfying(r -> assertThat(r.string("title")).isEqualTo(title));
    }
    assertThat(zoho.refusedCount()).as("no query was malformed").isZero();
  }
}
