package io.crmsync.hubspot;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.adapter.Page;
import io.crmsync.adapter.ReadRequest;
import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Incremental reads through the search API: its 10,000-result cap, records sharing a millisecond, late commits. */
class IncrementalReadTest {
  final FakeTimeSource clock = new FakeTimeSource();
  HubSpotEmulator hubspot;

  @AfterEach
  void stop() {
    if (hubspot != null) {
      hubspot.close();
    }
  }

  private HubSpotEmulator start(HubSpotEmulator.Builder b) {
    hubspot = b.timeSource(clock).build().start();
    return hubspot;
  }

  private static Map<String, String> contact(int i) {
    return Map.of("email", "c" + i + "@example.com", "firstname", "C" + i);
  }

  @Test
  void moreThanTenThousandRecordsModifiedInOneWindowAreAllReadOnce() {
    start(HubSpotEmulator.builder());
    Instant since = clock.now();
    Set<String> written = new HashSet<>();
    // 250 records in the very same millisecond (more than a page), then 10,000 three to a millisecond.
    for (int i = 0; i < 250; i++) {
      written.add(hubspot.insert("contacts", contact(i)));
    }
    for (int i = 250; i < 10_250; i++) {
      if (i % 3 == 0) {
        clock.advance(Duration.ofMillis(1));
      }
      written.add(hubspot.insert("contacts", contact(i)));
    }
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);

    List<String> read;
    try (var stream = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT).withSince(since).withPageSize(200))) {
      read = stream.map(CrmRecord::id).collect(Collectors.toList());
    }

    assertThat(read).hasSize(10_250).doesNotHaveDuplicates();
    assertThat(new HashSet<>(read)).isEqualTo(written);
    assertThat(hubspot.countByStatus(400)).as("never paged into the search cap").isZero();
    assertThat(hubspot.requests()).filteredOn(r -> r.path().endsWith("/search")).hasSizeLessThan(60);
  }

  @Test
  void recordsModifiedDuringTheReadAreNotSkipped() {
    start(HubSpotEmulator.builder());
    Instant since = clock.now();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      clock.advance(Duration.ofMillis(1));
      ids.add(hubspot.insert("contacts", contact(i)));
    }
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);
    ReadRequest request = ReadRequest.of(ObjectTypes.CONTACT).withSince(since).withPageSize(100);
    Map<String, Integer> seen = new HashMap<>();
    Page page = adapter.read(request);
    int pages = 0;
    while (true) {
      page.records().forEach(r -> seen.merge(r.id(), 1, Integer::sum));
      if (++pages == 2) {
        // an early record changes: with offset paging, every later record would shift and one be skipped
        clock.advance(Duration.ofSeconds(1));
        hubspot.update("contacts", ids.get(10), Map.of("firstname", "Changed"));
        hubspot.update("contacts", ids.get(11), Map.of("firstname", "Changed"));
      }
      if (!page.hasMore()) {
        break;
      }
      page = adapter.read(request.withCursor(page.nextCursor()));
    }
    assertThat(seen.keySet()).containsAll(ids);
    assertThat(seen.get(ids.get(10))).as("read again after its change").isEqualTo(2);
    assertThat(seen.values().stream().filter(n -> n > 1).count()).isEqualTo(2);
  }

  @Test
  void theOverlapCatchesChangesTheSearchIndexCommittedLate() {
    start(HubSpotEmulator.builder().searchIndexLag(Duration.ofSeconds(20)));
    clock.advance(Duration.ofMinutes(1));
    String early = hubspot.insert("contacts", contact(1));
    clock.advance(Duration.ofSeconds(30));
    String late = hubspot.insert("contacts", contact(2)); // not searchable for 20 s
    clock.advance(Duration.ofSeconds(1));
    Instant watermark = clock.now(); // a sync that read now would move its watermark here

    HubSpotAdapter noOverlap = Emulated.adapter(hubspot, clock, "incrementalOverlap", "0s");
    HubSpotAdapter withOverlap = Emulated.adapter(hubspot, clock);
    assertThat(ids(withOverlap, Instant.EPOCH)).containsExactly(early);

    clock.advance(Duration.ofSeconds(30));
    assertThat(ids(noOverlap, watermark)).as("without overlap the late commit is lost").isEmpty();
    assertThat(ids(withOverlap, watermark)).as("the overlap re-reads a little, and catches it").contains(late);
  }

  @Test
  void deletedRecordsFollowTheLiveOnesWhenAsked() {
    start(HubSpotEmulator.builder());
    Instant since = clock.now();
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);
    String kept = hubspot.insert("contacts", contact(1));
    String gone = hubspot.insert("contacts", contact(2));
    clock.advance(Duration.ofSeconds(1));
    adapter.delete(ObjectTypes.CONTACT, List.of(gone));
    List<CrmRecord> all;
    try (var s = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT).withSince(since).withIncludeDeleted(true))) {
      all = s.collect(Collectors.toList());
    }
    assertThat(all).extracting(CrmRecord::id, CrmRecord::deleted)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(kept, false), org.assertj.core.groups.Tuple.tuple(gone, true));
  }

  @Test
  void searchesKeepToHubSpotsSeparateSearchLimit() {
    start(HubSpotEmulator.builder().searchRateLimit(5)); // HubSpot's documented limit, and the adapter's default
    Instant since = clock.now();
    for (int i = 0; i < 1_000; i++) {
      hubspot.insert("contacts", contact(i));
      clock.advance(Duration.ofMillis(1));
    }
    HubSpotAdapter adapter = Emulated.adapter(hubspot, clock);
    assertThat(ids(adapter, since)).hasSize(1_000);
    assertThat(hubspot.countByStatus(429)).isZero();
    assertThat(clock.sleepCount()).as("waited for the search budget").isPositive();
  }

  private static List<String> ids(HubSpotAdapter adapter, Instant since) {
    try (var s = adapter.stream(ReadRequest.of(ObjectTypes.CONTACT).withSince(since))) {
      return s.map(CrmRecord::id).collect(Collectors.toList());
    }
  }
}
