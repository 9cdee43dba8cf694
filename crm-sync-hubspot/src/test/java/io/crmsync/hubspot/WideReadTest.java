package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.MatchKey;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Accounts with hundreds of custom properties: reads that carry them all stay within HubSpot's URL length
 * (414 beyond) and search body size (400 beyond 3,000 characters) by reading the properties with
 * {@code batch/read}.
 */
class WideReadTest {
  static final int PROPERTIES = 600;

  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;
  HubSpotAdapter adapter;
  Instant since;

  private static String property(int i) {
    return "custom_property_with_a_long_name_" + i;
  }

  @BeforeEach
  void start() {
    HubSpotEmulator.Builder b = HubSpotEmulator.builder().timeSource(clock);
    for (int i = 0; i < PROPERTIES; i++) {
      b.property("contacts", property(i));
    }
    hubspot = b.build().start();
    since = clock.now();
    for (int i = 0; i < 150; i++) {
      hubspot.insert("contacts", Map.of("email", "w" + i + "@example.com", "firstname", "W" + i,
          property(i % PROPERTIES), "v" + i, property(PROPERTIES - 1), "last" + i));
      clock.advance(Duration.ofMillis(3));
    }
    clock.advance(Duration.ofMinutes(5));
    adapter = Emulated.adapter(hubspot, clock, "readCustomProperties", "true");
  }

  @AfterEach
  void stop() {
    hubspot.close();
  }

  private static void assertComplete(List<CrmRecord> records) {
    assertThat(records).hasSize(150);
    for (CrmRecord r : records) {
      int i = Integer.parseInt(r.string("email").replaceAll("\\D", ""));
      assertThat(r.string("firstName")).isEqualTo("W" + i);
      assertThat(r.string(property(i % PROPERTIES))).isEqualTo("v" + i);
      assertThat(r.string(property(PROPERTIES - 1))).isEqualTo("last" + i);
    }
  }

  @Test
  void aFullReadCarriesEveryCustomPropertyWithoutA414() {
    List<CrmRecord> records;
    try (var s = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT))) {
      records = s.collect(Collectors.toList());
    }
    assertComplete(records);
    assertThat(hubspot.refusals()).isEmpty();
  }

  @Test
  void anIncrementalReadCarriesEveryCustomPropertyWithoutASearchBodyTooLong() {
    List<CrmRecord> records;
    try (var s = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT).withSince(since))) {
      records = s.collect(Collectors.toList());
    }
    assertComplete(records);
    assertThat(hubspot.refusals()).isEmpty();
  }

  @Test
  void aLookupCarriesEveryCustomProperty() {
    CrmRecord r = adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "W7@example.com").orElseThrow();
    assertThat(r.string(property(7))).isEqualTo("v7");
    assertThat(adapter.lookup(ObjectTypes.CONTACT, MatchKey.email(), "nobody@example.com")).isEmpty();
    assertThat(hubspot.refusals()).isEmpty();
  }
}
