package io.crmsync.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.TimeSource;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.NotBlank;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Values full of quotes, backslashes, wildcards and line breaks, put into SOQL with {@link Soql}, match exactly
 * themselves: in the emulator's SOQL parser (which decodes literals by Salesforce's rules) and over the wire
 * through {@link SalesforceAdapter#lookup}.
 */
class SoqlEscapingPropertyTest {
  private static SalesforceEmulator sf;
  private static SalesforceAdapter adapter;
  private static final AtomicInteger seq = new AtomicInteger();

  @BeforeContainer
  static void start() {
    sf = Emulators.emulator(TimeSource.system()).build().start();
    adapter = Emulators.adapter(sf, TimeSource.system(), Map.of());
    // decoys that a broken escape would let through
    sf.insert("Contact", Map.of("LastName", "decoy", "Note__c", "decoy"));
    sf.insert("Contact", Map.of("LastName", "decoy", "Note__c", "a%b_c\\d"));
  }

  @AfterContainer
  static void stop() {
    adapter.close();
    sf.close();
  }

  @Property(tries = 200)
  void quotedValuesEqualOnlyThemselves(
      @ForAll @NotBlank @StringLength(max = 40) @Chars({'\'', '"', '\\', '%', '_', '\n', '\r', '\t', ' ', '=', '(', ')'})
          @CharRange(from = 'a', to = 'e') @CharRange(from = 'é', to = 'ë') String value) {
    String id = sf.insert("Contact", Map.of("LastName", "p" + seq.incrementAndGet(), "Note__c", value));

    List<JsonNode> equal = sf.query("SELECT Id, Note__c FROM Contact WHERE Note__c = " + Soql.quote(value));
    assertThat(equal).extracting(n -> n.get("Id").asText()).contains(id);
    assertThat(equal).allSatisfy(n -> assertThat(n.get("Note__c").asText()).isEqualToIgnoringCase(value));

    List<JsonNode> like = sf.query("SELECT Id, Note__c FROM Contact WHERE Note__c LIKE " + Soql.quoteLike(value, ""));
    assertThat(like).extracting(n -> n.get("Id").asText()).contains(id);
    assertThat(like).allSatisfy(n -> assertThat(n.get("Note__c").asText()).isEqualToIgnoringCase(value));

    List<JsonNode> prefix = sf.query("SELECT Id, Note__c FROM Contact WHERE Note__c LIKE " + Soql.quoteLike(value, "%"));
    assertThat(prefix).allSatisfy(n ->
        assertThat(n.get("Note__c").asText().toLowerCase(Locale.ROOT)).startsWith(value.toLowerCase(Locale.ROOT)));
  }

  @Property(tries = 80)
  void lookupsOverTheWireFindExactlyTheRecord(
      @ForAll @StringLength(max = 30) @Chars({'\'', '"', '\\', '%', '_', '\n', ' '}) @CharRange(from = 'x', to = 'z')
          String value) {
    String unique = seq.incrementAndGet() + "|" + value;
    String id = sf.insert("Contact", Map.of("LastName", "w", "Note__c", unique));

    Optional<CrmRecord> found = adapter.lookup(ObjectTypes.CONTACT, MatchKey.field("Note__c"), unique);

    assertThat(found).get().satisfies(r -> {
      assertThat(r.id()).isEqualTo(id);
      assertThat(r.string("Note__c")).isEqualTo(unique);
    });
  }

  @Property(tries = 50)
  void namesThatAreNotApiNamesAreRefused(@ForAll @NotBlank @StringLength(max = 12)
      @Chars({'\'', ' ', ',', '(', '-', '.'}) @CharRange(from = 'a', to = 'c') String name) {
    boolean valid = name.matches("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*){0,4}");
    if (valid) {
      assertThat(Soql.name(name)).isEqualTo(name);
    } else {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Soql.name(name)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
