package io.crmsync.jdbc.internal;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Names a queue's process in {@code lease_owner}, so that an operator reading the tasks table (and a
 * progress line) can tell which process holds a task: {@code host:pid#instance}, the instance a random
 * number that tells apart two queues of one process and a process from an earlier one with the same pid.
 */
final class ProcessId {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String HOST_AND_PID = host() + ":" + ProcessHandle.current().pid();

  private ProcessId() {}

  /** A new id for a queue of this process. */
  static String next() {
    byte[] instance = new byte[4];
    RANDOM.nextBytes(instance);
    return HOST_AND_PID + "#" + HexFormat.of().formatHex(instance);
  }

  private static String host() {
    String name = System.getenv("HOSTNAME");
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (Exception | LinkageError e) {
        name = "unknown-host";
      }
    }
    // a host name never holds these, but a lease_owner is split at the first '/'
    return name.strip().replace('/', '_').replace(' ', '_').toLowerCase(Locale.ROOT);
  }
}
