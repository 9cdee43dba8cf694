package io.crmsync.jdbc.internal;

import io.crmsync.CrmConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades this library's tables: versioned SQL scripts under {@code
 * io/crmsync/jdbc/migrations/}, applied in order, each once, recorded in a history table with a checksum.
 * All of it runs in one transaction under a transaction-scoped advisory lock on the schema, so that
 * processes starting together migrate one after the other and the later ones find nothing to do; a
 * failed migration leaves nothing behind (PostgreSQL's DDL is transactional).
 */
public final class Migrator {
  private static final Logger log = LoggerFactory.getLogger(Migrator.class);
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([ti]):([a-z_]+)}");

  /** One script. */
  record Script(int version, String description) {
    String resource() {
      return "/io/crmsync/jdbc/migrations/V" + version + "__" + description + ".sql";
    }
  }

  /** Every script, in order. Append only: a released script never changes (its checksum is verified). */
  static final List<Script> SCRIPTS = List.of(new Script(1, "task_queue"), new Script(2, "sync_state"),
      new Script(3, "dead_letter_per_record"), new Script(4, "id_links_by_to_id"),
      new Script(5, "dead_letters_to_act_on"), new Script(6, "lease_session"), new Script(7, "baselines"));

  private Migrator() {}

  /** The schema version this library creates. */
  public static int latestVersion() {
    return SCRIPTS.get(SCRIPTS.size() - 1).version();
  }

  /**
   * Brings the schema of {@code db} to {@link #latestVersion()}.
   *
   * @return the number of scripts applied (0 when it was up to date)
   */
  public static int migrate(Db db) {
    SqlNames names = db.names();
    return db.transaction("migrating schema " + names.schema(), c -> {
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, lockKey("crm-sync migrate " + names.schema()));
        lock.execute();
      }
      createSchemaIfAbsent(c, names);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS " + names.table("schema_history") + " ("
            + "version integer PRIMARY KEY, description text NOT NULL, checksum text NOT NULL, "
            + "applied_at timestamptz NOT NULL DEFAULT now())");
      }
      Map<Integer, String> applied = new TreeMap<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT version, checksum FROM " + names.table("schema_history"))) {
        while (rs.next()) {
          applied.put(rs.getInt(1), rs.getString(2));
        }
      }
      int count = 0;
      for (Script script : SCRIPTS) {
        String text = load(script);
        String checksum = sha256(text);
        String done = applied.get(script.version());
        if (done != null) {
          if (!done.equals(checksum)) {
            throw new CrmConfigurationException(Db.COMPONENT, "migration V" + script.version() + " ("
                + script.description() + ") in schema " + names.schema() + " was applied from a different script "
                + "(checksum " + done + ", this library has " + checksum + "); a released script must never change: "
                + "use a crm-sync version that matches the schema, or a new schema");
          }
          continue;
        }
        try (Statement s = c.createStatement()) {
          s.execute(substitute(text, names));
        }
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + names.table("schema_history")
            + " (version, description, checksum) VALUES (?, ?, ?)")) {
          ins.setInt(1, script.version());
          ins.setString(2, script.description());
          ins.setString(3, checksum);
          ins.executeUpdate();
        }
        log.info("Applied crm-sync migration V{} ({}) to schema {}", script.version(), script.description(), names);
        count++;
      }
      int newest = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
      if (newest > latestVersion()) {
        log.warn("Schema {} is at version {}, newer than this library's {}; a newer crm-sync migrated it",
            names, newest, latestVersion());
      }
      return count;
    });
  }

  /**
   * The newest migration applied to the schema of {@code db}, 0 if none (the tables do not exist). Reaches
   * the database, so it also reports refused credentials or a missing database.
   */
  public static int installedVersion(Db db) {
    SqlNames names = db.names();
    return db.autoCommit("reading the schema version of " + names.schema(), c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
        ps.setString(1, names.table("schema_history"));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            return 0;
          }
        }
      }
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM " + names.table("schema_history"))) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  private static void createSchemaIfAbsent(Connection c, SqlNames names) throws SQLException {
    // checked first, so that a user who may not create schemas can use one prepared for it
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, names.schema());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + names.quotedSchema());
    }
  }

  /** {@code text} with its placeholders replaced by the names of {@code names}. */
  static String substitute(String text, SqlNames names) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder(text.length() + 256);
    while (m.find()) {
      String name = m.group(2);
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1).equals("t") ? names.table(name) : names.local(name)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String load(Script script) {
    try (InputStream in = Migrator.class.getResourceAsStream(script.resource())) {
      Objects.requireNonNull(in, () -> "migration script missing from the jar: " + script.resource());
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration script " + script.resource(), e);
    }
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static String sha256(String text) {
    return HexFormat.of().formatHex(digest(text));
  }

  /** A stable 64-bit advisory lock key for {@code name}. */
  static long lockKey(String name) {
    return ByteBuffer.wrap(digest(name)).getLong();
  }
}
