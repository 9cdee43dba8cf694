package io.crmsync.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks for builders and settings, each naming the parameter in its message ({@code
 * maxBatchSize must be positive: 0}), for crm-sync's own builders and for plug-ins (adapters, backends,
 * emulators) that want their settings refused the same way.
 */
public final class Checks {
  private Checks() {}

  /** {@code value}, if above zero. @throws IllegalArgumentException naming {@code name} otherwise */
  public static int positive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /** {@code value}, if above zero. @throws IllegalArgumentException naming {@code name} otherwise */
  public static long positive(long value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /** {@code value}, if zero or more. @throws IllegalArgumentException naming {@code name} otherwise */
  public static long notNegative(long value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
    return value;
  }

  /** {@code value}, if zero or more. @throws IllegalArgumentException naming {@code name} otherwise */
  public static int notNegative(int value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
    return value;
  }

  /**
   * {@code value}, if longer than zero.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException naming {@code name} if it is zero or negative
   */
  public static Duration positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /**
   * {@code value}, if not negative.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException naming {@code name} if it is negative
   */
  public static Duration notNegative(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
    return value;
  }
}
