package io.crmsync.sentry;

import io.crmsync.Alert;
import io.crmsync.AlertSink;
import io.crmsync.CrmSyncException;
import io.crmsync.TimeSource;
import io.sentry.Hint;
import io.sentry.SentryClient;
import io.sentry.SentryEvent;
import io.sentry.SentryLevel;
import io.sentry.SentryOptions;
import io.sentry.protocol.Message;
import io.sentry.protocol.SentryException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each {@link Alert} to Sentry as an error event, one issue per kind of alert and cause:
 *
 * <ul>
 *   <li><b>Tags</b>: {@code job}, {@code alert.kind}, and from the cause (the first {@link CrmSyncException} in its
 *       chain) {@code adapter}, {@code status_code} and {@code request_id}.
 *   <li><b>Grouping</b>: a fingerprint of the alert's kind, the adapter, the cause's type and status code, never
 *       its message (which names counts and times), so that one failure is one issue however often it recurs.
 *   <li><b>Rate limit</b>: per fingerprint, at most one event per {@link Builder#minInterval} (5 minutes by
 *       default); the alerts in between are counted and the next event carries the count as {@code
 *       alerts.suppressed}. A failure that recurs every run of {@code sync --follow} is one issue whose event
 *       count grows slowly, not a storm.
 *   <li><b>Scrubbing</b>: the message, the exceptions' messages and every extra go through a {@link Scrubber}
 *       before they leave ({@link Scrubber#defaults()}: emails, phone numbers, quoted values, bearer tokens,
 *       secrets in {@code key=value} form), and events carry no user, request or breadcrumbs. Alert messages
 *       hold no secret by the engine's contract; this is the second line.
 * </ul>
 *
 * <p>Uses a {@link SentryClient} of its own, not Sentry's global hub, so that it neither needs nor disturbs a
 * host application's {@code Sentry.init}. Events are sent in the background; {@link #close()} flushes them.
 * Thread-safe.
 *
 * <pre>{@code
 * SentryAlertSink sentry = SentryAlertSink.builder().dsn(System.getenv("SENTRY_DSN")).environment("prod").build();
 * CRMSync sync = CRMSync.builder()...alertSink(sentry).build();
 * }</pre>
 */
public final class SentryAlertSink implements AlertSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SentryAlertSink.class);

  private final SentryClient client;
  private final Scrubber scrubber;
  private final TimeSource time;
  private final Duration minInterval;
  private final Map<List<String>, Window> windows = new HashMap<>();

  /** The rate limit's state of one fingerprint. */
  private static final class Window {
    Instant sentAt;
    long suppressed;

    Window(Instant sentAt) {
      this.sentAt = sentAt;
    }
  }

  private SentryAlertSink(Builder b) {
    this.scrubber = b.scrubber;
    this.time = b.time;
    this.minInterval = b.minInterval;
    SentryOptions options = new SentryOptions();
    options.setDsn(b.dsn);
    options.setEnvironment(b.environment);
    options.setRelease(b.release);
    options.setAttachServerName(b.attachServerName);
    options.setEnableUncaughtExceptionHandler(false);
    options.setEnableDeduplication(false); // the rate limit here groups; each alert is a new exception anyway
    options.setShutdownTimeoutMillis(b.flushTimeout.toMillis());
    options.setFlushTimeoutMillis(b.flushTimeout.toMillis());
    options.setBeforeSend((event, hint) -> scrub(event));
    b.configure.accept(options);
    this.client = new SentryClient(options);
  }

  /** A builder; {@link Builder#dsn} is required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void alert(Alert alert) {
    Objects.requireNonNull(alert, "alert");
    @Nullable CrmSyncException crm = crmCause(alert.cause());
    List<String> fingerprint = fingerprint(alert, crm);
    long suppressed;
    synchronized (windows) {
      Instant now = time.now();
      Window w = windows.get(fingerprint);
      if (w != null && Duration.between(w.sentAt, now).compareTo(minInterval) < 0) {
        w.suppressed++;
        log.debug("Sentry: {} alert of job {} counted, not sent: one of its kind went out {} ago", alert.kind(),
            alert.jobId(), Duration.between(w.sentAt, now));
        return;
      }
      suppressed = w == null ? 0 : w.suppressed;
      windows.put(fingerprint, new Window(now));
    }
    SentryEvent event = alert.cause() != null ? new SentryEvent(alert.cause()) : new SentryEvent();
    event.setTimestamp(Date.from(alert.at()));
    event.setLevel(alert.kind() == Alert.Kind.QUOTA_EXHAUSTED ? SentryLevel.WARNING : SentryLevel.ERROR);
    event.setLogger("io.crmsync");
    Message message = new Message();
    message.setFormatted("crm-sync " + alert.kind() + " in job " + alert.jobId() + ": " + alert.message());
    event.setMessage(message);
    event.setFingerprints(fingerprint);
    event.setTransaction(alert.jobId());
    event.setTag("job", alert.jobId());
    event.setTag("alert.kind", alert.kind().name());
    if (crm != null) {
      event.setTag("adapter", crm.crm());
      if (crm.statusCode() != 0) {
        event.setTag("status_code", Integer.toString(crm.statusCode()));
      }
      if (crm.requestId() != null) {
        event.setTag("request_id", crm.requestId());
      }
    }
    if (suppressed > 0) {
      event.setExtra("alerts.suppressed", suppressed);
    }
    try {
      client.captureEvent(event, new Hint());
    } catch (RuntimeException e) {
      log.warn("Sending a {} alert to Sentry failed; it was logged: {}", alert.kind(), e.toString());
    }
  }

  /** The first crm-sync exception in {@code t}'s chain, which names the adapter, status and request. */
  private static @Nullable CrmSyncException crmCause(@Nullable Throwable t) {
    for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof CrmSyncException c) {
        return c;
      }
    }
    return null;
  }

  private static List<String> fingerprint(Alert alert, @Nullable CrmSyncException crm) {
    List<String> f = new ArrayList<>(5);
    f.add("crm-sync");
    f.add(alert.kind().name());
    if (crm != null) {
      f.add(crm.crm());
      f.add(crm.getClass().getSimpleName());
      f.add(Integer.toString(crm.statusCode()));
    } else if (alert.cause() != null) {
      f.add(alert.cause().getClass().getName());
    }
    return List.copyOf(f);
  }

  private SentryEvent scrub(SentryEvent event) {
    Message m = event.getMessage();
    if (m != null && m.getFormatted() != null) {
      m.setFormatted(scrubber.scrub(m.getFormatted()));
    }
    List<SentryException> exceptions = event.getExceptions();
    if (exceptions != null) {
      for (SentryException e : exceptions) {
        if (e.getValue() != null) {
          e.setValue(scrubber.scrub(e.getValue()));
        }
      }
    }
    Map<String, Object> extras = event.getExtras();
    if (extras != null) {
      for (Map.Entry<String, Object> e : new ArrayList<>(extras.entrySet())) {
        if (e.getValue() instanceof String s) {
          event.setExtra(e.getKey(), scrubber.scrub(s));
        }
      }
    }
    event.setBreadcrumbs(null);
    event.setUser(null);
    event.setRequest(null);
    return event;
  }

  /** Sends what is queued, waiting at most the flush timeout. */
  public void flush() {
    client.flush(client.isEnabled() ? 5_000 : 0);
  }

  /** Sends what is queued (waiting at most the flush timeout) and releases the client's threads. */
  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "SentryAlertSink{minInterval=" + minInterval + "}";
  }

  /** Builds a {@link SentryAlertSink}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String dsn;
    private @Nullable String environment;
    private @Nullable String release;
    private boolean attachServerName = true;
    private Duration minInterval = Duration.ofMinutes(5);
    private Duration flushTimeout = Duration.ofSeconds(5);
    private Scrubber scrubber = Scrubber.defaults();
    private TimeSource time = TimeSource.system();
    private Consumer<SentryOptions> configure = o -> {};

    Builder() {}

    /** The project's DSN ({@code https://<key>@<host>/<project>}). Required. */
    public Builder dsn(String dsn) {
      Objects.requireNonNull(dsn, "dsn");
      if (dsn.isBlank()) {
        throw new IllegalArgumentException("dsn must not be blank");
      }
      this.dsn = dsn;
      return this;
    }

    /** The environment events are filed under ({@code production}, {@code staging}). */
    public Builder environment(@Nullable String environment) {
      this.environment = environment;
      return this;
    }

    /** The release events are filed under. */
    public Builder release(@Nullable String release) {
      this.release = release;
      return this;
    }

    /** Whether events name the host they come from (true by default). */
    public Builder attachServerName(boolean attach) {
      this.attachServerName = attach;
      return this;
    }

    /**
     * At most one event per fingerprint (kind and cause) in this long; the alerts in between are counted into
     * the next event. 5 minutes by default; zero sends every alert.
     */
    public Builder minInterval(Duration minInterval) {
      Objects.requireNonNull(minInterval, "minInterval");
      if (minInterval.isNegative()) {
        throw new IllegalArgumentException("minInterval must not be negative: " + minInterval);
      }
      this.minInterval = minInterval;
      return this;
    }

    /** How long {@link #close()} waits for queued events to be sent (5 seconds by default). */
    public Builder flushTimeout(Duration flushTimeout) {
      Objects.requireNonNull(flushTimeout, "flushTimeout");
      if (flushTimeout.isNegative()) {
        throw new IllegalArgumentException("flushTimeout must not be negative: " + flushTimeout);
      }
      this.flushTimeout = flushTimeout;
      return this;
    }

    /** What text is removed before it leaves ({@link Scrubber#defaults()} unless set). */
    public Builder scrubber(Scrubber scrubber) {
      this.scrubber = Objects.requireNonNull(scrubber, "scrubber");
      return this;
    }

    /** Where the rate limit reads the time; the system clock by default. */
    public Builder timeSource(TimeSource time) {
      this.time = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * Adjusts the Sentry options further (a proxy, a transport, sample rate), after this builder's settings;
     * for what this builder does not cover.
     */
    public Builder options(Consumer<SentryOptions> configure) {
      this.configure = Objects.requireNonNull(configure, "configure");
      return this;
    }

    /** @throws IllegalStateException if no DSN was set */
    public SentryAlertSink build() {
      if (dsn == null) {
        throw new IllegalStateException("dsn is required: call dsn(\"https://<key>@<host>/<project>\")");
      }
      return new SentryAlertSink(this);
    }
  }
}
