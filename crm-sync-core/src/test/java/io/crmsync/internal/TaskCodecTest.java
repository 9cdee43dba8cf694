package io.crmsync.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.model.CrmRecord;
import io.crmsync.model.ObjectTypes;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskCodecTest {
  private final TaskCodec codec = new TaskCodec();

  @Test
  void payloadsRoundTripEqualAndKeepTheirFingerprint() {
    CrmRecord r = new CrmRecord(ObjectTypes.CONTACT, "42",
        Map.of("email", "a@b.c", "score", 7L, "ratio", new BigDecimal("0.25"), "tags", List.of("x", "y"),
            "nested", Map.of("k", true), "name", "Zoë \"Z\" \n Ünal"),
        Instant.parse("2026-03-04T05:06:07.123456Z"), false);
    TaskCodec.Payload p = new TaskCodec.Payload("run", TaskCodec.Op.UPSERT, List.of(new Item(r, Fingerprints.of(r), 3)));
    TaskCodec.Payload back = codec.decode(codec.encode(p));
    assertThat(back).isEqualTo(p);
    assertThat(Fingerprints.of(back.records().get(0))).isEqualTo(Fingerprints.of(r));
  }

  @Test
  void eachRecordKeepsItsOwnPageAndDeletionsHaveNoFingerprint() {
    CrmRecord a = new CrmRecord(ObjectTypes.CONTACT, "1", Map.of("email", "a@b.c"), null, true);
    CrmRecord b = new CrmRecord(ObjectTypes.CONTACT, "2", Map.of("email", "b@b.c"), null, true);
    TaskCodec.Payload p = new TaskCodec.Payload("run", TaskCodec.Op.DELETE,
        List.of(new Item(a, null, 4), new Item(b, null, 5), new Item(b, null, Item.UNTRACKED)));
    assertThat(codec.decode(codec.encode(p))).isEqualTo(p);
  }

  @Test
  void versionOnePayloadsNameOnePageForAllTheirRecords() {
    String v1 = "{\"v\":1,\"run\":\"r\",\"page\":7,\"op\":\"UPSERT\",\"records\":["
        + "{\"type\":\"contact\",\"fp\":\"x\",\"id\":\"1\",\"fields\":{\"email\":\"a@b.c\"}},"
        + "{\"type\":\"contact\",\"fp\":\"y\",\"id\":\"2\",\"fields\":{}}]}";
    TaskCodec.Payload p = codec.decode(v1);
    assertThat(p.items()).extracting(Item::page).containsExactly(7L, 7L);
    assertThat(p.items()).extracting(Item::fingerprint).containsExactly("x", "y");
    assertThat(p.records()).extracting(CrmRecord::id).containsExactly("1", "2");
  }

  @Test
  void fingerprintsIgnoreIdsAndTimestampsButNotContent() {
    CrmRecord a = new CrmRecord(ObjectTypes.CONTACT, "1", Map.of("email", "a@b.c"), Instant.EPOCH, false);
    CrmRecord b = new CrmRecord(ObjectTypes.CONTACT, "2", Map.of("email", "a@b.c"), Instant.now(), false);
    assertThat(Fingerprints.of(a)).isEqualTo(Fingerprints.of(b));
    assertThat(Fingerprints.of(a)).isNotEqualTo(Fingerprints.of(a.with("email", "a@b.d")));
    assertThat(Fingerprints.of(a.with("n", "1"))).isNotEqualTo(Fingerprints.of(a.with("n", 1L)));
  }

  @Test
  void integersBeyondLongSurviveARoundTrip() {
    CrmRecord r = CrmRecord.of(ObjectTypes.CONTACT, Map.of("big", new java.math.BigInteger("123456789012345678901234567890")));
    TaskCodec.Payload p = new TaskCodec.Payload("run", TaskCodec.Op.UPSERT, List.of(new Item(r, Fingerprints.of(r), 0)));
    assertThat(codec.decode(codec.encode(p)).records().get(0).fields().get("big"))
        .isEqualTo(new BigDecimal("123456789012345678901234567890"));
  }

  @Test
  void garbageIsRejectedClearly() {
    assertThatThrownBy(() -> codec.decode("{\"run\":")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a crm-sync task payload");
  }
}
