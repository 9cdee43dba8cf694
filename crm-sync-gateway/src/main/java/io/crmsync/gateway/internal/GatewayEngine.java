package io.crmsync.gateway.internal;

import io.crmsync.Alert;
import io.crmsync.AlertSink;
import io.crmsync.CrmAuthenticationException;
import io.crmsync.CrmRateLimitException;
import io.crmsync.CrmRequestException;
import io.crmsync.CrmSyncException;
import io.crmsync.TimeSource;
import io.crmsync.adapter.FieldError;
import io.crmsync.backend.Settlement;
import io.crmsync.backend.SyncBackend;
import io.crmsync.gateway.Change;
import io.crmsync.gateway.ChangeStatus;
import io.crmsync.gateway.DeliveryStatus;
import io.crmsync.gateway.InvalidChangeException;
import io.crmsync.gateway.Receipt;
import io.crmsync.gateway.Target;
import io.crmsync.queue.NewTask;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.StateUpdate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's submit side and its per-target workers, on the engine's {@link SyncBackend}: a topic per target
 * in its {@link io.crmsync.queue.TaskQueue}, and receipts, idempotency keys, delivery statuses, the target ids
 * of delivered records and the sequence numbers applied to each record as fingerprints in its {@link
 * io.crmsync.state.SyncStateStore}. Thread-safe.
 */
public final class GatewayEngine {
  private static final Logger log = LoggerFactory.getLogger(GatewayEngine.class);
  static final String RECEIPTS = "gateway/receipt";
  static final String IDEMPOTENCY = "gateway/idempotency";

  /** Settings the public builder collects. */
  public record Settings(
      List<Target> targets, SyncBackend backend, TimeSource time, AlertSink alerts, int maxAttempts,
      Duration retryBase, Duration retryMax, int maxLeased, Duration visibilityTimeout) {}

  final Settings settings;
  private final Map<String, TargetWorker> workers = new LinkedHashMap<>();
  private final Map<String, Validator> validators = new LinkedHashMap<>();
  private final AtomicLong lastSeq = new AtomicLong();

  public GatewayEngine(Settings settings) {
    this.settings = settings;
    for (Target t : settings.targets()) {
      validators.put(t.name(), new Validator(t, settings.time()));
      workers.put(t.name(), new TargetWorker(this, t));
    }
  }

  public List<String> targetNames() {
    return List.copyOf(workers.keySet());
  }

  public TargetWorker worker(String target) {
    TargetWorker w = workers.get(target);
    if (w == null) {
      throw new IllegalArgumentException("no target named " + target + "; targets: " + workers.keySet());
    }
    return w;
  }

  public List<TargetWorker> workers() {
    return List.copyOf(workers.values());
  }

  static String topic(String target) {
    return "gateway." + target;
  }

  /** A sequence number above every one this process handed out, and at least the time in nanoseconds. */
  private long nextSeq() {
    Instant now = settings.time().now();
    long floor = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
    return lastSeq.updateAndGet(last -> Math.max(last + 1, floor));
  }

  /** Validates every change against every target, queues them, and records their receipts. */
  public List<Receipt> submit(List<Change> changes) {
    Instant now = settings.time().now();
    Map<String, String> known = knownKeys(changes);
    List<FieldError> errors = new ArrayList<>();
    List<Receipt> receipts = new ArrayList<>(changes.size());
    Map<String, List<NewTask>> tasks = new LinkedHashMap<>();
    StateUpdate.Builder update = StateUpdate.builder();
    Map<String, String> batchKeys = new LinkedHashMap<>();
    for (int i = 0; i < changes.size(); i++) {
      Change c = changes.get(i);
      String key = c.idempotencyKey();
      String prior = key == null ? null : known.get(key);
      if (prior == null && key != null) {
        prior = batchKeys.get(key);
      }
      if (prior != null) {
        receipts.add(decodeReceipt(prior, true));
        continue;
      }
      String id = key == null ? "r_" + UUID.randomUUID().toString().replace("-", "") : receiptFor(key);
      long seq = nextSeq();
      String prefix = changes.size() == 1 ? "" : "[" + i + "].";
      for (Target t : settings.targets()) {
        Pending p = validators.get(t.name()).check(c, prefix, id, seq, errors);
        if (p != null) {
          tasks.computeIfAbsent(t.name(), n -> new ArrayList<>()).add(NewTask.carrying(p, p::write, Duration.ZERO, 0));
        }
      }
      Receipt r = new Receipt(id, now, false);
      receipts.add(r);
      String encoded = now.toString() + " " + id;
      update.fingerprint(new Fingerprint(RECEIPTS, id, now.toString() + " " + String.join(",", targetNames())));
      if (key != null) {
        batchKeys.put(key, encoded);
        update.fingerprint(new Fingerprint(IDEMPOTENCY, key, encoded));
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidChangeException(dedupe(errors));
    }
    // tasks first, then receipts: a crash in between leaves tasks whose receipt nobody holds, and a resubmission
    // with the same idempotency key gets the same receipt id, which each target delivers once
    tasks.forEach((target, list) -> settings.backend().queue().enqueue(topic(target), list));
    StateUpdate u = update.build();
    if (!u.isEmpty()) {
      settings.backend().stateStore().apply(u);
    }
    return receipts;
  }

  /** One error per field and code, naming every target that refused it. */
  private static List<FieldError> dedupe(List<FieldError> errors) {
    Map<String, FieldError> first = new LinkedHashMap<>();
    Map<String, List<String>> others = new LinkedHashMap<>();
    for (FieldError e : errors) {
      String k = e.field() + "\u0000" + e.code();
      if (first.putIfAbsent(k, e) != null) {
        String m = e.message();
        others.computeIfAbsent(k, x -> new ArrayList<>()).add(m.substring(0, Math.max(0, m.indexOf(' '))));
      }
    }
    List<FieldError> out = new ArrayList<>(first.size());
    first.forEach((k, e) -> {
      List<String> also = others.get(k);
      out.add(also == null ? e : new FieldError(e.field(), e.code(), e.message() + " (and " + String.join(", ", also)
          + ")"));
    });
    return out;
  }

  private Map<String, String> knownKeys(List<Change> changes) {
    List<String> keys = new ArrayList<>();
    for (Change c : changes) {
      if (c.idempotencyKey() != null) {
        keys.add(c.idempotencyKey());
      }
    }
    return keys.isEmpty() ? Map.of() : settings.backend().stateStore().fingerprints(IDEMPOTENCY, keys);
  }

  private static Receipt decodeReceipt(String encoded, boolean duplicate) {
    int sp = encoded.indexOf(' ');
    return new Receipt(encoded.substring(sp + 1), Instant.parse(encoded.substring(0, sp)), duplicate);
  }

  /** The receipt id of an idempotency key: the same in every process, so each target can deliver it once. */
  static String receiptFor(String idempotencyKey) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
      return "k_" + Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where the change of {@code receiptId} stands in each target, or empty if no change has that receipt. */
  public Optional<ChangeStatus> status(String receiptId) {
    String meta = settings.backend().stateStore().fingerprints(RECEIPTS, List.of(receiptId)).get(receiptId);
    if (meta == null) {
      return Optional.empty();
    }
    String names = meta.substring(meta.indexOf(' ') + 1);
    Map<String, DeliveryStatus> out = new LinkedHashMap<>();
    for (String target : names.isEmpty() ? new String[0] : names.split(",")) {
      String s = settings.backend().stateStore().fingerprints(TargetWorker.statusScope(target), List.of(receiptId))
          .get(receiptId);
      out.put(target, decodeStatus(s));
    }
    return Optional.of(new ChangeStatus(receiptId, out));
  }

  static DeliveryStatus decodeStatus(@Nullable String s) {
    if (s == null || s.isEmpty()) {
      return new DeliveryStatus(DeliveryStatus.State.PENDING, null, null);
    }
    String rest = s.substring(1);
    return switch (s.charAt(0)) {
      case 'D' -> new DeliveryStatus(DeliveryStatus.State.DELIVERED, rest.isEmpty() ? null : rest, null);
      case 'F' -> new DeliveryStatus(DeliveryStatus.State.FAILED, null, rest);
      case 'X' -> new DeliveryStatus(DeliveryStatus.State.DEAD_LETTERED, null, rest);
      default -> new DeliveryStatus(DeliveryStatus.State.PENDING, null, null);
    };
  }

  void alert(Alert.Kind kind, String target, String message, @Nullable Throwable cause) {
    try {
      settings.alerts().alert(new Alert(kind, "gateway/" + target, message, cause, settings.time().now()));
    } catch (RuntimeException e) {
      log.warn("alert sink failed: {}", e.toString());
    }
  }

  /** Settles {@code settlements} with {@code update}: the update and the first in one unit, then the rest. */
  void commit(StateUpdate update, List<Settlement> settlements) {
    if (settlements.isEmpty()) {
      if (!update.isEmpty()) {
        settings.backend().stateStore().apply(update);
      }
      return;
    }
    settings.backend().commit(update, settlements.get(0));
    for (int i = 1; i < settlements.size(); i++) {
      settlements.get(i).applyTo(settings.backend().queue());
    }
  }

  static String describe(Throwable e) {
    if (e instanceof CrmSyncException c) {
      return c.getMessage();
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  static boolean isTargetWide(RuntimeException e) {
    return !(e instanceof CrmRequestException) || e instanceof CrmAuthenticationException
        || e instanceof CrmRateLimitException;
  }
}
