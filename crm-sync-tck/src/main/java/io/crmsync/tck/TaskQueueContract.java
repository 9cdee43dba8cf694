package io.crmsync.tck;

import io.crmsync.testkit.FakeTimeSource;
import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.TimeSource;
import io.crmsync.queue.DeadTask;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.QueueStats;
import io.crmsync.queue.TaskQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link TaskQueue} owes the engine: delays, leases that expire, at-least-once
 * delivery, atomic completion with follow-ups, dead letters, and concurrent workers. Extend it and
 * return a new, empty queue on the given time source.
 */
public abstract class TaskQueueContract {
  private static final Duration LEASE = Duration.ofSeconds(30);

  /** A queue that reads the time from {@code time}. Called once per test; closed after it. */
  protected abstract TaskQueue newQueue(TimeSource time);

  protected FakeTimeSource time;
  protected TaskQueue queue;
  protected String topic;

  @BeforeEach
  void openQueue() {
    time = new FakeTimeSource();
    queue = newQueue(time);
    topic = "contract-" + UUID.randomUUID();
  }

  @AfterEach
  void closeQueue() throws Exception {
    queue.close();
  }

  private static NewTask task(String payload) {
    return NewTask.of(payload);
  }

  @Test
  void enqueuedTasksAreLeasedInOrderAndCompleted() {
    List<String> ids = queue.enqueue(topic, List.of(task("{\"n\":1}"), task("{\"n\":2}"), task("{\"n\":3}")));
    assertThat(ids).hasSize(3).doesNotHaveDuplicates();

    List<LeasedTask> leased = queue.lease(topic, "w1", 10, LEASE);
    assertThat(leased).extracting(LeasedTask::payload).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
    assertThat(leased).extracting(LeasedTask::id).containsExactlyElementsOf(ids);
    assertThat(leased).allSatisfy(t -> {
      assertThat(t.attempts()).isZero();
      assertThat(t.deliveries()).isEqualTo(1);
      assertThat(t.topic()).isEqualTo(topic);
    });
    assertThat(queue.lease(topic, "w2", 10, LEASE)).as("leased tasks are invisible").isEmpty();
    assertThat(queue.stats(topic)).isEqualTo(new QueueStats(0, 0, 3, 0, time.now()));

    for (LeasedTask t : leased) {
      assertThat(queue.complete(t)).isTrue();
    }
    assertThat(queue.stats(topic).unfinished()).isZero();
    assertThat(queue.nextDueAt(topic)).isEmpty();
  }

  @Test
  void statsNameWhenTheOldestUnfinishedTaskWasEnqueued() {
    assertThat(queue.stats(topic).oldestEnqueuedAt()).as("an empty queue").isNull();
    Instant first = time.now();
    queue.enqueue(topic, List.of(task("{\"n\":1}")));
    time.advance(Duration.ofMinutes(1));
    queue.enqueue(topic, List.of(new NewTask("{\"n\":2}", Duration.ofMinutes(10), 0)));
    time.advance(Duration.ofMinutes(1));
    assertThat(queue.stats(topic).oldestEnqueuedAt()).isEqualTo(first);
    assertThat(queue.stats(topic).oldestAge(time.now())).contains(Duration.ofMinutes(2));

    LeasedTask t = queue.lease(topic, "w", 1, LEASE).get(0);
    assertThat(queue.stats(topic).oldestEnqueuedAt()).as("a leased task is unfinished").isEqualTo(first);
    assertThat(queue.retry(t, Duration.ofSeconds(30), "503")).isTrue();
    assertThat(queue.stats(topic).oldestEnqueuedAt()).as("a retried task keeps its time").isEqualTo(first);

    time.advance(Duration.ofSeconds(30));
    assertThat(queue.complete(queue.lease(topic, "w", 1, LEASE).get(0))).isTrue();
    assertThat(queue.stats(topic).oldestEnqueuedAt()).isEqualTo(first.plus(Duration.ofMinutes(1)));
  }

  @Test
  void leaseTakesAtMostMax() {
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tasks.add(task("{\"n\":" + i + "}"));
    }
    queue.enqueue(topic, tasks);
    assertThat(queue.lease(topic, "w", 2, LEASE)).hasSize(2);
    assertThat(queue.lease(topic, "w", 10, LEASE)).hasSize(3);
  }

  @Test
  void delayedTasksWaitForTheirRunTime() {
    queue.enqueue(topic, List.of(new NewTask("{\"late\":true}", Duration.ofMinutes(5), 0)));
    assertThat(queue.lease(topic, "w", 1, LEASE)).isEmpty();
    assertThat(queue.stats(topic)).isEqualTo(new QueueStats(0, 1, 0, 0, time.now()));
    assertThat(queue.nextDueAt(topic)).contains(time.now().plus(Duration.ofMinutes(5)));

    time.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(queue.lease(topic, "w", 1, LEASE)).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(queue.lease(topic, "w", 1, LEASE)).singleElement().extracting(LeasedTask::payload).isEqualTo("{\"late\":true}");
  }

  @Test
  void expiredLeasesReturnTheTaskAndTheStaleHolderCannotSettleIt() {
    queue.enqueue(topic, List.of(task("{}")));
    LeasedTask first = queue.lease(topic, "crashed-worker", 1, LEASE).get(0);
    assertThat(queue.nextDueAt(topic)).contains(first.leaseExpiresAt());

    time.advance(LEASE.plusMillis(1));
    List<LeasedTask> again = queue.lease(topic, "w2", 1, LEASE);
    assertThat(again).singleElement().satisfies(t -> {
      assertThat(t.id()).isEqualTo(first.id());
      assertThat(t.deliveries()).isEqualTo(2);
      assertThat(t.attempts()).isZero();
    });
    assertThat(queue.complete(first)).as("stale lease").isFalse();
    assertThat(queue.retry(first, Duration.ZERO, "stale")).isFalse();
    assertThat(queue.deadLetter(first, "stale")).isFalse();
    assertThat(queue.complete(again.get(0))).isTrue();
    assertThat(queue.stats(topic).unfinished()).isZero();
  }

  @Test
  void retryCountsAnAttemptAndDelays() {
    queue.enqueue(topic, List.of(task("{\"r\":1}")));
    LeasedTask t = queue.lease(topic, "w", 1, LEASE).get(0);
    assertThat(queue.retry(t, Duration.ofSeconds(10), "boom")).isTrue();
    assertThat(queue.lease(topic, "w", 1, LEASE)).isEmpty();
    time.advance(Duration.ofSeconds(10));
    LeasedTask t2 = queue.lease(topic, "w", 1, LEASE).get(0);
    assertThat(t2.attempts()).isEqualTo(1);
    assertThat(t2.payload()).isEqualTo("{\"r\":1}");
  }

  @Test
  void completeWithFollowUpsIsAtomicAndFollowUpsKeepTheirAttempts() {
    queue.enqueue(topic, List.of(task("{\"parent\":true}")));
    LeasedTask parent = queue.lease(topic, "w", 1, LEASE).get(0);
    assertThat(queue.complete(parent, List.of(
        new NewTask("{\"child\":1}", Duration.ZERO, 2),
        new NewTask("{\"child\":2}", Duration.ofSeconds(60), 0)))).isTrue();

    List<LeasedTask> now = queue.lease(topic, "w", 10, LEASE);
    assertThat(now).singleElement().satisfies(c -> {
      assertThat(c.payload()).isEqualTo("{\"child\":1}");
      assertThat(c.attempts()).isEqualTo(2);
    });
    assertThat(queue.complete(now.get(0))).isTrue();
    time.advance(Duration.ofSeconds(60));
    List<LeasedTask> later = queue.lease(topic, "w", 10, LEASE);
    assertThat(later).extracting(LeasedTask::payload).containsExactly("{\"child\":2}");
    assertThat(queue.complete(later.get(0))).isTrue();

    // a stale holder's follow-ups are not enqueued
    queue.enqueue(topic, List.of(task("{\"p2\":true}")));
    LeasedTask p2 = queue.lease(topic, "w", 1, LEASE).get(0);
    time.advance(LEASE.plusSeconds(1));
    assertThat(queue.complete(p2, List.of(task("{\"ghost\":true}")))).isFalse();
    assertThat(queue.lease(topic, "w", 10, LEASE)).extracting(LeasedTask::payload).containsExactly("{\"p2\":true}");
  }

  @Test
  void deadLetteredTasksKeepPayloadAndCause() {
    queue.enqueue(topic, List.of(task("{\"poison\":true}"), task("{\"fine\":true}")));
    List<LeasedTask> leased = queue.lease(topic, "w", 2, LEASE);
    assertThat(queue.deadLetter(leased.get(0), "CrmRequestException: bad field")).isTrue();
    assertThat(queue.complete(leased.get(1))).isTrue();

    List<DeadTask> dead = queue.deadLetters(topic, 10);
    assertThat(dead).singleElement().satisfies(d -> {
      assertThat(d.payload()).isEqualTo("{\"poison\":true}");
      assertThat(d.cause()).contains("bad field");
      assertThat(d.attempts()).isEqualTo(1);
      assertThat(d.deadAt()).isEqualTo(time.now());
    });
    assertThat(queue.stats(topic)).as("a dead task is not waiting").isEqualTo(new QueueStats(0, 0, 0, 1, null));
    assertThat(queue.lease(topic, "w", 10, LEASE)).isEmpty();
  }

  @Test
  void topicsAreIndependent() {
    String other = topic + "-other";
    queue.enqueue(topic, List.of(task("{\"a\":1}")));
    queue.enqueue(other, List.of(task("{\"b\":1}")));
    assertThat(queue.lease(other, "w", 10, LEASE)).extracting(LeasedTask::payload).containsExactly("{\"b\":1}");
    assertThat(queue.lease(topic, "w", 10, LEASE)).extracting(LeasedTask::payload).containsExactly("{\"a\":1}");
  }

  @Test
  void payloadsRoundTripExactly() {
    String payload = "{\"text\":\"äöü \\\"quoted\\\" \\n 日本語 😀\",\"n\":12345678901234,\"list\":[1,2,3]}";
    queue.enqueue(topic, List.of(task(payload)));
    assertThat(queue.lease(topic, "w", 1, LEASE).get(0).payload()).isEqualTo(payload);
  }

  @Test
  void awaitWorkReturnsWhenWorkIsReady() throws InterruptedException {
    queue.enqueue(topic, List.of(task("{}")));
    long start = System.nanoTime();
    queue.awaitWork(topic, Duration.ofSeconds(5));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void concurrentWorkersCompleteEveryTaskExactlyOnce() throws Exception {
    int n = 2_000;
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(task("{\"i\":" + i + "}"));
    }
    for (int from = 0; from < n; from += 500) {
      queue.enqueue(topic, tasks.subList(from, from + 500));
    }
    Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        String worker = "w" + w;
        futures.add(pool.submit(() -> {
          while (true) {
            List<LeasedTask> got = queue.lease(topic, worker, 7, LEASE);
            if (got.isEmpty()) {
              return null;
            }
            for (LeasedTask t : got) {
              if (queue.complete(t)) {
                completed.computeIfAbsent(t.payload(), k -> new AtomicInteger()).incrementAndGet();
              }
            }
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(completed).hasSize(n);
    assertThat(completed.values()).allMatch(c -> c.get() == 1);
    assertThat(queue.stats(topic).unfinished()).isZero();
  }

  @Test
  void atLeastOnceUnderWorkerCrashes() {
    int n = 100;
    List<NewTask> tasks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tasks.add(task("{\"i\":" + i + "}"));
    }
    queue.enqueue(topic, tasks);
    // a worker leases half and dies
    queue.lease(topic, "dead", n / 2, LEASE);
    Set<String> done = ConcurrentHashMap.newKeySet();
    List<LeasedTask> got;
    while (!(got = queue.lease(topic, "live", 10, LEASE)).isEmpty()) {
      for (LeasedTask t : got) {
        assertThat(queue.complete(t)).isTrue();
        done.add(t.payload());
      }
    }
    assertThat(done).hasSize(n / 2);
    time.advance(LEASE);
    while (!(got = queue.lease(topic, "live", 10, LEASE)).isEmpty()) {
      for (LeasedTask t : got) {
        assertThat(queue.complete(t)).isTrue();
        done.add(t.payload());
      }
    }
    assertThat(done).hasSize(n);
  }
}
