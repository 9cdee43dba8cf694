package io.crmsync.dynamics.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The change-tracking state of one table and column selection, as a {@link io.crmsync.dynamics.DeltaLinkStore} keeps
 * it.
 *
 * <p>A pass that reads to the end gets a new delta link, but the engine has not settled the pass's records yet, so
 * the link is kept as <em>pending</em>, with the {@code since} of the pass that produced it. The next pass tells
 * whether that pass completed: the engine starts a new pass with a later {@code since} only after the previous one
 * settled; a pass started again after a crash carries the same {@code since}. So a later {@code since} commits the
 * pending link, and the same {@code since} drops it and reads again from the committed one, so that no change is
 * lost.
 *
 * @param committed the link the next incremental read starts from, or null
 * @param pending a link from a pass not yet known to be complete, or null
 * @param pendingSince the {@code since} of the pass that produced {@code pending}; null for a full read
 */
public record DeltaState(@Nullable String committed, @Nullable String pending, @Nullable Instant pendingSince) {
  public static final DeltaState EMPTY = new DeltaState(null, null, null);

  /** The link to read for a pass with {@code since}, and the state to save before reading it. */
  public DeltaState forPass(Instant since) {
    if (pending == null) {
      return this;
    }
    if (pendingSince == null || since.isAfter(pendingSince)) {
      return new DeltaState(pending, null, null);
    }
    return new DeltaState(committed, null, null);
  }

  /** This state with {@code link} pending, produced by a pass with {@code since}. */
  public DeltaState withPending(String link, @Nullable Instant since) {
    return new DeltaState(committed, link, since);
  }

  public String encode(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    if (committed != null) {
      n.put("committed", committed);
    }
    if (pending != null) {
      n.put("pending", pending);
      n.put("pendingSince", pendingSince == null ? "full" : pendingSince.toString());
    }
    return n.toString();
  }

  /** The state in {@code text}; a value that cannot be read counts as none (the next read is a full one). */
  public static DeltaState decode(ObjectMapper mapper, @Nullable String text) {
    if (text == null || text.isBlank()) {
      return EMPTY;
    }
    try {
      JsonNode n = mapper.readTree(text);
      if (n == null || !n.isObject()) {
        return EMPTY;
      }
      String committed = n.path("committed").isTextual() ? n.get("committed").asText() : null;
      String pending = n.path("pending").isTextual() ? n.get("pending").asText() : null;
      Instant since = null;
      String s = n.path("pendingSince").asText("full");
      if (pending != null && !s.equals("full")) {
        since = Instant.parse(s);
      }
      return new DeltaState(committed, pending, since);
    } catch (IOException | DateTimeException e) {
      return EMPTY;
    }
  }
}
