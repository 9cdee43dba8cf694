package io.crmsync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.SyncReport;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.model.Contact;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeCrm;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's snippets do what the README says. */
class ExamplesTest {

  @Test
  void quickStartSyncsAndDeadLettersTheInvalidRow() {
    FakeCrm app = FakeCrm.builder().id("app").build();
    FakeCrm crm = FakeCrm.builder().id("crm").build();
    app.seed(List.of(
        Contact.builder().email("ada@example.com").build().toRecord("app"),
        Contact.builder().email("not-an-email").build().toRecord("app")));

    SyncReport report = QuickStart.sync(app, crm);

    assertThat(report.created()).isEqualTo(1);
    assertThat(report.deadLettered()).isEqualTo(1);
    assertThat(crm.size(ObjectTypes.CONTACT)).isEqualTo(1);
  }

  @Test
  void theDedupeSnippetFindsANicknameAndPlusTagVariantAmongTwoThousandContacts() {
    String[] first = {"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy"};
    List<io.crmsync.quality.DedupeRecord> records = new java.util.ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      String f = first[i % first.length];
      String l = surname(i);
      records.add(io.crmsync.quality.DedupeRecord.of(Integer.toString(i), java.util.Map.of(
          "email", (f + "." + l).toLowerCase(java.util.Locale.ROOT) + "@example.com",
          "firstName", f, "lastName", l, "company", surname(i + 7_000) + " Inc",
          "phone", String.format(java.util.Locale.ROOT, "020 7946 %04d", i))));
    }
    // contact 42 again, as another system holds it: upper case, plus-tag, legal suffix, international phone
    String l42 = surname(42);
    records.add(io.crmsync.quality.DedupeRecord.of("42-crm", java.util.Map.of(
        "email", ("Carol." + l42 + "+crm@example.com").toUpperCase(java.util.Locale.ROOT), "firstName", "Carol",
        "lastName", l42.toUpperCase(java.util.Locale.ROOT), "company", surname(42 + 7_000) + " Ltd",
        "phone", "+44 20 7946 0042")));

    io.crmsync.quality.DedupeResult result = DedupeExample.dedupe(records);

    assertThat(result.duplicateClusters()).anySatisfy(c -> assertThat(c.memberIds()).containsExactlyInAnyOrder("42", "42-crm"));
    assertThat(result.duplicateClusters()).hasSize(1);
  }

  /** A distinct made-up surname per number: letters far apart, so unrelated people do not look alike. */
  private static String surname(int n) {
    String consonants = "bcdfghjklmnpqrstvwz";
    String vowels = "aeiou";
    long x = (n + 1) * 2_654_435_761L;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      sb.append(i % 2 == 0 ? consonants.charAt((int) (x % consonants.length())) : vowels.charAt((int) (x % vowels.length())));
      x /= i % 2 == 0 ? consonants.length() : vowels.length();
    }
    return Character.toUpperCase(sb.charAt(0)) + sb.substring(1);
  }

  @Test
  void customAdaptersAreRegisteredAndConfigured() {
    CRMAdapter acme = CustomAdapterExample.create();
    assertThat(acme.id()).isEqualTo("acme");
    assertThat(acme.capabilities().maxBatchSize()).isEqualTo(50);
  }
}
