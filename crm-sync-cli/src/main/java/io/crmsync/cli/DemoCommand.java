package io.crmsync.cli;

import dev.failsafe.RetryPolicy;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.SyncStateStore;
import io.crmsync.testkit.FakeCrm;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code crm-sync demo}: a sync between two in-memory CRMs with faults injected, on embedded defaults
 * (in-memory queue and state), to show what the engine does. Exits non-zero if the report does not
 * balance or the target does not end equal to the source.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Seeds an in-memory source CRM with contacts (a few invalid), syncs them into an in-memory target",
      "that injects faults (rate limits, transient failures, lost responses, latency), prints the report,",
      "then runs again to show that unchanged records are skipped."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--records", defaultValue = "10000", description = "Contacts to seed (default: ${DEFAULT-VALUE}).")
  int records;

  @Option(names = "--invalid-every", defaultValue = "500",
      description = "Every Nth contact gets an invalid email; 0 for none (default: ${DEFAULT-VALUE}).")
  int invalidEvery;

  @Option(names = "--workers", defaultValue = "4", description = "Writer threads (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--batch-size", defaultValue = "100", description = "Records per upsert (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the data and the faults (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--transient-failure-rate", defaultValue = "0.03",
      description = "Share of target calls failing with a 503 (default: ${DEFAULT-VALUE}).")
  double transientRate;

  @Option(names = "--lost-response-rate", defaultValue = "0.01",
      description = "Share of upserts applied but whose response is lost (default: ${DEFAULT-VALUE}).")
  double lostRate;

  @Option(names = "--rate-limit-after", defaultValue = "40",
      description = "The target refuses calls with a 429 after every N calls; 0 for never (default: ${DEFAULT-VALUE}).")
  int rateLimitAfter;

  @Option(names = "--retry-after", defaultValue = "500ms",
      description = "The Retry-After of those 429s (default: ${DEFAULT-VALUE}).", converter = DurationConverter.class)
  Duration retryAfter;

  @Option(names = "--latency", defaultValue = "5ms",
      description = "Latency of each target call (default: ${DEFAULT-VALUE}).", converter = DurationConverter.class)
  Duration latency;

  @Option(names = "--no-progress", description = "Do not draw a progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    PrintStream err = System.err;
    FakeCrm source = FakeCrm.builder().id("app").seed(seed).build();
    FakeCrm.Builder tb = FakeCrm.builder().id("crm").seed(seed)
        .transientFailureRate(transientRate).lostResponseRate(lostRate).latency(latency);
    if (rateLimitAfter > 0) {
      tb.rateLimitAfter(rateLimitAfter, retryAfter);
    }
    FakeCrm target = tb.build();
    List<CrmRecord> seeded = source.seed(generate(records, invalidEvery, seed));
    long invalid = seeded.stream().filter(r -> !r.string(Contact.Fields.EMAIL).contains("@")).count();
    out.printf(Locale.ROOT, "Seeded %,d contacts in the source (%,d with an invalid email).%n", seeded.size(), invalid);
    out.printf(Locale.ROOT, "Target faults: 503 on %.0f%% of calls, %.0f%% lost responses, 429 after every %d calls "
            + "(Retry-After %s), %s latency.%n",
        transientRate * 100, lostRate * 100, rateLimitAfter, retryAfter, latency);

    ProgressBar bar = new ProgressBar(err, seeded.size(), System.console() != null && !noProgress);
    SyncStateStore state = SyncStateStore.inMemory();
    CRMSync sync = CRMSync.builder()
        .source(source)
        .target(target)
        .matchKey(MatchKey.email())
        .backend(SyncBackend.of(TaskQueue.inMemory(), state))
        .workers(workers)
        .batchSize(batchSize)
        .jobId("demo")
        .deadLetterAlertThreshold(Math.max(100, invalid * 2))
        .retryPolicy(RetryPolicy.builder()
            .handleIf((r, e) -> e != null && CRMSync.defaultRetryPolicy().getConfig().getFailureConditions().stream()
                .anyMatch(c -> test(c, e)))
            .withMaxAttempts(5)
            .withBackoff(Duration.ofMillis(50), Duration.ofSeconds(2))
            .withJitter(0.2)
            .build())
        .listener(noProgress ? io.crmsync.SyncListener.NONE : bar)
        .build();

    SyncReport report;
    try {
      report = sync.run();
    } catch (IllegalStateException e) {
      bar.finish();
      err.println("crm-sync demo: " + e.getMessage());
      return 2;
    }
    bar.finish();
    out.println();
    out.println(report);
    List<DeadLetter> dead = sync.deadLetters(5);
    if (!dead.isEmpty()) {
      out.printf(Locale.ROOT, "Dead letters (%,d; first %d):%n", report.deadLettered(), dead.size());
      for (DeadLetter d : dead) {
        out.printf(Locale.ROOT, "  %s  %s: %s%n", d.record().string(Contact.Fields.EMAIL), d.errorCode(), d.message());
      }
    }

    boolean mirrors = mirrors(source, target, state);
    out.println("Target holds every valid source contact exactly once, field for field: " + (mirrors ? "yes" : "NO"));

    SyncReport again = sync.run();
    out.println();
    out.println("Second run (nothing changed in the source):");
    out.println(again);

    if (!report.balanced() || !again.balanced()) {
      err.println("crm-sync demo: the report does not balance");
      return 2;
    }
    if (report.status() != SyncReport.Status.COMPLETED || !mirrors) {
      return 1;
    }
    return 0;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean test(dev.failsafe.function.CheckedBiPredicate c, Throwable e) {
    try {
      return c.test(null, e);
    } catch (Throwable t) {
      return false;
    }
  }

  /** Whether every source contact is in the target once with the same fields, or was dead-lettered. */
  private static boolean mirrors(FakeCrm source, FakeCrm target, SyncStateStore state) {
    Map<String, CrmRecord> src = source.recordsBy(ObjectTypes.CONTACT, MatchKey.email());
    Map<String, CrmRecord> dst = target.recordsBy(ObjectTypes.CONTACT, MatchKey.email());
    java.util.Set<String> dead = new java.util.HashSet<>();
    for (DeadLetter d : state.deadLetters("demo", Integer.MAX_VALUE)) {
      dead.add(MatchKey.email().normalize(d.record().string(Contact.Fields.EMAIL)));
    }
    for (Map.Entry<String, CrmRecord> e : src.entrySet()) {
      CrmRecord t = dst.get(e.getKey());
      if (t == null ? !dead.contains(e.getKey()) : !t.fields().equals(e.getValue().fields())) {
        return false;
      }
    }
    return src.keySet().containsAll(dst.keySet());
  }

  static List<CrmRecord> generate(int n, int invalidEvery, long seed) {
    String[] first = {"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Margaret", "Ken", "Radia"};
    String[] last = {"Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Hamilton", "Thompson", "Perlman"};
    String[] companies = {"Acme Inc", "Globex LLC", "Initech", "Umbrella Corp", "Hooli", "Stark Industries"};
    SplittableRandom random = new SplittableRandom(seed);
    List<CrmRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String f = first[random.nextInt(first.length)];
      String l = last[random.nextInt(last.length)];
      boolean invalid = invalidEvery > 0 && i % invalidEvery == invalidEvery - 1;
      String email = (f + "." + l + "." + i).toLowerCase(Locale.ROOT) + (invalid ? "(at)example.com" : "@example.com");
      out.add(Contact.builder()
          .email(email)
          .firstName(f)
          .lastName(l)
          .company(companies[random.nextInt(companies.length)])
          .phone(String.format(Locale.ROOT, "+1415555%04d", random.nextInt(10_000)))
          .title(random.nextBoolean() ? "Engineer" : "Manager")
          .city(random.nextBoolean() ? "San Francisco" : "London")
          .customField("leadScore", (long) random.nextInt(100))
          .build()
          .toRecord("seed"));
    }
    return out;
  }
}
