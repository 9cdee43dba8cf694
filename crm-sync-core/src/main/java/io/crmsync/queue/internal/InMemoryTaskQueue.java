package io.crmsync.queue.internal;

import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
import io.crmsync.queue.DeadTask;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.QueueStats;
import io.crmsync.queue.TaskQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * {@link TaskQueue#inMemory()}: one lock, a run-time ordered heap and a lease table per topic.
 *
 * <p>It keeps the {@link NewTask}s it is given, so a task enqueued with an in-process value ({@link
 * NewTask#carrying}) is leased with that value and its JSON is never written, unless the task is
 * dead-lettered, where the text is kept for inspection.
 */
public final class InMemoryTaskQueue implements TaskQueue {
  private static final Comparator<Entry> BY_RUN_AT =
      Comparator.comparing((Entry e) -> e.runAt).thenComparingLong(e -> e.seq);

  private final TimeSource time;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition enqueued = lock.newCondition();
  private final Map<String, Topic> topics = new HashMap<>();
  private long seq;
  private long leaseSeq;

  private static final class Entry {
    final String id;
    final long seq;
    final NewTask task;
    final Instant enqueuedAt;
    Instant runAt;
    int attempts;
    int deliveries;
    @Nullable String leaseToken;
    @Nullable Instant leaseExpiresAt;

    Entry(String id, long seq, NewTask task, Instant enqueuedAt, Instant runAt, int attempts) {
      this.enqueuedAt = enqueuedAt;
      this.id = id;
      this.seq = seq;
      this.task = task;
      this.runAt = runAt;
      this.attempts = attempts;
    }
  }

  private static final class Topic {
    final PriorityQueue<Entry> pending = new PriorityQueue<>(BY_RUN_AT);
    final Map<String, Entry> leased = new HashMap<>();
    final ArrayDeque<DeadTask> dead = new ArrayDeque<>();
  }

  public InMemoryTaskQueue(TimeSource time) {
    this.time = Objects.requireNonNull(time, "time");
  }

  @Override
  public boolean isDurable() {
    return false;
  }

  private Topic topic(String name) {
    Objects.requireNonNull(name, "topic");
    return topics.computeIfAbsent(name, k -> new Topic());
  }

  @Override
  public List<String> enqueue(String topicName, List<NewTask> tasks) {
    Objects.requireNonNull(tasks, "tasks");
    lock.lock();
    try {
      Topic t = topic(topicName);
      List<String> ids = addAll(t, tasks, time.now());
      enqueued.signalAll();
      return ids;
    } finally {
      lock.unlock();
    }
  }

  private List<String> addAll(Topic t, List<NewTask> tasks, Instant now) {
    List<String> ids = new ArrayList<>(tasks.size());
    for (NewTask n : tasks) {
      long s = ++seq;
      String id = Long.toString(s);
      t.pending.add(new Entry(id, s, n, now, now.plus(n.delay()), n.attempts()));
      ids.add(id);
    }
    return ids;
  }

  @Override
  public List<LeasedTask> lease(String topicName, String workerId, int max, Duration visibilityTimeout) {
    Objects.requireNonNull(workerId, "workerId");
    Checks.positive(max, "max");
    Checks.positive(visibilityTimeout, "visibilityTimeout");
    lock.lock();
    try {
      Topic t = topic(topicName);
      Instant now = time.now();
      reclaimExpired(t, now);
      List<LeasedTask> out = new ArrayList<>(Math.min(max, t.pending.size()));
      while (out.size() < max) {
        Entry e = t.pending.peek();
        if (e == null || e.runAt.isAfter(now)) {
          break;
        }
        t.pending.poll();
        e.deliveries++;
        e.leaseToken = workerId + "#" + (++leaseSeq);
        e.leaseExpiresAt = now.plus(visibilityTimeout);
        t.leased.put(e.id, e);
        out.add(LeasedTask.of(e.task, e.id, topicName, e.attempts, e.deliveries, e.leaseToken, e.leaseExpiresAt));
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  private static void reclaimExpired(Topic t, Instant now) {
    if (t.leased.isEmpty()) {
      return;
    }
    for (Iterator<Entry> it = t.leased.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (!Objects.requireNonNull(e.leaseExpiresAt).isAfter(now)) {
        it.remove();
        e.leaseToken = null;
        e.leaseExpiresAt = null;
        e.runAt = now;
        t.pending.add(e);
      }
    }
  }

  /** Removes and returns the leased entry if {@code task} still holds its lease, else null. */
  private @Nullable Entry takeLease(Topic t, LeasedTask task, Instant now) {
    reclaimExpired(t, now);
    Entry e = t.leased.get(task.id());
    if (e == null || !task.leaseToken().equals(e.leaseToken)) {
      return null;
    }
    t.leased.remove(task.id());
    e.leaseToken = null;
    e.leaseExpiresAt = null;
    return e;
  }

  @Override
  public boolean complete(LeasedTask task, List<NewTask> followUps) {
    Objects.requireNonNull(followUps, "followUps");
    lock.lock();
    try {
      Topic t = topic(task.topic());
      Instant now = time.now();
      if (takeLease(t, task, now) == null) {
        return false;
      }
      if (!followUps.isEmpty()) {
        addAll(t, followUps, now);
        enqueued.signalAll();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean retry(LeasedTask task, Duration delay, String cause) {
    Checks.notNegative(delay, "delay");
    Objects.requireNonNull(cause, "cause");
    lock.lock();
    try {
      Topic t = topic(task.topic());
      Instant now = time.now();
      Entry e = takeLease(t, task, now);
      if (e == null) {
        return false;
      }
      e.attempts++;
      e.runAt = now.plus(delay);
      t.pending.add(e);
      enqueued.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean deadLetter(LeasedTask task, String cause) {
    Objects.requireNonNull(cause, "cause");
    // written outside the lock: it may be the caller's code
    String payload = task.payload();
    lock.lock();
    try {
      Topic t = topic(task.topic());
      Instant now = time.now();
      Entry e = takeLease(t, task, now);
      if (e == null) {
        return false;
      }
      t.dead.add(new DeadTask(e.id, task.topic(), payload, e.attempts + 1, cause, now));
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public QueueStats stats(String topicName) {
    lock.lock();
    try {
      Topic t = topic(topicName);
      Instant now = time.now();
      reclaimExpired(t, now);
      long ready = 0;
      Instant oldest = null;
      for (Entry e : t.pending) {
        if (!e.runAt.isAfter(now)) {
          ready++;
        }
        oldest = oldest == null || e.enqueuedAt.isBefore(oldest) ? e.enqueuedAt : oldest;
      }
      for (Entry e : t.leased.values()) {
        oldest = oldest == null || e.enqueuedAt.isBefore(oldest) ? e.enqueuedAt : oldest;
      }
      return new QueueStats(ready, t.pending.size() - ready, t.leased.size(), t.dead.size(), oldest);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<Instant> nextDueAt(String topicName) {
    lock.lock();
    try {
      Topic t = topic(topicName);
      Instant next = null;
      Entry head = t.pending.peek();
      if (head != null) {
        next = head.runAt;
      }
      for (Entry e : t.leased.values()) {
        Instant exp = Objects.requireNonNull(e.leaseExpiresAt);
        if (next == null || exp.isBefore(next)) {
          next = exp;
        }
      }
      return Optional.ofNullable(next);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void awaitWork(String topicName, Duration maxWait) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      Topic t = topic(topicName);
      Entry head = t.pending.peek();
      if (head != null && !head.runAt.isAfter(time.now())) {
        return;
      }
      enqueued.await(maxWait.toNanos(), TimeUnit.NANOSECONDS);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<DeadTask> deadLetters(String topicName, int limit) {
    lock.lock();
    try {
      List<DeadTask> out = new ArrayList<>();
      for (DeadTask d : topic(topicName).dead) {
        if (out.size() >= limit) {
          break;
        }
        out.add(d);
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "TaskQueue.inMemory()";
  }
}
