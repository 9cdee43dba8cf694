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
 * and if its lease was lost nothing is written. A commit whose answer was lost is applied exactly once.
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
    // Applied exactly once: if the answer to its commit is lost, its transaction id (or, after a restart of
    // the server, the task's row) says whether it was.
    return db.checkedTransaction("saving a batch's state and settling task " + settlement.task().id(), (c, tx) -> {
      if (!queue.settle(c, tx, settlement)) {
        return false;
      }
      if (!update.isEmpty()) {
        state.writeIn(c, update);
      }
      return true;
    }, c -> queue.settled(c, settlement.task()));
  }

  @Override
  public String toString() {
    return "PostgreSQL " + db;
  }
}
