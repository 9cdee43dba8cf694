package io.crmsync.quality.internal;

import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Judges one record about to be created against one record of the target, for duplicates on ingest: the
 * contact fields normalised as deduplication normalises them (emails, phones in E.164 with a default
 * region, names through the nickname table, companies without legal suffixes), then scored by rules that
 * say why. Different given names (not nicknames, initials or typos of each other), different family
 * names or different generations (Jr. and Sr.) veto a match; agreements add up, disagreements of fields
 * both records have subtract. Immutable; thread-safe.
 */
public final class IngestJudge {
  static final double SAME_EMAIL = 0.55;
  static final double SAME_PHONE = 0.35;
  static final double SAME_FAMILY = 0.30;
  static final double SIMILAR_FAMILY = 0.15;
  static final double SAME_GIVEN = 0.20;
  static final double SIMILAR_GIVEN = 0.15;
  static final double INITIAL = 0.10;
  static final double SAME_COMPANY = 0.25;
  static final double SIMILAR_COMPANY = 0.12;
  static final double EMAIL_DIFFERS = -0.15;
  static final double PHONE_DIFFERS = -0.15;
  static final double COMPANY_DIFFERS = -0.10;

  private final String defaultRegion;

  public IngestJudge(String defaultRegion) {
    this.defaultRegion = defaultRegion;
  }

  /** A record's fields as compared: each {@code null} when absent. */
  public record Probe(@Nullable String email, @Nullable String phone, @Nullable String given,
      @Nullable String givenCanonical, @Nullable String family, @Nullable String generation,
      @Nullable String company) {

    /** The keys a candidate is found by: same email, same phone, same family name and company or initial. */
    public List<String> blockingKeys() {
      List<String> keys = new ArrayList<>(4);
      if (email != null) {
        keys.add("e:" + email);
      }
      if (phone != null) {
        keys.add("p:" + phone);
      }
      if (family != null && company != null) {
        keys.add("c:" + family + "|" + company);
      }
      if (family != null && given != null) {
        keys.add("g:" + family + "|" + given.charAt(0));
      }
      return keys;
    }
  }

  /** A score in [0, 1] and the agreements that made it. */
  public record Verdict(double score, String reason) {}

  /** The fields of contact {@code r}, normalised. */
  public Probe probe(CrmRecord r) {
    String email = Normalize.email(r.string(Contact.Fields.EMAIL));
    if (email != null && Normalize.isRoleMailbox(email)) {
      email = null; // info@ and sales@ are shared: they say nothing of who a person is
    }
    String first = r.string(Contact.Fields.FIRST_NAME);
    String last = r.string(Contact.Fields.LAST_NAME);
    String given = firstToken(Normalize.name(first));
    String family = lastToken(Normalize.name(last));
    String generation = Normalize.generation(((first == null ? "" : first) + " " + (last == null ? "" : last)).strip());
    return new Probe(email, Normalize.phone(r.string(Contact.Fields.PHONE), defaultRegion), given,
        given == null ? null : Nicknames.canonical(given), family, generation,
        Normalize.company(r.string(Contact.Fields.COMPANY)));
  }

  /** How probably {@code a} and {@code b} are one person, and why. */
  public Verdict judge(Probe a, Probe b) {
    if (a.generation() != null && b.generation() != null && !a.generation().equals(b.generation())) {
      return new Verdict(0, "different generations");
    }
    double score = 0;
    List<String> why = new ArrayList<>();
    if (a.given() != null && b.given() != null) {
      if (a.givenCanonical().equals(b.givenCanonical())) {
        score += SAME_GIVEN;
        why.add(a.given().equals(b.given()) ? "same given name" : "given names are nicknames of one name");
      } else if ((a.given().length() == 1 || b.given().length() == 1) && a.given().charAt(0) == b.given().charAt(0)) {
        score += INITIAL;
        why.add("given name matches an initial");
      } else if (JaroWinkler.similarity(a.given(), b.given()) >= 0.9) {
        score += SIMILAR_GIVEN;
        why.add("similar given name");
      } else {
        return new Verdict(0, "different given names");
      }
    }
    if (a.family() != null && b.family() != null) {
      if (a.family().equals(b.family())) {
        score += SAME_FAMILY;
        why.add("same family name");
      } else if (JaroWinkler.similarity(a.family(), b.family()) >= 0.92) {
        score += SIMILAR_FAMILY;
        why.add("similar family name");
      } else {
        return new Verdict(0, "different family names");
      }
    }
    if (a.email() != null && b.email() != null) {
      if (a.email().equals(b.email())) {
        score += SAME_EMAIL;
        why.add("same email");
      } else {
        score += EMAIL_DIFFERS;
      }
    }
    if (a.phone() != null && b.phone() != null) {
      if (a.phone().equals(b.phone())) {
        score += SAME_PHONE;
        why.add("same phone");
      } else {
        score += PHONE_DIFFERS;
      }
    }
    if (a.company() != null && b.company() != null) {
      if (a.company().equals(b.company())) {
        score += SAME_COMPANY;
        why.add("same company");
      } else if (JaroWinkler.similarity(a.company(), b.company()) >= 0.9) {
        score += SIMILAR_COMPANY;
        why.add("similar company");
      } else {
        score += COMPANY_DIFFERS;
      }
    }
    return new Verdict(Math.max(0, Math.min(1, score)), why.isEmpty() ? "nothing agreed" : String.join(", ", why));
  }

  private static @Nullable String firstToken(@Nullable String s) {
    if (s == null) {
      return null;
    }
    int space = s.indexOf(' ');
    return space < 0 ? s : s.substring(0, space);
  }

  private static @Nullable String lastToken(@Nullable String s) {
    return s == null ? null : s.substring(s.lastIndexOf(' ') + 1);
  }
}
