package io.crmsync.testkit.salesforce;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Salesforce record ids: 15 case-sensitive characters (a 3-character key prefix naming the object, then the
 * record), or the same 15 followed by a 3-character suffix that encodes their case, so that the 18-character form
 * survives case-insensitive tools. The API accepts both and returns the 18-character form.
 *
 * <p>The suffix, per the ID Field Type page of the SOAP API Developer Guide
 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm): for each 5-character chunk of
 * the 15, a 5-bit number whose bit i says whether character i is an upper-case letter, written as one character of
 * {@code A-Z0-5}.
 */
final class Ids {
  private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9]{15}|[A-Za-z0-9]{18}");
  private static final String SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

  private Ids() {}

  /**
   * The 18-character form of {@code id}, or null if it is not a well-formed 15- or 18-character id. An
   * 18-character id is case-insensitive: the case of its first 15 characters is recovered from its suffix.
   */
  static @Nullable String canonical(@Nullable String id) {
    if (id == null || !SHAPE.matcher(id).matches()) {
      return null;
    }
    if (id.length() == 15) {
      return of(id);
    }
    String suffix = id.substring(15).toUpperCase(java.util.Locale.ROOT);
    char[] base = id.substring(0, 15).toCharArray();
    for (int chunk = 0; chunk < 3; chunk++) {
      int bits = SUFFIX_CHARS.indexOf(suffix.charAt(chunk));
      if (bits < 0) {
        return null;
      }
      for (int i = 0; i < 5; i++) {
        int at = chunk * 5 + i;
        boolean upper = (bits & (1 << i)) != 0;
        if (Character.isLetter(base[at])) {
          base[at] = upper ? Character.toUpperCase(base[at]) : Character.toLowerCase(base[at]);
        } else if (upper) {
          return null;
        }
      }
    }
    return new String(base) + suffix;
  }

  /** The 3-character suffix of a 15-character id. */
  static String suffix(String id15) {
    StringBuilder sb = new StringBuilder(3);
    for (int chunk = 0; chunk < 3; chunk++) {
      int bits = 0;
      for (int i = 0; i < 5; i++) {
        char c = id15.charAt(chunk * 5 + i);
        if (c >= 'A' && c <= 'Z') {
          bits |= 1 << i;
        }
      }
      sb.append(SUFFIX_CHARS.charAt(bits));
    }
    return sb.toString();
  }

  /** The 18-character id of a 15-character one. */
  static String of(String id15) {
    if (id15.length() != 15) {
      throw new IllegalArgumentException("not a 15-character id: " + id15);
    }
    return id15 + suffix(id15);
  }
}
