package io.crmsync.internal;

import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyConfig;
import dev.failsafe.function.CheckedBiPredicate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Reads a Failsafe {@link RetryPolicy}'s declared configuration (handled and abort conditions, attempts,
 * backoff, jitter) to decide the engine's queue-level retries. The engine retries through its task
 * queue rather than by blocking a worker, so that a retry waits without holding a thread and survives a
 * crash on a durable queue; the policy is still declared, and classified, the Failsafe way.
 */
public final class RetryDecider {
  private final RetryPolicyConfig<?> config;
  private final SplittableRandom random;

  public RetryDecider(RetryPolicy<?> policy, long seed) {
    this.config = Objects.requireNonNull(policy, "policy").getConfig();
    this.random = new SplittableRandom(seed);
  }

  /** Maximum attempts, or -1 for no limit. */
  public int maxAttempts() {
    return config.getMaxAttempts();
  }

  /** Whether a failure after {@code attemptsMade} attempts (this one included) should be tried again. */
  public boolean shouldRetry(Throwable failure, int attemptsMade) {
    if (matchesAny(config.getAbortConditions(), failure)) {
      return false;
    }
    List<? extends CheckedBiPredicate<?, Throwable>> handled = config.getFailureConditions();
    if (!handled.isEmpty() && !matchesAny(handled, failure)) {
      return false;
    }
    int max = config.getMaxAttempts();
    return max == -1 || attemptsMade < max;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean matchesAny(List<? extends CheckedBiPredicate<?, Throwable>> conditions, Throwable failure) {
    for (CheckedBiPredicate c : conditions) {
      try {
        if (c.test(null, failure)) {
          return true;
        }
      } catch (Throwable t) {
        // a condition that cannot decide does not match
      }
    }
    return false;
  }

  /** The wait before attempt {@code attemptsMade + 1}. */
  public Duration delay(int attemptsMade) {
    long nanos;
    if (config.getDelayMin() != null && config.getDelayMax() != null) {
      long min = config.getDelayMin().toNanos();
      long max = config.getDelayMax().toNanos();
      nanos = min + (max > min ? nextLong(max - min) : 0);
    } else {
      double base = config.getDelay().toNanos();
      if (config.getMaxDelay() != null && config.getDelayFactor() > 1) {
        base = base * Math.pow(config.getDelayFactor(), Math.max(0, attemptsMade - 1));
        base = Math.min(base, config.getMaxDelay().toNanos());
      }
      nanos = (long) base;
    }
    if (config.getJitterFactor() > 0) {
      double f = config.getJitterFactor() * (nextDouble() * 2 - 1);
      nanos = (long) (nanos * (1 + f));
    } else if (config.getJitter() != null) {
      long j = config.getJitter().toNanos();
      nanos += (long) (j * (nextDouble() * 2 - 1));
    }
    return Duration.ofNanos(Math.max(0, nanos));
  }

  private synchronized long nextLong(long bound) {
    return random.nextLong(bound);
  }

  private synchronized double nextDouble() {
    return random.nextDouble();
  }
}
