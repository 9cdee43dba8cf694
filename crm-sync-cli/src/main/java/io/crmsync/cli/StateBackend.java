package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/** Where a CLI sync keeps its queue and state: in memory, or in PostgreSQL. */
final class StateBackend implements AutoCloseable {
  private final SyncBackend backend;
  private final String description;
  private final AutoCloseable resources;

  private StateBackend(SyncBackend backend, String description, AutoCloseable resources) {
    this.backend = backend;
    this.description = description;
    this.resources = resources;
  }

  static StateBackend open(@Nullable String url, Properties properties, Map<String, String> env) {
    if (url == null) {
      return new StateBackend(SyncBackend.of(TaskQueue.inMemory(), SyncStateStore.inMemory()), "queue and state in memory",
          () -> {});
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new CrmConfigurationException("cli", "--state must be a jdbc:postgresql: URL, was " + redact(url));
    }
    return JdbcBackends.open(url, properties, env);
  }

  static StateBackend of(SyncBackend backend, String description, AutoCloseable resources) {
    return new StateBackend(backend, description, resources);
  }

  /** The URL without a password in its query. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1****");
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

  @Override
  public void close() throws Exception {
    try (AutoCloseable r = resources; TaskQueue q = backend.queue(); SyncStateStore s = backend.stateStore()) {
      // closes in reverse order: store, queue, then what they shared
    }
  }
}
