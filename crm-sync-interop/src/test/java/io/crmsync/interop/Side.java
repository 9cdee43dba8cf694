package io.crmsync.interop;

import io.crmsync.adapter.CRMAdapter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One CRM under test: its vendor's emulator, started, and the adapter pointed at it. The emulator is seeded and read
 * back through its own inspection methods in the vendor's field names, never through the adapter, so that a test
 * checks the adapter's mapping instead of trusting it.
 */
interface Side extends AutoCloseable {

  /** The adapter's id, such as {@code hubspot}. */
  String name();

  /** The adapter, configured for the emulator. */
  CRMAdapter adapter();

  /**
   * Stores {@code contacts} (canonical fields, as {@link People#contact} makes them) directly in the emulator, each
   * owned by a user of this CRM other than the one the adapter acts as, and linked to its company where this CRM keeps
   * companies as records of their own.
   */
  void seed(List<Map<String, Object>> contacts);

  /**
   * The contacts the emulator holds, by lower-cased email, each as canonical fields (those of {@link
   * People#STANDARD}, {@code company}, {@code ownerId} and the custom fields; absent values left out), read from the
   * emulator's own records.
   */
  Map<String, Map<String, Object>> contacts();

  /** The canonical fields this CRM's contacts hold and an adapter can write. */
  Set<String> holds();

  /** The owner ids of this CRM that {@link #seed} used. */
  Set<String> seededOwners();

  /**
   * One injection per kind of fault this emulator can answer an API request with, its rate-limit answer included
   * (none for Salesforce, whose REST API has no per-moment limit); each makes the emulator answer its next API
   * request that way. Slow and stalled answers are left out: they test timeouts, which take real time.
   */
  List<Injection> faults();

  /** A fault that can be injected, by its name. */
  record Injection(String name, Runnable inject) {}

  /** What the emulator counted so far. */
  Counts counts();

  @Override
  void close();

  /**
   * Puts a contact read from an emulator into {@code out} under its lower-cased email.
   *
   * @throws AssertionError if the contact has no email, or another contact has it too
   */
  static void once(Map<String, Map<String, Object>> out, @Nullable Object email, Map<String, Object> fields) {
    if (email == null) {
      throw new AssertionError("a contact without an email: " + fields);
    }
    String key = email.toString().toLowerCase(Locale.ROOT);
    if (out.put(key, fields) != null) {
      throw new AssertionError("two contacts with the email " + key);
    }
  }
}
