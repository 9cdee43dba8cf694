package io.crmsync.jdbc;

import io.crmsync.TimeSource;
import io.crmsync.spi.Checks;
import io.crmsync.jdbc.internal.Db;
import io.crmsync.backend.SyncBackend;
import io.crmsync.jdbc.internal.Migrator;
import io.crmsync.jdbc.internal.PostgresBackend;
import io.crmsync.jdbc.internal.PostgresStateStore;
import io.crmsync.jdbc.internal.PostgresTaskQueue;
import io.crmsync.jdbc.internal.SqlNames;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

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

  /**
   * The settings of a {@link PostgresSync}.
   *
   * @param schema the schema holding the tables
   * @param tablePrefix prepended to every table name
   * @param timeSource where "now" is read
   * @param notifications whether idle workers wait for {@code LISTEN/NOTIFY} rather than poll
   * @param pollInterval how long an idle worker waits between looks when it polls
   * @param migrate whether {@link Builder#build()} created or migrated the tables
   */
  public record Config(
      String schema, String tablePrefix, TimeSource timeSource, boolean notifications, Duration pollInterval,
      boolean migrate) {
    public Config {
      SqlNames.checkSchema(schema, "schema");
      SqlNames.checkPrefix(tablePrefix, "tablePrefix");
      Objects.requireNonNull(timeSource, "timeSource");
      Objects.requireNonNull(pollInterval, "pollInterval");
    }
  }

  /** The keys {@link #fromJdbcUrl} reads itself; every other key is a PostgreSQL JDBC driver property. */
  public static final Set<String> SETTINGS = Set.of("user", "password", "schema", "tablePrefix", "notifications",
      "pollInterval", "migrate");

  private final Config config;
  private final DataSource dataSource;
  private final PostgresTaskQueue queue;
  private final PostgresStateStore store;
  private final PostgresBackend backend;

  private PostgresSync(Config config, DataSource dataSource) {
    this.config = config;
    this.dataSource = dataSource;
    Db db = new Db(dataSource, new SqlNames(config.schema(), config.tablePrefix()));
    if (config.migrate()) {
      Migrator.migrate(db);
    }
    this.queue = new PostgresTaskQueue(db, config.timeSource(), config.notifications(), config.pollInterval());
    this.store = new PostgresStateStore(db);
    this.backend = new PostgresBackend(db, queue, store);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A {@link PostgresSync} on a plain (unpooled) {@link PGSimpleDataSource} for {@code jdbcUrl}, with the
   * system clock: what a command line or a small deployment needs. Every operation opens a connection;
   * an application that syncs heavily should pass a pooled data source to {@link #builder()} instead.
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
   *   <tr><td>{@code pollInterval}</td><td>ISO-8601 duration ({@code PT0.5S}) or milliseconds</td><td>{@code PT1S}</td></tr>
   *   <tr><td>{@code migrate}</td><td>create or migrate the tables now</td><td>{@code true}</td></tr>
   *   <tr><td>anything else</td><td>a PostgreSQL JDBC driver property, such as {@code sslmode} or
   *       {@code ApplicationName}</td><td></td></tr>
   * </table>
   *
   * <p>Neither the URL nor the password appear in exception messages, logs or {@code toString()}.
   *
   * @throws IllegalArgumentException if the URL is not a {@code jdbc:postgresql:} URL, or a setting is
   *     unknown or malformed (the message names it)
   * @throws io.crmsync.CrmSyncException if the database cannot be reached or migrated
   */
  public static PostgresSync fromJdbcUrl(String jdbcUrl, Map<String, String> settings) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(settings, "settings");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql: (the URL is not shown, "
          + "it may hold a password)");
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    try {
      ds.setURL(jdbcUrl);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("jdbcUrl is not a valid PostgreSQL JDBC URL (not shown: it may hold a password)");
    }
    Builder b = builder().dataSource(ds);
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String key = Objects.requireNonNull(e.getKey(), "settings key");
      String value = Objects.requireNonNull(e.getValue(), () -> "value of setting " + key);
      switch (key) {
        case "user" -> ds.setUser(value);
        case "password" -> ds.setPassword(value);
        case "schema" -> b.schema(value);
        case "tablePrefix" -> b.tablePrefix(value);
        case "notifications" -> b.notifications(bool(key, value));
        case "pollInterval" -> b.pollInterval(duration(key, value));
        case "migrate" -> b.migrate(bool(key, value));
        default -> {
          try {
            ds.setProperty(key, value);
          } catch (SQLException | RuntimeException ex) {
            throw new IllegalArgumentException("unknown setting '" + key + "': neither one of " + SETTINGS
                + " nor a PostgreSQL JDBC driver property");
          }
        }
      }
    }
    return b.build();
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

  private static Duration duration(String key, String value) {
    String v = value.strip();
    try {
      return v.chars().allMatch(Character::isDigit) && !v.isEmpty() ? Duration.ofMillis(Long.parseLong(v)) : Duration.parse(v);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an ISO-8601 duration (PT0.5S) or milliseconds: '" + value + "'");
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

  /** The schema version this library creates and works with. */
  public static int schemaVersion() {
    return Migrator.latestVersion();
  }

  /** Stops the queue's listening thread and releases its connection. The tasks and state stay. */
  @Override
  public void close() {
    queue.close();
  }

  @Override
  public String toString() {
    return "PostgresSync{schema=" + config.schema() + ", tablePrefix=" + config.tablePrefix() + "}";
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

    Builder() {}

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

    private static void requireUnset(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    /**
     * @throws IllegalStateException if no data source was set
     * @throws io.crmsync.CrmSyncException if the tables cannot be created or migrated
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
          migrate == null || migrate);
      return new PostgresSync(config, dataSource);
    }
  }
}
