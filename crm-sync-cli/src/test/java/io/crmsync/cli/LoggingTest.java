package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.crmsync.CRMSync;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.tck.SyncEngineContract;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** What a run logs: a line at its start and end, one per batch at debug, each naming its job, run, adapter and task. */
class LoggingTest {
  @AfterEach
  void reset() {
    FakeAdapters.clear();
    Logging.configure(Level.INFO, Logging.Format.TEXT);
  }

  @Test
  void everyLineOfARunNamesItsJobRunAdapterAndTask() {
    FakeCrm app = FakeCrm.builder().id("app").seed(1).build();
    FakeCrm crm = FakeCrm.builder().id("crm").seed(2).transientFailureRate(0.1).build();
    app.seed(SyncEngineContract.contacts(300, 0));
    CRMSync sync = CRMSync.builder().source(app).target(crm).jobId("logged").batchSize(50).workers(3)
        .retryPolicy(dev.failsafe.RetryPolicy.builder().handle(RuntimeException.class).withMaxAttempts(10).build())
        .build();
    MDC.put("caller", "kept");
    List<ILoggingEvent> events;
    try (CapturedLogs logs = CapturedLogs.start(Level.WARN, Level.DEBUG)) {
      sync.run();
      events = logs.events();
    } finally {
      assertThat(MDC.get("caller")).as("the caller's MDC comes back").isEqualTo("kept");
      assertThat(MDC.get("job")).isNull();
      MDC.clear();
    }

    List<ILoggingEvent> starts = events.stream().filter(e -> e.getFormattedMessage().startsWith("Sync logged starts")).toList();
    List<ILoggingEvent> ends = events.stream().filter(e -> e.getFormattedMessage().startsWith("Sync logged ended")).toList();
    assertThat(starts).singleElement().satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.INFO));
    assertThat(ends).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.INFO);
      assertThat(e.getFormattedMessage()).contains("status=COMPLETED", "read=300", "written=300");
    });
    String run = starts.get(0).getMDCPropertyMap().get("run");
    assertThat(starts.get(0).getMDCPropertyMap()).containsEntry("job", "logged").containsEntry("adapter", "app")
        .containsKey("run");

    List<ILoggingEvent> batches = events.stream().filter(e -> e.getFormattedMessage().matches("Task \\S+ of job logged settled.*"))
        .toList();
    assertThat(batches).as("a line per settled batch, at debug").hasSizeGreaterThanOrEqualTo(6)
        .allSatisfy(e -> {
          assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
          Map<String, String> mdc = e.getMDCPropertyMap();
          assertThat(mdc).containsEntry("job", "logged").containsEntry("run", run).containsEntry("adapter", "crm");
          assertThat(e.getFormattedMessage()).startsWith("Task " + mdc.get("task") + " of job logged settled");
        });
    Set<String> threads = batches.stream().map(ILoggingEvent::getThreadName).collect(Collectors.toSet());
    assertThat(threads).as("written by the workers").doesNotContain(starts.get(0).getThreadName());
    assertThat(events).filteredOn(e -> e.getMDCPropertyMap().containsKey("run"))
        .allSatisfy(e -> assertThat(e.getMDCPropertyMap().get("run")).isEqualTo(run));
  }

  @Test
  void jsonLinesCarryTheMdcAndNoRecordData() throws Exception {
    FakeCrm app = FakeCrm.builder().id("appdb").seed(1).build();
    app.seed(SyncEngineContract.contacts(120, 0));
    FakeAdapters.install(app, FakeCrm.builder().id("acme").seed(2).build());
    PrintStream stderr = System.err;
    PrintStream stdout = System.out;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      exit = Main.run("--log-format", "json", "sync", "--source", "appdb", "--target", "acme", "--batch-size", "40",
          "--no-progress", "--log-level", "debug");
    } finally {
      System.setErr(stderr);
      System.setOut(stdout);
    }
    assertThat(exit).isZero();
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : err.toString(StandardCharsets.UTF_8).split("\n")) {
      lines.add(json.readTree(line)); // every line is one JSON object
    }
    assertThat(lines).anySatisfy(l -> {
      assertThat(l.path("level").asText()).isEqualTo("INFO");
      assertThat(l.path("formattedMessage").asText()).startsWith("Sync appdb-to-acme-contact ended");
      assertThat(l.path("mdc").path("job").asText()).isEqualTo("appdb-to-acme-contact");
      assertThat(l.path("mdc").path("run").asText()).isNotBlank();
    });
    assertThat(lines).filteredOn(l -> l.path("formattedMessage").asText().startsWith("Task "))
        .hasSize(3)
        .allSatisfy(l -> {
          assertThat(l.path("level").asText()).isEqualTo("DEBUG");
          assertThat(l.path("mdc").path("task").asText()).isNotBlank();
          assertThat(l.path("mdc").path("adapter").asText()).isEqualTo("acme");
        });
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("@example.com");
  }
}
