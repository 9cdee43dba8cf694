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

class InMemoryTaskQueueValueTest {
  private static final Duration LEASE = Duration.ofSeconds(30);

  private final MutableTime time = new MutableTime();
  private final InMemoryTaskQueue queue = new InMemoryTaskQueue(time);
  private final AtomicInteger encoded = new AtomicInteger();

  private NewTask carrying(String value) {
    return NewTask.carrying(value, () -> {
      encoded.incrementAndGet();
      return "{\"value\":\"" + value + "\"}";
    }, Duration.ZERO, 0);
  }

  @Test
  void aCarriedValueTravelsWithoutJson() {
    queue.enqueue("t", List.of(carrying("a")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(task.value()).isEqualTo("a");
    assertThat(queue.complete(task)).isTrue();
    assertThat(encoded).hasValue(0);
  }

  @Test
  void anExpiredLeaseRedeliversTheSameValue() {
    queue.enqueue("t", List.of(carrying("a")));
    LeasedTask first = queue.lease("t", "w1", 1, LEASE).get(0);
    time.advance(LEASE.plusSeconds(1));
    LeasedTask second = queue.lease("t", "w2", 1, LEASE).get(0);
    assertThat(second.value()).isEqualTo("a");
    assertThat(queue.complete(first)).isFalse();
    assertThat(queue.complete(second)).isTrue();
    assertThat(encoded).hasValue(0);
  }

  @Test
  void aDeadLetterKeepsTheJsonForInspection() {
    queue.enqueue("t", List.of(carrying("a")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(queue.deadLetter(task, "gave up")).isTrue();
    assertThat(queue.deadLetters("t", 10)).singleElement()
        .satisfies(d -> assertThat(d.payload()).isEqualTo("{\"value\":\"a\"}"));
    assertThat(encoded).hasValue(1);
  }

  @Test
  void theJsonIsWrittenOnceWhenAsked() {
    queue.enqueue("t", List.of(carrying("a")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(task.payload()).isEqualTo("{\"value\":\"a\"}");
    assertThat(task.payload()).isEqualTo("{\"value\":\"a\"}");
    assertThat(encoded).hasValue(1);
  }

  @Test
  void aRetryKeepsTheValue() {
    queue.enqueue("t", List.of(carrying("a")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(queue.retry(task, Duration.ofSeconds(5), "busy")).isTrue();
    time.advance(Duration.ofSeconds(5));
    LeasedTask again = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(again.attempts()).isEqualTo(1);
    assertThat(again.value()).isEqualTo("a");
  }

  @Test
  void aPlainPayloadCarriesNoValue() {
    queue.enqueue("t", List.of(NewTask.of("{\"records\":[]}")));
    LeasedTask task = queue.lease("t", "w", 1, LEASE).get(0);
    assertThat(task.value()).isNull();
    assertThat(task.payload()).isEqualTo("{\"records\":[]}");
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
