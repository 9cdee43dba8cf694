package io.crmsync.quality;

import io.crmsync.model.CrmRecord;
import io.crmsync.quality.internal.Deduplicator;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Deduplicates records: normalise, block, compare, cluster, select masters, merge, explain.
 *
 * <pre>{@code
 * DataQualityEngine engine = DataQualityEngine.builder()
 *     .schema(RecordSchema.contacts())     // the default
 *     .defaultRegion("GB")
 *     .build();
 * DedupeResult result = engine.deduplicate(records);
 * for (Cluster c : result.duplicateClusters()) {
 *   System.out.println(c.masterId() + " <- " + c.memberIds() + ": " + c.merged().fields());
 * }
 * }</pre>
 *
 * <p>Pipeline: every field with a role in the {@link RecordSchema} is normalised; records are blocked on
 * several keys (exact email, email local part, phone, phonetic name, name with company, city, date or
 * postcode ...) whose candidate pairs are unioned, never all-pairs; each candidate pair is judged by the
 * {@link MatchMode}; matches are clustered by union-find, strongest first, refusing merges that would
 * put two clearly different people together; each cluster gets a master ({@link MasterPolicy}) and a
 * merged record whose every field records where it came from ({@link SurvivorshipRule}).
 *
 * <p>An engine is immutable and thread-safe; one engine can run many deduplications at once. Each run
 * holds its input in memory (about 1 KB per contact record); a million contacts fit in 4 GB of heap.
 */
public final class DataQualityEngine {

  /**
   * The settings of an engine.
   *
   * @param schema which field plays which role
   * @param mode how pairs are judged
   * @param rules the settings of {@link MatchMode#RULES}
   * @param matchProbability in probabilistic mode, the match probability from which a pair matches
   * @param defaultRegion ISO 3166 region for phone numbers written without a country code
   * @param maxBlockSize blocks larger than this (a phonetic key's from 12) are not compared all-pairs but
   *     sorted and compared in runs (see {@link Builder#maxBlockSize})
   * @param blockWindow neighbours on each side compared within a run larger than {@code maxBlockSize}
   * @param maxClusterSize no cluster grows past this
   * @param masterPolicy how masters are chosen
   * @param fieldSurvivorship survivorship by field name (wins over the role's)
   * @param roleSurvivorship survivorship by role
   * @param defaultSurvivorship survivorship of every other field
   * @param parallelism worker threads
   */
  public record Config(
      RecordSchema schema,
      MatchMode mode,
      RulesConfig rules,
      double matchProbability,
      String defaultRegion,
      int maxBlockSize,
      int blockWindow,
      int maxClusterSize,
      MasterPolicy masterPolicy,
      Map<String, SurvivorshipRule> fieldSurvivorship,
      Map<FieldRole, SurvivorshipRule> roleSurvivorship,
      SurvivorshipRule defaultSurvivorship,
      int parallelism) {
    public Config {
      Objects.requireNonNull(schema, "schema");
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(rules, "rules");
      Objects.requireNonNull(defaultRegion, "defaultRegion");
      Objects.requireNonNull(masterPolicy, "masterPolicy");
      fieldSurvivorship = Map.copyOf(fieldSurvivorship);
      roleSurvivorship = Map.copyOf(roleSurvivorship);
      Objects.requireNonNull(defaultSurvivorship, "defaultSurvivorship");
    }
  }

  private final Config config;

  private DataQualityEngine(Config config) {
    this.config = config;
  }

  /** An engine with the defaults: contact profile, probabilistic mode, region US. */
  public static DataQualityEngine ofDefaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this engine's settings, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.schema = config.schema();
    b.mode = config.mode();
    b.rules = config.rules();
    b.matchProbability = config.matchProbability();
    b.defaultRegion = config.defaultRegion();
    b.maxBlockSize = config.maxBlockSize();
    b.blockWindow = config.blockWindow();
    b.maxClusterSize = config.maxClusterSize();
    b.masterPolicy = config.masterPolicy();
    b.fieldSurvivorship.putAll(config.fieldSurvivorship());
    b.roleSurvivorship.putAll(config.roleSurvivorship());
    b.defaultSurvivorship = config.defaultSurvivorship();
    b.parallelism = config.parallelism();
    return b;
  }

  public Config config() {
    return config;
  }

  /**
   * Deduplicates {@code records}. The result does not depend on their order.
   *
   * @throws NullPointerException if {@code records} is or contains null
   * @throws IllegalArgumentException if two records have the same id
   */
  public DedupeResult deduplicate(List<DedupeRecord> records) {
    return deduplicate(records, DedupeListener.NONE);
  }

  /** As {@link #deduplicate(List)}, reporting progress to {@code listener}. */
  public DedupeResult deduplicate(List<DedupeRecord> records, DedupeListener listener) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(listener, "listener");
    return Deduplicator.run(config, records, listener);
  }

  /**
   * Deduplicates CRM records: each becomes a {@link DedupeRecord} with its id, fields as text,
   * modification time, and {@code source}.
   *
   * @throws IllegalArgumentException if a record has no id, or two have the same id
   */
  public DedupeResult deduplicateRecords(List<CrmRecord> records, String source) {
    Objects.requireNonNull(records, "records");
    List<DedupeRecord> in = new ArrayList<>(records.size());
    for (CrmRecord r : records) {
      in.add(DedupeRecord.from(Objects.requireNonNull(r, "record"), source));
    }
    return deduplicate(in);
  }

  /** Builds a {@link DataQualityEngine}. Not thread-safe. */
  public static final class Builder {
    private RecordSchema schema = RecordSchema.contacts();
    private MatchMode mode = MatchMode.PROBABILISTIC;
    private RulesConfig rules = RulesConfig.defaults();
    private double matchProbability = 0.5;
    private String defaultRegion = "US";
    private int maxBlockSize = 50;
    private int blockWindow = 8;
    private int maxClusterSize = 100;
    private MasterPolicy masterPolicy = MasterPolicy.defaults();
    private final Map<String, SurvivorshipRule> fieldSurvivorship = new LinkedHashMap<>();
    private final Map<FieldRole, SurvivorshipRule> roleSurvivorship = defaultRoleSurvivorship();
    private SurvivorshipRule defaultSurvivorship = SurvivorshipRule.fromMaster();
    private int parallelism = Runtime.getRuntime().availableProcessors();

    Builder() {}

    private static Map<FieldRole, SurvivorshipRule> defaultRoleSurvivorship() {
      Map<FieldRole, SurvivorshipRule> m = new EnumMap<>(FieldRole.class);
      m.put(FieldRole.FIRST_NAME, SurvivorshipRule.mostComplete());
      m.put(FieldRole.LAST_NAME, SurvivorshipRule.mostComplete());
      m.put(FieldRole.FULL_NAME, SurvivorshipRule.mostComplete());
      m.put(FieldRole.COMPANY, SurvivorshipRule.mostRecent());
      m.put(FieldRole.PHONE, SurvivorshipRule.mostRecent());
      m.put(FieldRole.CITY, SurvivorshipRule.mostRecent());
      m.put(FieldRole.ADDRESS, SurvivorshipRule.mostRecent());
      m.put(FieldRole.POSTCODE, SurvivorshipRule.mostRecent());
      m.put(FieldRole.UPDATED_AT, SurvivorshipRule.mostRecent());
      return m;
    }

    /** Which field plays which role; default {@link RecordSchema#contacts()}. */
    public Builder schema(RecordSchema schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /** Default {@link MatchMode#PROBABILISTIC}. */
    public Builder mode(MatchMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Settings of rules mode; default {@link RulesConfig#defaults()}. */
    public Builder rules(RulesConfig rules) {
      this.rules = Objects.requireNonNull(rules, "rules");
      return this;
    }

    /**
     * The match probability from which a pair matches in probabilistic mode; default 0.5.
     *
     * @throws IllegalArgumentException unless strictly between 0 and 1
     */
    public Builder matchProbability(double matchProbability) {
      if (!(matchProbability > 0 && matchProbability < 1)) {
        throw new IllegalArgumentException("matchProbability must be in (0, 1): " + matchProbability);
      }
      this.matchProbability = matchProbability;
      return this;
    }

    /**
     * The region of phone numbers without a country code, ISO 3166 two letters; default US.
     *
     * @throws IllegalArgumentException if libphonenumber does not know the region
     */
    public Builder defaultRegion(String defaultRegion) {
      Objects.requireNonNull(defaultRegion, "defaultRegion");
      if (!com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getSupportedRegions().contains(defaultRegion)) {
        throw new IllegalArgumentException("defaultRegion is not a region libphonenumber knows: " + defaultRegion);
      }
      this.defaultRegion = defaultRegion;
      return this;
    }

    /**
     * Blocks larger than this are not compared all-pairs; default 50. Such a block (a common name, an
     * account of thousands) is sorted by the identifying fields its key leaves open (family name, given
     * name, company) and split into runs that agree on the first of them: a run of at most this many
     * records is compared all-pairs, a larger one by {@link #blockWindow} neighbours, and each record
     * also meets its two neighbours beyond its run, where a misspelling sorts. Phonetic keys' blocks are
     * treated so from 12 records (or this limit, if lower): their codes are few, so their blocks grow
     * with the input fastest.
     *
     * @throws IllegalArgumentException if less than 2
     */
    public Builder maxBlockSize(int maxBlockSize) {
      if (maxBlockSize < 2) {
        throw new IllegalArgumentException("maxBlockSize must be at least 2: " + maxBlockSize);
      }
      this.maxBlockSize = maxBlockSize;
      return this;
    }

    /**
     * Neighbours compared on each side within a run larger than {@link #maxBlockSize}; default 8.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder blockWindow(int blockWindow) {
      if (blockWindow < 1) {
        throw new IllegalArgumentException("blockWindow must be positive: " + blockWindow);
      }
      this.blockWindow = blockWindow;
      return this;
    }

    /**
     * The largest cluster allowed; default 100.
     *
     * @throws IllegalArgumentException if less than 2
     */
    public Builder maxClusterSize(int maxClusterSize) {
      if (maxClusterSize < 2) {
        throw new IllegalArgumentException("maxClusterSize must be at least 2: " + maxClusterSize);
      }
      this.maxClusterSize = maxClusterSize;
      return this;
    }

    /** How masters are chosen; default {@link MasterPolicy#defaults()}. */
    public Builder masterPolicy(MasterPolicy masterPolicy) {
      this.masterPolicy = Objects.requireNonNull(masterPolicy, "masterPolicy");
      return this;
    }

    /**
     * The survivorship of one field, over its role's.
     *
     * @throws IllegalArgumentException if that field was already given a rule
     */
    public Builder survivorship(String field, SurvivorshipRule rule) {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(rule, "rule");
      if (fieldSurvivorship.putIfAbsent(field, rule) != null) {
        throw new IllegalArgumentException("survivorship of field '" + field + "' was already set");
      }
      return this;
    }

    /**
     * The survivorship of every field with {@code role}. Defaults: names most complete; company, phone,
     * city, address, postcode most recent; everything else from the master.
     */
    public Builder survivorship(FieldRole role, SurvivorshipRule rule) {
      roleSurvivorship.put(Objects.requireNonNull(role, "role"), Objects.requireNonNull(rule, "rule"));
      return this;
    }

    /** The survivorship of fields without a field or role rule; default {@link SurvivorshipRule#fromMaster()}. */
    public Builder defaultSurvivorship(SurvivorshipRule rule) {
      this.defaultSurvivorship = Objects.requireNonNull(rule, "rule");
      return this;
    }

    /**
     * Worker threads; default the number of processors.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1) {
        throw new IllegalArgumentException("parallelism must be positive: " + parallelism);
      }
      this.parallelism = parallelism;
      return this;
    }

    public DataQualityEngine build() {
      return new DataQualityEngine(new Config(schema, mode, rules, matchProbability, defaultRegion, maxBlockSize,
          blockWindow, maxClusterSize, masterPolicy, fieldSurvivorship, roleSurvivorship, defaultSurvivorship,
          parallelism));
    }
  }
}
