package io.crmsync.internal;

/** Failures as one line for a person: the message, or the exception's kind when it has none. */
public final class Messages {
  private Messages() {}

  /** {@code e}'s message on one line, prefixed with its type when that says more than the message alone. */
  public static String oneLine(Throwable e) {
    String message = e.getMessage();
    String text = message == null || message.isBlank() ? e.getClass().getName()
        : e instanceof RuntimeException && !(e instanceof io.crmsync.CrmSyncException)
            && !(e instanceof IllegalArgumentException) && !(e instanceof IllegalStateException)
            ? e.getClass().getSimpleName() + ": " + message
            : message;
    return text.replaceAll("\\s+", " ").strip();
  }
}
