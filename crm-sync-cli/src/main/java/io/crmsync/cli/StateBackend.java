package io.crmsync.cli;

import io.crmsync.CrmConfigurationException;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/** Where a CLI sync keeps its queue and state: in memory, or in PostgreSQL. */
final class StateBackend implements AutoCloseable {
  private final TaskQueue queue;
  private final SyncStateStore stateStore;
  private final String description;
  private final AutoCloseable resources;

  private StateBackend(TaskQueue queue, SyncStateStore stateStore, String description, AutoCloseable resources) {
    this.queue = queue;
    this.stateStore = stateStore;
    this.description = description;
    this.resources = resources;
  }

  static StateBackend open(@Nullable String url, Properties properties, Map<String, String> env) {
    if (url == null) {
      return new StateBackend(TaskQueue.inMemory(), SyncStateStore.inMemory(), "queue and state in memory", () -> {});
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new CrmConfigurationException("cli", "--state must be a jdbc:postgresql: URL, was " + redact(url));
    }
    return JdbcBackends.open(url, properties, env);
  }

  static StateBackend of(TaskQueue queue, SyncStateStore stateStore, String description, AutoCloseable resources) {
    return new StateBackend(queue, stateStore, description, resources);
  }

  /** The URL without a password in its query. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1****");
  }

  TaskQueue queue() {
    return queue;
  }

  SyncStateStore stateStore() {
    return stateStore;
  }

  String description() {
    return description;
  }

  @Override
  public void close() throws Exception {
    try (AutoCloseable r = resources; TaskQueue q = queue; SyncStateStore s = stateStore) {
      // closes in reverse order: store, queue, then what they shared
    }
  }
}
