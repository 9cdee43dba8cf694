package io.crmsync.cli;

import io.crmsync.adapter.AdapterConfig;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** Reads {@code 500ms}, {@code 10s}, {@code 5m} or ISO-8601 durations, as settings files do. */
final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return AdapterConfig.builder("cli").setting("value", value).build().duration("value", Duration.ZERO);
  }
}
