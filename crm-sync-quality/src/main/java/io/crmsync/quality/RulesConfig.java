package io.crmsync.quality;

/**
 * Settings of {@link MatchMode#RULES}.
 *
 * @param exactEmail whether records with the same normalised email match (role mailboxes never do)
 * @param jaroWinklerThreshold the similarity both the full name and the company must reach, in (0, 1]
 * @param requireCompany whether the fuzzy rule needs a company on both records; when false, a missing
 *     company does not block a name match
 */
public record RulesConfig(boolean exactEmail, double jaroWinklerThreshold, boolean requireCompany) {

  public RulesConfig {
    if (!(jaroWinklerThreshold > 0 && jaroWinklerThreshold <= 1)) {
      throw new IllegalArgumentException(
          "jaroWinklerThreshold must be in (0, 1]: " + jaroWinklerThreshold);
    }
  }

  /** The rules recipe: exact email, then Jaro-Winkler at least 0.85 on name and company. */
  public static RulesConfig defaults() {
    return new RulesConfig(true, 0.85, true);
  }
}
