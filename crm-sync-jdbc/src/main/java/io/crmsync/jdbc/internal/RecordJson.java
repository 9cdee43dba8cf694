package io.crmsync.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.core.type.TypeReference;
import io.crmsync.adapter.FieldError;
import io.crmsync.model.CrmRecord;
import java.util.List;

/**
 * The JSON form of a {@link CrmRecord} in the dead letters table. Its own mapper, so that the stored
 * format does not follow the host's Jackson settings; numbers read back as {@code Long} or {@code
 * BigDecimal}, as {@link CrmRecord} holds them, so a record survives the round trip equal to itself.
 */
final class RecordJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.USE_LONG_FOR_INTS)
      .build();

  private RecordJson() {}

  static String write(CrmRecord record) {
    try {
      return MAPPER.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write record as JSON: " + e.getOriginalMessage(), e);
    }
  }

  static CrmRecord read(String json) {
    try {
      return MAPPER.readValue(json, CrmRecord.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a dead letter's record is not valid: " + e.getOriginalMessage(), e);
    }
  }

  static String writeFieldErrors(List<FieldError> errors) {
    try {
      return MAPPER.writeValueAsString(errors);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write field errors as JSON: " + e.getOriginalMessage(), e);
    }
  }

  static List<FieldError> readFieldErrors(String json) {
    try {
      return MAPPER.readValue(json, new TypeReference<List<FieldError>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a dead letter's field errors are not valid: " + e.getOriginalMessage(), e);
    }
  }

  static String writeFields(java.util.Map<String, Object> fields) {
    try {
      return MAPPER.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write fields as JSON: " + e.getOriginalMessage(), e);
    }
  }

  static java.util.Map<String, Object> readFields(String json) {
    try {
      java.util.Map<String, Object> fields = MAPPER.readValue(json, new TypeReference<java.util.Map<String, Object>>() {});
      return CrmRecord.of("baseline", fields).fields();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a baseline's fields are not valid: " + e.getOriginalMessage(), e);
    }
  }
}
