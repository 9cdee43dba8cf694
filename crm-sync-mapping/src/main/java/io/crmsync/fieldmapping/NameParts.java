package io.crmsync.fieldmapping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Splits a full name into first and last name, and joins them back. The last name is the last word, with
 * the lower-case particles before it ({@code van}, {@code de la}, {@code von der}...); {@code "Smith, John"}
 * is read as last name, first name. A single word is a last name (CRMs require a last name, not a first).
 * Joining gives {@code "first last"}, or {@code "last, first"} when the plain form would split back
 * differently (a last name of several words without particles): what is joined splits back into the same
 * parts whenever the parts hold no comma.
 */
final class NameParts {
  private static final Set<String> PARTICLES = Set.of("van", "von", "der", "den", "de", "del", "della", "di", "da",
      "du", "la", "le", "dos", "das", "do", "ter", "ten", "bin", "ibn", "al", "el", "st.", "mac");

  private NameParts() {}

  /** {@code [first, last]}, either null when absent. */
  static List<@Nullable String> split(String full) {
    String name = full.strip().replaceAll("\\s+", " ");
    if (name.isEmpty()) {
      return Arrays.asList(null, null);
    }
    int comma = name.indexOf(',');
    if (comma >= 0 && name.indexOf(',', comma + 1) < 0) {
      String last = name.substring(0, comma).strip();
      String first = name.substring(comma + 1).strip();
      if (!last.isEmpty() && !first.isEmpty()) {
        return Arrays.asList(first, last);
      }
      name = (last + " " + first).strip();
    }
    String[] words = name.split(" ");
    if (words.length == 1) {
      return Arrays.asList(null, words[0]);
    }
    int start = words.length - 1;
    while (start > 1 && PARTICLES.contains(words[start - 1])) {
      start--;
    }
    List<String> first = new ArrayList<>(List.of(words).subList(0, start));
    List<String> last = List.of(words).subList(start, words.length);
    return Arrays.asList(String.join(" ", first), String.join(" ", last));
  }

  /**
   * {@code "first last"}, or {@code "last, first"} when that is what splits back into these parts, or
   * whichever part is present; null when both are absent or blank.
   */
  static @Nullable String join(@Nullable String first, @Nullable String last) {
    String f = first == null ? "" : first.strip().replaceAll("\\s+", " ");
    String l = last == null ? "" : last.strip().replaceAll("\\s+", " ");
    if (f.isEmpty() || l.isEmpty()) {
      String one = f.isEmpty() ? l : f;
      return one.isEmpty() ? null : one;
    }
    String plain = f + " " + l;
    if (split(plain).equals(Arrays.asList(f, l))) {
      return plain;
    }
    String inverted = l + ", " + f;
    return split(inverted).equals(Arrays.asList(f, l)) ? inverted : plain;
  }
}
