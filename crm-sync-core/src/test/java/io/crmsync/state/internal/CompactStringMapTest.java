package io.crmsync.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CompactStringMapTest {
  private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

  @Property
  void digestTextRoundTripsThroughTwoLongs(@ForAll byte[] bytes) {
    byte[] sixteen = java.util.Arrays.copyOf(bytes, 16);
    String text = BASE64.encodeToString(sixteen);
    long[] bits = new long[2];
    assertThat(Digests.parse(text, bits)).isTrue();
    long hi = bits[0];
    long lo = bits[1];
    assertThat(hi).isEqualTo(java.nio.ByteBuffer.wrap(sixteen).getLong(0));
    assertThat(lo).isEqualTo(java.nio.ByteBuffer.wrap(sixteen).getLong(8));
    assertThat(Digests.encode(hi, lo)).isEqualTo(text);
  }

  @Test
  void onlyCanonicalDigestTextIsTakenForADigest() {
    String canonical = BASE64.encodeToString(new byte[16]);
    assertThat(canonical).isEqualTo("AAAAAAAAAAAAAAAAAAAAAA");
    assertThat(isDigest(canonical)).isTrue();
    // the last character's low four bits are padding: a text with them set decodes to the same bits,
    // so it must not be stored as a digest or it would read back as different text
    assertThat(isDigest("AAAAAAAAAAAAAAAAAAAAAB")).isFalse();
    assertThat(isDigest("AAAAAAAAAAAAAAAAAAAAA")).isFalse();
    assertThat(isDigest("AAAAAAAAAAAAAAAAAAAAAAA")).isFalse();
    assertThat(isDigest("AAAAAAAAAAAAAAAAAAAA+A")).isFalse();
    assertThat(isDigest("AAAAAAAAAAAAAAAAAAAAé A".substring(0, 22))).isFalse();
  }

  @Property(tries = 200)
  void behavesLikeAMap(@ForAll("operations") List<Map.Entry<String, String>> puts, @ForAll("batchSizes") int batch) {
    CompactStringMap map = new CompactStringMap();
    Map<String, String> model = new HashMap<>();
    for (int from = 0; from < puts.size(); from += batch) {
      List<Map.Entry<String, String>> run = puts.subList(from, Math.min(puts.size(), from + batch));
      map.putAll(run, Map.Entry::getKey, Map.Entry::getValue);
      run.forEach(e -> model.put(e.getKey(), e.getValue()));
    }
    assertThat(map.size()).isEqualTo(model.size());
    for (Map.Entry<String, String> e : model.entrySet()) {
      assertThat(map.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
    List<String> asked = new java.util.ArrayList<>(model.keySet());
    asked.add("absent-key-\u0000");
    assertThat(map.getAll(asked)).isEqualTo(model);
    assertThat(map.get("absent-key-\u0000")).isNull();
    Map<String, String> seen = new HashMap<>();
    map.forEach(seen::put);
    assertThat(seen).isEqualTo(model);
  }

  @Provide
  Arbitrary<Integer> batchSizes() {
    return Arbitraries.of(1, 3, 100);
  }

  @Provide
  Arbitrary<List<Map.Entry<String, String>>> operations() {
    // few distinct keys, so that values are replaced, and values that switch between digest and text
    // short keys of any chars (so Latin-1 and UTF-16 ones, lone surrogates too) collide and repeat
    Arbitrary<String> keys = Arbitraries.oneOf(Arbitraries.strings().alpha().ofMinLength(0).ofMaxLength(3),
        Arbitraries.strings().all().ofMinLength(0).ofMaxLength(3));
    Arbitrary<String> digests = Arbitraries.bytes().array(byte[].class).ofSize(16).map(BASE64::encodeToString);
    Arbitrary<String> texts = Arbitraries.oneOf(Arbitraries.strings().ofMinLength(0).ofMaxLength(24),
        Arbitraries.strings().all().ofMinLength(0).ofMaxLength(24));
    Arbitrary<String> values = Arbitraries.oneOf(digests, texts);
    return Combinators.combine(keys, values).as(Map::entry).list().ofMaxSize(300);
  }

  enum Kind { PUT, REMOVE, KEYS_OF }

  record Op(Kind kind, String key, String value) {}

  /**
   * Puts, removals (of a key holding a given value) and questions of which keys hold a value, interleaved,
   * against a HashMap. Few keys in few slots, so that removals happen inside probe runs.
   */
  @Property(tries = 300)
  void removalsAndTheValueIndexBehaveLikeAMap(@ForAll("mixed") List<Op> ops, @ForAll boolean indexFirst) {
    CompactStringMap map = new CompactStringMap();
    Map<String, String> model = new HashMap<>();
    if (indexFirst) {
      assertThat(map.keysOf(List.of("v1"))).isEmpty();
    }
    for (Op op : ops) {
      switch (op.kind()) {
        case PUT -> {
          map.putAll(List.of(op), Op::key, Op::value);
          model.put(op.key(), op.value());
        }
        case REMOVE -> {
          boolean held = op.value().equals(model.get(op.key()));
          assertThat(map.removeAll(List.of(op, op), Op::key, Op::value)).hasSize(held ? 1 : 0);
          if (held) {
            model.remove(op.key());
          }
        }
        case KEYS_OF -> assertKeysOf(map, model, op.value());
      }
    }
    assertThat(map.size()).isEqualTo(model.size());
    List<String> asked = new java.util.ArrayList<>(model.keySet());
    asked.add("absent");
    assertThat(map.getAll(asked)).isEqualTo(model);
    Map<String, String> seen = new HashMap<>();
    map.forEach(seen::put);
    assertThat(seen).isEqualTo(model);
    for (String v : VALUES) {
      assertKeysOf(map, model, v);
    }
  }

  private static void assertKeysOf(CompactStringMap map, Map<String, String> model, String value) {
    List<String> expected = model.entrySet().stream().filter(e -> e.getValue().equals(value)).map(Map.Entry::getKey).toList();
    Map<String, List<String>> found = map.keysOf(List.of(value, value));
    if (expected.isEmpty()) {
      assertThat(found).isEmpty();
    } else {
      assertThat(found).containsOnlyKeys(value);
      assertThat(found.get(value)).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  private static final List<String> VALUES = List.of("v1", "v2", "", "ü-ÿ", "Ω-id", BASE64.encodeToString(new byte[16]),
      BASE64.encodeToString("0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));

  @Provide
  Arbitrary<List<Op>> mixed() {
    Arbitrary<Kind> kinds = Arbitraries.of(Kind.PUT, Kind.PUT, Kind.REMOVE, Kind.KEYS_OF);
    Arbitrary<String> keys = Arbitraries.strings().withChars("abΩ\u00e9").ofMinLength(0).ofMaxLength(2);
    Arbitrary<String> values = Arbitraries.of(VALUES);
    return Combinators.combine(kinds, keys, values).as(Op::new).list().ofMaxSize(400);
  }

  /** A key whose home slot in a new map's index (32 slots) is {@code slot}. */
  private static String keyAt(int slot, int skip) {
    for (int i = 0, found = 0; ; i++) {
      String key = "k" + i;
      if ((CompactStringMap.hash(key) & 31) == slot && found++ == skip) {
        return key;
      }
    }
  }

  @Test
  void aRemovalInAProbeRunThatWrapsAroundTheIndexKeepsTheRestReachable() {
    // homes 30, 31, 0 and 30 again: the run fills slots 30, 31, 0, 1
    String a = keyAt(30, 0);
    String b = keyAt(31, 0);
    String c = keyAt(0, 0);
    String d = keyAt(30, 1);
    CompactStringMap map = new CompactStringMap();
    map.putAll(List.of(a, b, c, d), k -> k, k -> "v" + k);

    assertThat(map.removeAll(List.of(a), k -> k, k -> "v" + k)).containsExactly(a);

    assertThat(map.getAll(List.of(a, b, c, d))).isEqualTo(Map.of(b, "v" + b, c, "v" + c, d, "v" + d));
    assertThat(map.removeAll(List.of(b), k -> k, k -> "v" + k)).containsExactly(b);
    assertThat(map.getAll(List.of(a, b, c, d))).isEqualTo(Map.of(c, "v" + c, d, "v" + d));
  }

  @Test
  void theValueIndexGrowsWithTheMapAndForgetsRemovedKeys() {
    CompactStringMap map = new CompactStringMap();
    assertThat(map.keysOf(List.of("t0"))).isEmpty(); // built while empty: it has to grow with every put
    List<Map.Entry<String, String>> batch = new java.util.ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      batch.add(Map.entry("s" + i, "t" + (i % 1_000)));
      if (batch.size() == 1_000) {
        map.putAll(batch, Map.Entry::getKey, Map.Entry::getValue);
        batch.clear();
      }
    }
    List<String> targets = new java.util.ArrayList<>();
    for (int t = 0; t < 1_000; t++) {
      targets.add("t" + t);
    }
    Map<String, List<String>> all = map.keysOf(targets);
    assertThat(all).hasSize(1_000).allSatisfy((t, s) -> assertThat(s).hasSize(100));
    // every even source leaves; every source 1 mod 4 moves to another target
    List<Map.Entry<String, String>> gone = new java.util.ArrayList<>();
    List<Map.Entry<String, String>> moved = new java.util.ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      if (i % 2 == 0) {
        gone.add(Map.entry("s" + i, "t" + (i % 1_000)));
      } else if (i % 4 == 1) {
        moved.add(Map.entry("s" + i, "moved"));
      }
    }
    assertThat(map.removeAll(gone, Map.Entry::getKey, Map.Entry::getValue)).hasSize(50_000);
    map.putAll(moved, Map.Entry::getKey, Map.Entry::getValue);

    assertThat(map.size()).isEqualTo(50_000);
    Map<String, List<String>> left = map.keysOf(targets);
    // targets 3 mod 4 keep their sources 3 mod 4 (1,000 is a multiple of 4); the others have none left
    assertThat(left).hasSize(250).allSatisfy((t, s) -> {
      assertThat(s).hasSize(100);
      assertThat(s).allSatisfy(k -> assertThat(Integer.parseInt(k.substring(1)) % 4).isEqualTo(3));
    });
    assertThat(map.keysOf(List.of("moved")).get("moved")).hasSize(25_000);
    assertThat(map.get("s2")).isNull();
    assertThat(map.get("s3")).isEqualTo("t3");
  }

  @Test
  void holdsAMillionEntriesWrittenConcurrently() throws Exception {
    CompactStringMap map = new CompactStringMap();
    int perThread = 250_000;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int from = 0; from < perThread; from += 100) {
            List<Map.Entry<String, String>> batch = new java.util.ArrayList<>();
            for (int i = from; i < from + 100; i++) {
              String key = "c-" + (thread * perThread + i);
              batch.add(Map.entry(key, i % 2 == 0 ? digestOf(key) : "t-" + key));
            }
            map.putAll(batch, Map.Entry::getKey, Map.Entry::getValue);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(map.size()).isEqualTo(4L * perThread);
    for (int t = 0; t < 4; t++) {
      for (int i = 0; i < perThread; i += 997) {
        String key = "c-" + (t * perThread + i);
        assertThat(map.get(key)).isEqualTo(i % 2 == 0 ? digestOf(key) : "t-" + key);
      }
    }
  }

  @Test
  void keysAndValuesOfAnySizeAreKeptWholeAcrossArenaChunks() {
    CompactStringMap map = new CompactStringMap();
    String big = "k".repeat(1 << 20) + "é";           // over a chunk, Latin-1
    String bigUtf16 = "\u20ac".repeat((1 << 19) + 3);   // over a chunk, UTF-16
    List<Map.Entry<String, String>> entries = new java.util.ArrayList<>();
    for (int i = 0; i < 30_000; i++) {
      entries.add(Map.entry("key-" + i + "-" + "x".repeat(i % 50), "value-" + i + (i % 3 == 0 ? "\u0416" : "")));
    }
    entries.add(Map.entry(big, "v-big"));
    entries.add(Map.entry("k-big", bigUtf16));
    entries.add(Map.entry(bigUtf16, big));
    entries.add(Map.entry("surrogate", "\ud800 lone"));
    map.putAll(entries, Map.Entry::getKey, Map.Entry::getValue);
    for (Map.Entry<String, String> e : entries) {
      assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
    }
    assertThat(map.size()).isEqualTo(entries.size());
  }

  @Test
  void aValueLongerThanTheArenaTakesIsRefusedWithItsLength() {
    CompactStringMap map = new CompactStringMap();
    String tooLong = "x".repeat(CompactStringMap.Arena.MAX_LENGTH + 1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> map.put("k", tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value of " + tooLong.length() + " chars");
    assertThat(map.get("k")).isNull();
  }

  private static boolean isDigest(String text) {
    return Digests.parse(text, new long[2]);
  }

  private static String digestOf(String key) {
    byte[] b = new byte[16];
    java.nio.ByteBuffer.wrap(b).putLong(key.hashCode() * 0x9E3779B97F4A7C15L).putLong(~(long) key.length());
    return BASE64.encodeToString(b);
  }
}
