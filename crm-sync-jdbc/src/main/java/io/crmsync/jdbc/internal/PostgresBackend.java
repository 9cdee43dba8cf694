package io.crmsync.jdbc.internal;

import io.crmsync.backend.Settlement;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.util.Objects;

/**
 * The PostgreSQL queue and state store on the same tables, committing a batch's state and its task's
 * settlement in one transaction: the task's row is settled first (deleted, or moved to the dead tasks),
 * and if its lease was lost nothing is written.
 */
public final class PostgresBackend implements SyncBackend {
  private final Db db;
  private final PostgresTaskQueue queue;
  private final PostgresStateStore state;

  public PostgresBackend(Db db, PostgresTaskQueue queue, PostgresStateStore state) {
    this.db = Objects.requireNonNull(db, "db");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.state = Objects.requireNonNull(state, "state");
  }

  @Override
  public TaskQueue queue() {
    return queue;
  }

  @Override
  public SyncStateStore stateStore() {
    return state;
  }

  @Override
  public boolean commit(StateUpdate update, Settlement settlement) {
    Objects.requireNonNull(update, "update");
    Objects.requireNonNull(settlement, "settlement");
    return db.transaction("saving a batch's state and settling task " + settlement.task().id(), c -> {
      if (!queue.settle(c, settlement)) {
        return false;
      }
      if (!update.isEmpty()) {
        state.writeIn(c, update);
      }
      return true;
    });
  }

  @Override
  public String toString() {
    return "PostgreSQL " + db;
  }
}
