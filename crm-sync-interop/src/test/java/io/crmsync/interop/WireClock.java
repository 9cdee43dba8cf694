package io.crmsync.interop;

import io.crmsync.TimeSource;
import io.crmsync.testkit.FakeTimeSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;

/**
 * A fake clock for syncs between emulators over HTTP, on which an HTTP exchange takes as long as on a wire.
 *
 * <p>As with {@link FakeTimeSource}, time stands still until code sleeps on it, and a sleep moves it at once instead of
 * blocking. On a {@code FakeTimeSource}, though, one thread's sleep moves the clock for every other thread whatever
 * it is doing: a writer's two-second wait for a rate-limit permit lands between another writer's check that its access
 * token has seconds left and the arrival of its request, which the server then refuses for an expired token, though on
 * a wire the request would have arrived within milliseconds. So here a sleep moves the clock only once the other
 * threads are quiet:
 *
 * <ul>
 *   <li>no other thread has an HTTP exchange under way ({@link #exchanges}: from the call until the answer's headers);
 *   <li>and no other client thread has looked at the clock, been answered or woken in the last {@link #BUSY} of real
 *       time: such a thread is deciding something by the time it read (whether its token is still good, when its token
 *       expires), which on a wire takes microseconds.
 * </ul>
 *
 * A sleep waits for that in real time, at most {@link #MAX_HOLD}, then moves the clock anyway and is counted ({@link
 * #cutShort()}), so that nothing deadlocks. The emulators' own threads (MockWebServer's) read the clock without
 * holding anyone back. Threads that sleep together wait together: a sleep moves the clock to at least the instant it
 * was asked at plus its duration, rather than adding its duration to whatever the clock shows then. Every sleep still
 * lasts at least its duration on this clock. Thread-safe.
 */
final class WireClock implements TimeSource {
  /** The longest a sleep waits, in real time, for the other threads to be quiet. */
  static final Duration MAX_HOLD = Duration.ofSeconds(2);
  /** How long, in real time, a client thread that looked at the clock, was answered or woke counts as busy. */
  static final Duration BUSY = Duration.ofMillis(2);

  private final Object lock = new Object();
  private final Map<Thread, Integer> exchanging = new HashMap<>();
  private final Map<Thread, Long> busyUntil = new HashMap<>();
  private Instant now = FakeTimeSource.DEFAULT_START;
  private int exchanges;
  private long heldBack;
  private long cutShort;

  @Override
  public Instant now() {
    synchronized (lock) {
      busy(Thread.currentThread());
      return now;
    }
  }

  /** How long has passed on this clock since it started. */
  Duration elapsed() {
    synchronized (lock) {
      return Duration.between(FakeTimeSource.DEFAULT_START, now);
    }
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (duration.isNegative() || duration.isZero()) {
      return;
    }
    Thread me = Thread.currentThread();
    synchronized (lock) {
      busyUntil.remove(me);
      lock.notifyAll();
      Instant target = now.plus(duration);
      long deadline = System.nanoTime() + MAX_HOLD.toNanos();
      boolean held = false;
      while (true) {
        long t = System.nanoTime();
        long wait = othersBusy(me, t);
        if (wait == 0) {
          break;
        }
        if (t >= deadline) {
          cutShort++;
          break;
        }
        held = true;
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(wait, deadline - t));
      }
      if (held) {
        heldBack++;
      }
      if (target.isAfter(now)) {
        now = target;
      }
      busy(me);
    }
  }

  /** How long to wait at most before the other threads may be quiet; 0 if they are. Call under the lock. */
  private long othersBusy(Thread me, long t) {
    if (exchanges - exchanging.getOrDefault(me, 0) > 0) {
      return BUSY.toNanos();
    }
    long wait = 0;
    for (Iterator<Map.Entry<Thread, Long>> it = busyUntil.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Thread, Long> e = it.next();
      long left = e.getValue() - t;
      if (left <= 0 || !e.getKey().isAlive()) {
        it.remove();
      } else if (e.getKey() != me) {
        wait = Math.max(wait, left);
      }
    }
    return wait;
  }

  /** Marks a client thread busy; the emulators' threads never are. Call under the lock. */
  private void busy(Thread t) {
    if (exchanging.containsKey(t) || t.getName().startsWith("MockWebServer")) {
      return;
    }
    busyUntil.put(t, System.nanoTime() + BUSY.toNanos());
  }

  /**
   * An OkHttp application interceptor that marks each exchange as under way until its answer's headers arrive, then
   * lets {@code roundTrip} of this clock pass, as the exchange would have taken on a wire.
   */
  Interceptor exchanges(Duration roundTrip) {
    Objects.requireNonNull(roundTrip, "roundTrip");
    return chain -> {
      enter();
      try {
        return chain.proceed(chain.request());
      } finally {
        exit();
        pass(roundTrip);
      }
    };
  }

  private void enter() {
    synchronized (lock) {
      Thread me = Thread.currentThread();
      busyUntil.remove(me);
      exchanges++;
      exchanging.merge(me, 1, Integer::sum);
    }
  }

  private void exit() {
    synchronized (lock) {
      Thread me = Thread.currentThread();
      exchanges--;
      exchanging.computeIfPresent(me, (t, n) -> n == 1 ? null : n - 1);
      busy(me);
      lock.notifyAll();
    }
  }

  private void pass(Duration d) throws IOException {
    try {
      sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted on the wire");
    }
  }

  /** How many sleeps waited for other threads to be quiet. */
  long heldBack() {
    synchronized (lock) {
      return heldBack;
    }
  }

  /** How many sleeps stopped waiting after {@link #MAX_HOLD} and moved the clock while other threads were busy. */
  long cutShort() {
    synchronized (lock) {
      return cutShort;
    }
  }

  @Override
  public String toString() {
    return "WireClock[" + now() + "]";
  }
}
