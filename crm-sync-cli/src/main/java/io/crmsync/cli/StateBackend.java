package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where a CLI sync keeps its queue and state: in memory, or in PostgreSQL. Its settings are {@code
 * crmsync.state.<name>} in the properties file, overridden by {@code CRMSYNC_STATE_<NAME>} environment
 * variables: {@code url}, {@code visibilityTimeout}, and for PostgreSQL those of {@link JdbcBackends}.
 */
final class StateBackend implements AutoCloseable {
  /** The URL's scheme ({@code jdbc:mysql:}), the only part of a wrong URL shown: the rest may hold a password. */
  private static final Pattern SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*:){1,2}");

  private final SyncBackend backend;
  private final String description;
  private final AutoCloseable resources;
  private final @Nullable Duration visibilityTimeout;
  private final Function<String, List<String>> waitingFor;

  private StateBackend(SyncBackend backend, String description, AutoCloseable resources,
      @Nullable Duration visibilityTimeout, Function<String, List<String>> waitingFor) {
    this.backend = backend;
    this.description = description;
    this.resources = resources;
    this.visibilityTimeout = visibilityTimeout;
    this.waitingFor = waitingFor;
  }

  /**
   * @throws CrmConfigurationException if a setting is malformed, or the database refuses the connection,
   *     does not exist, cannot be reached, or may not hold the tables; its message is one line saying what
   *     to do
   */
  static StateBackend open(@Nullable String url, Properties properties, Map<String, String> env) {
    AdapterConfig settings = settings(properties, env);
    Duration visibilityTimeout = visibilityTimeout(settings);
    if (url == null) {
      return new StateBackend(SyncBackend.of(TaskQueue.inMemory(), SyncStateStore.inMemory()),
          "queue and state in memory", () -> {}, visibilityTimeout, jobId -> List.of());
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      Matcher m = SCHEME.matcher(url);
      throw new CrmConfigurationException("cli", "--state must be a jdbc:postgresql: URL, not "
          + (m.find() ? "a " + m.group() + " one" : "this one") + " (the rest is not shown: it may hold a password)");
    }
    return JdbcBackends.open(url, settings, visibilityTimeout);
  }

  static StateBackend of(SyncBackend backend, String description, AutoCloseable resources,
      @Nullable Duration visibilityTimeout, Function<String, List<String>> waitingFor) {
    return new StateBackend(backend, description, resources, visibilityTimeout, waitingFor);
  }

  /** The {@code state} settings: {@code crmsync.state.*}, then {@code CRMSYNC_STATE_*}. */
  static AdapterConfig settings(Properties properties, Map<String, String> env) {
    return AdapterConfig.builder("state").properties(properties, "properties").environment(env).build();
  }

  private static @Nullable Duration visibilityTimeout(AdapterConfig settings) {
    if (!settings.has("visibilityTimeout")) {
      return null;
    }
    Duration d = settings.duration("visibilityTimeout", Duration.ZERO);
    if (d.isNegative() || d.isZero()) {
      throw new CrmConfigurationException("state", "setting 'visibilityTimeout' (crmsync.state.visibilityTimeout "
          + "or CRMSYNC_STATE_VISIBILITY_TIMEOUT) must be positive: " + d);
    }
    return d;
  }

  SyncBackend backend() {
    return backend;
  }

  SyncStateStore stateStore() {
    return backend.stateStore();
  }

  String description() {
    return description;
  }

  /** {@code crmsync.state.visibilityTimeout} (or its variable), or null when not set. */
  @Nullable Duration visibilityTimeout() {
    return visibilityTimeout;
  }

  /**
   * What a run of job {@code jobId} is waiting for, one line each, for progress output: the tasks other
   * processes hold leases on, whether those processes are alive, and when their leases end (such as
   * {@code "3 tasks leased by a process that is still alive (host:4242#1f0c9a3e), lease ends in 4 min"}).
   * Empty when nothing is held elsewhere, and always for the in-memory queue.
   */
  List<String> waitingFor(String jobId) {
    return waitingFor.apply(jobId);
  }

  @Override
  public void close() throws Exception {
    try (AutoCloseable r = resources; TaskQueue q = backend.queue(); SyncStateStore s = backend.stateStore()) {
      // closes in reverse order: store, queue, then what they shared
    }
  }
}
