package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.adapter.RecordResult;
import io.crmsync.hubspot.HubSpotAdapter;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.salesforce.SalesforceAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code crm-sync mapping check} and {@code crm-sync sync --mapping} against the HubSpot and Salesforce emulators. */
class MappingCommandTest {
  private static final Pattern URL = Pattern.compile("(?m)emulator on (http://\\S+)$");

  private static String url(ByteArrayOutputStream printed) {
    Matcher m = URL.matcher(printed.toString(StandardCharsets.UTF_8));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static AutoCloseable emulate(String crm, ByteArrayOutputStream printed) {
    EmulateCommand command = new EmulateCommand();
    new CommandLine(command).parseArgs(crm);
    return command.start(new PrintStream(printed, true, StandardCharsets.UTF_8));
  }

  /** Exit code, stdout and stderr of one command line. */
  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int exit = Main.run(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  private static Path config(Path dir, String hubspotUrl, String salesforceUrl) throws Exception {
    Path config = dir.resolve("crm-sync.properties");
    Files.writeString(config, String.join("\n",
        "crmsync.hubspot.baseUrl=" + hubspotUrl,
        "crmsync.hubspot.token=emulator",
        "crmsync.salesforce.loginUrl=" + salesforceUrl,
        "crmsync.salesforce.clientId=emulator",
        "crmsync.salesforce.clientSecret=emulator",
        ""));
    return config;
  }

  @Test
  void checkPrintsEveryProblemOnItsOwnLineAndExitsTwo(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream hs = new ByteArrayOutputStream();
    ByteArrayOutputStream sf = new ByteArrayOutputStream();
    try (AutoCloseable hubspot = emulate("hubspot", hs); AutoCloseable salesforce = emulate("salesforce", sf)) {
      Path config = config(dir, url(hs), url(sf));
      Path broken = dir.resolve("contacts.yaml");
      Files.writeString(broken, """
          extends: defaults
          rules:
            - from: emial
              to: email
              transform: email
            - from: firstName
              to: createdAt
            - from: title
              to: Title
              transform: e164
          """);

      Run r = run("mapping", "check", "--source", "hubspot", "--target", "salesforce", "--mapping", broken.toString(),
          "--config", config.toString());

      assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
      assertThat(r.out().lines()).containsExactly(
          "contacts.yaml:10: Title: unknown transform 'e164' (no custom transforms are registered: register it in a "
              + "TransformRegistry given to FieldMapping.load)",
          "contacts.yaml:3: emial: the source has no contact field 'emial'; did you mean 'email'?",
          "contacts.yaml:6: createdAt: the target computes this field (it is read-only): writes cannot set it; map to a "
              + "writable field, or make the rule flow to-source");
      assertThat(r.err()).isEqualTo("crm-sync mapping check: 3 problem(s) in " + broken + System.lineSeparator());

      Path good = dir.resolve("good.yaml");
      Files.writeString(good, "extends: defaults\nrules:\n  - {from: email, to: email, transform: email}\n");
      Run ok = run("mapping", "check", "--source", "hubspot", "--target", "salesforce", "--mapping", good.toString(),
          "--config", config.toString(), "--object-type", "contact");
      assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
      assertThat(ok.out()).contains("no problems: 1 rule(s), hubspot contact -> salesforce contact, fields no rule "
          + "names are passed through");
    }
  }

  @Test
  void aFileThatCannotBeReadIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
    Run missing = run("mapping", "check", "--source", "hubspot", "--target", "salesforce", "--mapping",
        dir.resolve("nope.yaml").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.out()).isEmpty();
    assertThat(missing.err().lines()).singleElement().satisfies(l ->
        assertThat(l).startsWith("crm-sync mapping check: ").contains("cannot read the mapping file").doesNotContain("\tat "));

    Path garbled = dir.resolve("garbled.yaml");
    Files.writeString(garbled, "rules: [ {from: email\n");
    Run bad = run("mapping", "check", "--source", "hubspot", "--target", "salesforce", "--mapping", garbled.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err().lines()).singleElement().satisfies(l -> assertThat(l).contains("garbled.yaml:").contains("not valid YAML"));
  }

  @Test
  void syncUsesTheMappingFile(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream hs = new ByteArrayOutputStream();
    ByteArrayOutputStream sf = new ByteArrayOutputStream();
    try (AutoCloseable hubspot = emulate("hubspot", hs); AutoCloseable salesforce = emulate("salesforce", sf)) {
      try (CRMAdapter seed = HubSpotAdapter.create(AdapterConfig.fromMap("hubspot",
          Map.of("baseUrl", url(hs), "token", "emulator")))) {
        List<CrmRecord> contacts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          contacts.add(CrmRecord.of(ObjectTypes.CONTACT, Map.of("email", "m" + i + "@example.com", "firstName", "ada",
              "lastName", "o'neil-" + i, "phone", i == 3 ? "not a phone" : "020 7946 00" + (10 + i))));
        }
        assertThat(seed.upsert(ObjectTypes.CONTACT, contacts, MatchKey.email())).allMatch(RecordResult::succeeded);
      }
      Path mapping = dir.resolve("contacts.yaml");
      Files.writeString(mapping, """
          extends: defaults
          rules:
            - from: firstName
              to: firstName
              transform: titlecase
            - from: lastName
              to: lastName
              transform: titlecase
            - from: phone
              to: phone
              transform: {phone: GB}
          """);
      Path config = config(dir, url(hs), url(sf));

      Run r = run("sync", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(), "--mapping",
          mapping.toString(), "--no-progress");

      assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
      assertThat(r.out()).contains("created=19").contains("deadLettered=1").contains("phone: not a phone number");
      try (CRMAdapter check = SalesforceAdapter.create(AdapterConfig.fromMap("salesforce",
          Map.of("loginUrl", url(sf), "clientId", "emulator", "clientSecret", "emulator")))) {
        CrmRecord m5 = check.read(ReadRequest.of(ObjectTypes.CONTACT).withPageSize(100)).records().stream()
            .filter(c -> "m5@example.com".equals(c.string("email"))).findFirst().orElseThrow();
        assertThat(m5.fields()).containsEntry("firstName", "Ada").containsEntry("lastName", "O'Neil-5")
            .containsEntry("phone", "+442079460015");
      }

      Run missing = run("sync", "--source", "hubspot", "--target", "salesforce", "--config", config.toString(),
          "--mapping", dir.resolve("missing.yaml").toString(), "--no-progress");
      assertThat(missing.exit()).isEqualTo(2);
      assertThat(missing.err()).contains("cannot read the mapping file");
    }
  }
}
