package io.crmsync.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.crmsync.jdbc.PostgresSync;
import io.crmsync.model.CrmRecord;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.salesforce.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The gateway on PostgreSQL: a process killed in the middle of its work (abandoned without close, its leases
 * held and a write applied by the target but never settled) loses nothing; another process on the same schema
 * delivers everything, each change once per target, and answers for the first one's receipts.
 */
class PostgresGatewayTest {
  final FakeTimeSource clock = new FakeTimeSource();

  private static CrmGateway gateway(Emulators crms, PostgresSync pg, FakeTimeSource clock) {
    return CrmGateway.builder()
        .target(Target.builder(crms.hubspot).build())
        .target(Target.builder(crms.salesforce).build())
        .target(Target.builder(crms.dynamics).build())
        .backend(pg.backend())
        .timeSource(clock)
        .retryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30))
        .build();
  }

  private static List<String> c99(Recording t) {
    return t.written.stream().filter(w -> "c99@example.com".equals(w.string("email"))).map(w -> w.string("title"))
        .toList();
  }

  @Test
  void nothingIsLostWhenTheProcessIsKilledMidDelivery() {
    String schema = TestDatabase.freshSchema("gw_kill");
    try (Emulators crms = new Emulators(clock, 0);
        HikariDataSource pool1 = TestDatabase.pool(4);
        HikariDataSource pool2 = TestDatabase.pool(4)) {
      PostgresSync pg1 = PostgresSync.builder().dataSource(pool1).schema(schema).timeSource(clock).build();
      CrmGateway first = gateway(crms, pg1, clock);
      List<Receipt> receipts = new ArrayList<>();
      for (int v = 1; v <= 3; v++) {
        List<Change> wave = new ArrayList<>();
        for (int r = 0; r < 30; r++) {
          wave.add(GatewayFanOutTest.edit(r, v));
        }
        receipts.addAll(first.submitAll(wave));
      }
      Receipt keyed = first.submit(GatewayFanOutTest.edit(99, 1).idempotencyKey("signup-99"));
      receipts.add(keyed);
      // salesforce is down; hubspot applies a write and the process dies before it settles anything
      for (int i = 0; i < 5; i++) {
        crms.sf.injectFault(Fault.SERVICE_UNAVAILABLE_HTML);
      }
      crms.hubspot.killAfterNextWrite = true;
      assertThatThrownBy(first::deliverDue).isInstanceOf(Recording.Killed.class);
      int hubspotWritesBeforeKill = crms.hubspot.written.size();
      assertThat(hubspotWritesBeforeKill).isPositive();
      // abandoned: no close, leases held until they expire

      clock.advance(Duration.ofMinutes(6));
      PostgresSync pg2 = PostgresSync.builder().dataSource(pool2).schema(schema).timeSource(clock).build();
      CrmGateway second = gateway(crms, pg2, clock);
      assertThat(second.submit(GatewayFanOutTest.edit(99, 2).idempotencyKey("signup-99")).id())
          .as("the key survived the restart").isEqualTo(keyed.id());
      GatewayFanOutTest.drain(second, clock, receipts);

      for (Receipt r : receipts) {
        assertThat(second.status(r).isDelivered()).as("%s", second.status(r)).isTrue();
      }
      assertThat(crms.hs.records("contacts")).hasSize(31).filteredOn(c -> !"c99@example.com".equals(c.get("email")))
          .allSatisfy(c -> assertThat(c.get("jobtitle")).isEqualTo("v3"));
      assertThat(crms.sf.records("Contact")).hasSize(31);
      assertThat(crms.dv.records("contact")).hasSize(31);
      // the idempotent change was written with its first content only: once where nothing died mid-write, and
      // in hubspot again, by its match key, because the dying round's write was applied but never settled
      for (Recording t : List.of(crms.salesforce, crms.dynamics)) {
        assertThat(c99(t)).as(t.id()).containsExactly("v1");
      }
      assertThat(c99(crms.hubspot)).containsOnly("v1");
      // salesforce and dynamics never saw the dying round's writes applied, so they wrote each record once
      for (Recording t : List.of(crms.salesforce, crms.dynamics)) {
        Set<String> emails = t.written.stream().map(w -> w.string("email")).collect(Collectors.toSet());
        assertThat(emails).hasSize(31);
        assertThat(t.written.stream().map(CrmRecord::fields).filter(f -> "v3".equals(f.get("title"))).count())
            .as(t.id()).isEqualTo(30);
      }
      for (String t : second.targets()) {
        assertThat(second.pending(t).unfinished()).isZero();
      }
      pg1.close();
      pg2.close();
    }
  }
}
