package io.crmsync.benchmarks.quality.holdout;

import java.text.Normalizer;
import java.util.Locale;
import java.util.SplittableRandom;

/** The ways {@link HoldoutContacts} spoils a clean value: typos, accents, case, formats. Stateless. */
final class Noise {
  private Noise() {}

  private static final String[] QWERTY = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};

  /**
   * One typing error: a neighbouring key (40%), two letters swapped (25%), a letter left out (20%) or
   * typed twice (15%). The first letter is spared nine times in ten. Values under three letters are
   * returned unchanged.
   */
  static String typo(String s, SplittableRandom rnd) {
    if (s.length() < 3) {
      return s;
    }
    int from = rnd.nextInt(10) == 0 ? 0 : 1;
    int k = from + rnd.nextInt(s.length() - from);
    int kind = rnd.nextInt(100);
    StringBuilder b = new StringBuilder(s);
    if (kind < 40 && Character.isLetter(s.charAt(k))) {
      char c = s.charAt(k);
      char n = neighbour(Character.toLowerCase(c), rnd);
      b.setCharAt(k, Character.isUpperCase(c) ? Character.toUpperCase(n) : n);
    } else if (kind < 65 && k + 1 < s.length() && s.charAt(k) != s.charAt(k + 1)) {
      b.setCharAt(k, s.charAt(k + 1));
      b.setCharAt(k + 1, s.charAt(k));
    } else if (kind < 85) {
      b.deleteCharAt(k);
    } else {
      b.insert(k, s.charAt(k));
    }
    String out = b.toString();
    return out.equals(s) ? typo(s, rnd) : out;
  }

  private static char neighbour(char c, SplittableRandom rnd) {
    for (int row = 0; row < QWERTY.length; row++) {
      int col = QWERTY[row].indexOf(c);
      if (col >= 0) {
        StringBuilder options = new StringBuilder();
        if (col > 0) {
          options.append(QWERTY[row].charAt(col - 1));
        }
        if (col + 1 < QWERTY[row].length()) {
          options.append(QWERTY[row].charAt(col + 1));
        }
        for (int r = row - 1; r <= row + 1; r += 2) {
          if (r >= 0 && r < QWERTY.length && col < QWERTY[r].length()) {
            options.append(QWERTY[r].charAt(col));
          }
        }
        return options.charAt(rnd.nextInt(options.length()));
      }
    }
    return (char) ('a' + rnd.nextInt(26));
  }

  /** A typo in a digit string: two neighbouring digits swapped or one digit changed. */
  static String digitTypo(String digits, SplittableRandom rnd) {
    StringBuilder b = new StringBuilder(digits);
    int k = rnd.nextInt(digits.length() - 1);
    if (rnd.nextBoolean() && digits.charAt(k) != digits.charAt(k + 1)) {
      b.setCharAt(k, digits.charAt(k + 1));
      b.setCharAt(k + 1, digits.charAt(k));
    } else {
      b.setCharAt(k, (char) ('0' + (digits.charAt(k) - '0' + 1 + rnd.nextInt(9)) % 10));
    }
    return b.toString();
  }

  /** Accents removed: José to Jose, Zürich to Zurich. */
  static String stripAccents(String s) {
    return Normalizer.normalize(s, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
  }

  static boolean hasAccent(String s) {
    return !stripAccents(s).equals(s);
  }

  static String upper(String s) {
    return s.toUpperCase(Locale.ROOT);
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** The surname written without its apostrophe, space or hyphen as some systems do (O'Brien to OBrien, O Brien, Obrien). */
  static String surnamePunctuation(String s, SplittableRandom rnd) {
    return switch (rnd.nextInt(3)) {
      case 0 -> s.replaceAll("['\\- .]", "");
      case 1 -> s.replaceAll("['\\-.]", " ").replaceAll(" +", " ");
      default -> {
        String joined = s.replaceAll("['\\- .]", "");
        yield joined.charAt(0) + lower(joined.substring(1));
      }
    };
  }

  /** A phone number: country calling code, area or city code, and subscriber number. */
  record Phone(String dialing, String area, String local) {
    /** All digits with the country code, as an E.164 number without the plus. */
    String key() {
      return dialing + area + local;
    }
  }

  /** A phone number as people type it, in one of the forms common for its country. */
  static String formatPhone(Phone p, SplittableRandom rnd, boolean nationalAllowed) {
    String a = p.area();
    String l = p.local();
    if (p.dialing().equals("1")) {
      String ex = l.substring(0, 3);
      String ln = l.substring(3);
      int f = rnd.nextInt(100);
      if (f < 15) {
        return "+1 (" + a + ") " + ex + "-" + ln;
      } else if (f < 40) {
        return "(" + a + ") " + ex + "-" + ln;
      } else if (f < 60) {
        return a + "-" + ex + "-" + ln;
      } else if (f < 70) {
        return a + "." + ex + "." + ln;
      } else if (f < 80) {
        return a + ex + ln;
      } else if (f < 88) {
        return "+1" + a + ex + ln;
      } else if (f < 93) {
        return "1-" + a + "-" + ex + "-" + ln;
      } else if (f < 98) {
        return a + " " + ex + " " + ln;
      }
      return "+1 " + a + "-" + ex + "-" + ln;
    }
    String grouped = switch (p.dialing()) {
      case "44" -> a + " " + l.substring(0, 4) + " " + l.substring(4);
      case "41" -> a + " " + l.substring(0, 3) + " " + l.substring(3, 5) + " " + l.substring(5);
      default -> a + " " + l;
    };
    int f = rnd.nextInt(100);
    if (nationalAllowed && f < 40) {
      return "0" + grouped;
    } else if (f < 55) {
      return "+" + p.dialing() + " (0)" + grouped;
    } else if (f < 70) {
      return "+" + p.dialing() + a + l;
    }
    return "+" + p.dialing() + " " + grouped;
  }

  /** An extension written after a number. */
  static String extension(SplittableRandom rnd) {
    int ext = rnd.nextBoolean() ? 100 + rnd.nextInt(900) : 1000 + rnd.nextInt(9000);
    return switch (rnd.nextInt(4)) {
      case 0 -> " ext. " + ext;
      case 1 -> " x" + ext;
      case 2 -> " Ext " + ext;
      default -> " extension " + ext;
    };
  }

  /** The email with its local part and domain capitalised as people and old systems write them. */
  static String emailCase(String email, SplittableRandom rnd) {
    if (rnd.nextInt(4) == 0) {
      return upper(email);
    }
    int at = email.indexOf('@');
    StringBuilder b = new StringBuilder(email.length());
    boolean start = true;
    for (int k = 0; k < email.length(); k++) {
      char c = email.charAt(k);
      b.append(start ? Character.toUpperCase(c) : c);
      start = k < at && (c == '.' || c == '_') || c == '@';
    }
    return b.toString();
  }

  /** A plus-tag added to the local part (john+crm@...). */
  static String plusTag(String email, SplittableRandom rnd) {
    String[] tags = {"crm", "newsletter", "sf", "work", "2023", "events", "news", "shop"};
    int at = email.indexOf('@');
    return email.substring(0, at) + "+" + tags[rnd.nextInt(tags.length)] + email.substring(at);
  }

  /** Gmail's dots changed: removed, or one put in elsewhere; googlemail.com sometimes. */
  static String gmailDots(String email, SplittableRandom rnd) {
    int at = email.indexOf('@');
    String local = email.substring(0, at);
    String domain = rnd.nextInt(6) == 0 ? "@googlemail.com" : email.substring(at);
    String bare = local.replace(".", "");
    if (local.contains(".") && rnd.nextBoolean()) {
      return bare + domain;
    }
    int k = 1 + rnd.nextInt(Math.max(1, bare.length() - 1));
    return bare.substring(0, k) + "." + bare.substring(k) + domain;
  }

  /** A typo in the local part of an email. */
  static String emailTypo(String email, SplittableRandom rnd) {
    int at = email.indexOf('@');
    return typo(email.substring(0, at), rnd) + email.substring(at);
  }

  /** The initials of a multi-word company name (Blue Ridge Logistics to BRL). */
  static String initials(String name) {
    StringBuilder b = new StringBuilder();
    for (String w : name.split("[ \\-]+")) {
      if (!w.isEmpty() && Character.isLetter(w.charAt(0))) {
        b.append(Character.toUpperCase(w.charAt(0)));
      }
    }
    return b.toString();
  }
}
