package io.crmsync.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.crmsync.TimeSource;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.RecordResult;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.dynamics.ColumnSpec;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.util.ArrayList;
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
 * Values full of quotes, OData and URL reserved characters, LIKE wildcards and unicode, put into filters and key
 * segments with {@link OData}, match exactly themselves: in the emulator's OData parser, which reads literals by
 * Dataverse's rules, and over the wire through the adapter's lookups and alternate-key upserts.
 */
class ODataEscapingPropertyTest {
  private static final String NOTE = "new_note";
  private static DataverseEmulator dv;
  private static EmulatorHttp http;
  private static DynamicsAdapter adapter;
  private static final AtomicInteger seq = new AtomicInteger();

  @BeforeContainer
  static void start() {
    dv = Emulated.emulator(TimeSource.system()).column("contact", ColumnSpec.string(NOTE, 200)).build().start();
    http = new EmulatorHttp(dv);
    adapter = Emulated.adapter(dv, TimeSource.system());
    // decoys that a broken escape would let through
    dv.insert("contact", Map.of("lastname", "decoy", NOTE, "decoy"));
    dv.insert("contact", Map.of("lastname", "decoy", NOTE, "a%b_c[d]"));
    dv.insert("contact", Map.of("lastname", "decoy", NOTE, "x' or '1' eq '1"));
  }

  @AfterContainer
  static void stop() {
    adapter.close();
    dv.close();
  }

  private static List<JsonNode> filter(String filter) {
    JsonNode body = http.get(http.api().addPathSegment("contacts").addQueryParameter("$select", NOTE)
        .addQueryParameter("$filter", filter).build());
    List<JsonNode> rows = new ArrayList<>();
    body.get("value").forEach(rows::add);
    return rows;
  }

  @Property(tries = 150)
  void quotedValuesEqualOnlyThemselves(
      @ForAll @NotBlank @StringLength(max = 40) @Chars({'\'', '"', '%', '_', '[', ']', '&', '+', '#', '?', '/', '\\', '*', ':',
          '<', '>', '(', ')', ',', '=', ' ', '\n', '$', '@'}) @CharRange(from = 'a', to = 'c') @CharRange(from = 'é', to = 'ë')
          @CharRange(from = '漢', to = '漣') String value) {
    String id = dv.insert("contact", Map.of("lastname", "p" + seq.incrementAndGet(), NOTE, value));

    List<JsonNode> equal = filter(NOTE + " eq " + OData.quote(value));
    assertThat(equal).extracting(n -> n.get("contactid").asText()).contains(id);
    assertThat(equal).allSatisfy(n -> assertThat(n.get(NOTE).asText()).isEqualToIgnoringCase(value));

    List<JsonNode> contains = filter("contains(" + NOTE + "," + OData.quoteLike(value) + ")");
    assertThat(contains).extracting(n -> n.get("contactid").asText()).contains(id);
    assertThat(contains).allSatisfy(n ->
        assertThat(n.get(NOTE).asText().toLowerCase(Locale.ROOT)).contains(value.toLowerCase(Locale.ROOT)));

    List<JsonNode> prefix = filter("startswith(" + NOTE + "," + OData.quoteLike(value) + ")");
    assertThat(prefix).extracting(n -> n.get("contactid").asText()).contains(id);
    assertThat(prefix).allSatisfy(n ->
        assertThat(n.get(NOTE).asText().toLowerCase(Locale.ROOT)).startsWith(value.toLowerCase(Locale.ROOT)));

    List<JsonNode> combined = filter(OData.eq(NOTE, value) + " and " + OData.eq("contactid", java.util.UUID.fromString(id)));
    assertThat(combined).hasSize(1);
  }

  @Property(tries = 80)
  void lookupsOverTheWireFindExactlyTheRecord(
      @ForAll @StringLength(max = 30) @Chars({'\'', '"', '%', '_', '[', '&', '+', '#', '?', '/', '\\', '*', ':', '<', '>', ' '})
          @CharRange(from = 'x', to = 'z') @CharRange(from = 'ü', to = 'ü') String value) {
    // framed: a match key's surrounding blanks are not part of it (MatchKey.normalize strips them)
    String unique = seq.incrementAndGet() + "|" + value + "|";
    String id = dv.insert("contact", Map.of("lastname", "w", NOTE, unique));

    Optional<CrmRecord> found = adapter.lookup(ObjectTypes.CONTACT, MatchKey.field(NOTE), unique);

    assertThat(found).get().satisfies(r -> {
      assertThat(r.id()).isEqualTo(id);
      assertThat(r.string(NOTE)).isEqualTo(unique);
    });
  }

  @Property(tries = 80)
  void alternateKeyValuesWithReservedCharactersUpsertIntoOneRow(
      @ForAll @NotBlank @StringLength(max = 20) @Chars({'\'', '%', '&', '+', '#', '?', '/', '*', ':', '<', '>', '!', '$', '='})
          @CharRange(from = 'm', to = 'o') @CharRange(from = 'ø', to = 'ø') String local) {
    String email = local.strip().replace(" ", "") + seq.incrementAndGet() + "@example.com";
    CrmRecord c = CrmRecord.of(ObjectTypes.CONTACT, Map.of(Contact.Fields.EMAIL, email, Contact.Fields.LAST_NAME, "Key"));

    List<RecordResult> first = adapter.upsert(ObjectTypes.CONTACT, List.of(c), MatchKey.email());
    List<RecordResult> second = adapter.upsert(ObjectTypes.CONTACT, List.of(c.with(Contact.Fields.FIRST_NAME, "Again")), MatchKey.email());

    assertThat(first).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(RecordResult.Status.CREATED));
    assertThat(second).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo(RecordResult.Status.UPDATED);
      assertThat(r.id()).isEqualTo(first.get(0).id());
    });
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), email)).get()
        .satisfies(r -> assertThat(r.string(Contact.Fields.FIRST_NAME)).isEqualTo("Again"));
  }

  @Property(tries = 50)
  void namesThatAreNotODataIdentifiersAreRefused(@ForAll @NotBlank @StringLength(max = 12)
      @Chars({'\'', ' ', ',', '(', '-', '.', '/', '$'}) @CharRange(from = 'a', to = 'c') String name) {
    if (name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      assertThat(OData.name(name)).isEqualTo(name);
    } else {
      assertThatThrownBy(() -> OData.name(name)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
