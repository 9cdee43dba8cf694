package io.crmsync.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.adapter.FieldError;
import io.crmsync.model.CrmRecord;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import io.crmsync.testkit.salesforce.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A gateway in front of three CRMs' emulators over loopback HTTP, on the in-memory backend. */
class GatewayFanOutTest {
  final FakeTimeSource clock = new FakeTimeSource();
  Emulators crms;

  @AfterEach
  void closeEmulators() {
    if (crms != null) {
      crms.close();
    }
  }

  CrmGateway gateway() {
    return CrmGateway.builder()
        .target(Target.builder(crms.hubspot).build())
        .target(Target.builder(crms.salesforce).build())
        .target(Target.builder(crms.dynamics).build())
        .timeSource(clock)
        .retryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30))
        .build();
  }

  static Change edit(int record, int version) {
    return Change.upsert("contact", Map.of("email", "c" + record + "@example.com", "firstName", "First" + record,
        "lastName", "Last" + record, "title", "v" + version));
  }

  /** Rounds until every receipt is final, moving the clock a second between rounds. */
  static void drain(CrmGateway gateway, FakeTimeSource clock, List<Receipt> receipts) {
    for (int i = 0; i < 2_000; i++) {
      gateway.deliverDue();
      if (receipts.stream().allMatch(r -> gateway.status(r).isFinal())) {
        return;
      }
      clock.advance(Duration.ofSeconds(1));
    }
    Receipt stuck = receipts.stream().filter(r -> !gateway.status(r).isFinal()).findFirst().orElseThrow();
    StringBuilder sb = new StringBuilder("not delivered after 2,000 rounds: " + gateway.status(stuck));
    gateway.targets().forEach(t -> sb.append("; ").append(t).append(' ').append(gateway.pending(t))
        .append(" paused ").append(gateway.pausedUntil(t)));
    throw new AssertionError(sb.toString());
  }

  @Test
  void everyChangeReachesEveryTargetOnceInOrderWithOneTargetDownAndOneRateLimited() {
    crms = new Emulators(clock, 4);
    CrmGateway gateway = gateway();
    // Salesforce answers every API call with a 503 page for a while
    for (int i = 0; i < 15; i++) {
      crms.sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML);
    }
    crms.hs.injectFaults(HubSpotEmulator.Fault.RATE_LIMITED, HubSpotEmulator.Fault.RATE_LIMITED);

    int records = 40;
    int versions = 6;
    List<Receipt> receipts = new ArrayList<>();
    for (int v = 1; v <= versions; v++) {
      List<Change> wave = new ArrayList<>();
      for (int r = 0; r < records; r++) {
        wave.add(edit(r, v));
      }
      receipts.addAll(gateway.submitAll(wave));
      gateway.deliverDue();
      clock.advance(Duration.ofSeconds(2));
    }
    assertThat(gateway.pausedUntil("salesforce")).as("salesforce was down").isPresent();

    drain(gateway, clock, receipts);

    for (Receipt r : receipts) {
      ChangeStatus s = gateway.status(r);
      assertThat(s.isDelivered()).as("%s", s).isTrue();
      assertThat(s.targets().values()).allSatisfy(d -> assertThat(d.targetId()).isNotBlank());
    }
    assertThat(crms.hs.countByStatus(429)).as("HubSpot limited the gateway").isPositive();
    for (Recording target : List.of(crms.hubspot, crms.salesforce, crms.dynamics)) {
      assertWrittenInOrderOnce(target, records, versions);
    }
    assertThat(crms.hs.records("contacts")).hasSize(records)
        .allSatisfy(c -> assertThat(c.get("jobtitle")).isEqualTo("v" + versions));
    assertThat(crms.sf.records("Contact")).hasSize(records)
        .allSatisfy(c -> assertThat(c.get("Title")).isEqualTo("v" + versions));
    assertThat(crms.dv.records("contact")).hasSize(records)
        .allSatisfy(c -> assertThat(c.get("jobtitle")).isEqualTo("v" + versions));
    for (String t : gateway.targets()) {
      assertThat(gateway.pending(t).unfinished()).isZero();
      assertThat(gateway.deadLetters(t, 10)).isEmpty();
    }
  }

  /** Per record, the versions written only go up, none twice, and the last is the last submitted. */
  private static void assertWrittenInOrderOnce(Recording target, int records, int versions) {
    Map<String, List<Integer>> byRecord = new LinkedHashMap<>();
    for (CrmRecord w : target.written) {
      String title = w.string("title");
      if (title != null) {
        byRecord.computeIfAbsent(w.string("email"), e -> new ArrayList<>()).add(Integer.parseInt(title.substring(1)));
      }
    }
    assertThat(byRecord).as(target.id()).hasSize(records);
    byRecord.forEach((email, written) -> {
      assertThat(written).as("%s %s", target.id(), email).isSorted().doesNotHaveDuplicates();
      assertThat(written.get(written.size() - 1)).isEqualTo(versions);
    });
  }

  @Test
  void aThousandEditsOfOneRecordWhileItsTargetIsDownBecomeOneWrite() {
    crms = new Emulators(clock, 0);
    CrmGateway gateway = gateway();
    for (int i = 0; i < 10; i++) {
      crms.sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML);
    }
    gateway.submit(edit(1, 0));
    gateway.deliverDue();
    assertThat(gateway.pausedUntil("salesforce")).isPresent();
    int callsWhileDown = crms.salesforce.answeredUpserts.get();

    List<Receipt> receipts = new ArrayList<>();
    for (int v = 1; v <= 1_000; v++) {
      Map<String, Object> fields = new HashMap<>(Map.of("email", "c1@example.com", "lastName", "Last1",
          "title", "v" + v));
      if (v == 500) {
        fields.put("firstName", "Ada");
      }
      receipts.add(gateway.submit(Change.upsert("contact", fields)));
      if (v % 100 == 0) {
        gateway.deliverDue();
      }
    }
    int hubspotCalls = crms.hubspot.upsertCalls.get();
    drain(gateway, clock, receipts);

    assertThat(crms.salesforce.answeredUpserts.get() - callsWhileDown).as("writes to salesforce once it is back")
        .isEqualTo(1);
    assertThat(crms.salesforce.written).hasSize(1);
    assertThat(crms.salesforce.written.get(0).fields()).containsEntry("title", "v1000").containsEntry("firstName", "Ada");
    assertThat(crms.sf.records("Contact")).singleElement().satisfies(c -> {
      assertThat(c.get("Title")).isEqualTo("v1000");
      assertThat(c.get("FirstName")).isEqualTo("Ada");
    });
    assertThat(hubspotCalls).as("the other targets were written while salesforce was down").isGreaterThan(1);
    assertThat(receipts).allSatisfy(r -> assertThat(gateway.status(r).isDelivered()).isTrue());
  }

  @Test
  void theSameIdempotencyKeyTwiceIsDeliveredOncePerTarget() {
    crms = new Emulators(clock, 0);
    CrmGateway gateway = gateway();
    Receipt first = gateway.submit(edit(7, 1).idempotencyKey("order-42"));
    Receipt again = gateway.submit(edit(7, 2).idempotencyKey("order-42"));
    List<Receipt> batch = gateway.submitAll(List.of(edit(8, 1).idempotencyKey("order-43"),
        edit(8, 2).idempotencyKey("order-43"), edit(7, 3).idempotencyKey("order-42")));

    assertThat(first.duplicate()).isFalse();
    assertThat(again.duplicate()).isTrue();
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(batch.get(1).id()).isEqualTo(batch.get(0).id());
    assertThat(batch.get(1).duplicate()).isTrue();
    assertThat(batch.get(2).id()).isEqualTo(first.id());
    drain(gateway, clock, List.of(first, batch.get(0)));
    gateway.deliverDue();

    for (Recording target : List.of(crms.hubspot, crms.salesforce, crms.dynamics)) {
      assertThat(target.written).as(target.id()).hasSize(2)
          .extracting(r -> r.string("email") + "/" + r.string("title"))
          .containsExactlyInAnyOrder("c7@example.com/v1", "c8@example.com/v1");
    }
    assertThat(gateway.status(first).isDelivered()).isTrue();
  }

  @Test
  void anInvalidChangeNamesEveryBadFieldAndQueuesNothing() {
    crms = new Emulators(clock, 0);
    CrmGateway gateway = gateway();
    List<Change> changes = List.of(
        edit(1, 1),
        Change.upsert("contact", Map.of("email", "not-an-email", "firstName", List.of("x"), "shoeSize", "44")),
        Change.upsert("contact", Map.of("lastName", "NoEmail")));

    assertThatThrownBy(() -> gateway.submitAll(changes))
        .isInstanceOfSatisfying(InvalidChangeException.class, e -> {
          List<String> fields = e.fieldErrors().stream().map(FieldError::field).toList();
          assertThat(fields).contains("[1].email", "[1].firstName", "[1].shoeSize", "[2].email");
          assertThat(fields).noneMatch(f -> f.startsWith("[0]"));
          // Salesforce and Dynamics require a last name: named for the target that requires it
          assertThat(e.fieldErrors()).anySatisfy(fe -> {
            assertThat(fe.field()).isEqualTo("[1].lastName");
            assertThat(fe.code()).isEqualTo("REQUIRED");
            assertThat(fe.message()).contains("salesforce");
          });
          assertThat(e.getMessage()).doesNotContain("not-an-email").contains("nothing was queued");
        });
    Set<String> targets = new HashSet<>(gateway.targets());
    for (String t : targets) {
      assertThat(gateway.pending(t).unfinished()).as(t).isZero();
    }
    assertThat(gateway.deliverDue()).isZero();
    assertThat(crms.hubspot.upsertCalls.get() + crms.salesforce.upsertCalls.get() + crms.dynamics.upsertCalls.get())
        .isZero();
  }

  @Test
  void aDeleteReachesEveryTargetAfterTheUpsertBeforeIt() {
    crms = new Emulators(clock, 0);
    CrmGateway gateway = gateway();
    Receipt created = gateway.submit(edit(3, 1));
    drain(gateway, clock, List.of(created));
    Receipt deleted = gateway.submit(Change.delete("contact", Map.of("email", "c3@example.com")));
    drain(gateway, clock, List.of(deleted));

    assertThat(gateway.status(deleted).isDelivered()).isTrue();
    assertThat(crms.hs.records("contacts")).isEmpty();
    assertThat(crms.sf.records("Contact")).isEmpty();
    assertThat(crms.dv.records("contact")).isEmpty();
  }
}
