package io.crmsync.quality.internal;

import io.crmsync.model.Contact;
import io.crmsync.quality.DedupeRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates CRM contacts with ground truth and the noise real CRMs have: nicknames, typos, upper-cased
 * rows, email variants (case, plus-tags, Gmail dots, personal instead of work), role mailboxes shared by
 * colleagues, switchboard numbers shared by colleagues, phones written many ways, job changes (new
 * company, email and phone; same person), many people with common names at large accounts, accents
 * dropped, company suffix variants, and missing fields. Names follow skewed frequencies, company sizes a
 * heavy-tailed distribution. Deterministic for a seed. For tests and benchmarks; not part of the API.
 *
 * <p>Name frequencies follow the 2010 US census for surnames (Smith 0.83% of people, the 25 commonest
 * 8.7%, a quarter of people outside the commonest ~240) and US first names roughly (James about 1.6%).
 * {@link #generateConcentratedNames} keeps the first version's frequencies, about five times too
 * concentrated (Smith 4.5%, the 100 commonest surnames 47% of people), for comparison.
 */
public final class SyntheticContacts {
  /** Generated records and the true person behind each. */
  public record Dataset(List<DedupeRecord> records, Map<String, String> truth) {}

  /** How people are spread over employers. */
  public enum Employers {
    /**
     * Sizes drawn from a Pareto law (exponent 1.1, at least 2 people), none larger than 1 in 150 people:
     * most companies are small, a few dozen large accounts hold up to a few thousand people at 1M records.
     */
    CAPPED_PARETO,
    /**
     * Employers ranked by a Zipf law (exponent 0.8 over one employer per 8 people), uncapped: the largest
     * holds about 4% of people at 100k records and 2% at 1M (some 23,000 records), the tenth about 2,000 at
     * 1M, the long tail one or two people each. Blocks keyed on the company then grow with the file.
     */
    ZIPF
  }

  private static final String[] FIRST = (
      "james john robert michael william david richard joseph thomas charles christopher daniel matthew "
      + "anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward "
      + "jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin "
      + "samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan "
      + "henry douglas zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald "
      + "harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan "
      + "albert willie alan juan wayne elijah randy roy vincent ralph eugene russell bobby mason philip "
      + "louis mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty "
      + "margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah "
      + "stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma "
      + "nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather "
      + "diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan "
      + "andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice "
      + "jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly isabella "
      + "theresa diana natalie brittany charlotte marie kayla alexis lori josé zoë renée françois "
      + "björn søren chloé inès andré héctor mónica nuño")
      .split(" ");
  private static final String[] LAST = (
      "smith johnson williams brown jones garcía miller davis rodriguez martinez hernandez lopez "
      + "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris "
      + "sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill "
      + "flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips "
      + "evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers "
      + "gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson "
      + "watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo "
      + "sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell "
      + "coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson "
      + "alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson "
      + "ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez "
      + "o'brien müller schröder núñez dubois lefèvre")
      .split(" ");
  private static final String[] SYLLABLES =
      "ka ber lin dor ste van ma ri ton sel wick ham ford ley ber gen ros mar tin hol den quist ar ne"
          .split(" ");
  private static final String[] COMPANY_WORDS = (
      "acme global dynamic united pacific atlantic northern summit pioneer vertex quantum apex "
      + "horizon liberty sterling crescent evergreen keystone frontier harbor granite silver golden "
      + "blue red river lake mountain valley coastal metro urban prime alpha delta omega nova")
      .split(" ");
  private static final String[] COMPANY_KINDS = (
      "systems solutions logistics partners labs analytics software foods health energy capital "
      + "media consulting industries networks robotics bank insurance motors pharma retail")
      .split(" ");
  private static final String[] SUFFIXES = {"Inc", "LLC", "Ltd", "Corp", "GmbH", "Co", "Group", ""};
  private static final String[] CITIES = (
      "New York|Los Angeles|Chicago|Houston|Phoenix|Philadelphia|San Antonio|San Diego|Dallas|"
      + "San Jose|Austin|Jacksonville|Fort Worth|Columbus|Charlotte|San Francisco|Indianapolis|Seattle|"
      + "Denver|Washington|Boston|El Paso|Nashville|Detroit|Oklahoma City|Portland|Las Vegas|Memphis|"
      + "Louisville|Baltimore|Milwaukee|Albuquerque|Tucson|Fresno|Mesa|Sacramento|Atlanta|Kansas City|"
      + "Colorado Springs|Omaha|Raleigh|Miami|Long Beach|Virginia Beach|Oakland|Minneapolis|Tulsa|"
      + "Tampa|Arlington|New Orleans|Wichita|Cleveland|Bakersfield|Aurora|Anaheim|Honolulu|Santa Ana|"
      + "Riverside|Corpus Christi|Lexington|Stockton|Henderson|Saint Paul|St. Louis|Cincinnati|"
      + "Pittsburgh|Greensboro|Anchorage|Plano|Lincoln|Orlando|Irvine|Newark|Toledo|Durham|Chula Vista|"
      + "Fort Wayne|Jersey City|St. Petersburg|Laredo|Madison|Chandler|Buffalo|Lubbock|Scottsdale|Reno")
      .split("\\|");
  private static final String[] ROLES = {"info", "sales", "office", "contact", "support", "hello"};
  private static final String[] FREEMAIL = {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"};
  private static final String[] SOURCES = {"salesforce", "hubspot", "webform", "import"};
  private static final long START = Instant.parse("2019-01-01T00:00:00Z").getEpochSecond();
  private static final long SPAN = Instant.parse("2025-06-01T00:00:00Z").getEpochSecond() - START;

  private record Company(String name, String domain, String city, String switchboard, int emailFormat) {}

  private record Person(String first, String last, Company company, String workEmail,
      String personalEmail, String mobile, String direct, String city) {}

  private final SplittableRandom rnd;
  private final double[] firstCdf;
  private final double[] lastCdf;
  private final List<Company> companies = new ArrayList<>();
  private double[] companyCdf = new double[0];
  private final Set<String> usedEmails = new HashSet<>();
  private final Set<String> usedPhones = new HashSet<>();

  /** Whether names follow census-like frequencies (else the first version's concentrated ones). */
  private final boolean censusNames;
  private final Employers employers;

  private SyntheticContacts(long seed, boolean censusNames, Employers employers) {
    rnd = new SplittableRandom(seed);
    this.censusNames = censusNames;
    this.employers = employers;
    // Zipf exponents: 0.3 puts James at ~1.6% of people; over the list's share of 20%, 0.5 puts
    // Smith at ~0.87% and the 25 commonest surnames at ~7.5% (census 2010: 0.83%, 8.7%)
    firstCdf = zipfCdf(FIRST.length, censusNames ? 0.3 : 0.6);
    lastCdf = zipfCdf(LAST.length, censusNames ? 0.5 : 0.7);
  }

  /**
   * Exactly {@code records} records of people with 1 to 5 records each.
   */
  public static Dataset generate(int records, long seed) {
    return new SyntheticContacts(seed, true, Employers.CAPPED_PARETO).run(records);
  }

  /** As {@link #generate}, with people spread over employers as {@code employers} says. */
  public static Dataset generate(int records, long seed, Employers employers) {
    return new SyntheticContacts(seed, true, employers).run(records);
  }

  /**
   * As {@link #generate}, with the first version's name frequencies: 55% of people share 150 surnames
   * (Smith 4.5%) and James is 5% of people. Much harder on name-only evidence than real populations.
   */
  public static Dataset generateConcentratedNames(int records, long seed) {
    return new SyntheticContacts(seed, false, Employers.CAPPED_PARETO).run(records);
  }

  private static double[] zipfCdf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, s);
      cdf[k] = sum;
    }
    for (int k = 0; k < n; k++) {
      cdf[k] /= sum;
    }
    return cdf;
  }

  private int pick(double[] cdf) {
    double x = rnd.nextDouble();
    int lo = 0;
    int hi = cdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private boolean chance(double p) {
    return rnd.nextDouble() < p;
  }

  private <T> T any(T[] values) {
    return values[rnd.nextInt(values.length)];
  }

  private Dataset run(int target) {
    int people = Math.max(1, (int) (target / 1.6));
    makeCompanies(people);
    List<DedupeRecord> out = new ArrayList<>(target);
    Map<String, String> truth = new HashMap<>(target * 2);
    int person = 0;
    while (out.size() < target) {
      Person p = person();
      String entity = "p" + person++;
      double r = rnd.nextDouble();
      int copies = r < 0.6 ? 1 : r < 0.85 ? 2 : r < 0.95 ? 3 : r < 0.98 ? 4 : 5;
      for (int c = 0; c < copies && out.size() < target; c++) {
        String id = String.format(Locale.ROOT, "c%08x", BlockingIndex.mix(out.size() * 31L + 7) & 0xFFFFFFFFL)
            + "-" + out.size();
        out.add(record(id, p, c == 0));
        truth.put(id, entity);
      }
    }
    return new Dataset(out, truth);
  }

  /** Zipf exponent of {@link Employers#ZIPF}, and people per employer. */
  private static final double ZIPF_EXPONENT = 0.8;
  private static final int PEOPLE_PER_EMPLOYER = 8;

  private void makeCompanies(int people) {
    int assigned = 0;
    List<Double> weights = new ArrayList<>();
    Set<String> names = new HashSet<>();
    int zipfEmployers = Math.max(1, people / PEOPLE_PER_EMPLOYER);
    while (employers == Employers.ZIPF ? weights.size() < zipfEmployers : assigned < people) {
      double size;
      if (employers == Employers.ZIPF) {
        size = 1 / Math.pow(weights.size() + 1, ZIPF_EXPONENT);
      } else {
        // heavy tail: most companies are small, a few are large accounts
        double u = rnd.nextDouble();
        size = (int) Math.min(Math.max(1, people / 150), Math.floor(2 / Math.pow(1 - u, 1 / 1.1)));
      }
      String base;
      do {
        base = cap(any(COMPANY_WORDS)) + " " + cap(any(COMPANY_KINDS))
            + (chance(0.5) ? "" : " " + cap(syllables(2)));
      } while (!names.add(base));
      String suffix = any(SUFFIXES);
      String name = suffix.isEmpty() ? base : base + " " + suffix;
      String domain = base.toLowerCase(Locale.ROOT).replace(" ", "") + (chance(0.8) ? ".com" : ".io");
      companies.add(new Company(name, domain, any(CITIES), uniquePhone(), rnd.nextInt(4)));
      weights.add(size);
      assigned += (int) size;
    }
    companyCdf = new double[weights.size()];
    double sum = 0;
    for (int k = 0; k < weights.size(); k++) {
      sum += weights.get(k);
      companyCdf[k] = sum;
    }
    for (int k = 0; k < companyCdf.length; k++) {
      companyCdf[k] /= sum;
    }
  }

  private String syllables(int n) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < n; k++) {
      b.append(any(SYLLABLES));
    }
    return b.toString();
  }

  private static String cap(String s) {
    if (s.isEmpty()) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    boolean up = true;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      b.append(up ? Character.toUpperCase(c) : c);
      up = c == ' ' || c == '-' || c == '\'';
    }
    return b.toString();
  }

  private String uniquePhone() {
    String p;
    do {
      p = "+1" + (2 + rnd.nextInt(8)) + twoDigits() + (2 + rnd.nextInt(8)) + twoDigits() + fourDigits();
    } while (!usedPhones.add(p));
    return p;
  }

  private String twoDigits() {
    return String.format(Locale.ROOT, "%02d", rnd.nextInt(100));
  }

  private String fourDigits() {
    return String.format(Locale.ROOT, "%04d", rnd.nextInt(10000));
  }

  private Person person() {
    String first = FIRST[pick(firstCdf)];
    String last;
    if (!censusNames) {
      last = chance(0.55) ? LAST[pick(lastCdf)] : syllables(2 + rnd.nextInt(2));
    } else if (chance(0.2)) {
      last = LAST[pick(lastCdf)];
    } else {
      // the long tail: 576 two-syllable names (like US ranks ~300-1,000), 13,824 of three, 331,776 of four
      double r = rnd.nextDouble();
      last = syllables(r < 0.15 ? 2 : r < 0.65 ? 3 : 4);
    }
    Company company = companies.get(pick(companyCdf));
    String workEmail = uniqueEmail(workLocal(first, last, company.emailFormat()), company.domain());
    String personalEmail = chance(0.5) ? uniqueEmail(personalLocal(first, last), any(FREEMAIL)) : null;
    String mobile = chance(0.6) ? uniquePhone() : null;
    String direct = chance(0.4) ? uniquePhone() : null;
    String city = chance(0.85) ? company.city() : any(CITIES);
    return new Person(cap(first), cap(last), company, workEmail, personalEmail, mobile, direct, city);
  }

  private static String ascii(String s) {
    return Normalize.text(s) == null ? s : Normalize.text(s).replace(" ", "");
  }

  private String workLocal(String first, String last, int format) {
    String f = ascii(first);
    String l = ascii(last);
    return switch (format) {
      case 0 -> f + "." + l;
      case 1 -> f.charAt(0) + l;
      case 2 -> f + l.charAt(0);
      default -> f + "_" + l;
    };
  }

  private String personalLocal(String first, String last) {
    String f = ascii(first);
    String l = ascii(last);
    return switch (rnd.nextInt(4)) {
      case 0 -> f + "." + l + rnd.nextInt(100);
      case 1 -> f + l + (1950 + rnd.nextInt(55));
      case 2 -> f.charAt(0) + "." + l + rnd.nextInt(1000);
      default -> l + "." + f + rnd.nextInt(10);
    };
  }

  private String uniqueEmail(String local, String domain) {
    String e = local + "@" + domain;
    for (int k = 2; !usedEmails.add(e); k++) {
      e = local + k + "@" + domain;
    }
    return e;
  }

  private DedupeRecord record(String id, Person p, boolean original) {
    Person q = p;
    if (!original && chance(0.12)) {
      // job change: another company, its email and switchboard; the person is the same
      Company c = companies.get(pick(companyCdf));
      q = new Person(p.first(), p.last(), c,
          uniqueEmail(workLocal(p.first(), p.last(), c.emailFormat()), c.domain()), p.personalEmail(),
          chance(0.5) ? p.mobile() : null, null, chance(0.6) ? p.city() : c.city());
    }
    String first = q.first();
    String last = q.last();
    if (!original) {
      if (chance(0.2)) {
        List<String> variants = Nicknames.variants(Nicknames.canonical(first.toLowerCase(Locale.ROOT)));
        if (variants.size() > 1) {
          first = cap(variants.get(rnd.nextInt(variants.size())));
        }
      }
      if (chance(0.08)) {
        first = typo(first);
      }
      if (chance(0.08)) {
        last = typo(last);
      }
      if (chance(0.5)) {
        first = ascii(first).equals(first.toLowerCase(Locale.ROOT)) ? first : cap(ascii(first));
        last = ascii(last).equals(last.toLowerCase(Locale.ROOT)) ? last : cap(ascii(last));
      }
    }
    String email = emailVariant(q, original);
    String phone = phoneVariant(q, original);
    String company = original ? q.company().name() : companyVariant(q.company().name());
    String city = q.city();
    Map<String, String> f = new LinkedHashMap<>();
    put(f, Contact.Fields.FIRST_NAME, chance(0.03) ? null : first);
    put(f, Contact.Fields.LAST_NAME, chance(0.02) ? null : last);
    put(f, Contact.Fields.EMAIL, email);
    put(f, Contact.Fields.COMPANY, chance(0.08) ? null : company);
    put(f, Contact.Fields.PHONE, phone);
    put(f, Contact.Fields.CITY, chance(0.15) ? null : city);
    if (!original && chance(0.05)) {
      f.replaceAll((k, v) -> v.toUpperCase(Locale.ROOT));
    } else if (!original && chance(0.05)) {
      f.replaceAll((k, v) -> k.equals(Contact.Fields.EMAIL) ? v : v.toLowerCase(Locale.ROOT));
    }
    Instant updated = Instant.ofEpochSecond(START + (long) (rnd.nextDouble() * SPAN));
    return new DedupeRecord(id, f, updated, any(SOURCES));
  }

  private static void put(Map<String, String> f, String k, String v) {
    if (v != null) {
      f.put(k, v);
    }
  }

  private String typo(String s) {
    if (s.length() < 3) {
      return s;
    }
    int k = 1 + rnd.nextInt(s.length() - 1);
    char c = (char) ('a' + rnd.nextInt(26));
    return switch (rnd.nextInt(4)) {
      case 0 -> s.substring(0, k) + c + s.substring(k);
      case 1 -> s.substring(0, k) + s.substring(k + 1);
      case 2 -> s.substring(0, k) + c + s.substring(k + 1);
      default -> k + 1 < s.length() ? s.substring(0, k) + s.charAt(k + 1) + s.charAt(k) + s.substring(k + 2) : s;
    };
  }

  private String emailVariant(Person p, boolean original) {
    double r = rnd.nextDouble();
    if (r < 0.05) {
      return any(ROLES) + "@" + p.company().domain(); // a shared role mailbox
    }
    if (r < 0.15) {
      return null;
    }
    String e = !original && p.personalEmail() != null && chance(0.25) ? p.personalEmail() : p.workEmail();
    if (original) {
      return e;
    }
    int at = e.indexOf('@');
    String local = e.substring(0, at);
    String domain = e.substring(at + 1);
    if (chance(0.1)) {
      local = local + "+" + any(new String[] {"crm", "news", "promo", "2024"});
    }
    if (domain.equals("gmail.com") && chance(0.4)) {
      local = local.replace(".", "");
      if (local.length() > 3) {
        local = local.substring(0, 3) + "." + local.substring(3);
      }
    }
    e = local + "@" + domain;
    if (chance(0.2)) {
      e = cap(e.replace('.', ' ')).replace(' ', '.');
    }
    if (chance(0.03)) {
      e = typo(e);
    }
    return e;
  }

  private String phoneVariant(Person p, boolean original) {
    double r = rnd.nextDouble();
    String phone;
    if (r < 0.2) {
      return null;
    } else if (r < 0.5 || (p.mobile() == null && p.direct() == null)) {
      phone = p.company().switchboard();
    } else if (p.direct() != null && (p.mobile() == null || chance(0.5))) {
      phone = p.direct();
    } else {
      phone = p.mobile();
    }
    if (original) {
      return phone;
    }
    String d = phone.substring(2);
    return switch (rnd.nextInt(5)) {
      case 0 -> phone;
      case 1 -> "(" + d.substring(0, 3) + ") " + d.substring(3, 6) + "-" + d.substring(6);
      case 2 -> d.substring(0, 3) + "." + d.substring(3, 6) + "." + d.substring(6);
      case 3 -> "+1 " + d.substring(0, 3) + " " + d.substring(3, 6) + " " + d.substring(6);
      default -> "1-" + d.substring(0, 3) + "-" + d.substring(3, 6) + "-" + d.substring(6);
    };
  }

  private String companyVariant(String name) {
    double r = rnd.nextDouble();
    if (r < 0.1) {
      return name.toUpperCase(Locale.ROOT);
    }
    if (r < 0.2) {
      return name.replace(" Inc", ", Inc.").replace(" Ltd", " Limited").replace(" Corp", " Corporation");
    }
    if (r < 0.3) {
      int space = name.lastIndexOf(' ');
      return space > 0 ? name.substring(0, space) : name;
    }
    if (r < 0.35) {
      return typo(name);
    }
    return name;
  }
}
