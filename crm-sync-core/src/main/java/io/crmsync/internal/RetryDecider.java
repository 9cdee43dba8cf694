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

  /**
   * What {@code policy} sets that a queue-level retry cannot honour: listeners (no Failsafe execution
   * runs to call them), a maximum duration, a delay function, and conditions on results (the engine's
   * calls fail with exceptions; a condition that matches a call that threw nothing is one on results).
   * Empty when the engine honours all of it.
   */
  public static List<String> unsupportedFeatures(RetryPolicy<?> policy) {
    RetryPolicyConfig<?> c = policy.getConfig();
    List<String> out = new java.util.ArrayList<>();
    if (c.getRetryListener() != null || c.getFailedAttemptListener() != null || c.getRetryScheduledListener() != null
        || c.getRetriesExceededListener() != null || c.getAbortListener() != null || c.getSuccessListener() != null
        || c.getFailureListener() != null) {
      out.add("event listeners (onRetry, onFailedAttempt, onRetryScheduled, onRetriesExceeded, onAbort, onSuccess,"
          + " onFailure; use a SyncListener)");
    }
    if (c.getMaxDuration() != null) {
      out.add("a maximum duration (withMaxDuration)");
    }
    if (c.getDelayFn() != null) {
      out.add("a delay function (withDelayFn, withDelayFnOn, withDelayFnWhen)");
    }
    if (matchesResult(c.getFailureConditions()) || matchesResult(c.getAbortConditions())) {
      out.add("conditions on results (handleResult, handleResultIf, abortOnResult, abortIf on a result)");
    }
    return out;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean matchesResult(List<? extends CheckedBiPredicate<?, Throwable>> conditions) {
    for (CheckedBiPredicate condition : conditions) {
      for (Object result : new Object[] {null, new Object(), Boolean.FALSE, 0}) {
        try {
          if (condition.test(result, null)) {
            return true;
          }
        } catch (Throwable t) {
          // a condition that cannot judge a result without a failure is not one on results
        }
      }
    }
    return false;
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
