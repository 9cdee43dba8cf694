package io.crmsync.mapping;

import io.crmsync.adapter.FieldInfo;
import io.crmsync.model.CrmRecord;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Turns a record of one system into what is written to the other: renames, transforms, defaults,
 * custom fields. {@code crm-sync-mapping}'s {@code FieldMapping} is the declarative one (built in code or
 * loaded from YAML or JSON); {@link #of} wraps a function. The engine checks a mapping against both
 * adapters' fields before a record moves, and maps each record as it is read.
 *
 * <p>A mapping that fails on one record throws {@link io.crmsync.CrmRequestException} naming the field
 * in its field errors: that record is dead-lettered with them and the rest of its batch lands.
 * Implementations must be thread-safe.
 */
public interface RecordMapper {

  /** Which way a record is mapped: from the sync's source to its target, or back (two-way syncs). */
  enum Direction {
    TO_TARGET,
    TO_SOURCE
  }

  /**
   * {@code record} as it is written to the other side.
   *
   * @throws io.crmsync.CrmRequestException if a field of this record cannot be mapped, naming it
   */
  CrmRecord map(CrmRecord record, Direction direction);

  /**
   * Every problem of this mapping for {@code objectType} against the fields the source and the target
   * describe, all at once; empty when it can be used. The default finds none.
   */
  default List<MappingProblem> check(String objectType, List<FieldInfo> sourceFields, List<FieldInfo> targetFields) {
    return List.of();
  }

  /** This mapping the other way round: what a sync in the opposite direction uses. */
  default RecordMapper inverse() {
    RecordMapper self = this;
    return new RecordMapper() {
      @Override
      public CrmRecord map(CrmRecord record, Direction direction) {
        return self.map(record, direction == Direction.TO_TARGET ? Direction.TO_SOURCE : Direction.TO_TARGET);
      }

      @Override
      public List<MappingProblem> check(String objectType, List<FieldInfo> sourceFields, List<FieldInfo> targetFields) {
        return self.check(objectType, targetFields, sourceFields);
      }

      @Override
      public RecordMapper inverse() {
        return self;
      }
    };
  }

  /** Records as they are: the engine's default. */
  static RecordMapper identity() {
    return IdentityMapper.INSTANCE;
  }

  /**
   * A mapping in code: {@code toTarget} maps records to the target (rename fields, drop some, fill
   * defaults); mapped back, records pass as they are.
   *
   * @throws NullPointerException if {@code toTarget} is null
   */
  static RecordMapper of(UnaryOperator<CrmRecord> toTarget) {
    Objects.requireNonNull(toTarget, "toTarget");
    return (record, direction) -> direction == Direction.TO_TARGET
        ? Objects.requireNonNull(toTarget.apply(record), "the mapping returned null") : record;
  }
}

/** {@link RecordMapper#identity()}. */
enum IdentityMapper implements RecordMapper {
  INSTANCE;

  @Override
  public CrmRecord map(CrmRecord record, Direction direction) {
    return record;
  }

  @Override
  public RecordMapper inverse() {
    return this;
  }

  @Override
  public String toString() {
    return "RecordMapper.identity()";
  }
}
