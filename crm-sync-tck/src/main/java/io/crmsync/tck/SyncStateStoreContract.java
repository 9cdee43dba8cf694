package io.crmsync.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.crmsync.model.CrmRecord;
import io.crmsync.state.Checkpoint;
import io.crmsync.adapter.FieldError;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.DeadLetterQuery;
import io.crmsync.state.Fingerprint;
import io.crmsync.state.IdLink;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link SyncStateStore} owes the engine: checkpoints, symmetric id links in which
 * the last one an id saved wins and links saved from both sides are many-to-many, all the links of an id
 * and their removal, fingerprints read in bulk per
 * scope, dead letters kept whole and in order, and concurrent writers. Extend it and return a new, empty
 * store; a durable store also overrides {@link #reopen()}.
 */
public abstract class SyncStateStoreContract {
  private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

  /** A new, empty store. Called once per test; closed after it. */
  protected abstract SyncStateStore newStore();

  protected SyncStateStore store;

  /**
   * A new store over what {@link #store} holds, as a restarted process would open it; the contract then
   * checks that links and their removal survive the restart. Null (the default) for a store that keeps
   * nothing when its process ends.
   */
  protected @Nullable SyncStateStore reopen() {
    return null;
  }

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static DeadLetter letter(String job, String op, CrmRecord record, String code, String message, int attempts,
      Instant at) {
    return DeadLetter.builder(job, DeadLetter.Operation.fromLabel(op), record)
        .errorCode(code).message(message).attempts(attempts).at(at).build();
  }

  private static StateUpdate links(IdLink... links) {
    return new StateUpdate(List.of(links), List.of(), List.of());
  }

  private static StateUpdate unlinks(IdLink... unlinks) {
    return StateUpdate.unlinking(List.of(unlinks));
  }

  private static IdLink link(String from, String fromId, String to, String toId) {
    return new IdLink("contact", from, fromId, to, toId);
  }

  private static StateUpdate fingerprints(Fingerprint... fingerprints) {
    return new StateUpdate(List.of(), List.of(fingerprints), List.of());
  }

  /** A digest as the engine writes fingerprints: 128 bits in Base64url without padding. */
  private static String digest(long seed) {
    byte[] bytes = new byte[16];
    java.nio.ByteBuffer.wrap(bytes).putLong(seed * 0x9E3779B97F4A7C15L).putLong(~seed * 0xC2B2AE3D27D4EB4FL);
    return BASE64.encodeToString(bytes);
  }

  @Test
  void checkpointsRoundTripIncludingAbsentParts() {
    assertThat(store.checkpoint("job")).isEmpty();
    Checkpoint inPass = new Checkpoint("000000000300", Instant.parse("2026-01-01T00:00:00.123456Z"),
        Instant.parse("2026-01-02T00:00:00Z"), Instant.parse("2026-01-03T00:00:00Z"));
    store.saveCheckpoint("job", inPass);
    assertThat(store.checkpoint("job")).contains(inPass);
    Checkpoint done = new Checkpoint(null, null, null, Instant.parse("2026-01-04T00:00:00Z"));
    store.saveCheckpoint("job", done);
    assertThat(store.checkpoint("job")).contains(done);
    assertThat(store.checkpoint("other")).isEmpty();
  }

  @Test
  void linksAreSymmetricPerSystemPairAndTheLastOneWins() {
    store.apply(links(new IdLink("contact", "app", "a1", "hubspot", "h1"), new IdLink("contact", "app", "a2", "hubspot", "h2")));
    assertThat(store.linkedIds("contact", "app", List.of("a1", "a2", "a3"), "hubspot")).isEqualTo(Map.of("a1", "h1", "a2", "h2"));
    assertThat(store.linkedIds("contact", "hubspot", List.of("h1", "h2"), "app")).isEqualTo(Map.of("h1", "a1", "h2", "a2"));
    assertThat(store.linkedIds("company", "app", List.of("a1"), "hubspot")).isEmpty();
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "salesforce")).isEmpty();

    store.apply(links(new IdLink("contact", "app", "a1", "hubspot", "h9"), new IdLink("contact", "app", "a1", "salesforce", "s1")));
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "hubspot")).isEqualTo(Map.of("a1", "h9"));
    assertThat(store.linkedIds("contact", "hubspot", List.of("h9"), "app")).isEqualTo(Map.of("h9", "a1"));
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "salesforce")).isEqualTo(Map.of("a1", "s1"));
    assertThat(store.linkedIds("contact", "salesforce", List.of("s1"), "app")).isEqualTo(Map.of("s1", "a1"));
  }

  @Test
  void theOtherDirectionSeesLinksSavedBeforeAndAfterItIsFirstRead() {
    store.apply(links(new IdLink("contact", "app", "a1", "crm", "c1")));
    assertThat(store.linkedIds("contact", "crm", List.of("c1", "c2"), "app")).isEqualTo(Map.of("c1", "a1"));
    store.apply(links(new IdLink("contact", "app", "a2", "crm", "c2")));
    assertThat(store.linkedIds("contact", "crm", List.of("c1", "c2"), "app")).isEqualTo(Map.of("c1", "a1", "c2", "a2"));
  }

  @Test
  void manyLinksSavedOneWayAreAllFoundTheOtherWay() {
    List<IdLink> links = new ArrayList<>();
    List<String> targetIds = new ArrayList<>();
    for (int i = 0; i < 25_000; i++) {
      links.add(new IdLink("contact", "app", "a" + i, "crm", "c" + i));
      targetIds.add("c" + i);
      if (links.size() == 500) {
        store.apply(new StateUpdate(links, List.of(), List.of()));
        links.clear();
      }
    }
    Map<String, String> back = store.linkedIds("contact", "crm", targetIds, "app");
    assertThat(back).hasSize(25_000);
    back.forEach((c, a) -> assertThat(a).isEqualTo("a" + c.substring(1)));
  }

  @Test
  void linksSavedFromEitherSideAreFoundFromBoth() {
    // a two-way sync saves links from each side as it writes to the other
    store.apply(links(new IdLink("contact", "app", "a1", "crm", "c1")));
    store.apply(links(new IdLink("contact", "crm", "c2", "app", "a2")));
    assertThat(store.linkedIds("contact", "app", List.of("a1", "a2"), "crm")).isEqualTo(Map.of("a1", "c1", "a2", "c2"));
    assertThat(store.linkedIds("contact", "crm", List.of("c1", "c2"), "app")).isEqualTo(Map.of("c1", "a1", "c2", "a2"));
    store.apply(links(new IdLink("contact", "crm", "c3", "app", "a3"), new IdLink("contact", "app", "a4", "crm", "c4")));
    assertThat(store.linkedIds("contact", "app", List.of("a3", "a4"), "crm")).isEqualTo(Map.of("a3", "c3", "a4", "c4"));
    assertThat(store.linkedIds("contact", "crm", List.of("c3", "c4"), "app")).isEqualTo(Map.of("c3", "a3", "c4", "a4"));
  }

  @Test
  void aBatchMayMixObjectTypesAndSystems() {
    store.apply(links(
        new IdLink("contact", "app", "1", "crm", "c1"),
        new IdLink("company", "app", "1", "crm", "k1"),
        new IdLink("contact", "crm", "c2", "app", "2"),
        new IdLink("contact", "app", "1", "erp", "e1")));
    assertThat(store.linkedIds("contact", "app", List.of("1", "2"), "crm")).isEqualTo(Map.of("1", "c1", "2", "c2"));
    assertThat(store.linkedIds("company", "app", List.of("1"), "crm")).isEqualTo(Map.of("1", "k1"));
    assertThat(store.linkedIds("company", "crm", List.of("k1", "c1"), "app")).isEqualTo(Map.of("k1", "1"));
    assertThat(store.linkedIds("contact", "erp", List.of("e1"), "app")).isEqualTo(Map.of("e1", "1"));
  }

  /**
   * Reads the hubspot-to-app direction, or not, before the test writes. The two systems get an unrelated
   * link first, since a store may build an index on its first read of a direction once there is a link
   * to index (the in-memory store does).
   */
  private void readTheOtherDirectionFirst(boolean first) {
    if (first) {
      store.apply(links(link("app", "a-unrelated", "hubspot", "h-unrelated")));
      assertThat(store.linkedIds("contact", "hubspot", List.of("h1"), "app")).isEmpty();
    }
  }

  @Test
  void allLinkedIdsGivesEveryIdLinkedToOne() {
    allLinkedIdsGivesEveryIdLinkedToOne(false);
  }

  @Test
  void allLinkedIdsGivesEveryIdLinkedToOneAfterTheOtherDirectionWasRead() {
    allLinkedIdsGivesEveryIdLinkedToOne(true);
  }

  private void allLinkedIdsGivesEveryIdLinkedToOne(boolean otherDirectionFirst) {
    readTheOtherDirectionFirst(otherDirectionFirst);
    // two app records written into one hubspot record (duplicates that share the match key)
    store.apply(links(link("app", "a1", "hubspot", "h1"), link("app", "a2", "hubspot", "h1"),
        link("app", "a3", "hubspot", "h2")));
    store.apply(links(link("app", "a4", "hubspot", "h1")));

    assertThat(store.allLinkedIds("contact", "hubspot", List.of("h1", "h2", "h3", "h1"), "app"))
        .isEqualTo(Map.of("h1", Set.of("a1", "a2", "a4"), "h2", Set.of("a3")));
    assertThat(store.allLinkedIds("contact", "app", List.of("a1", "a2", "a9"), "hubspot"))
        .isEqualTo(Map.of("a1", Set.of("h1"), "a2", Set.of("h1")));
    assertThat(store.linkedIds("contact", "hubspot", List.of("h1"), "app").get("h1")).isIn("a1", "a2", "a4");
    assertThat(store.allLinkedIds("contact", "hubspot", List.of(), "app")).isEmpty();
    assertThat(store.allLinkedIds("company", "hubspot", List.of("h1"), "app")).isEmpty();
    assertThat(store.allLinkedIds("contact", "hubspot", List.of("h1"), "salesforce")).isEmpty();
  }

  @Test
  void allLinkedIdsSeesLinksSavedFromEitherSide() {
    // a two-way sync: app wrote a1 into c1, and crm wrote c1 into a2 (its match for c1 in app)
    store.apply(links(link("app", "a1", "crm", "c1")));
    store.apply(links(link("crm", "c1", "app", "a2"), link("crm", "c2", "app", "a2")));
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c2"), "app"))
        .isEqualTo(Map.of("c1", Set.of("a1", "a2"), "c2", Set.of("a2")));
    assertThat(store.allLinkedIds("contact", "app", List.of("a1", "a2"), "crm"))
        .isEqualTo(Map.of("a1", Set.of("c1"), "a2", Set.of("c1", "c2")));
  }

  @Test
  void anUnlinkRemovesOneLinkFromBothSidesAndKeepsTheOthers() {
    anUnlinkRemovesOneLinkFromBothSidesAndKeepsTheOthers(false);
  }

  @Test
  void anUnlinkRemovesOneLinkFromBothSidesAndKeepsTheOthersAfterTheOtherDirectionWasRead() {
    anUnlinkRemovesOneLinkFromBothSidesAndKeepsTheOthers(true);
  }

  private void anUnlinkRemovesOneLinkFromBothSidesAndKeepsTheOthers(boolean otherDirectionFirst) {
    readTheOtherDirectionFirst(otherDirectionFirst);
    store.apply(links(link("app", "a1", "hubspot", "h1"), link("app", "a2", "hubspot", "h1"),
        link("app", "a3", "hubspot", "h2")));

    store.apply(unlinks(link("app", "a1", "hubspot", "h1")));

    assertThat(store.linkedIds("contact", "app", List.of("a1", "a2", "a3"), "hubspot"))
        .isEqualTo(Map.of("a2", "h1", "a3", "h2"));
    assertThat(store.allLinkedIds("contact", "hubspot", List.of("h1", "h2"), "app"))
        .isEqualTo(Map.of("h1", Set.of("a2"), "h2", Set.of("a3")));
    assertThat(store.linkedIds("contact", "hubspot", List.of("h1", "h2"), "app"))
        .as("h1 keeps its other link").isEqualTo(Map.of("h1", "a2", "h2", "a3"));

    // the same link named from the other side; and links that do not exist, which change nothing
    store.apply(unlinks(link("hubspot", "h1", "app", "a2"), link("app", "a3", "hubspot", "h9"),
        link("app", "a7", "hubspot", "h2"), link("app", "a3", "salesforce", "h2")));

    assertThat(store.linkedIds("contact", "app", List.of("a1", "a2", "a3"), "hubspot")).isEqualTo(Map.of("a3", "h2"));
    assertThat(store.linkedIds("contact", "hubspot", List.of("h1", "h2"), "app")).isEqualTo(Map.of("h2", "a3"));
    assertThat(store.allLinkedIds("contact", "hubspot", List.of("h1", "h2"), "app")).isEqualTo(Map.of("h2", Set.of("a3")));
    assertThat(store.allLinkedIds("contact", "app", List.of("a1", "a2", "a3"), "hubspot"))
        .isEqualTo(Map.of("a3", Set.of("h2")));
  }

  @Test
  void unlinksApplyAfterTheLinksOfTheSameUpdateAndAnIdCanBeLinkedAgain() {
    store.apply(links(link("app", "a1", "crm", "c1")));
    store.apply(new StateUpdate(List.of(link("app", "a2", "crm", "c2"), link("app", "a3", "crm", "c3")), List.of(),
        List.of(), List.of(link("app", "a1", "crm", "c1"), link("app", "a3", "crm", "c3"))));
    assertThat(store.linkedIds("contact", "app", List.of("a1", "a2", "a3"), "crm")).isEqualTo(Map.of("a2", "c2"));

    store.apply(links(link("app", "a1", "crm", "c1")));
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "crm")).isEqualTo(Map.of("a1", "c1"));
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1"), "app")).isEqualTo(Map.of("c1", Set.of("a1")));
  }

  @Test
  void thousandsOfUnlinksInBulkLeaveExactlyTheRest() {
    // 5,000 crm records with 5 app records each; then 4 of every 5 links go, in batches of 500
    List<IdLink> batch = new ArrayList<>();
    List<String> crmIds = new ArrayList<>();
    List<String> appIds = new ArrayList<>();
    for (int c = 0; c < 5_000; c++) {
      crmIds.add("c" + c);
      for (int k = 0; k < 5; k++) {
        appIds.add("a" + c + "-" + k);
        batch.add(link("app", "a" + c + "-" + k, "crm", "c" + c));
        if (batch.size() == 500) {
          store.apply(links(batch.toArray(new IdLink[0])));
          batch.clear();
        }
      }
    }
    assertThat(store.allLinkedIds("contact", "crm", crmIds, "app")).hasSize(5_000)
        .allSatisfy((c, a) -> assertThat(a).hasSize(5));
    for (int c = 0; c < 5_000; c++) {
      for (int k = 0; k < 4; k++) {
        batch.add(link("app", "a" + c + "-" + k, "crm", "c" + c));
      }
      if (batch.size() == 500) {
        store.apply(unlinks(batch.toArray(new IdLink[0])));
        batch.clear();
      }
    }

    Map<String, Set<String>> left = store.allLinkedIds("contact", "crm", crmIds, "app");
    assertThat(left).hasSize(5_000);
    left.forEach((c, a) -> assertThat(a).containsExactly("a" + c.substring(1) + "-4"));
    Map<String, String> forward = store.linkedIds("contact", "app", appIds, "crm");
    assertThat(forward).hasSize(5_000);
    forward.forEach((a, c) -> assertThat(a).isEqualTo("a" + c.substring(1) + "-4"));
    Map<String, String> back = store.linkedIds("contact", "crm", crmIds, "app");
    assertThat(back).hasSize(5_000);
    back.forEach((c, a) -> assertThat(a).isEqualTo("a" + c.substring(1) + "-4"));
  }

  /**
   * Reads links from each of {@code fromSystems} to the other of app and crm: a store may build an index on
   * its first read of a direction once the two systems have a link (the in-memory store does).
   */
  private void read(String... fromSystems) {
    for (String from : fromSystems) {
      String to = from.equals("app") ? "crm" : "app";
      store.linkedIds("contact", from, List.of("x"), to);
    }
  }

  @Test
  void linksSavedFromBothSidesAreManyToManyAndAllKept() {
    manyToManyLinks();
  }

  @Test
  void linksSavedFromBothSidesAreManyToManyAndAllKeptAfterAppWasRead() {
    manyToManyLinks("app");
  }

  @Test
  void linksSavedFromBothSidesAreManyToManyAndAllKeptAfterCrmWasRead() {
    manyToManyLinks("crm");
  }

  /**
   * A two-way sync with duplicates on both sides: the app job wrote a1 and a2 (one email twice in app) into
   * c1, and the crm job wrote c2 (c1's duplicate in crm) into a1. Each id's link saved from its own side is
   * its own; a link saved from the other side names it without replacing it.
   */
  private void manyToManyLinks(String... readFirst) {
    store.apply(links(link("app", "a1", "crm", "c1")));
    read(readFirst);
    store.apply(links(link("crm", "c2", "app", "a1")));
    store.apply(links(link("app", "a2", "crm", "c1")));

    assertThat(store.allLinkedIds("contact", "app", List.of("a1", "a2"), "crm"))
        .isEqualTo(Map.of("a1", Set.of("c1", "c2"), "a2", Set.of("c1")));
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c2"), "app"))
        .isEqualTo(Map.of("c1", Set.of("a1", "a2"), "c2", Set.of("a1")));
    assertThat(store.linkedIds("contact", "app", List.of("a1", "a2"), "crm"))
        .as("the link each id saved itself").isEqualTo(Map.of("a1", "c1", "a2", "c1"));
    Map<String, String> back = store.linkedIds("contact", "crm", List.of("c1", "c2"), "app");
    assertThat(back).containsEntry("c2", "a1").containsOnlyKeys("c1", "c2");
    assertThat(back.get("c1")).isIn("a1", "a2");

    // a1's deletion in app is propagated as the engine does it: c1 stays for a2, and c2 is a1's alone
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c2"), "app"))
        .containsEntry("c1", Set.of("a1", "a2"));
    store.apply(unlinks(link("app", "a1", "crm", "c1"), link("app", "a1", "crm", "c2")));
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c2"), "app")).isEqualTo(Map.of("c1", Set.of("a2")));
    assertThat(store.allLinkedIds("contact", "app", List.of("a1", "a2"), "crm")).isEqualTo(Map.of("a2", Set.of("c1")));
    assertThat(store.linkedIds("contact", "crm", List.of("c1", "c2"), "app")).isEqualTo(Map.of("c1", "a2"));
  }

  @Test
  void anIdSavedWithANewLinkLosesItsEarlierOne() {
    relinked();
  }

  @Test
  void anIdSavedWithANewLinkLosesItsEarlierOneAfterCrmWasRead() {
    relinked("crm");
  }

  @Test
  void anIdSavedWithANewLinkLosesItsEarlierOneAfterBothWereRead() {
    relinked("crm", "app");
  }

  /**
   * a1 was written into c1, then (c1 gone from crm, or merged away) into c2: c1 no longer links to a1 from
   * either side. A link that crm saved itself, naming a1, stays: it is crm's to replace.
   */
  private void relinked(String... readBetween) {
    store.apply(links(link("app", "a1", "crm", "c1"), link("crm", "c9", "app", "a1")));
    read(readBetween);
    store.apply(links(link("app", "a1", "crm", "c2")));

    assertThat(store.linkedIds("contact", "crm", List.of("c1", "c2", "c9"), "app"))
        .isEqualTo(Map.of("c2", "a1", "c9", "a1"));
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c2", "c9"), "app"))
        .isEqualTo(Map.of("c2", Set.of("a1"), "c9", Set.of("a1")));
    assertThat(store.allLinkedIds("contact", "app", List.of("a1"), "crm")).isEqualTo(Map.of("a1", Set.of("c2", "c9")));
    assertThat(store.linkedIds("contact", "app", List.of("a1"), "crm")).isEqualTo(Map.of("a1", "c2"));

    // within one update too, the last link saved for an id wins
    store.apply(links(link("app", "a1", "crm", "c3"), link("app", "a1", "crm", "c4")));
    assertThat(store.allLinkedIds("contact", "crm", List.of("c1", "c2", "c3", "c4"), "app"))
        .isEqualTo(Map.of("c4", Set.of("a1")));
    // and unlinking the link it lost does nothing
    store.apply(unlinks(link("app", "a1", "crm", "c2")));
    assertThat(store.allLinkedIds("contact", "app", List.of("a1"), "crm")).isEqualTo(Map.of("a1", Set.of("c4", "c9")));
  }

  /**
   * Links saved from both sides, with duplicates, relinks and unlinks, each direction read at random times,
   * against a model: each id's link saved from its side (the last one wins), and links as the union of both
   * sides' saved links.
   */
  @Test
  void randomLinksFromBothSidesAgreeWithAModel() {
    Random random = new Random(20261129);
    Map<String, String> savedByApp = new HashMap<>();
    Map<String, String> savedByCrm = new HashMap<>();
    for (int step = 0; step < 300; step++) {
      int what = random.nextInt(10);
      if (what < 5) {
        List<IdLink> batch = new ArrayList<>();
        for (int i = random.nextInt(3); i >= 0; i--) {
          String a = "a" + random.nextInt(6);
          String c = "c" + random.nextInt(6);
          if (random.nextBoolean()) {
            batch.add(link("app", a, "crm", c));
            savedByApp.put(a, c);
          } else {
            batch.add(link("crm", c, "app", a));
            savedByCrm.put(c, a);
          }
        }
        store.apply(links(batch.toArray(new IdLink[0])));
      } else if (what < 7) {
        List<IdLink> batch = new ArrayList<>();
        for (int i = random.nextInt(3); i >= 0; i--) {
          String a = "a" + random.nextInt(6);
          String c = "c" + random.nextInt(6);
          batch.add(random.nextBoolean() ? link("app", a, "crm", c) : link("crm", c, "app", a));
          savedByApp.remove(a, c);
          savedByCrm.remove(c, a);
        }
        store.apply(unlinks(batch.toArray(new IdLink[0])));
      } else {
        boolean fromApp = random.nextBoolean();
        String from = fromApp ? "app" : "crm";
        String to = fromApp ? "crm" : "app";
        Map<String, String> own = fromApp ? savedByApp : savedByCrm;
        Map<String, String> other = fromApp ? savedByCrm : savedByApp;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          ids.add((fromApp ? "a" : "c") + i);
        }
        Map<String, Set<String>> expected = new HashMap<>();
        own.forEach((id, linked) -> expected.computeIfAbsent(id, k -> new HashSet<>()).add(linked));
        other.forEach((linked, id) -> expected.computeIfAbsent(id, k -> new HashSet<>()).add(linked));
        String context = "step " + step + ", from " + from;
        assertThat(store.allLinkedIds("contact", from, ids, to)).as(context).isEqualTo(expected);
        Map<String, String> one = store.linkedIds("contact", from, ids, to);
        assertThat(one).as(context).containsOnlyKeys(expected.keySet());
        one.forEach((id, linked) -> {
          if (own.containsKey(id)) {
            assertThat(linked).as(context + ": the link %s saved itself", id).isEqualTo(own.get(id));
          } else {
            assertThat(linked).as(context + ": a link of %s", id).isIn(expected.get(id));
          }
        });
      }
    }
  }

  @Test
  void linksAndTheirRemovalSurviveARestart() throws Exception {
    store.apply(links(link("app", "a1", "crm", "c1"), link("app", "a2", "crm", "c1"), link("app", "a3", "crm", "c3")));
    store.apply(unlinks(link("app", "a1", "crm", "c1")));
    SyncStateStore restarted = reopen();
    assumeTrue(restarted != null, "the store keeps nothing across a restart");
    try (restarted) {
      assertThat(restarted.allLinkedIds("contact", "crm", List.of("c1", "c3"), "app"))
          .isEqualTo(Map.of("c1", Set.of("a2"), "c3", Set.of("a3")));
      assertThat(restarted.linkedIds("contact", "crm", List.of("c1"), "app")).isEqualTo(Map.of("c1", "a2"));
      restarted.apply(unlinks(link("app", "a2", "crm", "c1")));
      assertThat(restarted.allLinkedIds("contact", "crm", List.of("c1"), "app")).isEmpty();
      assertThat(restarted.linkedIds("contact", "crm", List.of("c1"), "app")).isEmpty();
    }
  }

  @Test
  void fingerprintsAreReadInBulkPerScopeAndTheLastOneWins() {
    store.apply(fingerprints(
        new Fingerprint("hubspot/contact", "app:1", "d1"),
        new Fingerprint("hubspot/contact", "app:2", "d2"),
        new Fingerprint("salesforce/contact", "app:1", "s1"),
        new Fingerprint("hubspot/contact", "app:1", "d1b")));
    assertThat(store.fingerprints("hubspot/contact", List.of("app:1", "app:2", "app:3", "app:1")))
        .isEqualTo(Map.of("app:1", "d1b", "app:2", "d2"));
    assertThat(store.fingerprints("salesforce/contact", List.of("app:1"))).isEqualTo(Map.of("app:1", "s1"));
    assertThat(store.fingerprints("x", List.of())).isEmpty();
    assertThat(store.fingerprints("x", List.of("app:1"))).isEmpty();
  }

  @Test
  void fingerprintValuesComeBackExactlyWhateverTheirShape() {
    String engineDigest = digest(7);
    List<String> values = List.of(engineDigest, digest(8), "", "short", "AAAAAAAAAAAAAAAAAAAAAB",
        engineDigest.toUpperCase(java.util.Locale.ROOT), "ünïcödé-ünïcödé-ünïcödé", engineDigest + "=");
    for (int round = 0; round < 2; round++) {
      List<Fingerprint> fps = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        // the second round swaps each key's value between digest-shaped text and any other
        fps.add(new Fingerprint("s", "k" + i, values.get((i + round) % values.size())));
      }
      store.apply(new StateUpdate(List.of(), fps, List.of()));
      Map<String, String> expected = new HashMap<>();
      for (Fingerprint f : fps) {
        expected.put(f.key(), f.value());
      }
      assertThat(store.fingerprints("s", expected.keySet())).isEqualTo(expected);
    }
  }

  @Test
  void deadLettersKeepTheirRecordExactlyAndInOrder() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("email", "ä@example.com");
    fields.put("score", 12345678901234L);
    fields.put("ratio", new BigDecimal("0.10"));
    fields.put("tags", List.of("a", "b", 3L));
    fields.put("address", Map.of("city", "Zürich", "zip", "8000", "nested", Map.of("ok", true)));
    fields.put("note", "quote \" backslash \\ newline \n emoji 😀");
    CrmRecord record = new CrmRecord("contact", "000000000042", fields, Instant.parse("2026-01-01T10:00:00.5Z"), false);
    DeadLetter first = letter("job", "upsert", record, "INVALID_VALUE", "email: not an address", 3,
        Instant.parse("2026-01-05T00:00:00Z"));
    DeadLetter second = letter("job", "delete", CrmRecord.of("contact", Map.of("email", "b@example.com")),
        "CrmUnavailableException", "[target HTTP 503] down", 1, Instant.parse("2026-01-05T00:00:01Z"));
    store.apply(new StateUpdate(List.of(), List.of(), List.of(first, second)));
    store.apply(new StateUpdate(List.of(), List.of(), List.of(
        letter("other", "upsert", record, "X", "y", 1, Instant.parse("2026-01-05T00:00:02Z")))));

    assertThat(store.deadLetters("job", 10)).containsExactly(first, second);
    assertThat(store.deadLetters("job", 1)).containsExactly(first);
    assertThat(store.deadLetterCount("job")).isEqualTo(2);
    assertThat(store.deadLetterCount("other")).isEqualTo(1);
    assertThat(store.deadLetterCount("none")).isZero();
    assertThat(store.deadLetters("none", 10)).isEmpty();
  }

  @Test
  void aRecordsLatestDeadLetterReplacesItsEarlierOne() {
    CrmRecord one = new CrmRecord("contact", "1", Map.of("email", "bad"), null, false);
    CrmRecord two = new CrmRecord("contact", "2", Map.of("email", "worse"), null, false);
    CrmRecord noId = CrmRecord.of("contact", Map.of("email", "x"));
    Instant t = Instant.parse("2026-01-05T00:00:00Z");
    store.apply(new StateUpdate(List.of(), List.of(), List.of(
        letter("job", "upsert", one, "INVALID_VALUE", "run 1", 1, t),
        letter("job", "upsert", two, "INVALID_VALUE", "run 1", 1, t),
        letter("job", "upsert", noId, "INVALID_VALUE", "run 1", 1, t))));
    // the next run: record 1 is still invalid, and is dead-lettered twice in one batch
    store.apply(new StateUpdate(List.of(), List.of(), List.of(
        letter("job", "upsert", one, "INVALID_VALUE", "run 2", 1, t.plusSeconds(60)),
        letter("job", "upsert", noId, "INVALID_VALUE", "run 2", 1, t.plusSeconds(60)),
        letter("job", "delete", one, "CrmUnavailableException", "run 2", 3, t.plusSeconds(60)),
        letter("job", "upsert", one, "INVALID_VALUE", "run 2, again", 1, t.plusSeconds(61)))));
    store.apply(new StateUpdate(List.of(), List.of(), List.of(
        letter("other-job", "upsert", one, "INVALID_VALUE", "elsewhere", 1, t))));

    assertThat(store.deadLetters("job", 10))
        .extracting(d -> d.operation().label() + " " + d.record().id() + " " + d.message())
        .containsExactly("upsert 2 run 1", "upsert null run 1", "upsert null run 2", "delete 1 run 2",
            "upsert 1 run 2, again");
    assertThat(store.deadLetterCount("job")).isEqualTo(5);
    assertThat(store.deadLetterCount("other-job")).isEqualTo(1);
  }

  @Test
  void deadLettersKeepWhatItTakesToActOnThem() {
    CrmRecord record = new CrmRecord("contact", "7", Map.of("email", "not-an-email"), null, false);
    Instant first = Instant.parse("2026-01-05T00:00:00Z");
    DeadLetter d = DeadLetter.builder("job", DeadLetter.Operation.UPSERT, record)
        .errorCode("INVALID_EMAIL")
        .message("email: not an address")
        .fieldErrors(List.of(new FieldError("email", "INVALID_EMAIL", "not an address"), new FieldError(null, "X", "y")))
        .requestId("req-1")
        .attempts(2)
        .retryable(true)
        .firstFailedAt(first)
        .at(first.plusSeconds(30))
        .build();
    store.apply(StateUpdate.deadLettering(List.of(d)));
    assertThat(store.deadLetters("job", 10)).containsExactly(d);

    // failing again later replaces the letter but keeps when the record first failed
    DeadLetter again = d.toBuilder().message("still not an address").firstFailedAt(null).at(first.plusSeconds(90))
        .build();
    store.apply(StateUpdate.deadLettering(List.of(again)));
    assertThat(store.deadLetters("job", 10)).singleElement().satisfies(x -> {
      assertThat(x.message()).isEqualTo("still not an address");
      assertThat(x.firstFailedAt()).isEqualTo(first);
      assertThat(x.at()).isEqualTo(first.plusSeconds(90));
    });
  }

  @Test
  void deadLettersAreSelectedByOperationCodeTransienceAndAge() {
    Instant t = Instant.parse("2026-01-05T00:00:00Z");
    List<DeadLetter> letters = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      CrmRecord r = new CrmRecord("contact", "r" + i, Map.of("email", i + "@x"), null, false);
      letters.add(DeadLetter.builder("job", i % 2 == 0 ? DeadLetter.Operation.UPSERT : DeadLetter.Operation.DELETE, r)
          .errorCode(i < 3 ? "INVALID_EMAIL" : "CrmUnavailableException")
          .message("m" + i)
          .retryable(i >= 3)
          .at(t.plusSeconds(i))
          .build());
    }
    store.apply(StateUpdate.deadLettering(letters));
    store.apply(StateUpdate.deadLettering(List.of(letter("other", "upsert",
        new CrmRecord("contact", "r9", Map.of(), null, false), "INVALID_EMAIL", "m", 1, t))));

    assertThat(ids(store.deadLetters(DeadLetterQuery.job("job")))).containsExactly("r0", "r1", "r2", "r3", "r4", "r5");
    assertThat(ids(store.deadLetters(DeadLetterQuery.job("job").retryableOnly(true)))).containsExactly("r3", "r4", "r5");
    assertThat(ids(store.deadLetters(DeadLetterQuery.job("job").operation(DeadLetter.Operation.DELETE))))
        .containsExactly("r1", "r3", "r5");
    assertThat(ids(store.deadLetters(DeadLetterQuery.job("job").errorCode("INVALID_EMAIL")))).containsExactly("r0", "r1", "r2");
    assertThat(ids(store.deadLetters(DeadLetterQuery.job("job").before(t.plusSeconds(2))))).containsExactly("r0", "r1");
    assertThat(ids(store.deadLetters(DeadLetterQuery.job("job").retryableOnly(true).limit(2)))).containsExactly("r3", "r4");

    assertThat(store.removeDeadLetters(DeadLetterQuery.job("job").errorCode("INVALID_EMAIL").limit(2))).isEqualTo(2);
    assertThat(ids(store.deadLetters(DeadLetterQuery.job("job")))).containsExactly("r2", "r3", "r4", "r5");
    assertThat(store.deadLetterCount("job")).isEqualTo(4);
    assertThat(store.deadLetterCount("other")).isEqualTo(1);
  }

  @Test
  void aLandedRecordResolvesItsDeadLetterOnly() {
    Instant t = Instant.parse("2026-01-05T00:00:00Z");
    CrmRecord one = new CrmRecord("contact", "1", Map.of("email", "a@x"), null, false);
    CrmRecord two = new CrmRecord("contact", "2", Map.of("email", "b@x"), null, false);
    store.apply(StateUpdate.deadLettering(List.of(
        letter("job", "upsert", one, "CrmUnavailableException", "down", 3, t),
        letter("job", "delete", one, "CrmUnavailableException", "down", 3, t),
        letter("job", "upsert", two, "CrmUnavailableException", "down", 3, t),
        letter("other", "upsert", one, "CrmUnavailableException", "down", 3, t))));

    store.apply(StateUpdate.builder()
        .link(new IdLink("contact", "app", "1", "crm", "c1"))
        .resolve(new StateUpdate.Resolved("job", DeadLetter.Operation.UPSERT, "1"))
        .resolve(new StateUpdate.Resolved("job", DeadLetter.Operation.UPSERT, "never-dead"))
        .build());

    assertThat(store.deadLetters("job", 10)).extracting(d -> d.operation().label() + " " + d.recordId())
        .containsExactly("delete 1", "upsert 2");
    assertThat(store.deadLetterCount("other")).isEqualTo(1);
    assertThat(store.linkedIds("contact", "app", List.of("1"), "crm")).containsEntry("1", "c1");
  }

  private static List<String> ids(List<DeadLetter> letters) {
    List<String> out = new ArrayList<>();
    for (DeadLetter d : letters) {
      out.add(d.recordId());
    }
    return out;
  }

  @Test
  void concurrentWritersLoseNothingWhileTheOtherDirectionIsFirstRead() throws Exception {
    int writers = 4;
    int batches = 50;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        done.add(pool.submit(() -> {
          for (int b = 0; b < batches; b++) {
            List<IdLink> links = new ArrayList<>();
            List<Fingerprint> fps = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
              String id = writer + "-" + b + "-" + i;
              links.add(new IdLink("contact", "app", "a" + id, "crm", "c" + id));
              fps.add(new Fingerprint("crm/contact<app", "a" + id, digest(id.hashCode())));
            }
            store.apply(new StateUpdate(links, fps, List.of()));
          }
        }));
      }
      // a reader of the other direction, from the start: it must never see a link the forward one lacks
      done.add(pool.submit(() -> {
        for (int b = 0; b < batches; b++) {
          List<String> ids = List.of("c0-" + b + "-0", "c1-" + b + "-99", "c3-" + b + "-50");
          store.linkedIds("contact", "crm", ids, "app").forEach((c, a) ->
              assertThat(a).isEqualTo("a" + c.substring(1)));
        }
      }));
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> forward = new ArrayList<>();
    List<String> backward = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      for (int b = 0; b < batches; b++) {
        for (int i = 0; i < 100; i++) {
          forward.add("a" + w + "-" + b + "-" + i);
          backward.add("c" + w + "-" + b + "-" + i);
          keys.add("a" + w + "-" + b + "-" + i);
        }
      }
    }
    assertThat(store.linkedIds("contact", "app", forward, "crm")).hasSize(forward.size());
    Map<String, String> back = store.linkedIds("contact", "crm", backward, "app");
    assertThat(back).hasSize(backward.size());
    back.forEach((c, a) -> assertThat(a).isEqualTo("a" + c.substring(1)));
    Map<String, String> fps = store.fingerprints("crm/contact<app", keys);
    assertThat(fps).hasSize(keys.size());
    fps.forEach((k, v) -> assertThat(v).isEqualTo(digest(k.substring(1).hashCode())));
  }

  @Test
  void baselinesAreSavedReplacedAndReadBackExactly() {
    Map<String, Object> first = new LinkedHashMap<>();
    first.put("email", "a@example.com");
    first.put("score", 12L);
    first.put("ratio", new BigDecimal("0.50"));
    first.put("tags", List.of("x", "y"));
    first.put("address", Map.of("city", "Zürich"));
    store.apply(StateUpdate.builder()
        .baseline(new io.crmsync.state.Baseline("a<>b/contact", "1", first))
        .baseline(new io.crmsync.state.Baseline("a<>b/contact", "2", Map.of("email", "b@example.com")))
        .baseline(new io.crmsync.state.Baseline("other", "1", Map.of("email", "elsewhere@example.com")))
        .build());
    store.apply(StateUpdate.builder()
        .baseline(new io.crmsync.state.Baseline("a<>b/contact", "2", Map.of("email", "b2@example.com")))
        .build());

    assertThat(store.baselines("a<>b/contact", List.of("1", "2", "3")))
        .isEqualTo(Map.of("1", first, "2", Map.of("email", "b2@example.com")));
    assertThat(store.baselines("other", List.of("1"))).containsOnlyKeys("1");
    assertThat(store.baselines("none", List.of("1"))).isEmpty();
    assertThat(store.baselines("a<>b/contact", List.of())).isEmpty();

    SyncStateStore restarted = reopen();
    if (restarted != null) {
      try (restarted) {
        assertThat(restarted.baselines("a<>b/contact", List.of("1"))).isEqualTo(Map.of("1", first));
      }
    }
  }
}
