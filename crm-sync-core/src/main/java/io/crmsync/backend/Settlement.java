package io.crmsync.backend;

import io.crmsync.queue.LeasedTask;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import java.util.List;
import java.util.Objects;

/**
 * How a worker settles a leased task once its batch is done: complete it (with follow-up tasks), or
 * dead-letter it. Handed to {@link SyncBackend#commit} so that a backend whose queue and state share a
 * database can commit the batch's state and the task's settlement in one transaction.
 */
public sealed interface Settlement {

  /** The task being settled. */
  LeasedTask task();

  /** Carries the settlement out on {@code queue}; false if the lease was lost. */
  boolean applyTo(TaskQueue queue);

  static Settlement complete(LeasedTask task, List<NewTask> followUps) {
    return new Complete(task, followUps);
  }

  static Settlement deadLetter(LeasedTask task, String cause) {
    return new DeadLetterTask(task, cause);
  }

  /** Complete the task and enqueue {@code followUps}. */
  record Complete(LeasedTask task, List<NewTask> followUps) implements Settlement {
    public Complete {
      Objects.requireNonNull(task, "task");
      followUps = List.copyOf(followUps);
    }

    @Override
    public boolean applyTo(TaskQueue queue) {
      return queue.complete(task, followUps);
    }
  }

  /** Move the task to the queue's dead letters with {@code cause}. */
  record DeadLetterTask(LeasedTask task, String cause) implements Settlement {
    public DeadLetterTask {
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(cause, "cause");
    }

    @Override
    public boolean applyTo(TaskQueue queue) {
      return queue.deadLetter(task, cause);
    }
  }
}
