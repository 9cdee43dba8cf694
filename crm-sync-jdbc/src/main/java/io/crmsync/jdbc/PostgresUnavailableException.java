package io.crmsync.jdbc;

import io.crmsync.CrmUnavailableException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL stayed unreachable for longer than the {@linkplain PostgresSync.Builder#outageTolerance(Duration)
 * outage tolerance}, and a queue or state store operation gave up. Thrown by every method of {@link
 * PostgresSync#taskQueue()} and {@link PostgresSync#stateStore()} that needs the database.
 *
 * <p>Nothing committed is lost and nothing is applied twice: the operation either happened before the
 * database went away or did not happen at all, and the tasks and state in the database are those of the
 * last operation that did. A run that stops on this exception resumes where it stopped when it is run
 * again once the database is back.
 *
 * <p>Its message is one line: for how long the database was unreachable, why, and what to do.
 */
public final class PostgresUnavailableException extends CrmUnavailableException {
  private static final long serialVersionUID = 1L;

  private final String operation;
  private final Duration unreachableFor;

  /**
   * @param message the one-line message, without secrets
   * @param operation what was being done, such as {@code "completing task 17"}
   * @param unreachableFor how long the database had been unreachable when this operation gave up
   * @param cause the last failure, with secrets removed from its messages
   */
  public PostgresUnavailableException(String message, String operation, Duration unreachableFor,
      @Nullable Throwable cause) {
    super("postgresql", 0, null, Objects.requireNonNull(message, "message"), cause);
    this.operation = Objects.requireNonNull(operation, "operation");
    this.unreachableFor = Objects.requireNonNull(unreachableFor, "unreachableFor");
  }

  /** What was being done when the operation gave up, such as {@code "completing task 17"}. */
  public String operation() {
    return operation;
  }

  /** How long PostgreSQL had been unreachable when the operation gave up. */
  public Duration unreachableFor() {
    return unreachableFor;
  }
}
