package io.crmsync.dynamics;

import io.crmsync.TimeSource;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.SyncStateStore;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the adapter keeps the change-tracking state of each table between runs: the delta link the next incremental
 * read starts from. A sync's checkpoint only remembers a time between passes, and a delta link cannot be rebuilt
 * from a time, so the adapter keeps it here; with a store that outlives the process ({@link #of(SyncStateStore)}
 * on the sync's own PostgreSQL store, or {@link #file}) an incremental read after a restart returns exactly the
 * changes and deletions since the last completed pass. Values are opaque text the adapter writes.
 *
 * <p>Implementations must be thread-safe.
 */
public interface DeltaLinkStore {

  /** The value saved under {@code key}, or empty. */
  Optional<String> load(String key);

  /** Saves {@code value} under {@code key}, replacing the previous one. */
  void save(String key, String value);

  /** A store in this process's memory: delta links are lost when it ends (the default). */
  static DeltaLinkStore inMemory() {
    Map<String, String> map = new ConcurrentHashMap<>();
    return new DeltaLinkStore() {
      @Override
      public Optional<String> load(String key) {
        return Optional.ofNullable(map.get(Objects.requireNonNull(key, "key")));
      }

      @Override
      public void save(String key, String value) {
        map.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      }

      @Override
      public String toString() {
        return "DeltaLinkStore.inMemory()";
      }
    };
  }

  /**
   * A store inside a sync's {@link SyncStateStore}, as checkpoints of pseudo-jobs named {@code
   * dataverse-delta:<key>}: whatever keeps the sync's state (in memory, PostgreSQL) keeps the delta links too.
   */
  static DeltaLinkStore of(SyncStateStore store) {
    return of(store, TimeSource.system());
  }

  /** As {@link #of(SyncStateStore)}, stamping saves with {@code time}. */
  static DeltaLinkStore of(SyncStateStore store, TimeSource time) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(time, "time");
    return new DeltaLinkStore() {
      @Override
      public Optional<String> load(String key) {
        return store.checkpoint("dataverse-delta:" + key).map(Checkpoint::cursor);
      }

      @Override
      public void save(String key, String value) {
        store.saveCheckpoint("dataverse-delta:" + key, new Checkpoint(Objects.requireNonNull(value, "value"), null, null, time.now()));
      }

      @Override
      public String toString() {
        return "DeltaLinkStore.of(" + store + ")";
      }
    };
  }

  /**
   * A store in a properties file, rewritten whole (to a temporary file, then moved over) at each save. For one
   * process at a time.
   */
  static DeltaLinkStore file(Path path) {
    Objects.requireNonNull(path, "path");
    return new DeltaLinkStore() {
      private final Object lock = new Object();

      private Properties read() {
        Properties p = new Properties();
        if (Files.exists(path)) {
          try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read the delta link file " + path, e);
          }
        }
        return p;
      }

      @Override
      public Optional<String> load(String key) {
        synchronized (lock) {
          return Optional.ofNullable(read().getProperty(Objects.requireNonNull(key, "key")));
        }
      }

      @Override
      public void save(String key, String value) {
        synchronized (lock) {
          Properties p = read();
          p.setProperty(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
          try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) {
              Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
              p.store(w, "Dataverse change-tracking state, written by crm-sync's Dynamics adapter");
            }
            try {
              Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
              Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
          } catch (IOException e) {
            throw new UncheckedIOException("cannot write the delta link file " + path, e);
          }
        }
      }

      @Override
      public String toString() {
        return "DeltaLinkStore.file(" + path + ")";
      }
    };
  }
}
