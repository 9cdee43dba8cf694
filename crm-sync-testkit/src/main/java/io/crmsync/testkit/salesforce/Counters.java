package io.crmsync.testkit.salesforce;

import java.util.Map;
import java.util.TreeMap;

/** What the emulator refused and injected, by reason. Thread-safe. */
final class Counters {
  private final Map<String, Long> refusals = new TreeMap<>();
  private final Map<String, Long> recordErrors = new TreeMap<>();
  private final Map<Fault, Long> faults = new TreeMap<>();

  synchronized void refused(String code) {
    refusals.merge(code, 1L, Long::sum);
  }

  synchronized void recordError(String code) {
    recordErrors.merge(code, 1L, Long::sum);
  }

  synchronized void fault(Fault fault) {
    faults.merge(fault, 1L, Long::sum);
  }

  synchronized Map<String, Long> refusals() {
    return Map.copyOf(refusals);
  }

  synchronized Map<String, Long> recordErrors() {
    return Map.copyOf(recordErrors);
  }

  synchronized Map<Fault, Long> faults() {
    return Map.copyOf(faults);
  }
}
