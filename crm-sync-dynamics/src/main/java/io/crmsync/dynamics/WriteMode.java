package io.crmsync.dynamics;

/**
 * How a write treats a row that does or does not exist yet
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api).
 */
public enum WriteMode {
  /** Create the row, or update it if it exists: a plain PATCH. Repeating it is harmless. */
  UPSERT,
  /**
   * Create the row only ({@code If-None-Match: *}); a row that exists fails with {@code DUPLICATE_RECORD}, unless it
   * already holds exactly the values sent, which is what a repeated create whose first answer was lost finds.
   */
  CREATE_ONLY,
  /** Update the row only ({@code If-Match: *}); a row that does not exist fails with {@code NOT_FOUND}. */
  UPDATE_ONLY
}
