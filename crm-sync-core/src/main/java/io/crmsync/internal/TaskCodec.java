package io.crmsync.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.crmsync.model.CrmRecord;
import java.util.List;
import java.util.Objects;

/**
 * The JSON form of the engine's tasks, so that durable queues can hold them. Uses its own mapper, not the
 * user's, so that the stored format does not change with the user's Jackson settings.
 */
public final class TaskCodec {
  /** What a task asks for: write or delete these records. */
  public enum Op {
    UPSERT,
    DELETE
  }

  /**
   * One batch of work.
   *
   * @param run the run that enqueued it, to tell this run's work from work left by an earlier one
   * @param page the sequence number of the page it came from in that run
   * @param op the operation
   * @param records the records, as read from the source and transformed
   */
  public record Payload(String run, long page, Op op, List<CrmRecord> records) {
    public Payload {
      Objects.requireNonNull(run, "run");
      Objects.requireNonNull(op, "op");
      records = List.copyOf(records);
    }
  }

  private final ObjectMapper mapper;

  public TaskCodec() {
    this.mapper = JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .enable(DeserializationFeature.USE_LONG_FOR_INTS)
        .build();
  }

  public String encode(Payload payload) {
    try {
      return mapper.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode task: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * @throws IllegalArgumentException if {@code json} is not a task payload
   */
  public Payload decode(String json) {
    try {
      return mapper.readValue(json, Payload.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a crm-sync task payload: " + e.getOriginalMessage(), e);
    }
  }
}
