package io.crmsync.gateway;

import io.crmsync.CrmRequestException;
import io.crmsync.adapter.FieldError;
import java.util.List;

/**
 * A submission was refused before anything was queued: the {@linkplain #fieldErrors() field errors} name every
 * field at fault, in every change and every target. A field error's {@link FieldError#field()} is the field as
 * the host named it, prefixed with the change's position in a batch ({@code [3].email}); its message names the
 * target and what is wrong, never the value.
 */
public final class InvalidChangeException extends CrmRequestException {
  private static final long serialVersionUID = 1L;

  public InvalidChangeException(List<FieldError> fieldErrors) {
    super("gateway", 0, null, message(fieldErrors), fieldErrors, null);
  }

  private static String message(List<FieldError> errors) {
    StringBuilder sb = new StringBuilder("refused ").append(errors.size()).append(" field(s); nothing was queued: ");
    int shown = Math.min(errors.size(), 20);
    for (int i = 0; i < shown; i++) {
      FieldError e = errors.get(i);
      sb.append(i == 0 ? "" : "; ").append(e.field()).append(" (").append(e.code()).append("): ").append(e.message());
    }
    if (shown < errors.size()) {
      sb.append("; and ").append(errors.size() - shown).append(" more");
    }
    return sb.toString();
  }
}
