package io.crmsync.queue.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.TimeSource;
import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryTaskQueueAttachmentTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  private final MutableTime time = new MutableTime();
  private final InMemoryTaskQueue queue = new InMemoryTaskQueue(time);
  private final AtomicInteger encoded = new AtomicInteger();

  private NewTask attach(String value) {
    return queue.attach(value, () -> {
      encoded.incrementAndGet();
      return "{\"value\":\"" + value + "\"}";
    }, Duration.ZERO, 0);
  }

  @Test
  void attachedObjectTravelsWithoutJson() {
    queue.enqueue("t", List.of(attach("a")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(InMemoryTaskQueue.isPlaceholder(task.payload())).isTrue();
    assertThat(queue.attachment(task)).isEqualTo("a");
    assertThat(queue.complete(task)).isTrue();
    assertThat(queue.attachment(task)).isNull();
    assertThat(encoded).hasValue(0);
  }

  @Test
  void expiredLeaseRedeliversTheSameAttachment() {
    queue.enqueue("t", List.of(attach("a")));
    LeasedTask first = queue.lease("t", "w1", 1, LEASE).get(0);
    time.advance(LEASE.plusSeconds(1));
    LeasedTask second = queue.lease("t", "w2", 1, LEASE).get(0);
    assertThat(queue.attachment(second)).isEqualTo("a");
    assertThat(queue.holds(first)).isFalse();
    assertThat(queue.holds(second)).isTrue();
    assertThat(queue.complete(first)).isFalse();
    assertThat(queue.complete(second)).isTrue();
    // the first worker, still holding its stale copy, finds the task gone
    assertThat(queue.attachment(first)).isNull();
    assertThat(queue.holds(second)).isFalse();
  }

  @Test
  void deadLetterKeepsTheJsonForInspection() {
    queue.enqueue("t", List.of(attach("a")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(queue.deadLetter(task, "gave up")).isTrue();
    assertThat(queue.deadLetters("t", 10)).singleElement()
        .satisfies(d -> assertThat(d.payload()).isEqualTo("{\"value\":\"a\"}"));
    assertThat(queue.attachment(task)).isNull();
    assertThat(encoded).hasValue(1);
  }

  @Test
  void followUpsOfALostLeaseLeaveNothingBehind() {
    queue.enqueue("t", List.of(attach("a")));
    LeasedTask stale = queue.lease("t", "w1", 1, LEASE).get(0);
    time.advance(LEASE.plusSeconds(1));
    LeasedTask current = queue.lease("t", "w2", 1, LEASE).get(0);
    NewTask followUp = attach("b");
    assertThat(queue.complete(stale, List.of(followUp))).isFalse();
    assertThat(queue.attachmentCount()).isEqualTo(1);
    assertThat(queue.complete(current, List.of(attach("c")))).isTrue();
    LeasedTask next = queue.lease("t", "w2", 10, LEASE).get(0);
    assertThat(queue.attachment(next)).isEqualTo("c");
    assertThat(queue.complete(next)).isTrue();
    assertThat(queue.lease("t", "w2", 10, LEASE)).isEmpty();
    assertThat(queue.attachmentCount()).isZero();
  }

  @Test
  void retryKeepsTheAttachment() {
    queue.enqueue("t", List.of(attach("a")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(queue.retry(task, Duration.ofSeconds(5), "busy")).isTrue();
    time.advance(Duration.ofSeconds(5));
    LeasedTask again = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(again.attempts()).isEqualTo(1);
    assertThat(queue.attachment(again)).isEqualTo("a");
  }

  @Test
  void plainPayloadsAreNotPlaceholders() {
    queue.enqueue("t", List.of(NewTask.of("{\"records\":[]}")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(InMemoryTaskQueue.isPlaceholder(task.payload())).isFalse();
    assertThat(queue.attachment(task)).isNull();
  }

  private static final class MutableTime implements TimeSource {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public synchronized Instant now() {
      return now;
    }

    @Override
    public void sleep(Duration duration) {
      advance(duration);
    }

    synchronized void advance(Duration d) {
      now = now.plus(d);
    }
  }
}
