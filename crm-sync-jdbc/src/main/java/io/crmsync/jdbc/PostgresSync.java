package io.crmsync.jdbc;

import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
import io.crmsync.jdbc.internal.Db;
import io.crmsync.backend.SyncBackend;
import io.crmsync.jdbc.internal.Migrator;
import io.crmsync.jdbc.internal.PostgresBackend;
import io.crmsync.jdbc.internal.PostgresStateStore;
import io.crmsync.jdbc.internal.PostgresTaskQueue;
import io.crmsync.jdbc.internal.Redactor;
import io.crmsync.jdbc.internal.SqlNames;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.ds.common.BaseDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable sync state on PostgreSQL: a {@link TaskQueue} and a {@link SyncStateStore} that keep their data
 * in tables of one schema, so that a sync survives a crash of its process and can run on several
 * processes, on several machines, sharing one database.
 *
 * <pre>{@code
 * HikariDataSource ds = new HikariDataSource(hikariConfig);   // any DataSource the application has
 * PostgresSync pg = PostgresSync.builder()
 *     .dataSource(ds)
 *     .schema("crmsync")          // created if absent; "crmsync" by default
 *     .tablePrefix("cs_")         // "" by default
 *     .build();                   // creates or migrates the tables
 * CRMSync sync = CRMSync.builder()
 *     .source(app).target(hubspot)
 *     .backend(pg.backend())
 *     .build();
 * }</pre>
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li><b>Tasks survive crashes.</b> A worker's lease expires after the visibility timeout; the task is
 *       then leased again, by any process. A stale holder's settlement is refused.
 *   <li><b>A batch's outcome and its task settle together.</b> Through {@link #backend()}, the
 *       engine commits the batch's id links, fingerprints and dead
 *       letters in the same transaction as the completion (or dead-lettering) of its task, so the state
 *       never disagrees with the queue. The checkpoint is saved right after; after a crash it can only lag
 *       behind, and the records re-read are skipped by their fingerprints.
 *   <li><b>Idle workers sleep.</b> They wait on {@code LISTEN/NOTIFY} and wake when a task is enqueued,
 *       holding one connection per queue while they wait; with {@link Builder#notifications(boolean)
 *       notifications(false)} (for poolers that do not support {@code LISTEN}) they poll.
 *   <li><b>The schema takes care of itself.</b> {@link Builder#build()} applies the library's versioned
 *       migration scripts under an advisory lock, so processes starting together do not collide.
 *   <li><b>Leases of a process that ended are taken back at once.</b> Each queue holds a session-level
 *       advisory lock while it leases; the leases of a process whose lock is free (it crashed or was killed)
 *       are taken back by the next worker that finds nothing else to do, not after the visibility timeout.
 *       {@link #leaseHolders(String)} says who holds a topic's leases and whether they are alive.
 *   <li><b>Outages are waited out.</b> When the database cannot be reached, every operation waits with
 *       backoff and tries again, for up to the {@linkplain Builder#outageTolerance(Duration) outage
 *       tolerance}, then throws {@link PostgresUnavailableException}; none is applied twice or lost.
 *   <li><b>Configuration errors are named.</b> Refused credentials, a missing database, missing
 *       privileges or missing tables throw a {@link io.crmsync.CrmConfigurationException} whose one-line
 *       message says what to do; so does a database that cannot be reached when it is first contacted.
 * </ul>
 *
 * <p>"Now" is read from the {@link Builder#timeSource(TimeSource) time source} and passed to the database,
 * so every process sharing the tables must have a synchronised clock (NTP), as any lease-based queue
 * needs.
 *
 * <p>Thread-safe. {@link #close()} stops the queue's listening thread; the data source stays open (it is
 * the application's), except the one {@link #fromJdbcUrl} made, which holds nothing to close.
 */
public final class PostgresSync implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresSync.class);

  /**
   * The settings of a {@link PostgresSync}.
   *
   * @param schema the schema holding the tables
   * @param tablePrefix prepended to every table name
   * @param timeSource where "now" is read
   * @param notifications whether idle workers wait for {@code LISTEN/NOTIFY} rather than poll
   * @param pollInterval how long an idle worker waits between looks when it polls
   * @param migrate whether {@link Builder#build()} created or migrated the tables
   * @param outageTolerance how long operations wait for an unreachable database before they give up
   * @param reclaimLeases whether the queue holds a session lock while it leases and takes back at once the
   *     leases of processes that ended
   */
  public record Config(
      String schema, String tablePrefix, TimeSource timeSource, boolean notifications, Duration pollInterval,
      boolean migrate, Duration outageTolerance, boolean reclaimLeases) {
    public Config {
      SqlNames.checkSchema(schema, "schema");
      SqlNames.checkPrefix(tablePrefix, "tablePrefix");
      Objects.requireNonNull(timeSource, "timeSource");
      Objects.requireNonNull(pollInterval, "pollInterval");
      Objects.requireNonNull(outageTolerance, "outageTolerance");
    }
  }

  /** The keys {@link #fromJdbcUrl} reads itself; every other key is a PostgreSQL JDBC driver property. */
  public static final Set<String> SETTINGS = Set.of("user", "password", "schema", "tablePrefix", "notifications",
      "pollInterval", "migrate", "outageTolerance", "reclaimLeases");

  /** The default {@linkplain Builder#outageTolerance(Duration) outage tolerance}: 5 minutes. */
  public static final Duration DEFAULT_OUTAGE_TOLERANCE = Duration.ofMinutes(5);

  private final Config config;
  private final DataSource dataSource;
  private final String location;
  private final PostgresTaskQueue queue;
  private final PostgresStateStore store;
  private final PostgresBackend backend;

  private PostgresSync(Config config, DataSource dataSource, Redactor redactor, @Nullable String location,
      Duration restartGrace) {
    this.config = config;
    this.dataSource = dataSource;
    this.location = location != null ? location : describe(dataSource);
    Db db = new Db(dataSource, new SqlNames(config.schema(), config.tablePrefix()), config.timeSource(),
        config.outageTolerance(), redactor, this.location);
    if (config.migrate()) {
      Migrator.migrate(db);
    } else {
      // reach the database now, so that refused credentials or a missing database are reported here; tables
      // not yet migrated are reported by the operation that needs them (migrate() may come first)
      int installed = Migrator.installedVersion(db);
      if (installed < Migrator.latestVersion()) {
        log.debug("The tables of schema {} at {} are at version {}, this library needs {}: call migrate() before "
            + "using them", config.schema(), this.location, installed, Migrator.latestVersion());
      }
    }
    this.queue = new PostgresTaskQueue(db, config.timeSource(), config.notifications(), config.pollInterval(),
        config.reclaimLeases(), restartGrace);
    this.store = new PostgresStateStore(db);
    this.backend = new PostgresBackend(db, queue, store);
  }

  /** Host, port and database of a driver data source; a generic name for any other. Never credentials. */
  private static String describe(DataSource ds) {
    try {
      if (ds instanceof BaseDataSource b) {
        return describeDriver(b);
      }
      if (ds.isWrapperFor(BaseDataSource.class)) {
        return describeDriver(ds.unwrap(BaseDataSource.class));
      }
    } catch (SQLException | RuntimeException e) {
      // a pool that cannot say: fall through
    }
    return "the data source's database";
  }

  private static String describeDriver(BaseDataSource b) {
    String[] hosts = b.getServerNames();
    int[] ports = b.getPortNumbers();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < hosts.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      int port = ports != null && ports.length > i && ports[i] != 0 ? ports[i] : 5432;
      sb.append(Redactor.patternsOnly().redact(hosts[i])).append(':').append(port);
    }
    String db = b.getDatabaseName();
    return sb.append('/').append(db == null ? "" : db).toString();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A {@link PostgresSync} on a plain (unpooled) {@link PGSimpleDataSource} for {@code jdbcUrl}, with the
   * system clock: what a command line or a small deployment needs. Every operation opens a connection;
   * an application that syncs heavily should pass a pooled data source to {@link #builder()} instead.
   *
   * <p>The URL may carry the credentials as libpq does ({@code jdbc:postgresql://user:password@host/db},
   * percent-encoded) or in its query ({@code ?user=...&password=...}); they are taken out of it before the
   * driver sees it, and {@code settings} override them.
   *
   * <p>{@code settings} (all optional):
   *
   * <table>
   *   <caption>settings</caption>
   *   <tr><th>key</th><th>meaning</th><th>default</th></tr>
   *   <tr><td>{@code user}, {@code password}</td><td>database credentials (or in the URL)</td><td>the driver's</td></tr>
   *   <tr><td>{@code schema}</td><td>schema of the tables, created if absent</td><td>{@code crmsync}</td></tr>
   *   <tr><td>{@code tablePrefix}</td><td>prefix of the table names</td><td>empty</td></tr>
   *   <tr><td>{@code notifications}</td><td>{@code true}: idle workers wait on LISTEN/NOTIFY;
   *       {@code false}: they poll</td><td>{@code true}</td></tr>
   *   <tr><td>{@code pollInterval}</td><td>a duration ({@code 500ms}, {@code PT0.5S}) or milliseconds</td><td>{@code 1s}</td></tr>
   *   <tr><td>{@code migrate}</td><td>create or migrate the tables now</td><td>{@code true}</td></tr>
   *   <tr><td>{@code outageTolerance}</td><td>how long operations wait for an unreachable database
   *       ({@code 5m}, {@code 30s}, {@code 0s})</td><td>{@code 5m}</td></tr>
   *   <tr><td>{@code reclaimLeases}</td><td>take back the leases of processes that ended at once
   *       (see {@link Builder#reclaimLeases})</td><td>{@code true}</td></tr>
   *   <tr><td>anything else</td><td>a PostgreSQL JDBC driver property, such as {@code sslmode} or
   *       {@code ApplicationName}</td><td></td></tr>
   * </table>
   *
   * <p>Neither the password nor any other secret appears in exception messages, logs or {@code
   * toString()}; the driver's {@code logServerErrorDetail} is off unless set, so that the rows an error
   * names (personal data) stay out of messages too.
   *
   * @throws IllegalArgumentException if the URL is not a {@code jdbc:postgresql:} URL, or a setting is
   *     unknown or malformed (the message names it)
   * @throws io.crmsync.CrmConfigurationException if the database refuses the credentials, does not exist,
   *     cannot be reached, or the user may not create the tables; the message says what to do
   * @throws io.crmsync.CrmSyncException if the tables cannot be migrated otherwise
   */
  public static PostgresSync fromJdbcUrl(String jdbcUrl, Map<String, String> settings) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(settings, "settings");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql: (the URL is not shown, "
          + "it may hold a password)");
    }
    ParsedUrl url = ParsedUrl.parse(jdbcUrl);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    try {
      ds.setURL(url.withoutSecrets());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("jdbcUrl is not a valid PostgreSQL JDBC URL (not shown: it may hold a password)");
    }
    List<@Nullable String> secrets = new ArrayList<>();
    if (url.user() != null) {
      ds.setUser(url.user());
    }
    if (url.password() != null) {
      ds.setPassword(url.password());
      secrets.add(url.password());
    }
    if (url.sslPassword() != null) {
      ds.setSslPassword(url.sslPassword());
      secrets.add(url.sslPassword());
    }
    Builder b = builder().dataSource(ds);
    boolean errorDetail = url.hasLogServerErrorDetail();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String key = Objects.requireNonNull(e.getKey(), "settings key");
      String value = Objects.requireNonNull(e.getValue(), () -> "value of setting " + key);
      switch (key) {
        case "user" -> ds.setUser(value);
        case "password" -> {
          ds.setPassword(value);
          secrets.add(value);
        }
        case "schema" -> b.schema(value);
        case "tablePrefix" -> b.tablePrefix(value);
        case "notifications" -> b.notifications(bool(key, value));
        case "pollInterval" -> b.pollInterval(duration(key, value));
        case "migrate" -> b.migrate(bool(key, value));
        case "outageTolerance" -> b.outageTolerance(duration(key, value));
        case "reclaimLeases" -> b.reclaimLeases(bool(key, value));
        default -> {
          if (isSecretName(key)) {
            secrets.add(value);
          }
          errorDetail |= key.equalsIgnoreCase("logServerErrorDetail");
          try {
            ds.setProperty(key, value);
          } catch (SQLException | RuntimeException ex) {
            throw new IllegalArgumentException("unknown setting '" + key + "': neither one of " + SETTINGS
                + " nor a PostgreSQL JDBC driver property");
          }
        }
      }
    }
    if (!errorDetail) {
      // the server's DETAIL of an error quotes row values (personal data) into exception messages
      ds.setLogServerErrorDetail(false);
    }
    b.redactor = Redactor.of(secrets);
    b.location = describeDriver(ds);
    return b.build();
  }

  private static boolean isSecretName(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("passwd") || k.contains("secret") || k.contains("token");
  }

  /**
   * A JDBC URL taken apart so that no secret reaches the driver inside it: the driver logs and quotes URLs
   * (at debug level, and in its exceptions), and does not understand the libpq form {@code
   * postgresql://user:password@host/db}, which it would take for a host name.
   */
  record ParsedUrl(String withoutSecrets, @Nullable String user, @Nullable String password,
      @Nullable String sslPassword, boolean hasLogServerErrorDetail) {
    private static final Pattern AUTHORITY = Pattern.compile("^(jdbc:postgresql://)([^/?#]*)(.*)$", Pattern.DOTALL);

    static ParsedUrl parse(String url) {
      String user = null;
      String password = null;
      String rest = url;
      Matcher m = AUTHORITY.matcher(url);
      if (m.matches()) {
        String authority = m.group(2);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
          String userInfo = authority.substring(0, at);
          int colon = userInfo.indexOf(':');
          user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
          password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
          if (user.isEmpty()) {
            user = null;
          }
          authority = authority.substring(at + 1);
        }
        rest = m.group(1) + authority + m.group(3);
      }
      int q = rest.indexOf('?');
      if (q < 0) {
        return new ParsedUrl(rest, user, password, null, false);
      }
      String sslPassword = null;
      boolean errorDetail = false;
      List<String> kept = new ArrayList<>();
      for (String pair : rest.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
        String value = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
        switch (key.toLowerCase(Locale.ROOT)) {
          case "password" -> password = value;
          case "sslpassword" -> sslPassword = value;
          case "user" -> user = value;
          default -> {
            errorDetail |= key.equalsIgnoreCase("logServerErrorDetail");
            kept.add(pair);
          }
        }
      }
      String base = rest.substring(0, q);
      return new ParsedUrl(kept.isEmpty() ? base : base + "?" + String.join("&", kept), user, password, sslPassword,
          errorDetail);
    }

    private static String decode(String s) {
      try {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return s;
      }
    }

    @Override
    public String toString() {
      return "ParsedUrl{" + Redactor.patternsOnly().redact(withoutSecrets) + "}";
    }
  }

  private static boolean bool(String key, String value) {
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException(key + " must be true or false: '" + value + "'");
    }
  }

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h|d)");

  /** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, ISO-8601 ({@code PT0.5S}), or milliseconds. */
  private static Duration duration(String key, String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    try {
      if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
        return Duration.ofMillis(Long.parseLong(v));
      }
      Matcher m = SIMPLE_DURATION.matcher(v);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m", "min" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      return Duration.parse(v.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException | NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(key + " must be a duration such as 500ms, 10s, 5m or PT0.5S, or "
          + "milliseconds: '" + value + "'");
    }
  }

  /** The settings this was built with. */
  public Config config() {
    return config;
  }

  /** The data source the tables are reached through. */
  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * The queue and the state store together, committing a batch's state with its task's settlement in
   * one transaction: what {@code CRMSync.Builder.backend} takes. The same instance on every call.
   */
  public SyncBackend backend() {
    return backend;
  }

  /** The durable task queue. The same instance on every call. */
  public TaskQueue taskQueue() {
    return queue;
  }

  /** The durable state store. The same instance on every call. */
  public SyncStateStore stateStore() {
    return store;
  }

  /**
   * Creates or migrates the tables now, as {@link Builder#build()} does unless told not to. Safe to call
   * from several processes at once.
   *
   * @return the number of migration scripts applied (0 when the schema was up to date)
   */
  public int migrate() {
    return Migrator.migrate(queue.db());
  }

  /**
   * Who holds the unexpired leases on tasks of {@code topic} now, one entry per process, and whether each
   * is this process, another process that is alive, or one that ended (its leases are about to be taken
   * back): what a run that waits for those tasks is waiting for. {@link LeaseHolder#describe} makes a
   * progress line of each.
   *
   * @throws PostgresUnavailableException if the database stayed unreachable for the outage tolerance
   */
  public List<LeaseHolder> leaseHolders(String topic) {
    return queue.leaseHolders(topic);
  }

  /** Where the tables are: host, port and database (never credentials). */
  public String location() {
    return location;
  }

  /**
   * The newest migration applied to the tables' schema in the database: {@link #schemaVersion()} once
   * migrated, lower if they need migrating, 0 if they do not exist.
   *
   * @throws PostgresUnavailableException if the database stayed unreachable for the outage tolerance
   */
  public int installedSchemaVersion() {
    return Migrator.installedVersion(queue.db());
  }

  /** The schema version this library creates and works with. */
  public static int schemaVersion() {
    return Migrator.latestVersion();
  }

  /**
   * Stops the queue's listening thread and releases its connections (the one it listens on, and the one
   * whose session shows this process alive). The tasks and state stay.
   */
  @Override
  public void close() {
    queue.close();
  }

  @Override
  public String toString() {
    return "PostgresSync{" + location + ", schema=" + config.schema() + ", tablePrefix=" + config.tablePrefix() + "}";
  }

  /** Builds a {@link PostgresSync}. Not thread-safe. */
  public static final class Builder {
    private @Nullable DataSource dataSource;
    private @Nullable String schema;
    private @Nullable String tablePrefix;
    private @Nullable TimeSource timeSource;
    private @Nullable Boolean notifications;
    private @Nullable Duration pollInterval;
    private @Nullable Boolean migrate;
    private @Nullable Duration outageTolerance;
    private @Nullable Boolean reclaimLeases;
    // set by fromJdbcUrl, which knows the secrets and where the database is
    private Redactor redactor = Redactor.patternsOnly();
    private @Nullable String location;
    private Duration restartGrace = PostgresTaskQueue.RESTART_GRACE;

    Builder() {}

    /** For tests: how long after the server started leases are not taken back (10 seconds). */
    Builder restartGrace(Duration restartGrace) {
      this.restartGrace = Objects.requireNonNull(restartGrace, "restartGrace");
      return this;
    }

    /** Where the tables are; any {@link DataSource} of a PostgreSQL database (pooled, for heavy use). Required. */
    public Builder dataSource(DataSource dataSource) {
      Objects.requireNonNull(dataSource, "dataSource");
      requireUnset(this.dataSource, "dataSource");
      this.dataSource = dataSource;
      return this;
    }

    /**
     * The schema holding the tables ({@code crmsync} by default), created if absent. A lower-case
     * identifier: {@code [a-z_][a-z0-9_]*}, at most 63 characters, not starting with {@code pg_}.
     *
     * @throws IllegalArgumentException if {@code schema} is not such an identifier
     */
    public Builder schema(String schema) {
      SqlNames.checkSchema(schema, "schema");
      requireUnset(this.schema, "schema");
      this.schema = schema;
      return this;
    }

    /**
     * Prepended to every table name (empty by default), so that several deployments can share a schema.
     * Empty or a lower-case identifier of at most 40 characters.
     *
     * @throws IllegalArgumentException if {@code tablePrefix} is not such an identifier
     */
    public Builder tablePrefix(String tablePrefix) {
      SqlNames.checkPrefix(tablePrefix, "tablePrefix");
      requireUnset(this.tablePrefix, "tablePrefix");
      this.tablePrefix = tablePrefix;
      return this;
    }

    /** Where "now" is read for run times and leases; the system clock by default. */
    public Builder timeSource(TimeSource timeSource) {
      Objects.requireNonNull(timeSource, "timeSource");
      requireUnset(this.timeSource, "timeSource");
      this.timeSource = timeSource;
      return this;
    }

    /**
     * Whether idle workers wait on {@code LISTEN/NOTIFY} (true by default, holding one connection per
     * queue while in use) or poll every {@link #pollInterval(Duration)}: turn it off behind a pooler in
     * transaction mode, where {@code LISTEN} does not work.
     */
    public Builder notifications(boolean notifications) {
      requireUnset(this.notifications, "notifications");
      this.notifications = notifications;
      return this;
    }

    /** How long an idle worker waits between looks when it polls (1 second by default). */
    public Builder pollInterval(Duration pollInterval) {
      Objects.requireNonNull(pollInterval, "pollInterval");
      Checks.positive(pollInterval, "pollInterval");
      requireUnset(this.pollInterval, "pollInterval");
      this.pollInterval = pollInterval;
      return this;
    }

    /**
     * Whether {@link #build()} creates or migrates the tables (true by default). Turn it off where the
     * application's user may not change the schema, and run {@link PostgresSync#migrate()} at deploy time.
     */
    public Builder migrate(boolean migrate) {
      requireUnset(this.migrate, "migrate");
      this.migrate = migrate;
      return this;
    }

    /**
     * How long operations wait for an unreachable database (a restart, a failover, a network outage)
     * before they give up with {@link PostgresUnavailableException}: 5 minutes by default; zero gives up at
     * the first failure. They wait on the {@link #timeSource(TimeSource) time source}, with backoff from
     * 100 ms to 5 s between tries. Not applied when the database is first contacted (by {@link #build()}
     * or the first operation): a database that cannot be reached then is reported as a configuration
     * error at once.
     */
    public Builder outageTolerance(Duration outageTolerance) {
      Objects.requireNonNull(outageTolerance, "outageTolerance");
      Checks.notNegative(outageTolerance, "outageTolerance");
      requireUnset(this.outageTolerance, "outageTolerance");
      this.outageTolerance = outageTolerance;
      return this;
    }

    /**
     * Whether the queue ties its leases to this process's database session (true by default): it holds a
     * session-level advisory lock on one connection while it leases, and takes back at once the leases of
     * processes whose lock is free, because they ended (a crash, SIGKILL). Turn it off behind a pooler in
     * transaction mode (PgBouncer), where a session lock is not held by the client that took it: leases of
     * a process that ended then last until their visibility timeout.
     */
    public Builder reclaimLeases(boolean reclaimLeases) {
      requireUnset(this.reclaimLeases, "reclaimLeases");
      this.reclaimLeases = reclaimLeases;
      return this;
    }

    private static void requireUnset(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    /**
     * @throws IllegalStateException if no data source was set
     * @throws io.crmsync.CrmConfigurationException if the database refuses the credentials, does not exist,
     *     cannot be reached, or the user may not create the tables; the message says what to do
     * @throws io.crmsync.CrmSyncException if the tables cannot be created or migrated otherwise
     */
    public PostgresSync build() {
      if (dataSource == null) {
        throw new IllegalStateException("dataSource is required: call dataSource(ds)");
      }
      Config config = new Config(
          schema != null ? schema : "crmsync",
          tablePrefix != null ? tablePrefix : "",
          timeSource != null ? timeSource : TimeSource.system(),
          notifications == null || notifications,
          pollInterval != null ? pollInterval : Duration.ofSeconds(1),
          migrate == null || migrate,
          outageTolerance != null ? outageTolerance : DEFAULT_OUTAGE_TOLERANCE,
          reclaimLeases == null || reclaimLeases);
      return new PostgresSync(config, dataSource, redactor, location, restartGrace);
    }
  }
}
