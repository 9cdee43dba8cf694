package io.crmsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.model.CrmRecord;
import io.crmsync.testkit.FakeCrm;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.tck.SyncEngineContract;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code crm-sync sync --follow --metrics prometheus:...}: runs one after another, scraped while they go on. */
class FollowAndMetricsCliTest {
  private static final Pattern METRICS_URL = Pattern.compile("Metrics on (http://\\S+/metrics)");

  @AfterEach
  void clear() {
    FakeAdapters.clear();
  }

  /** The value of the one sample of {@code name} whose labels include each of {@code labels} ({@code k="v"}). */
  private static double sample(String scrape, String name, String... labels) {
    Double found = null;
    for (String line : scrape.split("\n")) {
      if (!line.startsWith(name + "{")) {
        continue;
      }
      String labelPart = line.substring(name.length(), line.lastIndexOf('}') + 1);
      boolean all = true;
      for (String l : labels) {
        all &= labelPart.contains(l);
      }
      if (all) {
        assertThat(found).as("one sample of " + name + " " + String.join(",", labels)).isNull();
        found = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    assertThat(found).as(name + " " + String.join(",", labels) + " in\n" + scrape).isNotNull();
    return found;
  }

  private static String get(String url) throws Exception {
    try (Response r = new OkHttpClient().newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
      return r.body().string();
    }
  }

  private static void await(ByteArrayOutputStream out, Predicate<String> condition) throws InterruptedException {
    for (int i = 0; i < 600 && !condition.test(out.toString(StandardCharsets.UTF_8)); i++) {
      Thread.sleep(50); // waits for the other thread's output, not for time to pass
    }
    assertThat(condition.test(out.toString(StandardCharsets.UTF_8))).as(out.toString(StandardCharsets.UTF_8)).isTrue();
  }

  private static int count(String text, String what) {
    return text.split(Pattern.quote(what), -1).length - 1;
  }

  @Test
  void followRunsAgainUntilStoppedAndMetricsAreServedMeanwhile(@TempDir Path dir) throws Exception {
    FakeCrm appDb = FakeCrm.builder().id("appdb").seed(10).build();
    appDb.seed(SyncEngineContract.contacts(50, 0));
    FakeAdapters.install(appDb, FakeCrm.builder().id("acme").build());
    try (HubSpotEmulator hubspot = HubSpotEmulator.create().start()) {
      Path config = dir.resolve("crm-sync.properties");
      StringBuilder props = new StringBuilder();
      hubspot.adapterSettings().forEach((k, v) -> props.append("crmsync.hubspot.").append(k).append('=').append(v)
          .append('\n'));
      Files.writeString(config, props.toString());

      FakeTimeSource waits = new FakeTimeSource(); // the pauses between runs pass at once
      SyncCommand command = new SyncCommand(Map.of(), waits);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream stdout = System.out;
      AtomicInteger exit = new AtomicInteger(-1);
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      Thread following = new Thread(() -> exit.set(new CommandLine(command).execute("--source", "appdb", "--target",
          "hubspot", "--config", config.toString(), "--follow", "--interval", "30s", "--metrics",
          "prometheus:127.0.0.1:0")));
      try {
        following.start();
        await(out, s -> count(s, "status=COMPLETED") >= 1);
        Matcher m = METRICS_URL.matcher(out.toString(StandardCharsets.UTF_8));
        assertThat(m.find()).isTrue();
        String url = m.group(1);

        List<CrmRecord> later = appDb.seed(SyncEngineContract.contacts(60, 0).subList(50, 60).stream()
            .map(r -> r.with("email", "later-" + r.fields().get("email"))).toList());
        assertThat(later).hasSize(10);
        await(out, s -> count(s, "status=COMPLETED") >= 3 && hubspot.records("contacts").size() == 60);

        String scrape = get(url);
        String job = "job=\"appdb-to-hubspot-contact\"";
        assertThat(sample(scrape, "crmsync_records_written_total", job, "adapter=\"hubspot\"")).isEqualTo(60);
        assertThat(sample(scrape, "crmsync_records_read_total", job, "adapter=\"appdb\"")).isGreaterThanOrEqualTo(60);
        assertThat(sample(scrape, "crmsync_runs_seconds_count", job, "status=\"completed\"")).isGreaterThanOrEqualTo(3);
        assertThat(sample(scrape, "crmsync_queue_tasks", job, "state=\"ready\"")).isGreaterThanOrEqualTo(0);
        assertThat(sample(scrape, "crmsync_adapter_requests_seconds_count", "adapter=\"hubspot\"",
            "operation=\"upsert\"", "status=\"200\"")).isGreaterThanOrEqualTo(2);
        assertThat(scrape).contains("jvm_memory_used_bytes{").contains("process_uptime_seconds");

        command.stopFollowing();
        following.join(30_000);
      } finally {
        System.setOut(stdout);
      }
      String printed = out.toString(StandardCharsets.UTF_8);
      assertThat(following.isAlive()).isFalse();
      assertThat(exit.get()).as(printed).isZero();
      assertThat(printed).contains("Next run at").contains("Stopped following job appdb-to-hubspot-contact");
      assertThat(hubspot.records("contacts")).as("each record once").hasSize(60);
    }
  }

  @Test
  void aMalformedMetricsOptionIsABadUsage() {
    PrintStream stderr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int exit;
    try {
      FakeAdapters.install(FakeCrm.builder().id("appdb").build(), FakeCrm.builder().id("acme").build());
      exit = Main.run("sync", "--source", "appdb", "--target", "acme", "--metrics", "graphite:9090");
    } finally {
      System.setErr(stderr);
    }
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--metrics must be prometheus:PORT");
  }
}
