package io.crmsync.benchmarks.quality.holdout;

import io.crmsync.benchmarks.quality.holdout.Noise.Phone;
import io.crmsync.benchmarks.quality.holdout.Vocabulary.City;
import io.crmsync.benchmarks.quality.holdout.Vocabulary.Table;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * A seeded generator of messy CRM contact exports with known truth, written for {@link HoldoutAccuracy}
 * without looking at the engine's own generator. The same size, seed and format give the same file.
 *
 * <p><b>People.</b> Given names are drawn from about 110 male and 110 female names weighted by their rough
 * share among US adults of working age (Michael 3.3% of men, Jennifer 2.5% of women, a long run of names
 * under 0.1%), 3% from made-up rare names. Surnames follow the census: 17% come from the 100 most
 * frequent (Smith 0.83% of people, Johnson 0.66% ...) plus a few with apostrophes, spaces and accents
 * (O'Brien, De La Cruz, Muñoz); the other 83% from a synthetic tail whose frequency falls as 1/rank from
 * rank 101 to 6 million, so most tail surnames are unique and a few recur. A quarter of people with a
 * Spanish census surname write it with its accent (Hernández). 55% have a middle name; 30% of people
 * whose given name has nicknames go by one (Bob, Liz, Peggy).
 *
 * <p><b>Employers.</b> 7% of people have no company. 22% work at a few large accounts (one per 8,000
 * people, at least 8; Zipf shares, so the largest holds about 5% of all people at 300,000 rows), each
 * with 3-8 offices, a switchboard per office and often a second email domain; 30% at mid-size companies
 * (one per 350 people, log-normal sizes, 1-2 offices); 41% at small companies of 1-9 people, a third of
 * which are family businesses named after the owner (Smith Plumbing LLC) where a couple, or a father and
 * son with the same given name, work together and share the office mailbox, phone and sometimes a
 * family email. Each company has a legal form (Inc., Corp., LLC, LLP, Co., Ltd, GmbH or none), an email
 * pattern (first.last 45%, flast 25%, firstlast 7%, first 10% at small firms ...), role mailboxes (info@,
 * sales@ ...), and 10% of staff at large and mid-size firms work remotely from another city. 55% of people
 * have a personal email (Gmail 45% of those), 65% a mobile, 75% of the employed a direct line.
 *
 * <p><b>Duplicates.</b> Records per person: 1 (70%), 2 (18%), 3 (7%), 4 (3%), 5 (2%); about 1.49 rows
 * per person. 20% of people with two or more records change jobs between two of them: later records
 * have the new company, the new work email (15% of them keep the stale old one), the new direct line
 * and switchboard, usually a new city and title; the name, mobile and personal email stay. 5% of women
 * with several records change surname (a quarter hyphenate), with their work email following in 60%.
 *
 * <p><b>Records.</b> Each record comes from a channel with its own habits: a CRM sync (25%: clean, formal
 * names, work email), manual entry (35%: nicknames, typos, missing fields), a list import (22%: upper
 * case, switchboard numbers, role mailboxes, accents dropped) or a web form (18%: personal email and
 * mobile, lower case, nicknames). Share of all rows, as measured on 300,000 rows (the runner prints
 * them): a nickname instead of the formal given name 8.7%, a middle initial in the first-name field 2%;
 * typo in first name 1.6%, last name 1.9%, company 1.2%, city 0.9%, email 0.8%, phone 0.7%; whole row
 * upper-cased 4.3%; names lower-cased 2%; first and last swapped 1.3%; first name missing 1.8%, last
 * name 0.5%; accents dropped on about half the rows that have any (0.8% of rows); O'Brien-style
 * punctuation changed on a third of such names. Email: work 63%, personal 9%, role mailbox 6%, none 22%;
 * case changed 9%, plus-tag 2.4%, Gmail dots changed 1.4% (a third of Gmail addresses), second company
 * domain 2.6%, the old work email kept after a job change 0.5%. Phone: direct 23%, switchboard 28%,
 * mobile 11%, none 38%; an extension on 11% (mostly switchboards); nine US formats, and national (0...)
 * or international forms abroad. Company: legal suffix written another way or left off 47%, initials
 * 0.6%, missing 5.5%. City: missing 26%, written another way (NYC, St Louis, Munich, Montreal) 6%. Rows
 * are shuffled.
 *
 * <p>The truth file holds, for each record id, the person, employer, which job, the clean email and
 * phone behind the written ones and which noise was applied, so an evaluator can say why a pair was
 * missed or wrongly joined.
 */
public final class HoldoutContacts {
  private HoldoutContacts() {}

  /** The export layout. Both carry the same data; only the header and date format differ. */
  public enum Format {
    /** Salesforce Data Loader style: {@code Contact ID,First Name,...,Mailing City,...,Last Modified Date}. */
    SALESFORCE(List.of("Contact ID", "First Name", "Last Name", "Title", "Email", "Account Name", "Phone",
        "Mobile Phone", "Mailing City", "Mailing State", "Last Modified Date"),
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)),
    /** HubSpot export style: {@code Record ID,First name,...,City,State/Region,Last modified}. */
    HUBSPOT(List.of("Record ID", "First name", "Last name", "Job title", "Email", "Company name", "Phone number",
        "Mobile phone number", "City", "State/Region", "Last modified"),
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT));

    private final List<String> header;
    private final DateTimeFormatter dates;

    Format(List<String> header, DateTimeFormatter dates) {
      this.header = header;
      this.dates = dates.withZone(ZoneOffset.UTC);
    }

    /** The CSV header; the first column is the record id. */
    public List<String> header() {
      return header;
    }
  }

  /**
   * What the generator knows about one record.
   *
   * @param recordId the id in the CSV
   * @param personId the true person
   * @param companyId the person's employer at the time of the record, empty if none
   * @param job 0 before a job change, 1 after
   * @param givenName the person's formal given name, folded (lower case, no accents)
   * @param givenForm the given name this record uses before typos (a nickname or the formal one), folded
   * @param surname the surname in effect for this record before noise, folded
   * @param emailKind work, personal, role or none
   * @param emailKey the address behind the written one, lower case, empty if none
   * @param phoneKind direct, switchboard, mobile or none
   * @param phoneKey the number behind the written one (country code and digits), empty if none
   * @param household a family-business household shared with another person, empty if none
   * @param tags the noise applied to this record
   */
  public record RecordTruth(String recordId, String personId, String companyId, int job, String givenName,
      String givenForm, String surname, String emailKind, String emailKey, String phoneKind, String phoneKey,
      String household, List<String> tags) {
    public RecordTruth {
      tags = List.copyOf(tags);
    }
  }

  /**
   * A generated export.
   *
   * @param format its layout
   * @param rows one per record, values in header order, shuffled
   * @param truth one per record, in the same order as {@code rows}
   */
  public record Dataset(Format format, List<List<String>> rows, List<RecordTruth> truth) {
    public Dataset {
      Objects.requireNonNull(format, "format");
      rows = List.copyOf(rows);
      truth = List.copyOf(truth);
    }

    /** Writes the export as a CSV file (RFC 4180, UTF-8), header first. */
    public void writeCsv(Path file) {
      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        w.write(csvLine(format.header()));
        for (List<String> row : rows) {
          w.write(csvLine(row));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }

    /** Writes the truth as a CSV file, one line per record. */
    public void writeTruth(Path file) {
      try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        w.write(csvLine(TRUTH_HEADER));
        for (RecordTruth t : truth) {
          w.write(csvLine(List.of(t.recordId(), t.personId(), t.companyId(), Integer.toString(t.job()),
              t.givenName(), t.givenForm(), t.surname(), t.emailKind(), t.emailKey(), t.phoneKind(), t.phoneKey(),
              t.household(), String.join(" ", t.tags()))));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }
  }

  static final List<String> TRUTH_HEADER = List.of("record_id", "person_id", "company_id", "job", "given_name",
      "given_form", "surname", "email_kind", "email_key", "phone_kind", "phone_key", "household", "tags");

  /** Reads a truth file written by {@link Dataset#writeTruth}. */
  public static List<RecordTruth> readTruth(Reader in) {
    io.crmsync.quality.CsvTable t = io.crmsync.quality.CsvTable.read(in, ',');
    if (!t.header().equals(TRUTH_HEADER) || !t.malformed().isEmpty()) {
      throw new IllegalArgumentException("not a truth file: header " + t.header() + ", " + t.malformed().size()
          + " malformed rows");
    }
    List<RecordTruth> out = new ArrayList<>(t.rows().size());
    for (io.crmsync.quality.CsvTable.Row r : t.rows()) {
      List<String> v = r.values();
      out.add(new RecordTruth(v.get(0), v.get(1), v.get(2), Integer.parseInt(v.get(3)), v.get(4), v.get(5),
          v.get(6), v.get(7), v.get(8), v.get(9), v.get(10), v.get(11),
          v.get(12).isEmpty() ? List.of() : List.of(v.get(12).split(" "))));
    }
    return out;
  }

  private static String csvLine(List<String> values) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < values.size(); k++) {
      String v = values.get(k);
      if (k > 0) {
        b.append(',');
      }
      if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0) {
        b.append('"').append(v.replace("\"", "\"\"")).append('"');
      } else {
        b.append(v);
      }
    }
    return b.append('\n').toString();
  }

  /**
   * Generates {@code rows} records.
   *
   * @throws IllegalArgumentException if {@code rows} is not positive
   */
  public static Dataset generate(int rows, long seed, Format format) {
    if (rows <= 0) {
      throw new IllegalArgumentException("rows must be positive: " + rows);
    }
    return new Generator(rows, seed, Objects.requireNonNull(format, "format")).run();
  }

  // ---------------------------------------------------------------------------------------------------------

  private enum LegalForm {
    INC("Inc.", ", Inc.", "Inc", "Incorporated", ", Inc"),
    CORP("Corp.", "Corporation", "Corp", ", Corp."),
    LLC("LLC", ", LLC", "L.L.C.", "Llc"),
    LLP("LLP", ", LLP", "L.L.P."),
    CO("Co.", "Company", "Co"),
    LTD("Ltd", "Limited", "Ltd."),
    GMBH("GmbH", "G.m.b.H."),
    NONE("");

    final String canonical;
    final List<String> others;

    LegalForm(String canonical, String... others) {
      this.canonical = canonical;
      this.others = List.of(others);
    }
  }

  private enum EmailPattern { FIRST_DOT_LAST, FLAST, FIRSTLAST, FIRST_UNDERSCORE_LAST, FIRSTL, LAST_DOT_FIRST, FIRST }

  private enum Segment { NONE, BIG, MID, SMALL }

  private enum Channel { SYNC, MANUAL, IMPORT, WEBFORM }

  private record Office(City city, Phone switchboard) {}

  private static final class Company {
    final int id;
    final String name;
    final LegalForm form;
    final String domain;
    final @Nullable String altDomain;
    final EmailPattern pattern;
    final List<Office> offices;
    final List<String> roleBoxes;
    final Segment segment;
    final @Nullable String familySurname;
    final Set<String> usedEmails = new HashSet<>();
    int members;

    Company(int id, String name, LegalForm form, String domain, @Nullable String altDomain, EmailPattern pattern,
        List<Office> offices, List<String> roleBoxes, Segment segment, @Nullable String familySurname) {
      this.id = id;
      this.name = name;
      this.form = form;
      this.domain = domain;
      this.altDomain = altDomain;
      this.pattern = pattern;
      this.offices = offices;
      this.roleBoxes = roleBoxes;
      this.segment = segment;
      this.familySurname = familySurname;
    }
  }

  private record Job(@Nullable Company company, @Nullable Office office, City city, String title,
      @Nullable Phone direct, @Nullable String workEmail) {}

  private static final class Person {
    int id;
    boolean female;
    String given = "";
    @Nullable String preferred;
    @Nullable String middle;
    String surname = "";
    @Nullable String newSurname;
    int surnameChangeAt = Integer.MAX_VALUE;
    /** The work email after the surname change, at job {@link #renamedJob}, or null if it did not change. */
    @Nullable String renamedEmail;
    int renamedJob;
    final List<Job> jobs = new ArrayList<>();
    int jobChangeAt = Integer.MAX_VALUE;
    @Nullable Phone mobile;
    @Nullable String personalEmail;
    @Nullable String suffix;
    String household = "";
    int records;
    int birthYear;
  }

  private static final class Generator {
    private final int target;
    private final Format format;
    private final SplittableRandom rnd;
    /** Ids draw from their own stream, so both formats hold the same records. */
    private final SplittableRandom idRnd;
    private final List<Company> big = new ArrayList<>();
    private final List<Company> mid = new ArrayList<>();
    private double[] bigCumulative = new double[0];
    private double[] midCumulative = new double[0];
    private @Nullable Company smallOpen;
    private int smallRoom;
    private int companyCount;
    private final Set<String> companyNames = new HashSet<>();
    private final Set<String> domains = new HashSet<>();
    private final Set<String> personalEmails = new HashSet<>();
    private final Set<String> ids = new HashSet<>();
    private final List<Person> pendingFamily = new ArrayList<>();
    private final List<List<String>> rows = new ArrayList<>();
    private final List<RecordTruth> truth = new ArrayList<>();

    Generator(int target, long seed, Format format) {
      this.target = target;
      this.format = format;
      this.rnd = new SplittableRandom(seed);
      this.idRnd = new SplittableRandom(seed ^ 0x5EED_1D5L);
    }

    Dataset run() {
      int people = (int) Math.ceil(target / 1.49);
      int bigCount = Math.max(8, Math.round(people / 8000f));
      int midCount = Math.max(10, Math.round(people / 350f));
      bigCumulative = new double[bigCount];
      for (int k = 0; k < bigCount; k++) {
        big.add(newCompany(Segment.BIG, null));
        bigCumulative[k] = (k == 0 ? 0 : bigCumulative[k - 1]) + 1.0 / (k + 1);
      }
      midCumulative = new double[midCount];
      for (int k = 0; k < midCount; k++) {
        mid.add(newCompany(Segment.MID, null));
        midCumulative[k] = (k == 0 ? 0 : midCumulative[k - 1]) + Math.exp(0.8 * gaussian());
      }
      int personId = 0;
      while (rows.size() < target) {
        Person p = pendingFamily.isEmpty() ? newPerson(++personId) : pendingFamily.remove(0);
        p.records = Math.min(p.records, target - rows.size());
        emitRecords(p);
      }
      List<Integer> order = new ArrayList<>(rows.size());
      for (int k = 0; k < rows.size(); k++) {
        order.add(k);
      }
      for (int k = order.size() - 1; k > 0; k--) {
        int j = rnd.nextInt(k + 1);
        Integer t = order.get(k);
        order.set(k, order.get(j));
        order.set(j, t);
      }
      List<List<String>> shuffledRows = new ArrayList<>(rows.size());
      List<RecordTruth> shuffledTruth = new ArrayList<>(rows.size());
      for (int k : order) {
        shuffledRows.add(rows.get(k));
        shuffledTruth.add(truth.get(k));
      }
      return new Dataset(format, shuffledRows, shuffledTruth);
    }

    private double gaussian() {
      double u = rnd.nextDouble();
      double v = rnd.nextDouble();
      return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    private boolean chance(double p) {
      return rnd.nextDouble() < p;
    }

    private <T> T pick(List<T> list) {
      return list.get(rnd.nextInt(list.size()));
    }

    private <T> T pick(T[] array) {
      return array[rnd.nextInt(array.length)];
    }

    private static int drawIndex(double[] cumulative, double x) {
      int k = Arrays.binarySearch(cumulative, x * cumulative[cumulative.length - 1]);
      return Math.min(k >= 0 ? k + 1 : -k - 1, cumulative.length - 1);
    }

    // ---- companies --------------------------------------------------------------------------------------

    private Company newCompany(Segment segment, @Nullable String ownerSurname) {
      String name;
      LegalForm form;
      int attempt = 0;
      do {
        if (attempt++ > 20) {
          // the short names are taken (common owner surnames, one-word brands): name the place too
          name = (ownerSurname != null ? ownerSurname + " " + pick(Vocabulary.TRADES) : pick(Vocabulary.COMPANY_FIRST)
              + " " + pick(Vocabulary.INDUSTRIES)) + " of " + Vocabulary.CITIES.draw(rnd).name()
              + (attempt > 100 ? " " + attempt : "");
        } else if (ownerSurname != null) {
          name = ownerSurname + " " + pick(Vocabulary.TRADES);
        } else if (segment == Segment.SMALL && chance(0.4)) {
          name = surname() + " " + pick(Vocabulary.TRADES);
        } else {
          name = pick(Vocabulary.COMPANY_FIRST) + (chance(0.5) ? " " + pick(Vocabulary.COMPANY_SECOND) : "") + " "
              + pick(Vocabulary.INDUSTRIES);
        }
      } while (!companyNames.add(Noise.lower(name)));
      int f = rnd.nextInt(100);
      if (name.endsWith("Law Group") || name.endsWith("Accounting")) {
        form = f < 60 ? LegalForm.LLP : f < 85 ? LegalForm.LLC : LegalForm.NONE;
      } else if (segment == Segment.BIG) {
        form = f < 40 ? LegalForm.INC : f < 70 ? LegalForm.CORP : f < 80 ? LegalForm.LLC : LegalForm.NONE;
      } else if (segment == Segment.MID) {
        form = f < 35 ? LegalForm.INC : f < 65 ? LegalForm.LLC : f < 75 ? LegalForm.CORP : f < 80 ? LegalForm.CO
            : LegalForm.NONE;
      } else {
        form = f < 45 ? LegalForm.LLC : f < 65 ? LegalForm.INC : f < 70 ? LegalForm.CO : LegalForm.NONE;
      }
      int officeCount = switch (segment) {
        case BIG -> 3 + rnd.nextInt(6);
        case MID -> chance(0.3) ? 2 : 1;
        default -> 1;
      };
      List<Office> offices = new ArrayList<>();
      Set<String> cities = new HashSet<>();
      while (offices.size() < officeCount) {
        City c = Vocabulary.CITIES.draw(rnd);
        if (cities.add(c.name())) {
          offices.add(new Office(c, phone(c, true)));
        }
      }
      if (form != LegalForm.NONE && !offices.get(0).city().country().equals("US")) {
        form = switch (offices.get(0).city().country()) {
          case "GB" -> LegalForm.LTD;
          case "DE", "CH" -> LegalForm.GMBH;
          default -> form;
        };
      }
      String domain = domain(name, rnd.nextInt(100));
      String alt = null;
      if (segment == Segment.BIG && chance(0.5) || segment == Segment.MID && chance(0.15)) {
        String a = domain(name, rnd.nextInt(100));
        alt = a.equals(domain) ? null : a;
      }
      int p = rnd.nextInt(100);
      EmailPattern pattern = segment == Segment.SMALL && p < 25 ? EmailPattern.FIRST
          : p < 45 ? EmailPattern.FIRST_DOT_LAST : p < 70 ? EmailPattern.FLAST : p < 80 ? EmailPattern.FIRSTLAST
          : p < 86 ? EmailPattern.FIRST_UNDERSCORE_LAST : p < 93 ? EmailPattern.FIRSTL : p < 97
          ? EmailPattern.LAST_DOT_FIRST : EmailPattern.FIRST_DOT_LAST;
      List<String> boxes = new ArrayList<>();
      boxes.add(pick(Vocabulary.ROLE_MAILBOXES));
      if (chance(0.4)) {
        String second = pick(Vocabulary.ROLE_MAILBOXES);
        if (!boxes.contains(second)) {
          boxes.add(second);
        }
      }
      return new Company(++companyCount, name, form, domain, alt, pattern, offices, boxes, segment, ownerSurname);
    }

    private String domain(String name, int style) {
      String[] words = Noise.lower(Noise.stripAccents(name)).replace("&", " ").replaceAll("[^a-z ]", "").trim()
          .split(" +");
      String base;
      if (style < 60 || words.length < 2) {
        base = String.join("", words);
      } else if (style < 85) {
        base = words[0] + words[1];
      } else {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < words.length - 1; k++) {
          b.append(words[k].charAt(0));
        }
        base = b + words[words.length - 1];
      }
      String tld = style % 20 == 0 ? ".net" : style % 20 == 1 ? ".io" : style % 20 == 2 ? ".co" : ".com";
      String d = base + tld;
      for (int n = 2; !domains.add(d); n++) {
        d = base + (n == 2 ? "hq" : n == 3 ? "usa" : Integer.toString(n)) + tld;
      }
      return d;
    }

    private @Nullable Company employer(@Nullable Company not) {
      for (int attempt = 0; attempt < 10; attempt++) {
        double s = rnd.nextDouble();
        Company c;
        if (s < 0.07) {
          return null;
        } else if (s < 0.29) {
          c = big.get(drawIndex(bigCumulative, rnd.nextDouble()));
        } else if (s < 0.59) {
          c = mid.get(drawIndex(midCumulative, rnd.nextDouble()));
        } else {
          c = smallCompany();
        }
        if (c != not) {
          c.members++;
          return c;
        }
      }
      return null;
    }

    private Company smallCompany() {
      if (smallOpen == null || smallRoom <= 0) {
        int s = rnd.nextInt(100);
        smallRoom = s < 35 ? 1 : s < 55 ? 2 : s < 68 ? 3 : s < 78 ? 4 : 5 + rnd.nextInt(5);
        boolean family = smallRoom >= 2 && chance(0.33);
        smallOpen = newCompany(Segment.SMALL, family ? surname() : null);
      }
      smallRoom--;
      return smallOpen;
    }

    // ---- people -----------------------------------------------------------------------------------------

    private String surname() {
      if (chance(Vocabulary.COMMON_SURNAME_SHARE)) {
        String s = Vocabulary.COMMON_SURNAMES.draw(rnd);
        String accented = Vocabulary.ACCENTED_SURNAMES.get(s);
        return accented != null && chance(0.25) ? accented : s;
      }
      int rank = (int) Math.floor(100 * Math.pow(Vocabulary.TAIL_RANKS / 100.0, rnd.nextDouble())) + 1;
      return Vocabulary.tailSurname(rank);
    }

    private String givenName(boolean female) {
      if (chance(0.03)) {
        return Vocabulary.rareGivenName(rnd, female).replace(" ", "");
      }
      return (female ? Vocabulary.FEMALE : Vocabulary.MALE).draw(rnd);
    }

    private Person newPerson(int id) {
      Person p = new Person();
      p.id = id;
      p.female = rnd.nextBoolean();
      p.given = givenName(p.female);
      p.surname = surname();
      p.birthYear = 1955 + rnd.nextInt(45);
      Company c = employer(null);
      boolean family = c != null && c.familySurname != null && c.members == 1 && chance(0.6);
      if (family) {
        p.surname = Objects.requireNonNull(c.familySurname);
        p.household = "h" + c.id;
      }
      initPerson(p);
      p.jobs.add(job(p, c, null, p.surname));
      if (family) {
        familyMember(p, c);
      }
      return p;
    }

    private void initPerson(Person p) {
      List<String> nicks = Vocabulary.NICKNAMES.get(p.given);
      if (nicks != null && chance(0.3)) {
        p.preferred = nicks.get(rnd.nextInt(Math.min(2, nicks.size())));
      }
      if (chance(0.55)) {
        p.middle = givenName(rnd.nextBoolean());
      }
      int r = rnd.nextInt(100);
      p.records = r < 70 ? 1 : r < 88 ? 2 : r < 95 ? 3 : r < 98 ? 4 : 5;
      if (chance(0.65)) {
        City home = Vocabulary.CITIES.draw(rnd);
        p.mobile = phone(home, false);
      }
      if (chance(0.55)) {
        p.personalEmail = personalEmail(p);
      }
      if (p.records >= 2 && p.female && chance(0.05)) {
        String other = surname();
        p.newSurname = chance(0.25) ? p.surname + "-" + other : other;
        p.surnameChangeAt = 1 + rnd.nextInt(p.records - 1);
      }
    }

    /** The owner of a family business: a spouse or a son with the same given name joins as the next person. */
    private void familyMember(Person owner, Company c) {
      Person other = new Person();
      other.id = -owner.id;
      other.household = owner.household;
      other.surname = owner.surname;
      if (chance(0.15) && !owner.female) {
        other.female = false;
        other.given = owner.given;
        owner.suffix = "Sr.";
        other.suffix = "Jr.";
        other.birthYear = owner.birthYear + 25;
      } else {
        other.female = !owner.female;
        other.given = givenName(other.female);
        other.birthYear = owner.birthYear + rnd.nextInt(7) - 3;
      }
      initPerson(other);
      other.newSurname = null;
      other.surnameChangeAt = Integer.MAX_VALUE;
      if (chance(0.5)) {
        String family = personalEmailAddress("the" + Noise.lower(Noise.stripAccents(owner.surname))
            .replaceAll("[^a-z]", "") + "s", other);
        owner.personalEmail = family;
        other.personalEmail = family;
      }
      c.members++;
      Job ownerJob = owner.jobs.get(0);
      other.jobs.add(job(other, c, ownerJob.office(), other.surname));
      pendingFamily.add(other);
    }

    private Job job(Person p, @Nullable Company c, @Nullable Office office, String surname) {
      String title = pick(Vocabulary.TITLES);
      if (c == null) {
        City city = Vocabulary.CITIES.draw(rnd);
        return new Job(null, null, city, chance(0.5) ? "Consultant" : title, chance(0.3) ? phone(city, false) : null,
            null);
      }
      Office o = office;
      if (o == null) {
        o = c.offices.size() == 1 || chance(0.4) ? c.offices.get(0) : pick(c.offices);
      }
      City city = o.city();
      if (c.segment != Segment.SMALL && chance(0.1)) {
        city = Vocabulary.CITIES.draw(rnd);
      }
      Phone direct = chance(0.75) && c.segment != Segment.SMALL ? phone(city, false)
          : chance(0.3) ? phone(city, false) : null;
      return new Job(c, o, city, c.segment == Segment.SMALL && chance(0.3) ? "Owner" : title, direct,
          workEmail(p, c, surname));
    }

    private String workEmail(Person p, Company c, String surname) {
      String f = fold(p.preferred != null && chance(0.3) ? p.preferred : p.given).replaceAll("[^a-z]", "");
      String l = fold(surname).replaceAll("[^a-z]", "");
      if (f.isEmpty()) {
        f = "x";
      }
      String local = switch (c.pattern) {
        case FIRST_DOT_LAST -> f + "." + l;
        case FLAST -> f.charAt(0) + l;
        case FIRSTLAST -> f + l;
        case FIRST_UNDERSCORE_LAST -> f + "_" + l;
        case FIRSTL -> f + l.charAt(0);
        case LAST_DOT_FIRST -> l + "." + f;
        case FIRST -> f;
      };
      String email = local + "@" + c.domain;
      for (int n = 2; !c.usedEmails.add(email); n++) {
        email = local + n + "@" + c.domain;
      }
      return email;
    }

    private String personalEmail(Person p) {
      String f = fold(p.preferred != null && chance(0.5) ? p.preferred : p.given).replaceAll("[^a-z]", "");
      String l = fold(p.surname).replaceAll("[^a-z]", "");
      int yy = p.birthYear % 100;
      String local = switch (rnd.nextInt(10)) {
        case 0, 1 -> f + "." + l;
        case 2 -> f + l;
        case 3 -> f + "." + l + String.format(Locale.ROOT, "%02d", yy);
        case 4 -> f.charAt(0) + l;
        case 5 -> f.charAt(0) + l + p.birthYear;
        case 6 -> l + f;
        case 7 -> f + "_" + l;
        case 8 -> f + l.charAt(0) + (10 + rnd.nextInt(90));
        default -> f + (1 + rnd.nextInt(999));
      };
      return personalEmailAddress(local, p);
    }

    private String personalEmailAddress(String local, Person p) {
      String domain = Vocabulary.PERSONAL_DOMAINS.draw(rnd);
      String email = local + "@" + domain;
      for (int n = 1; !personalEmails.add(domain.equals("gmail.com") ? email.replace(".", "") : email); n++) {
        email = local + (p.birthYear % 100 + n) + "@" + domain;
      }
      return email;
    }

    private Phone phone(City c, boolean switchboard) {
      String area = pick(c.areaCodes());
      String local;
      switch (c.dialing()) {
        case "1" -> {
          String exchange;
          do {
            exchange = (2 + rnd.nextInt(8)) + String.format(Locale.ROOT, "%02d", rnd.nextInt(100));
          } while (exchange.equals("555") || exchange.endsWith("11"));
          String line = switchboard && chance(0.6) ? (rnd.nextInt(10) + "000")
              : String.format(Locale.ROOT, "%04d", rnd.nextInt(10_000));
          local = exchange + line;
        }
        case "44" -> local = (chance(0.5) ? "7" : "3") + String.format(Locale.ROOT, "%07d", rnd.nextInt(10_000_000));
        default -> local = (2 + rnd.nextInt(8)) + String.format(Locale.ROOT, "%06d", rnd.nextInt(1_000_000));
      }
      return new Phone(c.dialing(), area, local);
    }

    // ---- records ----------------------------------------------------------------------------------------

    private void emitRecords(Person p) {
      if (p.records >= 2 && chance(0.2)) {
        p.jobChangeAt = 1 + rnd.nextInt(p.records - 1);
        String surname = p.newSurname != null && p.jobChangeAt >= p.surnameChangeAt ? p.newSurname : p.surname;
        p.jobs.add(job(p, employer(p.jobs.get(0).company()), null, surname));
      }
      if (p.newSurname != null && chance(0.6)) {
        // the surname changes while at job 1 (job change first) or at job 0 (no job change, or it comes later)
        boolean atJob1 = p.jobs.size() > 1 && p.jobChangeAt < p.surnameChangeAt;
        boolean atJob0 = p.jobs.size() == 1 || p.jobChangeAt > p.surnameChangeAt;
        p.renamedJob = atJob1 ? 1 : 0;
        Company c = p.jobs.get(p.renamedJob).company();
        if (c != null && (atJob1 || atJob0)) {
          p.renamedEmail = workEmail(p, c, p.newSurname);
        }
      }
      long start = Instant.parse("2016-01-01T00:00:00Z").getEpochSecond();
      long end = Instant.parse("2024-07-01T00:00:00Z").getEpochSecond();
      long export = Instant.parse("2025-03-31T00:00:00Z").getEpochSecond();
      long t = start + (long) (rnd.nextDouble() * (end - start));
      for (int i = 0; i < p.records; i++) {
        emit(p, i, Instant.ofEpochSecond(t));
        long gap = (long) (-Math.log(1 - rnd.nextDouble()) * 200 * 86_400);
        t = t + gap < export ? t + gap : t + (export - t) / 2;
      }
    }

    private void emit(Person p, int i, Instant when) {
      Channel ch = switch (rnd.nextInt(100) / 5) {
        case 0, 1, 2, 3, 4 -> Channel.SYNC;
        case 5, 6, 7, 8, 9, 10, 11 -> Channel.MANUAL;
        case 12, 13, 14, 15 -> Channel.IMPORT;
        default -> chance(0.4) ? Channel.IMPORT : Channel.WEBFORM;
      };
      double typoRate = switch (ch) {
        case SYNC -> 0.3;
        case MANUAL -> 1.8;
        case IMPORT, WEBFORM -> 1.0;
      };
      List<String> tags = new ArrayList<>();
      int jobIndex = i >= p.jobChangeAt ? 1 : 0;
      Job job = p.jobs.get(jobIndex);
      Company company = job.company();
      String surname = i >= p.surnameChangeAt && p.newSurname != null ? p.newSurname : p.surname;

      // given name
      String form = p.given;
      List<String> nicks = Vocabulary.NICKNAMES.get(p.given);
      if (p.preferred != null) {
        double use = switch (ch) {
          case SYNC -> 0.2;
          case MANUAL -> 0.5;
          case IMPORT -> 0.4;
          case WEBFORM -> 0.7;
        };
        form = chance(use) ? p.preferred : p.given;
      } else if (nicks != null && ch != Channel.SYNC && chance(0.04)) {
        form = pick(nicks);
      }
      if (!form.equals(p.given)) {
        tags.add("nickname");
      }
      String first = form;
      String last = surname;
      if (Noise.hasAccent(first + last) && chance(ch == Channel.IMPORT ? 0.85 : 0.45)) {
        first = Noise.stripAccents(first);
        last = Noise.stripAccents(last);
        tags.add("accent-dropped");
      }
      if (p.middle != null && (ch == Channel.MANUAL || ch == Channel.SYNC) && chance(0.06)) {
        first = first + " " + p.middle.charAt(0) + (chance(0.6) ? "." : "");
        tags.add("middle-initial");
      }
      if (last.matches(".*['\\- ].*") && chance(0.35)) {
        last = Noise.surnamePunctuation(last, rnd);
        tags.add("surname-punctuation");
      }
      if (p.suffix != null && chance(0.5)) {
        last = last + (chance(0.5) ? " " : ", ") + p.suffix;
        tags.add("name-suffix");
      }
      if (chance(0.014 * typoRate)) {
        first = Noise.typo(first, rnd);
        tags.add("typo:first");
      }
      if (chance(0.017 * typoRate)) {
        last = Noise.typo(last, rnd);
        tags.add("typo:last");
      }
      if (chance(switch (ch) {
        case SYNC -> 0.0;
        case MANUAL -> 0.015;
        case IMPORT -> 0.025;
        case WEBFORM -> 0.01;
      })) {
        String s = first;
        first = last;
        last = s;
        tags.add("swapped-names");
      }
      if (chance(ch == Channel.IMPORT ? 0.04 : 0.01)) {
        first = "";
        tags.add("first:missing");
      }
      if (chance(0.005)) {
        last = "";
        tags.add("last:missing");
      }
      boolean upperRow = chance(switch (ch) {
        case SYNC -> 0.005;
        case MANUAL -> 0.02;
        case IMPORT -> 0.12;
        case WEBFORM -> 0.005;
      });
      if (!upperRow && chance(ch == Channel.WEBFORM ? 0.12 : ch == Channel.MANUAL ? 0.015 : 0)) {
        first = Noise.lower(first);
        last = Noise.lower(last);
        tags.add("case:lower-names");
      }

      // email
      String emailKind = drawEmailKind(ch);
      String emailKey = "";
      String email = "";
      String workEmail = p.renamedEmail != null && i >= p.surnameChangeAt && jobIndex == p.renamedJob
          ? p.renamedEmail : job.workEmail();
      if (emailKind.equals("work") && workEmail == null) {
        emailKind = p.personalEmail != null && chance(0.5) ? "personal" : "none";
      }
      if (emailKind.equals("personal") && p.personalEmail == null) {
        emailKind = workEmail != null ? "work" : "none";
      }
      if (emailKind.equals("role") && company == null) {
        emailKind = "none";
      }
      switch (emailKind) {
        case "work" -> {
          emailKey = Objects.requireNonNull(workEmail);
          if (jobIndex == 1 && chance(0.15) && p.jobs.get(0).workEmail() != null) {
            emailKey = Objects.requireNonNull(p.jobs.get(0).workEmail());
            tags.add("email:stale");
          }
          email = emailKey;
          Company owner = jobIndex == 1 && tags.contains("email:stale") ? p.jobs.get(0).company() : company;
          if (owner != null && owner.altDomain != null && email.endsWith("@" + owner.domain) && chance(0.2)) {
            email = email.substring(0, email.indexOf('@') + 1) + owner.altDomain;
            tags.add("email:alt-domain");
          }
        }
        case "personal" -> {
          emailKey = Objects.requireNonNull(p.personalEmail);
          email = emailKey;
          if (email.endsWith("@gmail.com") && chance(0.35)) {
            email = Noise.gmailDots(email, rnd);
            tags.add("email:gmail-dots");
          }
        }
        case "role" -> {
          emailKey = pick(Objects.requireNonNull(company).roleBoxes) + "@" + company.domain;
          email = emailKey;
        }
        default -> {
          // none
        }
      }
      if (!email.isEmpty()) {
        if (chance(0.03)) {
          email = Noise.plusTag(email, rnd);
          tags.add("email:plus-tag");
        }
        if (chance(0.01 * typoRate)) {
          email = Noise.emailTypo(email, rnd);
          tags.add("typo:email");
        }
        if (!upperRow && chance(0.12)) {
          email = Noise.emailCase(email, rnd);
          tags.add("email:case");
        }
      }

      // phone
      String phoneKind = drawPhoneKind(ch);
      Office office = job.office();
      if (phoneKind.equals("mobile") && p.mobile == null) {
        phoneKind = job.direct() != null ? "direct" : "none";
      }
      if (phoneKind.equals("direct") && job.direct() == null) {
        phoneKind = office != null && chance(0.4) ? "switchboard" : "none";
      }
      if (phoneKind.equals("switchboard") && office == null) {
        phoneKind = job.direct() != null ? "direct" : "none";
      }
      Phone number = switch (phoneKind) {
        case "mobile" -> p.mobile;
        case "direct" -> job.direct();
        case "switchboard" -> Objects.requireNonNull(office).switchboard();
        default -> null;
      };
      String phone = "";
      String phoneKey = "";
      if (number != null) {
        phoneKey = number.key();
        Phone written = number;
        if (chance(0.01 * typoRate)) {
          written = new Phone(number.dialing(), number.area(), Noise.digitTypo(number.local(), rnd));
          tags.add("typo:phone");
        }
        phone = Noise.formatPhone(written, rnd, true);
        if (!number.dialing().equals("1") && phone.startsWith("0")) {
          tags.add("phone:national-format");
        }
        if (phoneKind.equals("switchboard") ? chance(0.35) : chance(0.03)) {
          phone += Noise.extension(rnd);
          tags.add("phone:extension");
        }
      }
      String mobile = p.mobile != null && chance(ch == Channel.SYNC ? 0.5 : 0.25)
          ? Noise.formatPhone(p.mobile, rnd, true) : "";

      // company
      String companyText = "";
      if (company != null) {
        if (chance(switch (ch) {
          case SYNC -> 0.02;
          case MANUAL -> 0.07;
          case IMPORT -> 0.04;
          case WEBFORM -> 0.15;
        })) {
          tags.add("company:missing");
        } else {
          companyText = companyName(company, tags, typoRate);
        }
      }

      // city and state
      City city = job.city();
      String cityText = "";
      String state = "";
      double cityMissing = switch (ch) {
        case SYNC -> 0.15;
        case MANUAL -> 0.3;
        case IMPORT -> 0.25;
        case WEBFORM -> 0.4;
      };
      if (chance(cityMissing)) {
        tags.add("city:missing");
      } else {
        cityText = city.name();
        if (!city.variants().isEmpty() && chance(0.2)) {
          cityText = pick(city.variants());
          tags.add("city:variant");
        } else if (Noise.hasAccent(cityText) && chance(ch == Channel.IMPORT ? 0.85 : 0.45)) {
          cityText = Noise.stripAccents(cityText);
          tags.add("city:variant");
        }
        if (chance(0.012 * typoRate)) {
          cityText = Noise.typo(cityText, rnd);
          tags.add("typo:city");
        }
        state = chance(0.7) ? city.state() : "";
      }
      String title = chance(0.8) ? job.title() : "";

      if (upperRow) {
        first = Noise.upper(first);
        last = Noise.upper(last);
        email = Noise.upper(email);
        companyText = Noise.upper(companyText);
        cityText = Noise.upper(cityText);
        state = Noise.upper(state);
        title = Noise.upper(title);
        tags.add("case:upper-row");
      }
      String id = recordId();
      rows.add(List.of(id, first, last, title, email, companyText, phone, mobile, cityText, state,
          format.dates.format(when)));
      truth.add(new RecordTruth(id, "p" + (p.id < 0 ? -p.id + "b" : Integer.toString(p.id)),
          company == null ? "" : "c" + company.id, jobIndex, fold(p.given), fold(form), fold(surname), emailKind,
          Noise.lower(emailKey), phoneKind, phoneKey, p.household, tags));
    }

    private String drawEmailKind(Channel ch) {
      int e = rnd.nextInt(100);
      return switch (ch) {
        case SYNC -> e < 80 ? "work" : e < 85 ? "personal" : e < 88 ? "role" : "none";
        case MANUAL -> e < 58 ? "work" : e < 72 ? "personal" : e < 78 ? "role" : "none";
        case IMPORT -> e < 55 ? "work" : e < 63 ? "personal" : e < 76 ? "role" : "none";
        case WEBFORM -> e < 45 ? "work" : e < 95 ? "personal" : "none";
      };
    }

    private String drawPhoneKind(Channel ch) {
      int e = rnd.nextInt(100);
      return switch (ch) {
        case SYNC -> e < 55 ? "direct" : e < 75 ? "switchboard" : e < 85 ? "mobile" : "none";
        case MANUAL -> e < 35 ? "direct" : e < 55 ? "switchboard" : e < 75 ? "mobile" : "none";
        case IMPORT -> e < 20 ? "direct" : e < 65 ? "switchboard" : "none";
        case WEBFORM -> e < 15 ? "direct" : e < 75 ? "mobile" : "none";
      };
    }

    private String companyName(Company c, List<String> tags, double typoRate) {
      String name = c.name;
      if (c.segment == Segment.BIG && name.split(" ").length >= 2 && chance(0.03)) {
        tags.add("company:initials");
        return Noise.initials(name);
      }
      if (name.contains(" & ") && chance(0.3)) {
        name = name.replace(" & ", " and ");
        tags.add("company:suffix-variant");
      }
      String suffix;
      int s = rnd.nextInt(100);
      if (c.form == LegalForm.NONE || s < 15) {
        suffix = "";
        if (c.form != LegalForm.NONE) {
          tags.add("company:suffix-variant");
        }
      } else if (s < 50 || c.form.others.isEmpty()) {
        suffix = c.form.canonical;
      } else {
        suffix = pick(c.form.others);
        tags.add("company:suffix-variant");
      }
      String out = suffix.isEmpty() ? name : suffix.startsWith(",") ? name + suffix : name + " " + suffix;
      if (chance(0.012 * typoRate)) {
        out = Noise.typo(out, rnd);
        tags.add("typo:company");
      }
      return out;
    }

    private String recordId() {
      String id;
      do {
        id = format == Format.SALESFORCE ? salesforceId() : Long.toString(1_000_000_000L + idRnd.nextLong(90_000_000_000L));
      } while (!ids.add(id));
      return id;
    }

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /** An 18-character Salesforce contact id: key prefix 003, pod, a counter, and the case-safe suffix. */
    private String salesforceId() {
      StringBuilder b = new StringBuilder("0035e0000");
      for (int k = 0; k < 6; k++) {
        b.append(BASE62.charAt(idRnd.nextInt(62)));
      }
      String id15 = b.toString();
      StringBuilder suffix = new StringBuilder();
      for (int chunk = 0; chunk < 3; chunk++) {
        int bits = 0;
        for (int k = 0; k < 5; k++) {
          char c = id15.charAt(chunk * 5 + k);
          if (c >= 'A' && c <= 'Z') {
            bits |= 1 << k;
          }
        }
        suffix.append("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".charAt(bits));
      }
      return id15 + suffix;
    }
  }

  /** Lower case, accents removed: how the truth file writes names. */
  static String fold(String s) {
    return Noise.lower(Noise.stripAccents(s));
  }

  /** Counts of a few properties, to check the generator against its Javadoc. */
  static Map<String, Long> profile(Dataset d) {
    Map<String, Long> m = new HashMap<>();
    for (RecordTruth t : d.truth()) {
      for (String tag : t.tags()) {
        m.merge(tag, 1L, Long::sum);
      }
      m.merge("email:" + t.emailKind(), 1L, Long::sum);
      m.merge("phone:" + t.phoneKind(), 1L, Long::sum);
    }
    return m;
  }
}
