package io.crmsync.quality.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The given-name equivalence table ({@code nicknames.txt}): Bob = Robert, Liz = Elizabeth, ... */
public final class Nicknames {
  private static final Map<String, String> CANONICAL;
  private static final Map<String, List<String>> VARIANTS;

  static {
    Map<String, String> canonical = new HashMap<>();
    Map<String, List<String>> variants = new HashMap<>();
    try (InputStream in =
            Objects.requireNonNull(
                Nicknames.class.getResourceAsStream("nicknames.txt"), "nicknames.txt resource");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        line = line.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] names = line.split("\\s+");
        List<String> group = new ArrayList<>();
        for (String n : names) {
          canonical.putIfAbsent(n, names[0]);
          group.add(n);
        }
        variants.put(names[0], List.copyOf(group));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read nicknames.txt", e);
    }
    CANONICAL = Map.copyOf(canonical);
    VARIANTS = Map.copyOf(variants);
  }

  private Nicknames() {}

  /** The canonical form of a normalised given name ({@code bob -> robert}); the name itself if unknown. */
  public static String canonical(String normalizedName) {
    return CANONICAL.getOrDefault(normalizedName, normalizedName);
  }

  /** Every name equivalent to {@code canonical}, itself first; just itself if it has no nicknames. */
  public static List<String> variants(String canonical) {
    return VARIANTS.getOrDefault(canonical, List.of(canonical));
  }
}
